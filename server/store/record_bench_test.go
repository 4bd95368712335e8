package store

import (
	"encoding/json"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// BenchmarkRecordRead: the cost of the envelope's checksum on a read, next
// to the JSON decoding every read does anyway, on a catalogue entry of a
// real size (two legal bases of about 300 characters).
func BenchmarkRecordRead(b *testing.B) {
	basis := registry.LegalBasis{Level: 1, Title: "《中华人民共和国土地管理法》", Article: "第七十七条"}
	for range 20 {
		basis.Text += "未经批准或者采取欺骗手段骗取批准，非法占用土地的，"
	}
	e := registry.CatalogEntry{Code: "430400-CF-001-0001-00", Department: "gtzyj", Item: 12, Revision: 3,
		Content: registry.Content{DisplayName: "对非法占用土地的处罚", Category: registry.CategoryPenalty,
			LegalBases: []registry.LegalBasis{basis, basis}}}
	payload, err := json.Marshal(&e)
	if err != nil {
		b.Fatal(err)
	}
	key := []byte(e.Code)
	rec := EncodeRecord(key, payload)
	b.Logf("record of %d bytes", len(rec))
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
			var out registry.CatalogEntry
			if err := json.Unmarshal(payload, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("checksum+json", func(b *testing.B) {
		b.ReportAllocs()
		t := &txn{}
		for b.Loop() {
			var out registry.CatalogEntry
			if err := t.unmarshal(bCatalog, key, rec, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
