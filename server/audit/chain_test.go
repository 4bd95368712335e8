package audit

import (
	"strings"
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

// TestVersionedChain: a trail written before holders (version 1 records,
// stored without a version) followed by version 2 records verifies; the
// holder of a version 2 record is covered by its hash, and turning a
// version 2 record into a version 1 one (dropping its holder) is caught.
func TestVersionedChain(t *testing.T) {
	mixed := func() []*Record {
		records := chain(3) // version 0: as stored before versions
		prev := records[2].Hash
		for i := 4; i <= 6; i++ {
			r := &Record{Version: CurrentVersion, Seq: uint64(i), Time: time.Date(2026, 12, 8, 9, i, 0, 0, time.UTC),
				Principal: "reviewer-li", Holder: "李四", Method: "/powerreg.v1.RegistryService/ApproveSubmission",
				Resource: "departments/gtzyj/submissions/1", Outcome: "OK", PrevHash: prev}
			r.Hash = r.Sum()
			prev = r.Hash
			records = append(records, r)
		}
		return records
	}
	if b := Verify(mixed()); b != nil {
		t.Fatalf("a chain of version 1 and version 2 records: %+v", b)
	}
	// The version 1 hashes are those the old code computed: pinned, so
	// that a change to Sum that would break old trails fails here.
	if got := chain(1)[0].Hash; got != "f6bfcbb6230f90d649dcd8f79f176557314af00ac7e6615699c54c9ea146123c" {
		t.Errorf("version 1 hash changed: %s", got)
	}
	holder := mixed()
	holder[4].Holder = "张三"
	downgraded := mixed()
	downgraded[4].Version, downgraded[4].Holder = 0, ""
	unknown := mixed()
	unknown[3].Version = 3
	for name, tc := range map[string]struct {
		records []*Record
		seq     uint64
		reason  string
	}{
		"holder changed": {holder, 5, "changed"}, "downgraded": {downgraded, 5, "changed"},
		"unknown version": {unknown, 4, "version 3"},
	} {
		b := Verify(tc.records)
		if b == nil || b.Seq != tc.seq || !strings.Contains(b.Reason, tc.reason) {
			t.Errorf("%s: got %+v, want a break at %d (%s)", name, b, tc.seq, tc.reason)
		}
	}
	// Same fields, other version: other hash.
	a := Record{Seq: 1, Principal: "x"}
	b := Record{Version: Version2, Seq: 1, Principal: "x"}
	if a.Sum() == b.Sum() {
		t.Error("versions 1 and 2 hash alike")
	}
}
