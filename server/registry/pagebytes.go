package registry

// PageBytes bounds the encoded size of one page of a list: a page ends
// early, with a next_page_token, when its next element would pass it
// (besides page_size). It is kept well under gRPC's default 4 MiB receive
// limit, with room for the rest of the answer (the token, facets and
// highlights of a search), so that a client with default settings reads
// every page. A page always holds at least one element: the largest one
// (an item within MaxItemBytes) fits too.
const PageBytes = 3 << 20

// budget counts the bytes of one page.
type budget struct {
	size func(any) int // Config.EncodedSize; nil: pages are bounded by count only
	left int
}

func (s *Service) pageBudget() *budget { return &budget{size: s.encodedSize, left: PageBytes} }

// watchBudget bounds one read of a watch: its send buffer's worth
// (Config.WatchBatchBytes), at most a page.
func (s *Service) watchBudget() *budget {
	b := s.pageBudget()
	if s.watchBatchBytes > 0 {
		b.left = min(b.left, s.watchBatchBytes)
	}
	return b
}

// full reports whether x, after n elements, would pass the page's bytes;
// when it does not, x is counted.
func (b *budget) full(n int, x any) bool {
	if b.size == nil {
		return false
	}
	sz := b.size(x)
	if n > 0 && sz > b.left {
		return true
	}
	b.left -= sz
	return false
}
