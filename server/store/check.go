package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// Check verifies a data file against itself: its size and meta pages
// (Validate), bbolt's page structure, every record's checksum (record.go),
// then every index and cross-reference of the layout (schema.go) against the
// primary records, the counters against the records, the change feed, and
// the audit hash chain. It opens the file read-only: ErrLocked when a
// running powerregd has it open, an error wrapping ErrNewerSchema for a
// layout this binary does not know.

// Problem is one thing wrong in a data file.
type Problem struct {
	Bucket string // e.g. items_by_dept
	Key    string // readable: 12, gtzyj/12, 430400-CF-001-0001-00
	What   string // bilingual
}

func (p Problem) String() string {
	if p.Key == "" {
		return p.Bucket + ": " + p.What
	}
	return p.Bucket + " " + p.Key + ": " + p.What
}

// Report is what Check found.
type Report struct {
	Info
	Records  map[string]int // records per bucket
	Problems []Problem
	// Warnings are what does not make the file wrong but the operator
	// should know: one meta page damaged (Validate's ErrMetaFallback).
	Warnings []string
}

// Check verifies the data file at path (a data dir's FileName, or a backup).
func Check(path string) (*Report, error) {
	b, warning, err := openReadOnly(path)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var r *Report
	err = b.View(func(tx *bolt.Tx) error {
		var info Info
		if err := safely(func() (err error) { info, err = describe(tx); return err }); err != nil {
			return err
		}
		if info.SchemaVersion > schemaVersion {
			return newerSchema(info.SchemaVersion)
		}
		r = &Report{Info: info, Records: map[string]int{}}
		if warning != nil {
			r.Warnings = append(r.Warnings, warning.Error())
		}
		if err := safely(func() error { return touch(tx) }); err != nil {
			r.Problems = []Problem{{Bucket: "bbolt", What: "文件已损坏，无法读完，检查中止 / " + err.Error() + "; the check stopped"}}
			return nil
		}
		// Records are in their envelope from schema 4 (record.go), and
		// protobuf from schema 6 (records.go).
		t := &txn{tx: tx, legacy: info.SchemaVersion < 4, json: info.SchemaVersion < 6}
		c := &checker{tx: tx, t: t, r: r, items: map[uint64]*registry.Item{}, highest: map[string]uint64{}}
		c.run()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

type checker struct {
	tx    *bolt.Tx
	t     *txn
	r     *Report
	rev   int64 // meta revision
	floor int64 // meta changes_floor
	items map[uint64]*registry.Item
	// highest number in use, by counter
	highest map[string]uint64
}

func (c *checker) add(bucket []byte, key, zh, en string) {
	c.r.Problems = append(c.r.Problems, Problem{Bucket: string(bucket), Key: safeText(key), What: safeText(zh + " / " + en)})
}

func (c *checker) run() {
	var pages []Problem
	for err := range c.tx.Check() {
		pages = append(pages, Problem{Bucket: "bbolt", What: "文件页结构损坏 / the page structure is damaged: " + err.Error()})
	}
	// The records are read whatever the pages say; a damaged page can make
	// bbolt panic on them.
	if err := safely(func() error { c.records(); return nil }); err != nil {
		c.add([]byte("bbolt"), "", "读取记录时出错，检查中止", err.Error()+"; the check stopped")
	}
	c.r.Problems = append(pages, c.r.Problems...)
}

func (c *checker) records() {
	for _, name := range allBuckets {
		if c.tx.Bucket(name) == nil && c.r.SchemaVersion == schemaVersion {
			c.add(name, "", "缺少这个桶", "the bucket is missing")
		}
	}
	if len(c.r.Problems) > 0 {
		return // the cross-references would read missing buckets
	}
	c.meta()
	c.departments()
	c.loadItems()
	c.itemStates()
	c.itemsByDept()
	c.revisions()
	c.codes()
	c.submissions()
	c.publications()
	c.events()
	c.catalog()
	c.tokens()
	c.audit()
	c.changes()
	c.counters()
}

// each verifies every record of a bucket against its checksum, decodes
// it and hands it over with its key; a record that fails either is a
// problem. A missing bucket is skipped (reported once by run).
func each[T any](c *checker, bucket []byte, text func([]byte) string, fn func(k []byte, v *T)) {
	b := c.tx.Bucket(bucket)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		c.r.Records[string(bucket)]++
		payload := v
		if !c.t.legacy {
			var err error
			if payload, err = DecodeRecord(k, v); err == nil && v[0] != c.t.format() {
				err = &damage{fmt.Sprintf("记录格式版本 %d 不是本数据版本的 %d", v[0], c.t.format()),
					fmt.Sprintf("record format version %d is not this schema's %d", v[0], c.t.format())}
			}
			if err != nil {
				d := &damage{"记录已损坏", err.Error()}
				errors.As(err, &d)
				c.add(bucket, keyText(bucket, k), "记录已损坏（"+d.zh+"），请从备份恢复",
					"the record is damaged ("+d.en+"); restore the data dir from a backup")
				return nil
			}
		}
		var rec *T
		var err error
		if c.t.json {
			rec = new(T)
			err = json.Unmarshal(payload, rec)
		} else {
			rec, err = decodePayload[T](payload)
		}
		if err != nil {
			c.add(bucket, text(k), "记录无法解析", "the record does not decode: "+err.Error())
			return nil
		}
		fn(k, rec)
		return nil
	})
}

// keys visits every key of a bucket (an index), counting them.
func (c *checker) keys(bucket []byte, fn func(k, v []byte)) {
	b := c.tx.Bucket(bucket)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		c.r.Records[string(bucket)]++
		fn(k, v)
		return nil
	})
}

func has(tx *bolt.Tx, bucket, key []byte) bool {
	b := tx.Bucket(bucket)
	return b != nil && b.Get(key) != nil
}

func numText(k []byte) string {
	if len(k) == 8 {
		return strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
	}
	return fmt.Sprintf("%x", k)
}

func strText(k []byte) string { return string(k) }

// splitDept splits a {dept} 0x00 {rest} key.
func splitDept(k []byte) (string, []byte, bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(k[:i]), k[i+1:], true
}

func deptNumText(k []byte) string {
	if d, rest, ok := splitDept(k); ok {
		return d + "/" + numText(rest)
	}
	return fmt.Sprintf("%x", k)
}

func deptStrText(k []byte) string {
	if d, rest, ok := splitDept(k); ok {
		return d + "/" + string(rest)
	}
	return fmt.Sprintf("%x", k)
}

func (c *checker) counter(name string) uint64 {
	b := c.tx.Bucket(bCounters)
	if b == nil {
		return 0
	}
	v := b.Get([]byte(name))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// above notes a record's number, which its counter must not be below.
func (c *checker) above(counter string, n uint64) { c.highest[counter] = max(c.highest[counter], n) }

// itemStates compares the counts of items per state with the items.
func (c *checker) itemStates() {
	if c.r.SchemaVersion < 3 {
		return // counted by the migration to schema 3
	}
	want := map[registry.ItemState]int{}
	for _, it := range c.items {
		want[it.State]++
	}
	got, err := c.t.ItemStates()
	if err != nil {
		c.add(bItemStates, "", "计数格式错误", err.Error())
		return
	}
	for st := registry.ItemState(0); st <= registry.ItemAbolished; st++ {
		if got[st] != want[st] {
			c.add(bItemStates, strconv.Itoa(int(st)), fmt.Sprintf("计数为 %d，实际有 %d 个事项处于此状态", got[st], want[st]),
				fmt.Sprintf("the count is %d, but %d items are in this state", got[st], want[st]))
		}
	}
}

// counters reports a counter below the highest number in use: it would
// hand out numbers again.
func (c *checker) counters() {
	for _, name := range []string{"departments", "items", "submissions", "publications"} {
		if n, have := c.highest[name], c.counter(name); n > have {
			c.add(bCounters, name, fmt.Sprintf("计数器为 %d，低于已使用的最大编号 %d，编号将被重复分配", have, n),
				fmt.Sprintf("the counter is %d, below the highest number in use, %d: numbers would be handed out again", have, n))
		}
	}
}

// newer reports a record stamped with a revision above the registry's.
func (c *checker) newer(bucket []byte, key string, rev int64) {
	if rev > c.rev {
		c.add(bucket, key, fmt.Sprintf("修订号 %d 大于登记簿修订号 %d", rev, c.rev),
			fmt.Sprintf("revision %d is above the registry revision %d", rev, c.rev))
	}
}

func (c *checker) meta() {
	meta := c.tx.Bucket(bMeta)
	var err error
	if c.rev, err = metaInt(meta, kRevision); err != nil {
		c.add(bMeta, string(kRevision), "值格式错误", err.Error())
	}
	if c.floor, err = metaInt(meta, kChangesFloor); err != nil {
		c.add(bMeta, string(kChangesFloor), "值格式错误", err.Error())
	}
	if c.floor > c.rev {
		c.add(bMeta, string(kChangesFloor), fmt.Sprintf("变更流下限 %d 大于登记簿修订号 %d", c.floor, c.rev),
			fmt.Sprintf("the change feed's floor %d is above the registry revision %d", c.floor, c.rev))
	}
	c.newer(bMeta, string(kCatalogRevision), c.r.CatalogRevision)
	c.keys(bCounters, func(k, v []byte) {
		if len(v) != 8 {
			c.add(bCounters, string(k), "计数器不是 8 字节整数", fmt.Sprintf("the counter is not an 8-byte integer: %x", v))
		}
	})
}

func (c *checker) departments() {
	each(c, bDepartments, strText, func(k []byte, d *registry.Department) {
		if d.ID != string(k) {
			c.add(bDepartments, string(k), fmt.Sprintf("键与记录的标识 %q 不符", d.ID), fmt.Sprintf("the key does not match the record's id %q", d.ID))
		}
		c.above("departments", uint64(d.Number))
		c.newer(bDepartments, string(k), d.Version)
	})
}

// departmental checks what items and submissions share: the key is the
// id, the department exists, the counter is above the id, the version is
// a registry revision, and the department's index holds the record. It
// reports whether the key is the id.
func (c *checker) departmental(bucket, index, k []byte, id uint64, dept string, version int64, zh, en string) bool {
	key := numText(k)
	if !bytes.Equal(k, u64(id)) {
		c.add(bucket, key, fmt.Sprintf("键与记录的编号 %d 不符", id), fmt.Sprintf("the key does not match the record's id %d", id))
		return false
	}
	if !has(c.tx, bDepartments, []byte(dept)) {
		c.add(bucket, key, fmt.Sprintf("所属部门 %s 不存在", dept), fmt.Sprintf("its department %s does not exist", dept))
	}
	c.above(string(bucket), id)
	c.newer(bucket, key, version)
	if !has(c.tx, index, deptKey(dept, k)) {
		c.add(index, dept+"/"+key, fmt.Sprintf("缺少索引项：%s %d 不在其部门的索引中", zh, id),
			fmt.Sprintf("missing index entry: %s %d is not in its department's index", en, id))
	}
	return true
}

// deptIndex checks a {dept} 0x00 u64 id index: each entry names a record
// of that department (exists).
func (c *checker) deptIndex(index []byte, exists func(dept string, id uint64) bool, zh, en string) {
	c.keys(index, func(k, _ []byte) {
		dept, rest, ok := splitDept(k)
		if !ok || len(rest) != 8 {
			c.add(index, fmt.Sprintf("%x", k), "键格式错误", "malformed key")
			return
		}
		if id := binary.BigEndian.Uint64(rest); !exists(dept, id) {
			c.add(index, deptNumText(k), fmt.Sprintf("悬空索引项：部门 %s 没有%s %d", dept, zh, id),
				fmt.Sprintf("dangling index entry: department %s has no %s %d", dept, en, id))
		}
	})
}

// loadItems checks the items and keeps them for the checks of what refers
// to them.
func (c *checker) loadItems() {
	each(c, bItems, numText, func(k []byte, it *registry.Item) {
		key := numText(k)
		if !c.departmental(bItems, bItemsByDept, k, it.ID, it.Department, it.Version, "事项", "item") {
			return
		}
		c.items[it.ID] = it
		revs := []int{it.Head}
		for _, p := range it.Published {
			revs = append(revs, p.Revision)
			if !has(c.tx, bPublications, u64(p.Publication)) {
				c.add(bItems, key, fmt.Sprintf("发布记录引用的发布 %d 不存在", p.Publication),
					fmt.Sprintf("a publish record refers to publication %d, which does not exist", p.Publication))
			}
		}
		for _, n := range revs {
			if !has(c.tx, bRevisions, revKey(it.ID, n)) {
				c.add(bItems, key, fmt.Sprintf("引用的修订 %d 不存在", n), fmt.Sprintf("it refers to revision %d, which does not exist", n))
			}
		}
		if it.Code != "" {
			if v := c.tx.Bucket(bCodes).Get([]byte(it.Code)); !bytes.Equal(v, k) {
				c.add(bCodes, it.Code, fmt.Sprintf("事项 %d 的编码未登记给它", it.ID),
					fmt.Sprintf("the code of item %d is not registered to it", it.ID))
			}
		}
		if rec := it.InForce(); rec != nil && it.Code != "" {
			e, _ := c.t.GetCatalogEntry(it.Code)
			if e == nil || e.Item != it.ID || e.Revision != rec.Revision {
				c.add(bCatalog, it.Code, fmt.Sprintf("事项 %d 的第 %d 版在施行，但清单中没有这一版", it.ID, rec.Revision),
					fmt.Sprintf("revision %d of item %d is in force, but the catalogue does not hold it", rec.Revision, it.ID))
			}
		}
	})
	// References between items, once all are loaded.
	for _, it := range c.items {
		key := strconv.FormatUint(it.ID, 10)
		if it.Parent != 0 {
			if p := c.items[it.Parent]; p == nil || p.Department != it.Department {
				c.add(bItems, key, fmt.Sprintf("大项 %d 不存在或不属于同一部门", it.Parent),
					fmt.Sprintf("its main item %d does not exist or is of another department", it.Parent))
			}
		}
		if it.Submission != 0 {
			s, _ := c.t.GetSubmission(it.Submission)
			if s == nil || !slices.Contains(s.Items, it.ID) {
				c.add(bItems, key, fmt.Sprintf("所在报送批次 %d 不存在或不含此事项", it.Submission),
					fmt.Sprintf("its submission %d does not exist or does not hold it", it.Submission))
			}
		}
	}
}

// item reports a reference to an item that does not exist (or is of
// another department when dept is set) and returns the item.
func (c *checker) item(bucket []byte, key string, id uint64, dept string) *registry.Item {
	it := c.items[id]
	if it == nil || dept != "" && it.Department != dept {
		c.add(bucket, key, fmt.Sprintf("引用的事项 %d 不存在", id), fmt.Sprintf("dangling reference: item %d does not exist", id))
		return nil
	}
	return it
}

func (c *checker) itemsByDept() {
	c.deptIndex(bItemsByDept, func(dept string, id uint64) bool {
		it := c.items[id]
		return it != nil && it.Department == dept
	}, "事项", "item")
}

func (c *checker) revisions() {
	each(c, bRevisions, func(k []byte) string { return fmt.Sprintf("%x", k) }, func(k []byte, r *registry.Revision) {
		key := fmt.Sprintf("%d/%d", r.Item, r.Number)
		if !bytes.Equal(k, revKey(r.Item, r.Number)) {
			c.add(bRevisions, fmt.Sprintf("%x", k), "键与记录的事项和版本号不符", "the key does not match the record's item and number "+key)
			return
		}
		c.item(bRevisions, key, r.Item, "")
	})
}

func (c *checker) codes() {
	c.keys(bCodes, func(k, v []byte) {
		if len(v) != 8 {
			c.add(bCodes, string(k), "值不是事项编号", "the value is not an item id")
			return
		}
		id := binary.BigEndian.Uint64(v)
		if it := c.item(bCodes, string(k), id, ""); it != nil && it.Code != string(k) {
			c.add(bCodes, string(k), fmt.Sprintf("登记给事项 %d，但该事项的编码是 %q", id, it.Code),
				fmt.Sprintf("registered to item %d, whose code is %q", id, it.Code))
		}
	})
}

func (c *checker) submissions() {
	each(c, bSubmissions, numText, func(k []byte, s *registry.Submission) {
		key := numText(k)
		if !c.departmental(bSubmissions, bSubmissionsByDept, k, s.ID, s.Department, s.Version, "报送批次", "submission") {
			return
		}
		if s.Publication != 0 && !has(c.tx, bPublications, u64(s.Publication)) {
			c.add(bSubmissions, key, fmt.Sprintf("引用的发布 %d 不存在", s.Publication),
				fmt.Sprintf("dangling reference: publication %d does not exist", s.Publication))
		}
		// A returned item, or one of a withdrawn batch, may be deleted
		// later; every other item of a batch stays while the batch refers
		// to it.
		if s.State == registry.SubmissionReturned || s.State == registry.SubmissionWithdrawn {
			return
		}
		for _, id := range s.Items {
			if slices.Contains(s.Returned, id) {
				continue
			}
			it := c.item(bSubmissions, key, id, s.Department)
			open := s.State == registry.SubmissionDraft || s.State == registry.SubmissionSubmitted
			if it != nil && open && it.Submission != s.ID {
				c.add(bSubmissions, key, fmt.Sprintf("事项 %d 记录的报送批次是 %d", id, it.Submission),
					fmt.Sprintf("item %d says its submission is %d", id, it.Submission))
			}
		}
	})
	c.deptIndex(bSubmissionsByDept, func(dept string, id uint64) bool {
		s, _ := c.t.GetSubmission(id)
		return s != nil && s.Department == dept
	}, "报送批次", "submission")
}

func (c *checker) publications() {
	each(c, bPublications, numText, func(k []byte, p *registry.Publication) {
		key := numText(k)
		if !bytes.Equal(k, u64(p.ID)) {
			c.add(bPublications, key, fmt.Sprintf("键与记录的编号 %d 不符", p.ID), fmt.Sprintf("the key does not match the record's id %d", p.ID))
			return
		}
		c.above("publications", p.ID)
		for _, ref := range p.Submissions {
			if s, _ := c.t.GetSubmission(ref.ID); s == nil || s.Department != ref.Department {
				c.add(bPublications, key, fmt.Sprintf("引用的报送批次 %s/%d 不存在", ref.Department, ref.ID),
					fmt.Sprintf("dangling reference: submission %s/%d does not exist", ref.Department, ref.ID))
			}
		}
		for _, pi := range p.Items {
			if it := c.item(bPublications, key, pi.Item, pi.Department); it != nil && it.Code != pi.Code {
				c.add(bPublications, key, fmt.Sprintf("发布的事项 %d 编码为 %q，现为 %q；编码不应改变", pi.Item, pi.Code, it.Code),
					fmt.Sprintf("item %d was published with code %q but has %q; codes never change", pi.Item, pi.Code, it.Code))
			}
		}
	})
}

func (c *checker) events() {
	each(c, bEvents, deptNumText, func(k []byte, e *registry.Event) {
		res, rest, ok := splitDept(k)
		if !ok || len(rest) != 16 || res != e.Resource || int64(binary.BigEndian.Uint64(rest)) != e.Revision {
			c.add(bEvents, fmt.Sprintf("%x", k), "键与记录的资源和修订号不符", "the key does not match the record's resource and revision")
			return
		}
		c.newer(bEvents, fmt.Sprintf("%s@%d", res, e.Revision), e.Revision)
	})
}

func (c *checker) catalog() {
	each(c, bCatalog, strText, func(k []byte, e *registry.CatalogEntry) {
		code := string(k)
		content := true
		if err := c.t.withContent(bCatalog, k, e); err != nil {
			c.add(bCatalog, code, fmt.Sprintf("内容所在的事项 %d 第 %d 版无法读取", e.Item, e.Revision),
				fmt.Sprintf("revision %d of item %d, which holds its content, cannot be read: %v", e.Revision, e.Item, err))
			content = false
		}
		if e.Code != code {
			c.add(bCatalog, code, fmt.Sprintf("键与记录的编码 %q 不符", e.Code), fmt.Sprintf("the key does not match the record's code %q", e.Code))
			return
		}
		if !has(c.tx, bCatalogByCategory, catKey(e.Content.Category, code)) {
			c.add(bCatalogByCategory, fmt.Sprintf("%d/%s", e.Content.Category, code), "缺少索引项：清单事项不在其类别的索引中",
				"missing index entry: the catalogue entry is not in its category's index")
		}
		if !has(c.tx, bCatalogByDept, deptKey(e.Department, k)) {
			c.add(bCatalogByDept, e.Department+"/"+code, "缺少索引项：清单事项不在其部门的索引中",
				"missing index entry: the catalogue entry is not in its department's index")
		}
		it := c.item(bCatalog, code, e.Item, e.Department)
		if it == nil {
			return
		}
		rec := it.InForce()
		if it.Code != code || rec == nil || rec.Revision != e.Revision || rec.Publication != e.Publication {
			c.add(bCatalog, code, fmt.Sprintf("不是事项 %d 最新发布的版本（清单为第 %d 版）", e.Item, e.Revision),
				fmt.Sprintf("not the latest published revision of item %d (the catalogue has revision %d)", e.Item, e.Revision))
			return
		}
		if r, _ := c.t.GetRevision(it.ID, e.Revision); content && (r == nil || !sameJSON(r.Content, e.Content)) {
			c.add(bCatalog, code, fmt.Sprintf("内容与事项 %d 第 %d 版不符", e.Item, e.Revision),
				fmt.Sprintf("the content differs from revision %d of item %d", e.Revision, e.Item))
		}
		parent := ""
		if p := c.items[it.Parent]; p != nil {
			parent = p.Code
		}
		if e.ParentCode != parent {
			c.add(bCatalog, code, fmt.Sprintf("大项编码 %q 与事项的大项 %q 不符", e.ParentCode, parent),
				fmt.Sprintf("main item code %q does not match the item's main item %q", e.ParentCode, parent))
		}
	})
	c.keys(bCatalogByCategory, func(k, _ []byte) {
		if len(k) < 2 {
			c.add(bCatalogByCategory, fmt.Sprintf("%x", k), "键格式错误", "malformed key")
			return
		}
		if e, _ := c.t.GetCatalogEntry(string(k[1:])); e == nil || byte(e.Content.Category) != k[0] {
			c.add(bCatalogByCategory, fmt.Sprintf("%d/%s", k[0], k[1:]), "悬空索引项：清单中没有此类别的这个编码",
				"dangling index entry: the catalogue has no such code in this category")
		}
	})
	c.keys(bCatalogByDept, func(k, _ []byte) {
		dept, code, ok := splitDept(k)
		if !ok {
			c.add(bCatalogByDept, fmt.Sprintf("%x", k), "键格式错误", "malformed key")
			return
		}
		if e, _ := c.t.GetCatalogEntry(string(code)); e == nil || e.Department != dept {
			c.add(bCatalogByDept, deptStrText(k), "悬空索引项：清单中没有此部门的这个编码",
				"dangling index entry: the catalogue has no such code of this department")
		}
	})
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func (c *checker) tokens() {
	each(c, bTokens, strText, func(k []byte, t *registry.Token) {
		if t.Name != string(k) {
			c.add(bTokens, string(k), fmt.Sprintf("键与记录的名字 %q 不符", t.Name), fmt.Sprintf("the key does not match the record's name %q", t.Name))
		}
		if v := c.tx.Bucket(bTokenHashes).Get([]byte(t.Hash)); string(v) != t.Name {
			c.add(bTokenHashes, t.Hash, fmt.Sprintf("缺少索引项：令牌 %s 的哈希未登记", t.Name),
				fmt.Sprintf("missing index entry: the hash of token %s is not registered", t.Name))
		}
	})
	c.keys(bTokenHashes, func(k, v []byte) {
		if t, _ := c.t.GetToken(string(v)); t == nil || t.Hash != string(k) {
			c.add(bTokenHashes, string(k), fmt.Sprintf("悬空索引项：令牌 %s 不存在或哈希不同", v),
				fmt.Sprintf("dangling index entry: token %s does not exist or has another hash", v))
		}
	})
}

func (c *checker) audit() {
	var chain []*audit.Record
	each(c, bAudit, numText, func(k []byte, r *audit.Record) {
		if !bytes.Equal(k, u64(r.Seq)) {
			c.add(bAudit, numText(k), fmt.Sprintf("键与记录的序号 %d 不符", r.Seq), fmt.Sprintf("the key does not match the record's sequence %d", r.Seq))
		}
		c.newer(bAudit, numText(k), r.Revision)
		chain = append(chain, r)
	})
	if brk := audit.Verify(chain); brk != nil {
		zh, en, _ := strings.Cut(brk.Reason, "/ ")
		c.add(bAudit, strconv.FormatUint(brk.Seq, 10), "审计链在此断开："+strings.TrimSpace(zh), "the audit chain is broken here: "+en)
	}
}

// changes checks the change feed, and when it is whole (nothing was
// compacted) that replaying it gives exactly the catalogue.
func (c *checker) changes() {
	var last *registry.CatalogChange
	inForce := map[string]*registry.CatalogEntry{}
	each(c, bChanges, func(k []byte) string { return fmt.Sprintf("%x", k) }, func(k []byte, ch *registry.CatalogChange) {
		key := fmt.Sprintf("%d/%d", ch.Revision, ch.Index)
		if !bytes.Equal(k, changeKey(ch.Revision, ch.Index)) {
			c.add(bChanges, fmt.Sprintf("%x", k), "键与记录的修订号和序号不符", "the key does not match the record's revision and index "+key)
			return
		}
		if err := c.t.withContent(bChanges, k, &ch.Entry); err != nil {
			c.add(bChanges, key, fmt.Sprintf("内容所在的事项 %d 第 %d 版无法读取", ch.Entry.Item, ch.Entry.Revision),
				fmt.Sprintf("revision %d of item %d, which holds its content, cannot be read: %v", ch.Entry.Revision, ch.Entry.Item, err))
		}
		switch {
		case ch.Revision <= c.floor:
			c.add(bChanges, key, fmt.Sprintf("修订号不大于变更流下限 %d（应已压缩删除）", c.floor),
				fmt.Sprintf("the revision is not above the feed's floor %d (it should have been compacted)", c.floor))
		case ch.Revision > c.r.CatalogRevision:
			c.add(bChanges, key, fmt.Sprintf("修订号大于清单修订号 %d", c.r.CatalogRevision),
				fmt.Sprintf("the revision is above the catalogue revision %d", c.r.CatalogRevision))
		}
		want := uint32(0)
		if last != nil && last.Revision == ch.Revision {
			want = last.Index + 1
		}
		if ch.Index != want {
			c.add(bChanges, key, fmt.Sprintf("同一次发布的变更序号不连续，应为 %d", want),
				fmt.Sprintf("the changes of a publication are not numbered 0, 1, 2, …: expected index %d", want))
		}
		// Publication 0: a department's rename announcing its items again
		// (registry/changes.go).
		if ch.Publication != 0 && !has(c.tx, bPublications, u64(ch.Publication)) {
			c.add(bChanges, key, fmt.Sprintf("引用的发布 %d 不存在", ch.Publication),
				fmt.Sprintf("dangling reference: publication %d does not exist", ch.Publication))
		}
		last = ch
		if ch.Kind == registry.CatalogAbolished {
			delete(inForce, ch.Entry.Code)
		} else {
			inForce[ch.Entry.Code] = &ch.Entry
		}
	})
	catalog := c.tx.Bucket(bCatalog)
	if c.floor != 0 || c.tx.Bucket(bChanges) == nil || catalog == nil {
		return
	}
	for code, e := range inForce {
		got, _ := c.t.GetCatalogEntry(code)
		if got == nil || got.Item != e.Item || got.Revision != e.Revision {
			c.add(bCatalog, code, fmt.Sprintf("变更流中事项 %d 的第 %d 版在施行，清单却不同", e.Item, e.Revision),
				fmt.Sprintf("the change feed puts revision %d of item %d in force, but the catalogue differs", e.Revision, e.Item))
		}
	}
	catalog.ForEach(func(k, _ []byte) error {
		if inForce[string(k)] == nil {
			c.add(bCatalog, string(k), "清单中有此编码，但变更流中没有它的发布",
				"the catalogue holds this code but the change feed never published it")
		}
		return nil
	})
}
