package sheet

import (
	"bytes"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
)

// tenThousand is a CSV of 10,000 rows with every column filled in.
func tenThousand(b *testing.B) []byte {
	rich := richRows()
	rows := make([]Row, 0, 10000)
	for i := range 10000 {
		r := rich[i%len(rich)]
		it := proto.CloneOf(r.Item)
		it.DisplayName = fmt.Sprintf("%s%d", it.DisplayName, i)
		it.Code = fmt.Sprintf("430400-CF-001-%04d-00", i)
		r.Item = it
		if r.MainItem != "" {
			r.MainItem = rows[i-1].Item.DisplayName
		}
		rows = append(rows, r)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkReadCSV10000(b *testing.B) {
	data := tenThousand(b)
	opts := Options{Categories: guanganCategories()}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, problems, err := ReadCSV(bytes.NewReader(data), "bench.csv", opts)
		if err != nil || len(problems) != 0 || len(rows) != 10000 {
			b.Fatalf("%d rows, %d problems, err %v", len(rows), len(problems), err)
		}
	}
}
