package filter

import (
	"fmt"
	"unicode/utf8"
)

// Error is a problem in a filter or an order: where it is and what it is,
// in Chinese and English.
type Error struct {
	// Pos is the 1-based position of the character the problem is at
	// (counted in characters, not bytes); 0 when it is about the whole
	// text.
	Pos int
	// Field is the field the problem is about, when there is one.
	Field  string
	zh, en string
}

// Chinese is the message in Chinese, with its position.
func (e *Error) Chinese() string {
	if e.Pos == 0 {
		return e.zh
	}
	return fmt.Sprintf("第 %d 个字符处：%s", e.Pos, e.zh)
}

// English is the message in English, with its position.
func (e *Error) English() string {
	if e.Pos == 0 {
		return e.en
	}
	return fmt.Sprintf("at character %d: %s", e.Pos, e.en)
}

// Error is "中文 / English", as every message of the registry.
func (e *Error) Error() string { return e.Chinese() + " / " + e.English() }

// errAt builds an error at byte offset off of text (-1: no position).
func errAt(text string, off int, field, zh, en string) *Error {
	pos := 0
	if off >= 0 {
		if off > len(text) {
			off = len(text)
		}
		pos = utf8.RuneCountInString(text[:off]) + 1
	}
	return &Error{Pos: pos, Field: field, zh: zh, en: en}
}
