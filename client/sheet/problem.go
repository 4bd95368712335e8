package sheet

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
)

// Problem is one thing wrong with the input, located as a user sees it.
// A row with a problem is not among the rows Read returns, unless the
// problem is Suspect.
type Problem struct {
	File    string // file name as shown to the user (the base name for Read)
	Line    int    // row number as Excel shows it, counting the header as 1 (≥ 1)
	Column  string // the header as written in the file, or "" for a whole row or file
	Message string // bilingual, "中文 / English", says what to do

	// Header and Cells are the file's header row and this row's cells as
	// read, so that the row can be handed back (see RejectLines). Cells is nil
	// for a problem of the whole file (a bad or missing header).
	Header []string
	Cells  []string

	// Suspect marks a row that was read but may hide rows lost to a stray
	// quote (see ReadCSV): the row is among the rows too, and powerctl
	// imports nothing from the file unless told to (--force). Unlike
	// Row.Warnings, which say what reading changed, it stops an import.
	Suspect bool

	zh, en string // the two halves of Message
}

func newProblem(file string, line int, column, zh, en string) Problem {
	return Problem{File: file, Line: line, Column: column, Message: zh + " / " + en, zh: zh, en: en}
}

// halves returns the Chinese and the English part of the message.
func (p Problem) halves() (zh, en string) {
	if p.zh != "" || p.en != "" {
		return p.zh, p.en
	}
	if i := strings.Index(p.Message, " / "); i >= 0 {
		return p.Message[:i], p.Message[i+3:]
	}
	return p.Message, p.Message
}

// String locates the problem in both languages, e.g.
//
//	items.csv 第12行「职权类型」: 未知的职权类型“处分”，… / items.csv row 12, column 职权类型: unknown category "处分", …
func (p Problem) String() string {
	zh, en := p.halves()
	return p.where(p.File, zh, en)
}

// Reason is String without the file name: what a rejects file says about
// the row.
func (p Problem) Reason() string {
	zh, en := p.halves()
	return p.where("", zh, en)
}

func (p Problem) where(file, zh, en string) string {
	if file != "" {
		file += " "
	}
	if p.Column == "" {
		return fmt.Sprintf("%s第%d行: %s / %srow %d: %s", file, p.Line, zh, file, p.Line, en)
	}
	return fmt.Sprintf("%s第%d行「%s」: %s / %srow %d, column %s: %s", file, p.Line, p.Column, zh, file, p.Line, p.Column, en)
}

// quote shows a cell value in a message: quoted, on one line, control
// characters as [U+001B], and cut after 40 characters.
func quote(s string) string {
	s = controls.Escape(strings.ReplaceAll(s, "\n", "⏎"), "")
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:40]) + "…"
	}
	return "“" + s + "”"
}
