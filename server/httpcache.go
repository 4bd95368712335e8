package server

// HTTP caching, compression and CORS of the REST port.
//
// The published catalogue changes rarely (at central publications, a few
// times a year) and is read by every portal page, so its REST responses are
// designed to be cached everywhere, and their validators to cost nothing:
//
//   - ETag. The response to GET /v1/catalog/… is a function of the request's
//     path and query, of the catalogue revision (the registry revision of the
//     last publication or department rename, server/registry/catalogversion.go)
//     and of the running binary. Its strong ETag is derived from these alone,
//     `"c<catalogue revision>-<16 hex digits of a hash of path?query and the
//     build>"`, so that an If-None-Match is answered 304 after one read of the
//     store's meta bucket, without running the request (no gRPC call, no
//     catalogue scan). The gzip-encoded representation has its own ETag,
//     suffixed `-gz`; If-None-Match accepts either (weak comparison, as RFC
//     9110 requires for it; lists, W/ and `*` are understood). Edits of
//     drafts, reviews and tokens do not change the catalogue revision, so
//     they do not invalidate anybody's cache.
//   - The revision is read before and after rendering a response; a
//     publication in between leaves that one response without an ETag and
//     out of the cache, so that an ETag never names a body older than its
//     revision.
//   - Cache-Control of catalogue answers: `public, max-age=60,
//     stale-while-revalidate=300`. A publication then reaches every reader
//     within a minute (browsers and the government's CDN revalidate with a
//     304 at no cost), and a portal never waits on the registry for a page it
//     has seen. Errors are `no-store`. Everything else under /v1/ is
//     `no-store`: it holds drafts and needs a token. A request carrying
//     Authorization is answered `private` (it is neither served from nor
//     stored in the shared caches, ours included, and its 304 is decided
//     after the call has been authenticated).
//   - An in-memory cache of rendered responses, keyed by catalogue revision
//     and canonical path?query (the query's parameters sorted), holds the
//     JSON body and its gzip encoding (made once, at the best compression
//     level worth it). A repeated portal page is then one map lookup and one
//     write (header and body in one system call, gather.go), skipping the
//     gateway, the gRPC loopback and the store. It is
//     bounded in bytes (least recently used entries go first) and emptied as
//     a whole when the catalogue revision moves. Concurrent misses of the
//     same page wait for the first one (no stampede after a publication).
//     Only 200 answers are kept.
//   - gzip (compress/gzip) when Accept-Encoding allows it, for JSON bodies of
//     at least gzipMinSize bytes, on every path; `Vary: Accept-Encoding,
//     Origin` on every answer. Tokens travel in a header that browsers never
//     add by themselves, so compressing answers to authenticated calls does
//     not open the cross-site compression attacks (BREACH) that cookies do.
//   - CORS for the origins configured (--cors-origin; exact match after
//     normalisation, or `*`): the origin is echoed in
//     Access-Control-Allow-Origin, ETag and X-Request-Id are exposed, and
//     preflights are answered here: GET and HEAD on the catalogue, the
//     registry's methods elsewhere, with the headers Authorization,
//     Content-Type, If-None-Match and X-Request-Id. Preflights from other
//     origins get 403. No credentials mode: tokens are bearer headers, not
//     cookies.
//
// The catalogue's streaming route (…/changes:watch) is passed through as is:
// neither cached, buffered nor compressed.

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/powerreg/powerreg/server/registry"
)

const (
	catalogPrefix = "/v1/catalog/"
	// catalogCacheControl: fresh for a minute, then served stale while a
	// cache revalidates (a 304 at no cost here) for five more.
	catalogCacheControl = "public, max-age=60, stale-while-revalidate=300"
	// privateCacheControl is for catalogue answers to calls with a token.
	privateCacheControl = "private, max-age=60"
	noStore             = "no-store"
	// gzipMinSize: smaller bodies gain too little to be worth compressing.
	gzipMinSize = 512
	// DefaultCatalogCacheBytes bounds the memory of the catalogue response
	// cache when Config.CatalogCacheBytes is 0: some thousand pages.
	DefaultCatalogCacheBytes = 64 << 20
	corsAllowHeaders         = "Authorization, Content-Type, If-None-Match, X-Request-Id"
	corsExposeHeaders        = "ETag, X-Request-Id"
	corsMaxAge               = "600"
)

// httpLayer wraps the REST mux with caching, compression and CORS.
type httpLayer struct {
	next      http.Handler
	catalog   func() (int64, error) // the catalogue revision
	cache     *responseCache        // nil when disabled
	origins   map[string]bool
	anyOrigin bool
	stamp     string // identifies the build in ETags
	keys      keyMemo
}

func newHTTPLayer(next http.Handler, svc *registry.Service, cfg Config) (*httpLayer, error) {
	origins, any, err := ParseCORSOrigins(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	h := &httpLayer{next: next, catalog: svc.CatalogRevision, origins: origins, anyOrigin: any, stamp: buildStamp()}
	switch size := cfg.CatalogCacheBytes; {
	case size == 0:
		h.cache = newResponseCache(DefaultCatalogCacheBytes)
	case size > 0:
		h.cache = newResponseCache(size)
	}
	return h, nil
}

// ParseCORSOrigins checks and normalises the origins allowed to call the
// REST API from a browser: `scheme://host[:port]` (http or https, no path;
// the scheme's default port dropped, lower case), or `*` for any. It returns
// the origins and whether any origin is allowed.
func ParseCORSOrigins(list []string) (map[string]bool, bool, error) {
	out := map[string]bool{}
	any := false
	for _, o := range list {
		o = strings.TrimSpace(o)
		if o == "*" {
			any = true
			continue
		}
		u, err := url.Parse(o)
		bad := err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != ""
		if bad {
			return nil, false, fmt.Errorf("CORS origin %q: give scheme://host[:port], e.g. https://portal.example.gov.cn, without a path or a trailing slash, or * / "+
				"跨域来源 %q 格式不对，应为 scheme://host[:port]，如 https://portal.example.gov.cn，末尾不加斜杠；或 *", o, o)
		}
		host := strings.ToLower(u.Host)
		if p := u.Port(); (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
			host = strings.TrimSuffix(host, ":"+p)
		}
		out[strings.ToLower(u.Scheme)+"://"+host] = true
	}
	return out, any, nil
}

// buildStamp identifies the binary, whose code shapes the bytes of every
// response (protojson even varies its spacing per binary): a hash of the
// build's version control state when the build is clean, else a random
// value per process (ETags then change at restarts, costing one full
// response per client).
func buildStamp() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" && modified == "false" {
			return info.GoVersion + "/" + info.Main.Version + "/" + rev
		}
		if v := info.Main.Version; v != "" && v != "(devel)" && info.Main.Sum != "" {
			return info.GoVersion + "/" + v + "/" + info.Main.Sum
		}
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Headers set on every catalogue page are written into the header map
// directly, keys already canonical: Header.Set would check each key again
// on every request, and a page costs a few microseconds in all. Their
// values are shared slices of one element, which Header.Add and Set
// replace rather than change.

var (
	varyHdr      = []string{"Accept-Encoding, Origin"}
	catalogCCHdr = []string{catalogCacheControl}
	privateCCHdr = []string{privateCacheControl}
)

func (h *httpLayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if v := hdr["Vary"]; v == nil {
		hdr["Vary"] = varyHdr
	} else {
		hdr["Vary"] = append(v, varyHdr[0])
	}
	if h.cors(w, r) {
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, ":watch"):
		// A stream: flushed message by message, never buffered.
		w.Header().Set("Cache-Control", noStore)
		h.next.ServeHTTP(w, r)
	case strings.HasPrefix(path, catalogPrefix) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		h.serveCatalog(w, r)
	default:
		if strings.HasPrefix(path, "/v1/") {
			w.Header().Set("Cache-Control", noStore)
		}
		serveGzipped(w, r, h.next)
	}
}

// cors sets the CORS headers of an allowed origin, and answers preflights;
// it reports whether it answered.
func (h *httpLayer) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	allowed := h.anyOrigin || h.origins[origin]
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	hdr := w.Header()
	if !allowed {
		if preflight {
			hdr.Set("Cache-Control", noStore)
			w.WriteHeader(http.StatusForbidden)
			return true
		}
		return false
	}
	hdr.Set("Access-Control-Allow-Origin", origin)
	if !preflight {
		hdr.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		return false
	}
	hdr.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
	methods := "GET, POST, PATCH, DELETE, OPTIONS"
	if strings.HasPrefix(r.URL.Path, catalogPrefix) {
		methods = "GET, HEAD, OPTIONS"
	}
	hdr.Set("Access-Control-Allow-Methods", methods)
	hdr.Set("Access-Control-Allow-Headers", corsAllowHeaders)
	hdr.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusNoContent)
	return true
}

// cachedResponse is a rendered 200 answer of the catalogue.
type cachedResponse struct {
	key         string
	etag        string // of the identity encoding; quoted
	contentType string
	body        []byte
	gz          []byte // the body gzipped; nil when too small to be worth it
	size        int64
	// Header values of each encoding, made once (see ServeHTTP).
	identity, gzipped encoding
	contentTypeHdr    []string
}

// encoding is one encoding of a cached answer, with its header values.
type encoding struct {
	body         []byte
	etag, length []string
}

var gzipHdr = []string{"gzip"}

func (e *cachedResponse) gzETag() string { return e.etag[:len(e.etag)-1] + `-gz"` }

// etag is the ETag of the identity encoding of key at catalogue revision
// rev.
func (h *httpLayer) etag(rev int64, key string) string {
	f := fnv.New64a()
	f.Write([]byte(h.stamp))
	f.Write([]byte{0})
	f.Write([]byte(key))
	var b [40]byte
	out := append(b[:0], `"c`...)
	out = strconv.AppendInt(out, rev, 10)
	out = append(out, '-')
	out = hex.AppendEncode(out, f.Sum(nil))
	return string(append(out, '"'))
}

// keyMemo remembers the cache keys of the request URLs seen: portals ask
// for the same pages over and over, and putting a query in canonical order
// costs more than the rest of a cached answer. It forgets everything when
// full.
type keyMemo struct {
	m sync.Map // rawURL → string
	n atomic.Int64
}

type rawURL struct{ path, rawPath, query string }

const keyMemoSize = 10000

func (k *keyMemo) of(u *url.URL) string {
	raw := rawURL{u.Path, u.RawPath, u.RawQuery}
	if key, ok := k.m.Load(raw); ok {
		return key.(string)
	}
	key := cacheKey(u)
	if k.n.Add(1) > keyMemoSize {
		k.m.Clear()
		k.n.Store(1)
	}
	k.m.Store(raw, key)
	return key
}

// cacheKey is a request's path and its query with the parameters in a
// canonical order (the gateway reads them as a set of lists, so that
// ?a=1&b=2 and ?b=2&a=1 get the same answer).
func cacheKey(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery == "" {
		return p
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return p + "?" + u.RawQuery
	}
	return p + "?" + q.Encode()
}

func (h *httpLayer) serveCatalog(w http.ResponseWriter, r *http.Request) {
	private := r.Header.Get("Authorization") != ""
	gz := acceptsGzip(r.Header.Values("Accept-Encoding"))
	rev, err := h.catalog()
	if err != nil {
		// Serve it uncached; the call will likely report the store's state.
		w.Header().Set("Cache-Control", noStore)
		serveGzipped(w, r, h.next)
		return
	}
	key := h.keys.of(r.URL)
	inm := r.Header.Get("If-None-Match")
	var lead *flight // the miss this request renders for others too
	var e *cachedResponse
	defer func() { h.cache.finish(lead, e) }()
	if !private && h.cache != nil {
		var f *flight
		var leader bool
		e, f, leader = h.cache.getOrJoin(rev, key)
		switch {
		case e != nil:
			h.answer(w, r, e, gz, false, inm, requestID(r, ""))
			return
		case leader:
			lead = f
		case f != nil:
			select {
			case <-f.done:
			case <-r.Context().Done():
				return
			}
			if f.e != nil {
				h.answer(w, r, f.e, gz, false, inm, requestID(r, ""))
				return
			}
		}
	}
	etag := h.etag(rev, key)
	if !private && inm != "" {
		// No body needed to know that the client's copy is current.
		if tag, ok := matchETag(inm, etag, ""); ok {
			notModified(w, r, tag, catalogCacheControl)
			return
		}
	}
	rec := render(h.next, r)
	after, err := h.catalog()
	if rec.status != http.StatusOK || err != nil || after != rev {
		// An error, or a publication during the call: not cached and no
		// ETag (a 200 is then newer than rev, so still fit to keep a while).
		cc := noStore
		if rec.status == http.StatusOK && !private {
			cc = catalogCacheControl
		}
		rec.replay(w, r, cc)
		return
	}
	if searchBehind(rec.header, rev) {
		// A search answered by an index still catching up: right for now,
		// but not to be kept by anyone under the catalogue's revision.
		rec.replay(w, r, noStore)
		return
	}
	// A copy of its own size: the cache counts the bytes it holds.
	e = newCachedResponse(key, etag, rec.header.Get("Content-Type"), bytes.Clone(rec.body.Bytes()))
	if !private {
		h.cache.put(rev, e)
	}
	h.answer(w, r, e, gz, private, inm, requestID(r, rec.header.Get("X-Request-Id")))
}

// searchBehind reports whether a rendered answer is a search computed at
// an index revision older than rev (catalog_search.go).
func searchBehind(h http.Header, rev int64) bool {
	v := h.Get(searchRevisionHeader)
	if v == "" {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err != nil || n < rev
}

// answer writes a rendered response, or 304 when If-None-Match names it.
func (h *httpLayer) answer(w http.ResponseWriter, r *http.Request, e *cachedResponse, gz, private bool, inm, id string) {
	cc := catalogCCHdr
	if private {
		cc = privateCCHdr
	}
	enc, zipped := &e.identity, gz && e.gz != nil
	if zipped {
		enc = &e.gzipped
	}
	hdr := w.Header()
	hdr["X-Request-Id"] = []string{id}
	if inm != "" {
		if matched, ok := matchETag(inm, e.etag, enc.etag[0]); ok {
			notModified(w, r, matched, cc[0])
			return
		}
	}
	hdr["Content-Type"] = e.contentTypeHdr
	hdr["Cache-Control"] = cc
	hdr["Etag"] = enc.etag
	if zipped {
		hdr["Content-Encoding"] = gzipHdr
	}
	hdr["Content-Length"] = enc.length
	body := enc.body
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	if len(body) > gatherMinSize {
		if c := gatherer(r); c != nil {
			// Header and body leave in one write (gather.go). The
			// header is flushed first, so that net/http's buffer holds
			// none of the body, which then comes through whole.
			c.hold(body)
			defer c.send()
			rc := http.NewResponseController(w)
			w.WriteHeader(http.StatusOK)
			rc.Flush()
			w.Write(body)
			rc.Flush()
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// gatherMinSize: a smaller answer fits in net/http's buffer with its
// header, and leaves in one write anyway.
const gatherMinSize = 2048

func notModified(w http.ResponseWriter, r *http.Request, etag, cc string) {
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Cache-Control", cc)
	if hdr.Get("X-Request-Id") == "" {
		hdr.Set("X-Request-Id", requestID(r, ""))
	}
	w.WriteHeader(http.StatusNotModified)
}

// requestID is the id of a request answered without a gRPC call: the
// caller's, as the interceptor would take it, or a new one.
func requestID(r *http.Request, fallback string) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 {
		return id
	}
	if fallback != "" {
		return fallback
	}
	return newRequestID()
}

// matchETag applies If-None-Match (a list of entity tags, or *) to a
// response whose identity encoding has etag and whose encoding chosen for
// this request has chosen ("" when unknown, i.e. the body was not
// rendered). Comparison is weak (W/ ignored); a tag of either encoding
// matches, both naming the same content. It returns the tag to send.
func matchETag(inm, etag, chosen string) (string, bool) {
	gzTag := etag[:len(etag)-1] + `-gz"`
	for inm != "" {
		inm = strings.TrimLeft(inm, " \t,")
		if inm == "" {
			break
		}
		var tag string
		switch {
		case inm[0] == '*':
			if chosen == "" {
				return "", false // whether a representation exists is unknown
			}
			return chosen, true
		case strings.HasPrefix(inm, "W/"):
			inm = inm[2:]
		}
		if inm == "" || inm[0] != '"' {
			return "", false // malformed: ignore the header
		}
		end := strings.IndexByte(inm[1:], '"')
		if end < 0 {
			return "", false
		}
		tag, inm = inm[:end+2], inm[end+2:]
		if tag == etag || tag == gzTag {
			return tag, true
		}
	}
	return "", false
}

// acceptsGzip reads Accept-Encoding: gzip (or x-gzip, or *) with a
// non-zero q.
func acceptsGzip(values []string) bool {
	star := false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "gzip" && name != "x-gzip" && name != "*" {
				continue
			}
			ok := true
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					if q, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && q <= 0 {
						ok = false
					}
				}
			}
			if name == "*" {
				star = star || ok
				continue
			}
			return ok
		}
	}
	return star
}

func newCachedResponse(key, etag, contentType string, body []byte) *cachedResponse {
	e := &cachedResponse{key: key, etag: etag, contentType: contentType, body: body}
	if len(body) >= gzipMinSize && isJSON(contentType) {
		var buf bytes.Buffer
		zw := gzipWriters[bestLevel].Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(body)
		zw.Close()
		gzipWriters[bestLevel].Put(zw)
		if buf.Len() < len(body) {
			e.gz = buf.Bytes()
		}
	}
	e.size = int64(len(key)+len(etag)+len(contentType)+len(body)+len(e.gz)) + 256
	e.contentTypeHdr = []string{contentType}
	e.identity = encoding{body: body, etag: []string{etag}, length: []string{strconv.Itoa(len(body))}}
	if e.gz != nil {
		e.gzipped = encoding{body: e.gz, etag: []string{e.gzETag()}, length: []string{strconv.Itoa(len(e.gz))}}
	}
	return e
}

func isJSON(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}

// recorder captures a response of the gateway.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.body.Write(p)
}

// render runs a catalogue GET (a HEAD runs as a GET) through the gateway
// and captures its answer.
func render(next http.Handler, r *http.Request) *recorder {
	r2 := r.WithContext(r.Context())
	r2.Method = http.MethodGet
	r2.Header = r.Header.Clone()
	// Answered here, or meaningless for a buffered answer (trailers).
	for _, k := range []string{"If-None-Match", "Accept-Encoding", "Te"} {
		r2.Header.Del(k)
	}
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, r2)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

// replay writes a captured answer that is not cached: its content type,
// request id, authentication challenge and body, compressed when worth it.
func (rec *recorder) replay(w http.ResponseWriter, r *http.Request, cc string) {
	hdr := w.Header()
	for _, k := range []string{"Content-Type", "X-Request-Id", "WWW-Authenticate"} {
		if v := rec.header.Values(k); len(v) > 0 {
			hdr[k] = v
		}
	}
	hdr.Set("Cache-Control", cc)
	body := rec.body.Bytes()
	if len(body) >= gzipMinSize && isJSON(hdr.Get("Content-Type")) && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		var buf bytes.Buffer
		zw := gzipWriters[fastLevel].Get().(*gzip.Writer)
		zw.Reset(&buf)
		zw.Write(body)
		zw.Close()
		gzipWriters[fastLevel].Put(zw)
		body = buf.Bytes()
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// gzip writers, pooled (each holds some hundred kilobytes): the best level
// for cached answers, compressed once; a fast one for the others.
const (
	bestLevel = iota
	fastLevel
)

var gzipWriters = [2]sync.Pool{
	{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestCompression); return w }},
	{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }},
}

// serveGzipped runs next, compressing its JSON answer when the client
// accepts gzip and the body is large enough.
func serveGzipped(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if !acceptsGzip(r.Header.Values("Accept-Encoding")) || r.Method == http.MethodHead {
		next.ServeHTTP(w, r)
		return
	}
	g := &gzipWriter{ResponseWriter: w}
	defer g.close()
	next.ServeHTTP(g, r)
}

// gzipWriter holds back the first gzipMinSize bytes of a body to decide
// whether to compress it: a JSON body that reaches that size is.
type gzipWriter struct {
	http.ResponseWriter
	status  int
	buf     []byte
	decided bool
	zw      *gzip.Writer
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) WriteHeader(code int) {
	if g.decided {
		g.ResponseWriter.WriteHeader(code) // superfluous; net/http logs it
		return
	}
	if code >= 100 && code < 200 {
		g.ResponseWriter.WriteHeader(code) // informational: passed on at once
		return
	}
	if g.status == 0 {
		g.status = code
	}
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	if g.decided {
		if g.zw != nil {
			return g.zw.Write(p)
		}
		return g.ResponseWriter.Write(p)
	}
	g.buf = append(g.buf, p...)
	if len(g.buf) >= gzipMinSize {
		if err := g.decide(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// decide sends the header, compressing when the body held back is large
// enough, then the body held back.
func (g *gzipWriter) decide() error {
	g.decided = true
	hdr := g.Header()
	if g.status == 0 {
		g.status = http.StatusOK
	}
	compress := len(g.buf) >= gzipMinSize && isJSON(hdr.Get("Content-Type")) && hdr.Get("Content-Encoding") == "" &&
		g.status != http.StatusNoContent && g.status != http.StatusNotModified
	if compress {
		hdr.Set("Content-Encoding", "gzip")
		hdr.Del("Content-Length")
		g.zw = gzipWriters[fastLevel].Get().(*gzip.Writer)
		g.zw.Reset(g.ResponseWriter)
	}
	g.ResponseWriter.WriteHeader(g.status)
	buf := g.buf
	g.buf = nil
	if len(buf) == 0 {
		return nil
	}
	var err error
	if g.zw != nil {
		_, err = g.zw.Write(buf)
	} else {
		_, err = g.ResponseWriter.Write(buf)
	}
	return err
}

// Flush sends what is held back (uncompressed when it is short: a stream)
// and flushes.
func (g *gzipWriter) Flush() {
	if !g.decided {
		g.decide()
	}
	if g.zw != nil {
		g.zw.Flush()
	}
	http.NewResponseController(g.ResponseWriter).Flush()
}

func (g *gzipWriter) close() {
	if !g.decided && (g.status != 0 || len(g.buf) > 0) {
		g.decide()
	}
	if g.zw != nil {
		g.zw.Close()
		g.zw.Reset(nil)
		gzipWriters[fastLevel].Put(g.zw)
		g.zw = nil
	}
}

// responseCache holds rendered catalogue answers of one catalogue revision,
// least recently used first out when it exceeds its bound.
type responseCache struct {
	mu      sync.Mutex
	max     int64
	size    int64
	rev     int64
	lru     list.List // of *cachedResponse, most recent first
	entries map[string]*list.Element
	flights map[string]*flight // misses being rendered at rev, by key
}

// flight is a miss being rendered; others asking for it wait for done.
type flight struct {
	key  string
	done chan struct{}
	e    *cachedResponse // set before done closes; nil when not cacheable
}

func newResponseCache(max int64) *responseCache {
	return &responseCache{max: max, entries: map[string]*list.Element{}, flights: map[string]*flight{}}
}

// sync moves the cache to revision rev, emptying it, when rev is newer;
// it reports whether rev is the cache's revision.
func (c *responseCache) sync(rev int64) bool {
	if rev > c.rev {
		c.rev, c.size = rev, 0
		c.lru.Init()
		clear(c.entries)
		clear(c.flights) // their leaders still finish them, for their waiters
	}
	return rev == c.rev
}

// getOrJoin returns the cached answer of key at rev, or else a flight:
// to lead (render, then finish) or to wait for.
func (c *responseCache) getOrJoin(rev int64, key string) (e *cachedResponse, f *flight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(rev) {
		return nil, nil, false // a request that read an older revision: on its own
	}
	if el := c.entries[key]; el != nil {
		c.lru.MoveToFront(el)
		return el.Value.(*cachedResponse), nil, false
	}
	if f := c.flights[key]; f != nil {
		return nil, f, false
	}
	f = &flight{key: key, done: make(chan struct{})}
	c.flights[key] = f
	return nil, f, true
}

// finish ends a flight, handing e (nil: render your own) to those waiting.
func (c *responseCache) finish(f *flight, e *cachedResponse) {
	if c == nil || f == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f.e = e
	if c.flights[f.key] == f {
		delete(c.flights, f.key)
	}
	close(f.done)
}

func (c *responseCache) put(rev int64, e *cachedResponse) {
	if c == nil || e.size > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(rev) {
		return
	}
	if el := c.entries[e.key]; el != nil {
		c.size -= el.Value.(*cachedResponse).size
		c.lru.Remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.max {
		el := c.lru.Back()
		old := el.Value.(*cachedResponse)
		c.lru.Remove(el)
		delete(c.entries, old.key)
		c.size -= old.size
	}
}
