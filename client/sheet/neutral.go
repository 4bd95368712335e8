package sheet

import (
	"strings"

	"github.com/powerreg/powerreg/internal/controls"
)

// triggers are the characters that make a spreadsheet program take a cell
// for a formula when they start it (OWASP, "CSV injection"): a cell
// =cmd|'/c calc'!A1 runs a program when the file is opened.
const triggers = "=+-@\t\r"

// needsQuote reports whether s starts with a trigger, maybe after quotes.
func needsQuote(s string) bool {
	t := strings.TrimLeft(s, "'")
	return t != "" && strings.IndexByte(triggers, t[0]) >= 0
}

// neutralize returns s as a CSV cell no spreadsheet program runs: with a
// leading ' when it starts with a trigger, as OWASP recommends. Text that
// already starts with quotes before a trigger gets one more, so that
// unneutralize gives every text back as it was. Data that starts with a
// trigger legitimately (a "-" placeholder, -5) is quoted too: that is the
// rule, and the import takes the quote off again.
func neutralize(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// unneutralize undoes neutralize on a cell read from a file: it removes
// one leading ' before quotes and a trigger, and nothing else ('abc stays
// 'abc). Excel users type '= the same way to enter text.
func unneutralize(s string) string {
	if len(s) > 1 && s[0] == '\'' && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// exportText is a text as the exports write it: line breaks as "\n", and
// control and bidi characters, which the server now refuses but older
// data may hold, shown as [U+001B] (internal/controls) rather than
// written raw into CSV or turned into U+FFFD by the XLSX writer. Importing
// the file again gives the escape as text: the data must be fixed anyway.
func exportText(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	return controls.Escape(s, "\n\t")
}
