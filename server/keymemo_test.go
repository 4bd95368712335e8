package server

import (
	"fmt"
	"net/url"
	"testing"
)

// TestKeyMemo: the memo gives the canonical key of every URL, the same for
// the same query in another order, also after it forgot everything.
func TestKeyMemo(t *testing.T) {
	var k keyMemo
	must := func(raw string) string {
		t.Helper()
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return k.of(u)
	}
	a := must("/v1/catalog/items?page_size=50&category=CATEGORY_PENALTY")
	if b := must("/v1/catalog/items?category=CATEGORY_PENALTY&page_size=50"); a != b || a != "/v1/catalog/items?category=CATEGORY_PENALTY&page_size=50" {
		t.Fatalf("keys %q and %q", a, b)
	}
	if again := must("/v1/catalog/items?page_size=50&category=CATEGORY_PENALTY"); again != a {
		t.Fatalf("memo gave %q, then %q", a, again)
	}
	if p := must("/v1/catalog/items/a%2Fb?x=1"); p != "/v1/catalog/items/a%2Fb?x=1" {
		t.Fatalf("escaped path: %q", p)
	}
	for i := range keyMemoSize + 10 {
		if got, want := must(fmt.Sprintf("/v1/catalog/items?q=%d&a=1", i)), fmt.Sprintf("/v1/catalog/items?a=1&q=%d", i); got != want {
			t.Fatalf("key %q, want %q", got, want)
		}
	}
	if n := k.n.Load(); n > keyMemoSize {
		t.Errorf("the memo holds %d keys, more than %d", n, keyMemoSize)
	}
	if b := must("/v1/catalog/items?category=CATEGORY_PENALTY&page_size=50"); b != a {
		t.Errorf("after forgetting: %q", b)
	}
}
