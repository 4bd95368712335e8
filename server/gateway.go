package server

// The REST gateway's own decisions: a body is exactly one JSON value
// (except the import's stream of rows), and a path served with other
// methods answers 405 with Allow.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/server/registry"
)

// importRoute is the one client-streaming REST route: its body is a
// sequence of JSON objects, one ImportItemsRequest each.
const importRoute = "/v1/items:import"

// streamBody marks the body of the import's stream for oneValueJSON.
type streamBody struct{ io.ReadCloser }

// markStreams marks the import's body as a stream of JSON values; every
// other body must hold one.
func markStreams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == importRoute && r.Body != nil && r.Body != http.NoBody {
			r.Body = &streamBody{r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// oneValueJSON is the gateway's JSON marshaler; its decoder refuses text
// after the request's JSON object (`{…} garbage`), which json.Decoder
// would leave unread, except on the import's stream.
type oneValueJSON struct{ runtime.JSONPb }

func (m *oneValueJSON) NewDecoder(r io.Reader) runtime.Decoder {
	d := m.JSONPb.NewDecoder(r)
	w, ok := d.(runtime.DecoderWrapper)
	if _, stream := r.(*streamBody); stream || !ok { // !ok: the gateway changed; TestErrors says so
		return d
	}
	return oneValue{w}
}

type oneValue struct{ runtime.DecoderWrapper }

func (d oneValue) Decode(v any) error {
	if err := d.DecoderWrapper.Decode(v); err != nil {
		return err
	}
	// Only white space may follow. (Not wrapped: the gateway ignores an
	// io.EOF, which is an empty body.)
	if _, err := d.Token(); err != io.EOF {
		return errors.New("the body holds more after its JSON object; send exactly one object")
	}
	return nil
}

// probeKey marks a request routeProbe only matches, without serving it.
type probeKey struct{}

// routeProbe is a gateway middleware: a probe request (allowedMethods)
// learns that its method and path have a route, and is not served.
func routeProbe(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if found, ok := r.Context().Value(probeKey{}).(*bool); ok {
			*found = true
			return
		}
		next(w, r, params)
	}
}

// allowedMethods lists the methods the gateway serves at r's path, by
// asking it (its routes are not exported).
func allowedMethods(mux *runtime.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		found := false
		p := r.Clone(context.WithValue(r.Context(), probeKey{}, &found))
		p.Method, p.Body, p.ContentLength = m, http.NoBody, 0
		p.Header.Del("X-HTTP-Method-Override")
		mux.ServeHTTP(discard{}, p)
		if found {
			out = append(out, m)
			if m == http.MethodGet && strings.HasPrefix(r.URL.Path, catalogPrefix) && r.URL.Path != watchPath {
				out = append(out, http.MethodHead) // the catalogue's reads answer HEAD (httpcache.go)
			}
		}
	}
	return out
}

// routingError answers requests the gateway has no route for: 405 with
// Allow when the path is served with other methods (TRACE, OPTIONS, a
// DELETE of a list), else the gateway's own answer (404, 400).
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	if _, probe := r.Context().Value(probeKey{}).(*bool); probe {
		return
	}
	if code != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, code)
		return
	}
	allow := strings.Join(allowedMethods(mux, r), ", ")
	w.Header().Set("Allow", allow)
	st := withInfoMeta(status.New(codes.Unimplemented,
		"此路径不支持 "+r.Method+" 方法，可用的方法："+allow+" / the method "+r.Method+" is not allowed here; allowed: "+allow),
		registry.ReasonMethodNotAllowed, map[string]string{"allow": allow})
	gatewayError(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: http.StatusMethodNotAllowed, Err: st})
}

// discard is the answer of a probe, which writes none.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
