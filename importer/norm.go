package importer

import (
	"github.com/zwgk/zwgk/hanzi"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ToSimplified folds Traditional characters to their Simplified form, character by character
// (hanzi.Simplify). It is meant for comparing names and headers and for an optional display
// conversion; it does not know phrases.
func ToSimplified(s string) string { return hanzi.Simplify(s) }

// fold gives the form two spellings of a header, label or office name are compared in:
// NFKC (full-width letters, digits and punctuation become ASCII), Simplified, no spaces, no
// trailing punctuation, lower case.
func fold(s string) string {
	s = ToSimplified(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.TrimRight(s, "。.,;:、!?")
}

// pinyinNoise matches what a broken Simplified→Traditional converter leaves behind, the
// reading of a character in parentheses with tone marks: 現(xiàn)在. Requiring a tone mark
// keeps real parenthesised Latin text such as (PDF).
var pinyinNoise = regexp.MustCompile(`\(([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹ][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]*)\)`)

// cleanCell tidies the text of one cell for display and further reading: converter noise
// removed, line breaks unified, invisible characters dropped, spaces inside Chinese text
// (left by HTML or PDF line wrapping: 重大决策 预公开) removed, outer space trimmed.
func cleanCell(s string) string { return dropHanSpaces(tidy(s)) }

// tidy is cleanCell without joining Chinese text across spaces, for lines of pasted text
// whose columns spaces separate.
func tidy(s string) string {
	if s == "" {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad':
			return -1
		case '\u00a0', '\u3000', '\t':
			return ' '
		}
		return r
	}, s)
	s = pinyinNoise.ReplaceAllString(s, "")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// dropHanSpaces removes runs of spaces that have a Chinese character (or Chinese punctuation)
// on both sides.
func dropHanSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	rs := []rune(s)
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if rs[i] != ' ' {
			out = append(out, rs[i])
			continue
		}
		j := i
		for j < len(rs) && rs[j] == ' ' {
			j++
		}
		if len(out) > 0 && j < len(rs) && isCJK(out[len(out)-1]) && isCJK(rs[j]) {
			i = j - 1
			continue
		}
		out = append(out, rs[i:j]...)
		i = j - 1
	}
	return string(out)
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isCJK is a Han character or CJK punctuation (、，。“”《》（）…).
func isCJK(r rune) bool {
	return isHan(r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) || r == '“' || r == '”' || r == '‘' || r == '’'
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// oneLine joins the lines of a cell with nothing between Chinese text and a space elsewhere,
// for labels and names that a line break split (上级政策 / 解读).
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	parts := strings.Split(s, "\n")
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(p)
			if !(isCJK(prev) || isCJK(next)) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

// suspicious reports text that a broken export mangled: replacement characters, question
// marks inside Chinese text, HTML tag remnants.
func suspicious(s string) bool {
	if strings.ContainsRune(s, utf8.RuneError) || strings.Contains(s, "</") || strings.Contains(s, "/td>") {
		return true
	}
	rs := []rune(s)
	for i, r := range rs {
		if r == '?' && i > 0 && isHan(rs[i-1]) {
			return true
		}
	}
	return false
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
