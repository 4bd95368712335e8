package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// The snapshot lets a restart skip reading the whole catalogue: the
// index's documents, titles and departments, the feed revision they
// reflect and the code of that revision's first change (to tell the store
// it was made from), in uvarints and length-prefixed strings, then a
// CRC-32 of it all. A snapshot that does not match the store is ignored
// and the index rebuilt: it is derived data, never trusted over the store.

const snapshotMagic = "powerreg search snapshot 1\n"

// save writes the snapshot of v (whole or not at all: store.WriteFile),
// logging a failure: search works without it. The follower calls it.
func (x *Index) save(v *version) {
	if x.snapshot == "" {
		return
	}
	start := time.Now()
	check, err := x.changeAt(v.feedRev)
	if err == nil {
		data := v.m.encode(v.feedRev, check)
		err = store.WriteFile(x.snapshot, func(w io.Writer) error { _, err := w.Write(data); return err }, nil)
	}
	if err != nil {
		x.log.Warn("save the search index snapshot / 保存搜索索引快照失败", "file", x.snapshot, "err", err)
		return
	}
	x.savedRev = v.feedRev
	x.log.Info("search index snapshot saved / 已保存搜索索引快照", "file", x.snapshot, "revision", v.feedRev,
		"took", time.Since(start).Round(time.Millisecond))
}

// changeAt is the code of the first change of revision rev in the feed,
// "" for revision 0.
func (x *Index) changeAt(rev int64) (string, error) {
	if rev == 0 {
		return "", nil
	}
	list, _, _, err := x.src.ListChanges(rev-1, 1, "")
	if err != nil {
		return "", err
	}
	if len(list) == 0 || list[0].Change.Revision != rev {
		return "", fmt.Errorf("revision %d is not in the change feed", rev)
	}
	return list[0].Change.Entry.Code, nil
}

// load reads the snapshot if it matches the store.
func (x *Index) load() (*version, error) {
	if x.snapshot == "" {
		return nil, errors.New("no snapshot file configured")
	}
	data, err := os.ReadFile(x.snapshot)
	if err != nil {
		return nil, err
	}
	m, feedRev, check, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", x.snapshot, err)
	}
	if got, err := x.changeAt(feedRev); err != nil || got != check {
		return nil, fmt.Errorf("the snapshot was made from another store or an older copy of it (revision %d)", feedRev)
	}
	// catRev unknown: advance applies the changes since and takes the
	// departments' current names.
	x.savedRev = feedRev
	return &version{m: m, feedRev: feedRev, catRev: -1}, nil
}

func (m *memIndex) encode(feedRev int64, check string) []byte {
	b := []byte(snapshotMagic)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	b = binary.AppendUvarint(b, uint64(feedRev))
	str(check)
	b = binary.AppendUvarint(b, uint64(len(m.dname)))
	for i, name := range m.dname {
		str(m.depts.texts[i])
		str(name)
	}
	b = binary.AppendUvarint(b, uint64(len(m.titles.texts)))
	for _, t := range m.titles.texts {
		str(t)
	}
	b = binary.AppendUvarint(b, uint64(m.live()))
	for i := range m.docs {
		d := &m.docs[i]
		if !m.alive(uint32(i)) {
			continue
		}
		str(d.code)
		str(d.name)
		b = binary.AppendUvarint(b, uint64(d.dept))
		b = binary.AppendUvarint(b, uint64(d.cat))
		b = binary.AppendVarint(b, d.publish)
		b = binary.AppendUvarint(b, uint64(len(d.titles)))
		for _, t := range d.titles {
			b = binary.AppendUvarint(b, uint64(t))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

// reader reads a snapshot: numbers from b, strings as parts of s, the
// same bytes as one string, so that they share its memory.
type reader struct {
	b   []byte
	s   string
	pos int
	err error
}

var errTruncated = errors.New("truncated or corrupt snapshot")

func (r *reader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.pos:])
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.pos += n
	return v
}

func (r *reader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.pos:])
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.pos += n
	return v
}

// count reads a number of elements of at least one byte each.
func (r *reader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)-r.pos) {
		r.err = errTruncated
		return 0
	}
	return int(n)
}

func (r *reader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	v := r.s[r.pos : r.pos+n]
	r.pos += n
	return v
}

func decode(data []byte) (*memIndex, int64, string, error) {
	if len(data) < len(snapshotMagic)+4 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, 0, "", errors.New("not a search snapshot of this version")
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, 0, "", errors.New("checksum mismatch")
	}
	body = body[len(snapshotMagic):]
	r := &reader{b: body, s: string(body)}
	feedRev := int64(r.uint())
	check := r.str()
	m := newMemIndex()
	for n := r.count(); n > 0 && r.err == nil; n-- {
		id, name := r.str(), r.str()
		m.dept(id, name)
	}
	for n := r.count(); n > 0 && r.err == nil; n-- {
		m.buf = m.titles.addText(r.str(), m.buf)
	}
	docs := r.count()
	m.docs = make([]doc, 0, docs)
	for ; docs > 0 && r.err == nil; docs-- {
		d := doc{code: r.str(), name: r.str(), dept: uint32(r.uint()), cat: registry.Category(r.uint()), publish: r.int()}
		nt := r.count()
		if r.err != nil || int(d.dept) >= len(m.dname) || !d.cat.Valid() {
			return nil, 0, "", errTruncated
		}
		for ; nt > 0; nt-- {
			t := r.uint()
			if t >= uint64(len(m.titles.texts)) {
				return nil, 0, "", errTruncated
			}
			d.titles = append(d.titles, uint32(t))
		}
		m.add(d)
	}
	if r.err != nil || r.pos != len(r.b) {
		return nil, 0, "", errTruncated
	}
	return m, feedRev, check, nil
}
