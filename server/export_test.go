package server

import "net/http"

// CloseSearch closes a server's search index, as if it were lost: the
// server is then not ready.
func CloseSearch(s *Server) { s.search.Close() }

// NewCatalogCache is the HTTP layer's catalogue cache in front of next,
// at the catalogue revision catalog returns.
func NewCatalogCache(next http.Handler, catalog func() (int64, error)) http.Handler {
	return &httpLayer{next: next, catalog: catalog, cache: newResponseCache(DefaultCatalogCacheBytes), stamp: "test"}
}

// SearchRevisionHeader is the header that carries a search answer's
// index revision to the HTTP layer.
const SearchRevisionHeader = searchRevisionHeader
