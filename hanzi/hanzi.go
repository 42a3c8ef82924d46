// Package hanzi folds Traditional Chinese characters to Simplified, character by character, with
// OpenCC's TSCharacters table: what the importer compares headers and office names with, and
// what the rule reader reads 及時/迴應/週 with. It does not know phrases, so a character with
// several Simplified forms takes the common one.
package hanzi

import (
	"strings"
	"sync"
	"unicode/utf8"
)

var table = sync.OnceValue(func() map[rune]rune {
	m := make(map[rune]rune, utf8.RuneCountInString(t2sPairs)/2)
	rs := []rune(t2sPairs)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
})

// Rune returns the Simplified form of r, and whether it differs.
func Rune(r rune) (rune, bool) {
	s, ok := table()[r]
	if !ok {
		return r, false
	}
	return s, true
}

// Simplify folds every Traditional character of s; s itself when there is none.
func Simplify(s string) string {
	m := table()
	var b strings.Builder
	changed := false
	for i, r := range s {
		to, ok := m[r]
		if !ok {
			if changed {
				b.WriteRune(r)
			}
			continue
		}
		if !changed {
			b.Grow(len(s))
			b.WriteString(s[:i])
			changed = true
		}
		b.WriteRune(to)
	}
	if !changed {
		return s
	}
	return b.String()
}
