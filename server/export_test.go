package server

// CloseSearch closes a server's search index, as if it were lost: the
// server is then not ready.
func CloseSearch(s *Server) { s.search.Close() }
