package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Bounds of the XML excelize decodes one element at a time: a cell of the
// sheet and a shared string. excelize decodes each whole, and a shared
// string table whole into an index, before any row limit can be checked:
// a 0.5 MB file whose one cell or shared string unzips to 480 MB took
// powerctl past 2 GB, one of 20 million rich-text runs past 6 GB, and a
// table of 20 million one-letter strings (0.8 MB) 67 s and 2.2 GB.
const (
	// MaxElementBytes bounds the XML of one cell or one shared string: a
	// cell within MaxRowBytes, escaped (&amp; is five bytes for one) or
	// cut into rich-text runs, is well under it.
	MaxElementBytes = 8 * MaxRowBytes
	// MaxSharedStrings bounds the workbook's shared strings: a sheet of
	// MaxRows rows of 20 columns, every cell different.
	MaxSharedStrings = MaxRows * 20
)

// sharedStringsPart is where excelize reads the shared strings, whatever
// the relationships say (compared without case, as excelize does).
const sharedStringsPart = "xl/sharedStrings.xml"

// checkElements refuses a part with a cell (any element named c) over
// MaxElementBytes, and a shared string table with a string over it or more
// than MaxSharedStrings strings, naming the part (and the cell). Every part
// is read, before excelize opens the file (which unzips the large ones to
// temporary files): a sheet's part may have any name. The parts are read
// as bytes, never as XML tokens: a text of hundreds of MB is one token.
func checkElements(zr *zip.Reader, name string) error {
	for _, zf := range zr.File {
		var err error
		if strings.EqualFold(zf.Name, sharedStringsPart) {
			err = scanElements(zf, "si", MaxSharedStrings)
		} else {
			err = scanElements(zf, "c", 0)
		}
		var big *bigElement
		switch {
		case errors.As(err, &big) && big.local == "c":
			where, whereEn := "一个单元格", "a cell"
			if big.ref != "" {
				where, whereEn = "单元格 "+big.ref, "cell "+big.ref
			}
			return fmt.Errorf("%s: 文件内的 %s 中%s的 XML 超过 %s 的上限（一个单元格的内容最多 %s）：请检查这个单元格，删去误粘贴的内容后重新保存 / %s in part %s of the file holds more than %s of XML, over the limit (a cell holds at most %s): check the cell, remove what was pasted by mistake and save the file again",
				name, zf.Name, where, byteSize(MaxElementBytes), byteSize(MaxRowBytes), whereEn, zf.Name, byteSize(MaxElementBytes), byteSize(MaxRowBytes))
		case errors.As(err, &big):
			return fmt.Errorf("%s: 文件内的 %s 中第 %d 个共享字符串的 XML 超过 %s 的上限（一个单元格的内容最多 %s）：请用 Excel 或 WPS 打开，删去过长的内容后另存为新文件再导入 / shared string %d of part %s of the file holds more than %s of XML, over the limit (a cell holds at most %s): open the file in Excel or WPS, remove the overlong text, save it as a new file and import that",
				name, zf.Name, big.n, byteSize(MaxElementBytes), byteSize(MaxRowBytes), big.n, zf.Name, byteSize(MaxElementBytes), byteSize(MaxRowBytes))
		case errors.Is(err, errTooManyElements):
			return fmt.Errorf("%s: 文件内的 %s 有超过 %d 个不同的字符串，超过上限（%d 行 × 20 列各不相同也只有这么多）：请只保留要导入的工作表，另存为新文件再导入 / part %s of the file holds more than %d different strings, over the limit (%d rows of 20 columns, every cell different, hold no more): keep only the sheet to import, save it as a new file and import that",
				name, zf.Name, MaxSharedStrings, MaxRows, zf.Name, MaxSharedStrings, MaxRows)
		}
	}
	return nil
}

// bigElement is an element over MaxElementBytes: the n-th of its name in
// the part, with its cell reference if it has one.
type bigElement struct {
	local string
	n     int
	ref   string
}

func (e *bigElement) Error() string { return fmt.Sprintf("element %d <%s> too large", e.n, e.local) }

var (
	errTooManyElements = errors.New("too many elements")
	cellRef            = regexp.MustCompile(`\sr\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7})["']`)
)

// scanElements reads a part's bytes and fails at the first element named
// local (any namespace prefix) that passes MaxElementBytes, counted from
// its start tag to the end of its end tag, without reading past it, or
// when there are more than maxCount of them (0: no limit). It is lenient
// where the XML is odd (excelize reports a broken part): a start without
// an end is measured from the last start.
func scanElements(zf *zip.File, local string, maxCount int) error {
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var (
		off   int64 // bytes read
		start = int64(-1)
		n     int
		ref   string
	)
	big := func() error {
		if start >= 0 && off-start > MaxElementBytes {
			return &bigElement{local: local, n: n, ref: ref}
		}
		return nil
	}
	// until reads up to and including c, checking the open element's size
	// as it goes; the bytes of the last 4 KB read are returned.
	var tail []byte
	until := func(c byte) error {
		tail = tail[:0]
		for {
			b, err := br.ReadSlice(c)
			off += int64(len(b))
			if len(tail)+len(b) > 4<<10 {
				tail = tail[:0]
			}
			if len(b) <= 4<<10 {
				tail = append(tail, b...)
			}
			if e := big(); e != nil {
				return e
			}
			if err != bufio.ErrBufferFull {
				return err
			}
		}
	}
	for {
		if err := until('<'); err != nil {
			return ignoreEOF(err)
		}
		// The tag, up to its '>'.
		if err := until('>'); err != nil {
			return ignoreEOF(err)
		}
		tag := tail
		closing := bytes.HasPrefix(tag, []byte("/"))
		name := bytes.TrimPrefix(tag, []byte("/"))
		if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
			name = name[:i]
		}
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if string(name) != local {
			continue
		}
		switch {
		case closing:
			start = -1
		default:
			n++
			if maxCount > 0 && n > maxCount {
				return errTooManyElements
			}
			start = off - int64(len(tag)) - 1
			ref = ""
			if m := cellRef.FindSubmatch(tag); m != nil {
				ref = strings.ToUpper(string(m[1]))
			}
			if bytes.HasSuffix(tag, []byte("/>")) {
				start = -1
			}
		}
	}
}
