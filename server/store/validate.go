package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// Validate reads what is cheap to read of a data file, before bbolt maps
// it into memory (where a page past the end of a file cut short faults,
// and a 0-byte file is taken for a new database): the size, both meta
// pages (magic, version, checksum), and the length the newer meta page
// gives. Every opening of a data file goes through it: Open (the server,
// powerregd recover-admin, powerbench seed) and openReadOnly (powerregd
// check and restore, Inspect). The records themselves are verified as
// they are read (record.go), all of them by Check.
//
// It returns nil, or an error wrapping ErrNotStore (empty, too short, not
// a bbolt file), ErrDamaged (both meta pages damaged, the file cut short),
// ErrLocked, or the warning ErrMetaFallback (one meta page damaged: the
// file opens at the other).
func Validate(path string) error {
	// Stat first: opening a named pipe blocks until a writer comes.
	if st, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: 文件不存在 / no such file: %w", path, err)
	} else if err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: not a regular file / 不是普通文件", path, ErrNotStore)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() { // replaced since the Stat
		return fmt.Errorf("%s: %w: not a regular file / 不是普通文件", path, ErrNotStore)
	}
	// A running powerregd holds the file exclusively and writes its meta
	// pages: reading them then could see half a write.
	if err := sharedLock(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	size := st.Size()
	if size == 0 {
		return fmt.Errorf("%s: %w: 空文件（0 字节），若此目录原有登记簿，请从备份恢复（powerregd restore） / "+
			"empty file, 0 bytes: not a powerreg store; if this data dir held a registry, restore it from a backup (powerregd restore)",
			path, ErrNotStore)
	}
	m0, err0 := readMeta(f, 0)
	if err0 != nil && !m0.magicOK {
		// Not even bbolt's marker at the start: another kind of file.
		return fmt.Errorf("%s: %w: %d 字节，开头没有 bbolt 数据库标记 / %d bytes without a bbolt database's marker at the start",
			path, ErrNotStore, size, size)
	}
	if err0 == nil && size < 2*int64(m0.pageSize) {
		return cutShort(path, size, 2*int64(m0.pageSize))
	}
	var m1 meta
	err1 := errors.New("no meta page / 没有元数据页")
	for _, ps := range pageSizes(m0) {
		if m1, err1 = readMeta(f, int64(ps)); err1 == nil {
			break
		}
	}
	if err0 != nil && err1 != nil {
		return fmt.Errorf("%s: %w: 两个元数据页都已损坏（0：%v；1：%v）；请从备份恢复（powerregd restore） / both meta pages are damaged "+
			"(0: %v; 1: %v); restore the data dir from a backup (powerregd restore)", path, ErrDamaged, err0, err1, err0, err1)
	}
	use, bad, badErr := m0, -1, error(nil)
	switch {
	case err0 != nil:
		use, bad, badErr = m1, 0, err0
	case err1 != nil:
		bad, badErr = 1, err1
	case m1.txid > m0.txid:
		use = m1
	}
	if want := int64(use.pgid) * int64(use.pageSize); size < want {
		return cutShort(path, size, want)
	}
	if bad >= 0 {
		// bbolt writes the meta pages in turn, the newer one last of a
		// commit, and keeps the pages of the transaction before: a meta
		// page torn by a power failure during a commit (not acknowledged)
		// leaves the other one, the last commit, whole. bbolt opens at it,
		// which is its designed recovery; refusing would turn every power
		// failure into a restore from an older backup. The next commit
		// rewrites the damaged page.
		return fmt.Errorf("%s: %w: 元数据页 %d 已损坏（%v），将使用另一个元数据页（事务 %d）打开。若上次是断电或宕机，这是正常的恢复，未丢失已确认的写入；"+
			"否则最后一次写入可能丢失，请运行 powerregd check 并与最近的备份核对 / meta page %d is damaged (%v); the file opens at the other one "+
			"(transaction %d). After a power failure or a crash this is the normal recovery and nothing acknowledged is lost; otherwise the last "+
			"write may be lost: run powerregd check and compare with the latest backup",
			path, ErrMetaFallback, bad, badErr, use.txid, bad, badErr, use.txid)
	}
	return nil
}

// ErrMetaFallback is Validate's warning that one meta page is damaged and
// the file opens at the other, one transaction older: the store is whole
// and consistent, so it is opened, and the warning logged or reported.
var ErrMetaFallback = errors.New("one meta page is damaged / 一个元数据页已损坏")

func cutShort(path string, size, want int64) error {
	return fmt.Errorf("%s: %w: the file is cut short (%d bytes of %d); restore the data dir from a backup (powerregd restore) / "+
		"文件不完整（%d 字节，应为 %d 字节），请从备份恢复（powerregd restore）", path, ErrDamaged, size, want, size, want)
}

// meta is what Validate reads of a bbolt meta page
// (go.etcd.io/bbolt/internal/common/meta.go): after a 16-byte page header,
// magic u32, version u32, page size u32, flags u32, root bucket (u64 page,
// u64 sequence), freelist u64, page count u64, txid u64, then the FNV-64a
// of those 56 bytes; in the machine's byte order, as bbolt writes them.
type meta struct {
	magicOK  bool
	pageSize uint32
	pgid     uint64
	txid     uint64
}

const (
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	boltPageHeader  = 16
	boltMetaSumFrom = 56 // bytes of the meta that the checksum covers
)

func readMeta(f *os.File, off int64) (meta, error) {
	buf := make([]byte, boltPageHeader+boltMetaSumFrom+8)
	if _, err := f.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			return meta{}, fmt.Errorf("the file ends at it / 文件在此结束")
		}
		return meta{}, err
	}
	b := buf[boltPageHeader:]
	le := binary.NativeEndian
	m := meta{magicOK: le.Uint32(b[0:]) == boltMagic, pageSize: le.Uint32(b[8:]), pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	h := fnv.New64a()
	h.Write(b[:boltMetaSumFrom])
	switch {
	case !m.magicOK:
		return m, errors.New("no bbolt marker / 没有 bbolt 标记")
	case le.Uint32(b[4:]) != boltVersion:
		return m, fmt.Errorf("bbolt format version %d, not %d / bbolt 格式版本不符", le.Uint32(b[4:]), boltVersion)
	case le.Uint64(b[boltMetaSumFrom:]) != h.Sum64():
		return m, errors.New("checksum mismatch / 校验和不符")
	case m.pageSize < 512 || m.pageSize > 1<<20 || m.pageSize&(m.pageSize-1) != 0:
		return m, fmt.Errorf("page size %d / 页大小不合理", m.pageSize)
	}
	return m, nil
}

// pageSizes are where the second meta page may start: after a page of
// the size the first gives, else (the first is damaged) of a size bbolt
// may have used, as bbolt itself tries.
func pageSizes(m0 meta) []int {
	if m0.magicOK && m0.pageSize >= 512 && m0.pageSize <= 1<<20 {
		return []int{int(m0.pageSize)}
	}
	return []int{os.Getpagesize(), 4096, 16384, 65536}
}
