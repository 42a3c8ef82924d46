package points

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rule is a deduction rule of an assessment item (扣分规则) as far as it can be computed.
type Rule struct {
	Kind RuleKind
	// Amount is the points deducted per occurrence (PerOccurrence) or once (Once).
	Amount float64
	// Max is a cap the text states (最多扣2分, 扣满3分为止); 0 when it states none. Every
	// deduction is capped at the item's 分值 as well: a check never takes more than an item is
	// worth (扣完为止 says so explicitly, and is the rule where the text is silent).
	Max float64
}

// RuleKind is how a deduction grows with the occurrences found.
type RuleKind string

// The kinds of rule.
const (
	// Unknown: the text says nothing computable (酌情扣分, 按比重扣分, or no text): the whole
	// 分值 is at stake, the safe assumption before a check.
	Unknown RuleKind = ""
	// PerOccurrence: Amount for each occurrence (每处扣0.5分, 发现一次扣2分, 每缺一项扣0.5分,
	// 出现一个月扣5分).
	PerOccurrence RuleKind = "per"
	// Once: Amount when it happens at all (未按时更新扣1分, 未及时公开的扣5分).
	Once RuleKind = "once"
	// Whole: the item's 分值 is lost (不得分, 该项分值全扣).
	Whole RuleKind = "whole"
)

var (
	// the amount deducted: 扣0.5分, 扣 2 分, 扣1-2分 (a range: its upper end, the worst
	// case), 扣两分; also 0.5分/处 written after the amount
	amountRe = regexp.MustCompile(`扣\s*(?:除|减)?\s*([0-9０-９]+(?:[.．][0-9０-９]+)?|[一二两三四五六七八九十半]+)\s*(?:(?:-|－|~|～|—|至|到)\s*([0-9０-９]+(?:[.．][0-9０-９]+)?|[一二两三四五六七八九十]+)\s*)?分`)
	// a cap: 最多扣2分, 最高扣3分, 扣满3分为止, 累计扣分不超过4分, 上限2分
	maxRe = regexp.MustCompile(`(?:最多|最高|至多|累计(?:最多)?|合计)\s*(?:扣\s*)?(?:分\s*)?(?:不超过\s*)?([0-9０-９]+(?:[.．][0-9０-９]+)?|[一二两三四五六七八九十]+)\s*分|扣满\s*([0-9０-９]+(?:[.．][0-9０-９]+)?|[一二两三四五六七八九十]+)\s*分|(?:扣分)?上限\s*(?:为\s*)?([0-9０-９]+(?:[.．][0-9０-９]+)?|[一二两三四五六七八九十]+)\s*分`)
	// an amount per occurrence: 每处, 每条, 每例, 每项, 每次, 每个, 每件, 每篇, 每缺一项,
	// 每发现一处, 每月, 每个月, 发现一次, 出现一次, 出现一个月, 一次扣; or /处 after the amount
	perRe = regexp.MustCompile(`每|(?:发现|出现|存在|缺少?|漏报?|少)\s*(?:一|1)\s*(?:处|次|条|例|项|个|件|篇|期|月|个月|人次)|(?:一|1)\s*(?:处|次|条|例|项|件|篇)\s*扣|分\s*/\s*(?:处|次|条|例|项|个|件|篇|期|月)`)
	// the whole score lost
	wholeRe = regexp.MustCompile(`不得分|不计分|得\s*0\s*分|得零分|记\s*0\s*分|计\s*0\s*分|(?:该项|此项|本项)?分值?\s*全(?:部)?扣|扣除?(?:该项|此项|本项)?全部分值|扣完(?:该项|此项|本项)(?:全部)?分值?|(?:该项|此项|本项)分值扣完|一票否决`)
)

// ParseRule reads the computable part of a deduction text. The whole score lost wins over an
// amount when the text states both (每处扣1分，情节严重的不得分: before a check the worst case
// is what is at stake); an amount with 每 or a counted occurrence is per occurrence, one without
// is deducted once; a text with neither is Unknown.
func ParseRule(text string) Rule {
	t := strings.TrimSpace(text)
	if t == "" {
		return Rule{}
	}
	if wholeRe.MatchString(t) {
		return Rule{Kind: Whole}
	}
	m := amountRe.FindStringSubmatchIndex(t)
	if m == nil {
		return Rule{}
	}
	v := number(t[m[2]:m[3]])
	if m[4] >= 0 {
		if hi := number(t[m[4]:m[5]]); hi > v {
			v = hi
		}
	}
	if v <= 0 {
		return Rule{}
	}
	r := Rule{Kind: Once, Amount: v}
	// the occurrence word comes before the amount (每处扣0.5分, 发现一次扣2分) or just after
	// it (扣0.5分/处); what comes later in the text belongs to another clause
	head, tail := t[:m[0]], t[m[0]:min(len(t), m[1]+len("/处"))]
	if i := strings.LastIndexAny(head, "，,；;。"); i >= 0 {
		head = head[i:]
	}
	if perRe.MatchString(head) || perRe.MatchString(tail) {
		r.Kind = PerOccurrence
	}
	if c := maxRe.FindStringSubmatch(t); c != nil {
		for _, g := range c[1:] {
			if g != "" {
				r.Max = number(g)
				break
			}
		}
	}
	return r
}

// Deduct is what the rule takes of an item worth score for occurrences found: never more
// than the score, nor than the rule's cap; nothing when nothing was found.
func (r Rule) Deduct(score float64, occurrences int) float64 {
	if occurrences <= 0 || score <= 0 {
		return 0
	}
	var d float64
	switch r.Kind {
	case PerOccurrence:
		d = r.Amount * float64(occurrences)
	case Once:
		d = r.Amount
	default: // Whole, Unknown
		return score
	}
	if r.Max > 0 && d > r.Max {
		d = r.Max
	}
	return round(min(d, score))
}

// String says in Chinese which rule was applied, as the points page shows it.
func (r Rule) String() string {
	switch r.Kind {
	case PerOccurrence:
		s := "每次扣" + points(r.Amount) + "分"
		if r.Max > 0 {
			s += "，最多扣" + points(r.Max) + "分"
		}
		return s + "，扣完为止"
	case Once:
		s := "扣" + points(r.Amount) + "分"
		if r.Max > 0 && r.Max < r.Amount {
			s = "扣" + points(r.Max) + "分"
		}
		return s + "（不超过分值）"
	case Whole:
		return "该项不得分"
	}
	return "未写明可计算的扣分，按全部分值计"
}

// Applied says how the rule came to the deduction of an item worth score with occurrences
// found: 每次扣0.5分 × 3次 = 1.5分.
func (r Rule) Applied(score float64, occurrences int) string {
	d := r.Deduct(score, occurrences)
	switch r.Kind {
	case PerOccurrence:
		s := fmt.Sprintf("每次扣%s分 × %d次", points(r.Amount), occurrences)
		if full := round(r.Amount * float64(occurrences)); full != d {
			s += fmt.Sprintf(" = %s分，", points(full))
			if r.Max > 0 && d == r.Max {
				s += "按上限计"
			} else {
				s += "扣完为止，计"
			}
		} else {
			s += " = "
		}
		return s + points(d) + "分"
	case Once:
		return fmt.Sprintf("扣%s分", points(d))
	case Whole:
		return fmt.Sprintf("不得分，扣%s分", points(d))
	}
	return fmt.Sprintf("按全部分值计%s分", points(d))
}

func points(x float64) string { return strconv.FormatFloat(round(x), 'f', -1, 64) }

var digits = map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// number reads 0.5, full-width ０．５, or a Chinese number up to 九十九 (半 is 0.5).
func number(s string) float64 {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + r - '０'
		case r == '．':
			return '.'
		}
		return r
	}, s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v
	}
	if s == "半" {
		return 0.5
	}
	rs := []rune(s)
	tens, n := 0, 0
	for i, c := range rs {
		switch {
		case c == '十':
			if i == 0 {
				tens = 1
			} else {
				tens = n
			}
			n = 0
		case digits[c] > 0:
			n = digits[c]
		default:
			return 0
		}
	}
	return float64(tens*10 + n)
}
