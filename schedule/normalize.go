package schedule

import (
	"github.com/zwgk/zwgk/hanzi"
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalized is wording prepared for matching, with a map back to the original text so that a
// match can be reported in the author's own characters.
type normalized struct {
	s string
	// start[i] and end[i] are the original byte range of the rune that produced byte i of s.
	start, end []int
}

// origRange maps the byte range [i, j) of n.s back to the original text.
func (n normalized) origRange(i, j int) (int, int) {
	if i >= j {
		return n.start[i], n.start[i]
	}
	return n.start[i], n.end[j-1]
}

// normalize prepares text for the patterns:
//   - pinyin left by a broken converter after a character is dropped: 現(xiàn)在 → 現在;
//   - whitespace between two Chinese characters is dropped, within a line (anywhere in a
//     cell): Chinese does not separate words, and pasted cells wrap anywhere (每月 更新,
//     及时 更新); so is whitespace next to one digit (2024 年 6 月底); other whitespace stays
//     as one space;
//   - full-width ASCII becomes ASCII (２周 → 2周, （ → (), dashes and tildes become '-';
//   - Traditional characters become Simplified (及時 → 及时, 迴應 → 回应), by OpenCC's table (hanzi).
//
// The conversion covers the characters of the wordings the parser knows and common neighbours
// only. A general converter (OpenCC) would be overkill: the parser recognises a closed
// vocabulary, and whatever falls outside it is reported as unparsed anyway.
//
// In a cell (cell true) a line break is a wrap like any other whitespace; in a long text it
// may end a paragraph or a flattened table cell, so wordings do not read across it.
func normalize(text string, cell bool) normalized {
	var b strings.Builder
	b.Grow(len(text))
	n := normalized{start: make([]int, 0, len(text)), end: make([]int, 0, len(text))}
	prevHan := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r == '(' || r == '（') && prevHan {
			if skip := pinyinGroup(text[i+size:]); skip > 0 {
				i += size + skip
				continue
			}
		}
		prevHan = unicode.Is(unicode.Han, r)
		if isSpace(r) {
			// Whitespace between two Chinese characters is a paste or wrap artefact
			// (每月 更新): dropped, so wordings read across it. Next to one digit it is dropped
			// too, so that 2024 年 6 月底 still reads as a date; between two digits (5 24小时内)
			// it keeps the numbers apart. Any other run, and outside a cell one holding a line
			// break, stays as one space that no pattern crosses.
			j, lineBreak := i, false
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isSpace(r2) {
					break
				}
				lineBreak = lineBreak || r2 == '\n' || r2 == '\r' || r2 == '\u2028' || r2 == '\u2029'
				j += s2
			}
			next, _ := utf8.DecodeRuneInString(text[j:])
			next = foldWidth(next)
			last, _ := utf8.DecodeLastRuneInString(b.String())
			dLast, dNext := isASCIIDigit(last), isASCIIDigit(next)
			drop := dLast != dNext || (cell || !lineBreak) && unicode.Is(unicode.Han, last) && unicode.Is(unicode.Han, next)
			if b.Len() > 0 && j < len(text) && !drop && last != ' ' {
				b.WriteByte(' ')
				n.start = append(n.start, i)
				n.end = append(n.end, j)
			}
			i = j
			continue
		}
		r = foldWidth(r)
		r, _ = hanzi.Rune(r)
		before := b.Len()
		b.WriteRune(r)
		for k := before; k < b.Len(); k++ {
			n.start = append(n.start, i)
			n.end = append(n.end, i+size)
		}
		i += size
	}
	n.s = b.String()
	n.start = append(n.start, len(text))
	return n
}

// pinyinGroup returns the length of "xiàn)" at the start of s (the part after the opening
// parenthesis) when it looks like one pinyin syllable (1–6 lowercase letters, tone marks
// allowed), else 0. "(quarter)" or "(責任科室:…)" stay.
func pinyinGroup(s string) int {
	letters := 0
	for i, r := range s {
		switch {
		case r == ')' || r == '）':
			if letters == 0 || letters > 6 {
				return 0
			}
			return i + utf8.RuneLen(r)
		case r >= 'a' && r <= 'z', strings.ContainsRune("āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿê", r):
			letters++
			if letters > 6 {
				return 0
			}
		default:
			return 0
		}
	}
	return 0
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// foldWidth turns full-width ASCII into ASCII and every dash or tilde into '-'.
func foldWidth(r rune) rune {
	switch {
	case r == '－' || r == '～' || r == '~' || r == '—' || r == '–' || r == '〜' || r == '―':
		return '-'
	case r >= '！' && r <= '～':
		return r - 0xFEE0
	}
	return r
}
