package search

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is indexed as character unigrams and bigrams, the way CJK search
// engines do without a dictionary: a one-character word matches the texts
// containing it, a longer word the texts containing all its bigrams. Runes
// are folded first (full-width to half-width, lower case); anything not a
// letter or a digit separates words and is not indexed.

// gram is a unigram (the rune) or a bigram (first<<32 | second); runes are
// below 1<<21, so the two never collide.
type gram uint64

func unigram(r rune) gram   { return gram(r) }
func bigram(a, b rune) gram { return gram(a)<<32 | gram(b) }
func indexable(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		r -= 0xFEE0
	case r == 0x3000: // ideographic space
		r = ' '
	}
	return unicode.ToLower(r)
}

// grams appends the distinct grams of s to buf, sorted.
func grams(buf []gram, s string) []gram {
	buf = buf[:0]
	prev := rune(-1)
	for _, r := range s {
		r = fold(r)
		if !indexable(r) {
			prev = -1
			continue
		}
		buf = append(buf, unigram(r))
		if prev >= 0 {
			buf = append(buf, bigram(prev, r))
		}
		prev = r
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

// word is one word of a query: its folded text and the grams a field must
// all hold to match it.
type word struct {
	text  string
	grams []gram
}

// parseQuery splits q into words at spaces and punctuation.
func parseQuery(q string) []word {
	var out []word
	var cur []rune
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w := word{text: string(cur)}
		if len(cur) == 1 {
			w.grams = []gram{unigram(cur[0])}
		} else {
			for i := 1; i < len(cur); i++ {
				w.grams = append(w.grams, bigram(cur[i-1], cur[i]))
			}
			slices.Sort(w.grams)
			w.grams = slices.Compact(w.grams)
		}
		out = append(out, w)
		cur = cur[:0]
	}
	for _, r := range q {
		if r = fold(r); indexable(r) {
			cur = append(cur, r)
		} else {
			flush()
		}
	}
	flush()
	return out
}

// runeCount is the number of indexable runes of s, its length for scoring.
func runeCount(s string) int {
	n := 0
	for _, r := range s {
		if indexable(fold(r)) {
			n++
		}
	}
	return max(n, 1)
}

// highlight returns s, HTML-escaped, with <mark> around every occurrence of
// the words' grams (overlapping and touching ones merged); ok is false
// when nothing matched.
func highlight(s string, words []word) (string, bool) {
	rs := []rune(s)
	folded := make([]rune, len(rs))
	for i, r := range rs {
		folded[i] = fold(r)
	}
	marked := make([]bool, len(rs))
	any := false
	for _, w := range words {
		if len(w.grams) == 1 && w.grams[0] < 1<<32 { // one character
			for i, r := range folded {
				if unigram(r) == w.grams[0] {
					marked[i], any = true, true
				}
			}
			continue
		}
		for i := 1; i < len(folded); i++ {
			if _, found := slices.BinarySearch(w.grams, bigram(folded[i-1], folded[i])); found {
				marked[i-1], marked[i], any = true, true, true
			}
		}
	}
	if !any {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for i, r := range rs {
		if marked[i] && (i == 0 || !marked[i-1]) {
			b.WriteString("<mark>")
		}
		var buf [utf8.UTFMax]byte
		b.WriteString(html.EscapeString(string(buf[:utf8.EncodeRune(buf[:], r)])))
		if marked[i] && (i == len(rs)-1 || !marked[i+1]) {
			b.WriteString("</mark>")
		}
	}
	return b.String(), true
}
