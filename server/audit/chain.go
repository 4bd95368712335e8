// Package audit defines the hash chain of the audit trail: each record
// carries the hash of the one before it, so that editing or deleting a
// record in the data file breaks the chain. The server writes the chain;
// powerctl audit verify recomputes it from the API, with this same code.
//
// Records are versioned: a record's hash covers the fields of its version,
// so that adding a field (the holder, in version 2) leaves every older
// record verifiable as it was written.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Record format versions. Version 1 records were stored without a version
// field (so 0 reads as 1) and have no holder.
const (
	Version1       = 1
	Version2       = 2 // adds Holder
	CurrentVersion = Version2
)

// Record is one audited call: a mutation that took effect, or a refused
// attempt.
type Record struct {
	Version   int       `json:",omitempty"` // format of the hash; 0 is Version1
	Seq       uint64    // 1, 2, 3, … with no gap
	Time      time.Time // UTC
	Principal string
	Holder    string `json:",omitempty"` // the person behind Principal (Version2)
	Method    string // full gRPC method, e.g. /powerreg.v1.RegistryService/CreateItem
	Resource  string // the resource the request named
	RequestID string
	Outcome   string // "OK", or the gRPC code of the refusal, e.g. "PERMISSION_DENIED"
	Reason    string // the ErrorInfo reason of a refusal
	Revision  int64  // registry revision of a mutation; 0 for refusals
	PrevHash  string // Hash of record Seq-1; "" for the first
	Hash      string // Sum of this record
}

// Sum hashes the record's fields and PrevHash (not Hash) in a fixed,
// unambiguous encoding: each field's length, then the field. Version 1
// hashes exactly what it always did; version 2 starts with the version
// (so that no record of one version hashes like one of another) and adds
// the holder. Sum of a version it does not know is "".
func (r *Record) Sum() string {
	fields := []string{
		strconv.FormatUint(r.Seq, 10), r.Time.UTC().Format(time.RFC3339Nano), r.Principal, r.Method,
		r.Resource, r.RequestID, r.Outcome, r.Reason, strconv.FormatInt(r.Revision, 10), r.PrevHash,
	}
	switch r.Version {
	case 0, Version1:
	case Version2:
		fields = append([]string{"v2", r.Holder}, fields...)
	default:
		return ""
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Break is the first broken link of a chain.
type Break struct {
	Seq    uint64
	Reason string // bilingual
}

// Verify checks records given oldest first; nil when the chain is whole.
func Verify(records []*Record) *Break {
	prev := ""
	for i, r := range records {
		want := uint64(i) + 1
		switch {
		case r.Seq != want:
			return &Break{want, "第 " + strconv.FormatUint(want, 10) + " 条记录缺失（被删除）/ record " +
				strconv.FormatUint(want, 10) + " is missing (deleted)"}
		case r.Version < 0 || r.Version > CurrentVersion:
			v := strconv.Itoa(r.Version)
			return &Break{r.Seq, "记录格式版本 " + v + " 未知，请升级 powerctl / record format version " + v +
				" is unknown to this program; use a newer powerctl"}
		case r.PrevHash != prev:
			return &Break{r.Seq, "记录的前一哈希与上一条不符（上一条被改动或删除）/ the previous-record hash does not match (the record before was changed or deleted)"}
		case r.Sum() != r.Hash:
			return &Break{r.Seq, "记录内容与其哈希不符（记录被改动）/ the record does not match its hash (it was changed)"}
		}
		prev = r.Hash
	}
	return nil
}
