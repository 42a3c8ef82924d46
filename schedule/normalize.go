package schedule

import (
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
//   - Traditional characters of the rule vocabulary become Simplified (及時 → 及时).
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
		if s, ok := t2s[r]; ok {
			r = s
		}
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

// t2s maps Traditional characters met in task lists to Simplified.
var t2s = func() map[rune]rune {
	const pairs = "" +
		"週周個个時时內内開开發发佈布報报備备於于條条數数實实隨随動动態态調调轉转載载續续進进長长" +
		"堅坚經经規规範范兩两後后結结辦办維维護护檢检測测統统計计歷历曆历過过沒没間间與与會会議议" +
		"論论審审應应當当號号補补點点鐘钟頭头屆届遲迟極极總总復复嚴严關关門门網网須须為为爲为並并" +
		"優优這这說说們们對对組组織织業业務务處处單单項项題题據据滿满頻频歲岁導导則则類类劃划產产區区" +
		"縣县機机構构達达標标準准確确聯联繫系係系權权責责執执質质級级東东車车書书東东幾几殘残級级態态" +
		"從从來来現现麼么樣样給给讓让幫帮將将還还進进過过樣样電电話话預预決决鄉乡鎮镇區区廳厅處处" +
		"辦办經经營营環环境境據据徵征徵征詢询見见聽听證证參参與与衆众眾众體体樂乐錄录傳传媒媒貼贴" +
		"況况規规劃划財财費费額额屬属職职銜衔譯译讀读講讲話话舉举辦办屆届盡尽專专項项隊队伍伍訓训" +
		"練练審审核核後后貫贯徹彻落落實实顯显欄栏目目級级鏈链銷销廢废止止效效鑑鉴監监督督導导" +
		"時时效效刻刻即即該该項项內内務务維维護护齊齐全全準准確确備备簡简介介圖图畫画頁页" +
		"連连繼继彙汇匯汇場场終终無无"
	m := make(map[rune]rune, 256)
	rs := []rune(pairs)
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] != rs[i+1] {
			m[rs[i]] = rs[i+1]
		}
	}
	return m
}()

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
