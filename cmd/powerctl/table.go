package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/powerreg/powerreg/internal/controls"
)

// width measures display width: East Asian wide characters count double,
// ambiguous ones single whatever the locale says, so that output does not
// depend on the environment.
var width = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = false
	return c
}()

// table collects rows and writes them with columns aligned by display width.
type table struct {
	rows [][]string
}

func (t *table) add(cells ...string) {
	for i, c := range cells {
		cells[i] = oneLine(c)
	}
	t.rows = append(t.rows, cells)
}

// write pads every column but the last to its widest cell, two spaces apart.
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], width.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		line := ""
		for i, c := range r {
			if i < len(r)-1 {
				line += c + strings.Repeat(" ", widths[i]-width.StringWidth(c)+2)
			} else {
				line += c
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps text on one line and makes it safe to print: line breaks
// and tabs become " ⏎ ", and every other character of internal/controls
// (escape sequences, bidi overrides, …) is shown as [U+001B]. Every text
// powerctl prints from the server goes through oneLine or safe: what
// others wrote must never act on the reader's terminal.
func oneLine(s string) string {
	s = controls.Escape(s, "\r\n\t")
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }), " ⏎ ")
}

// quoteName quotes an item's name in a message, on one line: “…”
// (《》 marks the titles of laws).
func quoteName(name string) string { return "“" + oneLine(name) + "”" }

// safe is oneLine for text of several lines: it keeps "\n" and tabs.
func safe(s string) string { return controls.Escape(s, "\n\t") }

// protoJSON is the JSON output of one message: canonical proto3 JSON,
// indented, with Chinese unescaped.
func protoJSON(m proto.Message) json.RawMessage {
	b, err := protojson.MarshalOptions{}.Marshal(m)
	if err != nil {
		panic(err) // the messages are ours; marshalling cannot fail
	}
	return b
}

// writeJSON writes v (messages, lists of messages, or structures of raw
// messages) indented by two spaces.
func writeJSON(w io.Writer, v any) error {
	var raw []byte
	switch v := v.(type) {
	case proto.Message:
		raw = protoJSON(v)
	default:
		var err error
		if raw, err = marshalNoEscape(v); err != nil {
			return err
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err := w.Write(escapeJSON(out.Bytes()))
	return err
}

// escapeJSON writes the characters of internal/controls that JSON encoders
// leave as they are (DEL, C1 controls, bidi controls) as \uXXXX escapes,
// so that JSON output too is safe on a terminal; it decodes to the same
// strings. Outside strings, indented JSON holds only "\n" and spaces.
func escapeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r != '\n' && controls.Of(r) != controls.None }) {
		return b
	}
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != '\n' && controls.Of(r) != controls.None {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(b[:n])
		}
		b = b[n:]
	}
	return out.Bytes()
}

// protoList is the JSON array of a list of messages.
func protoList[M proto.Message](list []M) []json.RawMessage {
	out := make([]json.RawMessage, len(list))
	for i, m := range list {
		out[i] = protoJSON(m)
	}
	return out
}

// marshalNoEscape is json.Marshal without HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
