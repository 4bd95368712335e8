package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
	"github.com/powerreg/powerreg/server/registry"
)

// The record envelope (schema 4, schema.go): every record of a bucket of
// records is
//
//	u8 format version | u32 CRC-32C | payload
//
// where the CRC-32C (Castagnoli, big-endian) covers the key's length (u32)
// and bytes, the format version and the payload, so that a flipped bit in
// the payload, or a record found under another key, is seen when it is
// read. Format version 1 (schemas 4 and 5): the payload is the JSON of a
// domain type. Format version 2 (schema 6): the payload is the protobuf
// binary of the store's record message (records.go). A later payload gets
// a version of its own and keeps the envelope.

// Record format versions.
const (
	RecordJSON  = 1
	RecordProto = 2
)

const recordHeader = 5 // version and CRC

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrRecordDamaged means a record's envelope does not hold: too short, an
// unknown format version, or a checksum that does not match.
var ErrRecordDamaged = errors.New("the record is damaged / 记录已损坏")

func recordSum(key []byte, version byte, payload []byte) uint32 {
	n := uint32(len(key))
	h := crcByte(0, byte(n>>24))
	h = crcByte(h, byte(n>>16))
	h = crcByte(h, byte(n>>8))
	h = crcByte(h, byte(n))
	h = crc32.Update(h, castagnoli, key)
	h = crcByte(h, version)
	return crc32.Update(h, castagnoli, payload)
}

// crcByte is crc32.Update of one byte, without the slice that would take
// it to the heap on every read.
func crcByte(crc uint32, b byte) uint32 {
	c := ^crc
	return ^(castagnoli[byte(c)^b] ^ c>>8)
}

// EncodeRecord wraps a JSON payload (format version 1), stored under key,
// in the envelope.
func EncodeRecord(key, payload []byte) []byte { return EncodeRecordAs(key, RecordJSON, payload) }

// EncodeRecordAs wraps a payload of a format version, stored under key, in
// the envelope.
func EncodeRecordAs(key []byte, version byte, payload []byte) []byte {
	out := make([]byte, recordHeader, recordHeader+len(payload))
	out[0] = version
	binary.BigEndian.PutUint32(out[1:], recordSum(key, version, payload))
	return append(out, payload...)
}

// DecodeRecord returns the payload of the record v stored under key (its
// format version is v[0]), or an error wrapping ErrRecordDamaged. The
// payload shares v's memory.
func DecodeRecord(key, v []byte) ([]byte, error) {
	if len(v) < recordHeader {
		return nil, &damage{fmt.Sprintf("只有 %d 字节，短于记录头的 %d 字节", len(v), recordHeader),
			fmt.Sprintf("%d bytes, shorter than the envelope's %d", len(v), recordHeader)}
	}
	if v[0] != RecordJSON && v[0] != RecordProto {
		return nil, &damage{fmt.Sprintf("未知的记录格式版本 %d", v[0]), fmt.Sprintf("unknown record format version %d", v[0])}
	}
	payload := v[recordHeader:]
	if stored, sum := binary.BigEndian.Uint32(v[1:]), recordSum(key, v[0], payload); stored != sum {
		return nil, &damage{"校验和不符", fmt.Sprintf("checksum mismatch: stored %08x, computed %08x", stored, sum)}
	}
	return payload, nil
}

// damage says how a record is damaged, in both languages.
type damage struct{ zh, en string }

func (d *damage) Error() string { return ErrRecordDamaged.Error() + ": " + d.en + " / " + d.zh }

func (d *damage) Unwrap() error { return ErrRecordDamaged }

// recordBuckets are the buckets of records (in an envelope); the
// others hold indexes, counters and names, which Check verifies against
// the records.
var recordBuckets = [][]byte{bDepartments, bItems, bRevisions, bSubmissions, bPublications, bEvents,
	bCatalog, bTokens, bAudit, bChanges}

// keyText makes a key of bucket readable, as check and the DATA_LOSS
// message name it: 12, 12/3 (item/revision), gtzyj, 430400-CF-001-0001-00.
func keyText(bucket, k []byte) string { return safeText(rawKeyText(bucket, k)) }

// safeText shows what a damaged key or record may hold without acting on
// a terminal and as valid UTF-8 (a proto string must be): a control
// character as [U+001B], a byte that is not UTF-8 as \xe4.
func safeText(s string) string {
	if utf8.ValidString(s) && controls.Escape(s, "") == s {
		return s
	}
	var b strings.Builder
	for rest := s; rest != ""; {
		r, n := utf8.DecodeRuneInString(rest)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", rest[0])
		case controls.Of(r) != controls.None:
			b.WriteString(controls.Escaped(r))
		default:
			b.WriteString(rest[:n])
		}
		rest = rest[n:]
	}
	return b.String()
}

func rawKeyText(bucket, k []byte) string {
	switch string(bucket) {
	case string(bItems), string(bSubmissions), string(bPublications), string(bAudit):
		return numText(k)
	case string(bRevisions), string(bChanges):
		if len(k) == 12 {
			return strconv.FormatUint(binary.BigEndian.Uint64(k), 10) + "/" + strconv.FormatUint(uint64(binary.BigEndian.Uint32(k[8:])), 10)
		}
	case string(bEvents):
		if res, rest, ok := splitDept(k); ok && len(rest) == 16 {
			return fmt.Sprintf("%s@%d", res, binary.BigEndian.Uint64(rest))
		}
	case string(bDepartments), string(bCatalog), string(bTokens):
		return string(k)
	}
	return fmt.Sprintf("%x", k)
}

// dataLoss is the domain error of a damaged record, naming it and what to
// do.
func dataLoss(bucket, k []byte, err error) error {
	zh, en := "记录已损坏", err.Error()
	if d, ok := err.(*damage); ok {
		zh, en = d.zh, d.en
	}
	return registry.DataLoss(string(bucket)+"/"+keyText(bucket, k), zh, en)
}
