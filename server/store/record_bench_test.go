package store

import (
	"encoding/json"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// BenchmarkRecordRead: the cost of the envelope's checksum on a read, next
// to the decoding every read does anyway, on a revision of a real size
// (two legal bases of about 300 characters): the JSON of schema 5 and
// older against the protobuf record of schema 6.
func BenchmarkRecordRead(b *testing.B) {
	basis := registry.LegalBasis{Level: 1, Title: "《中华人民共和国土地管理法》", Article: "第七十七条"}
	for range 20 {
		basis.Text += "未经批准或者采取欺骗手段骗取批准，非法占用土地的，"
	}
	r := registry.Revision{Item: 12, Number: 3, Change: registry.ChangeModify, Actor: "gtzyj-clerk",
		Content: registry.Content{DisplayName: "对非法占用土地的处罚", Category: registry.CategoryPenalty,
			LegalBases: []registry.LegalBasis{basis, basis}}}
	jsonPayload, err := json.Marshal(&r)
	if err != nil {
		b.Fatal(err)
	}
	payload, err := encodePayload(&r)
	if err != nil {
		b.Fatal(err)
	}
	key := revKey(r.Item, r.Number)
	rec := EncodeRecordAs(key, RecordProto, payload)
	b.Logf("record of %d bytes (the JSON payload: %d bytes)", len(rec), len(jsonPayload))
	b.Run("checksum", func(b *testing.B) {
		b.SetBytes(int64(len(rec)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeRecord(key, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out registry.Revision
			if err := json.Unmarshal(jsonPayload, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("proto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePayload[registry.Revision](payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checksum+proto", func(b *testing.B) {
		b.ReportAllocs()
		t := &txn{}
		for b.Loop() {
			if _, err := load[registry.Revision](t, bRevisions, key, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
