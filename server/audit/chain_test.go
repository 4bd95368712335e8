package audit

import (
	"testing"
	"time"
)

func chain(n int) []*Record {
	var out []*Record
	prev := ""
	for i := 1; i <= n; i++ {
		r := &Record{Seq: uint64(i), Time: time.Date(2014, 10, 8, 9, i, 0, 0, time.UTC), Principal: "clerk",
			Method: "/powerreg.v1.RegistryService/CreateItem", Resource: "departments/gtzyj", Outcome: "OK", PrevHash: prev}
		r.Hash = r.Sum()
		prev = r.Hash
		out = append(out, r)
	}
	return out
}

func TestVerify(t *testing.T) {
	if b := Verify(chain(5)); b != nil {
		t.Fatalf("whole chain: %+v", b)
	}
	edited := chain(5)
	edited[2].Principal = "someone-else"
	deleted := chain(5)
	deleted = append(deleted[:3], deleted[4:]...)
	lastRehashed := chain(5)
	lastRehashed[1].Outcome = "PERMISSION_DENIED"
	lastRehashed[1].Hash = lastRehashed[1].Sum() // a forger who rehashes one record breaks the next link
	for name, tc := range map[string]struct {
		records []*Record
		seq     uint64
	}{
		"edited": {edited, 3}, "deleted": {deleted, 4}, "rehashed": {lastRehashed, 3},
	} {
		b := Verify(tc.records)
		if b == nil || b.Seq != tc.seq {
			t.Errorf("%s: got %+v, want a break at %d", name, b, tc.seq)
		}
	}
}

// TestSumUnambiguous: moving text between fields changes the hash.
func TestSumUnambiguous(t *testing.T) {
	a := Record{Seq: 1, Principal: "ab", Method: "c"}
	b := Record{Seq: 1, Principal: "a", Method: "bc"}
	if a.Sum() == b.Sum() {
		t.Fatal("fields are not delimited")
	}
}
