package schedule

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zwgk/zwgk/calendar"
)

// StatutoryWorkingDays is the clock of 及时更新 / 及时公开 when the item gives none: 20 working
// days after the information is formed or changed (政府信息公开条例 第二十六条).
const StatutoryWorkingDays = 20

// DefaultCheckIn is the check-in period of an ongoing rule (持续推进, 常态化): quarterly, as the
// inspections (季度检查) are.
const DefaultCheckIn = Quarter

// Parse reads the wording of a deadline or frequency cell (完成时限, 更新频率) of a list of the given
// year, Simplified or Traditional: 4月底, 3月31日前, 年底前, 上半年, 8月至12月, 每月更新, 季度更新,
// 及时更新, 5个工作日内, 48小时内, 每周更新不少于2次, 每年不少于1次, 年度内至少参加1次,
// 至少2周内更新一次, 10天更新, 持续推进, 常态化, and recurring rules due at a point of their period:
// 每月10日前, 每季度首月15日前, 每季度结束后10个工作日内…
//
// The whole cell must be understood: besides the rule wording it may only hold filler such as
// 完成, 更新, 公开, 前 and punctuation. Anything else, two different rules in one cell (5小时内…
// 24小时内), or a date wording with year <= 0 gives Kind unparsed with the cell in Text and the
// problem in Reason; Parse never guesses. A date that does not exist (2月30日, 4月31日, 13月,
// 2月29日 in a common year) gives the Reason ReasonNoSuchDate + "：" + the date as written. An
// ongoing word next to a precise rule (常态化，每季度更新) yields the precise rule, and so does a
// plain recurring rule next to one of the same period with a due point (每月更新，每月10日前).
// 按月或季度 yields the longer period: it is what the item requires.
//
// Whitespace between two Chinese characters is dropped (每月 更新, 及时 更新: pasted text wraps
// anywhere); whitespace next to one digit is dropped (2024 年 6 月底), between two digits it
// separates numbers (5 24小时内 is not 524 hours).
//
// Text of a parsed rule is the cell, trimmed. Parse is pure and cheap enough to call per cell.
func Parse(text string, year int) Rule {
	orig := strings.TrimSpace(text)
	n := normalize(text, true)
	if n.s == "" {
		return Rule{Kind: KindUnparsed, Text: orig, Reason: "空白"}
	}
	if bad := impossibleDates(n, text, year); len(bad) > 0 {
		return Rule{Kind: KindUnparsed, Text: orig, Reason: ReasonNoSuchDate + "：" + strings.Join(bad, "、")}
	}
	ms := scan(n, text, year, true)
	if len(ms) == 0 && isDitto(n.s) {
		return Rule{Kind: KindUnparsed, Text: orig, Reason: ReasonDitto}
	}
	if len(ms) == 0 && strings.Contains(n.s, "节假日") {
		return Rule{Kind: KindUnparsed, Text: orig, Reason: "“节假日前”没有说是哪个节日：请写明（春节前、国庆节前…），或拆成每个节日一条"}
	}
	if len(ms) == 0 {
		reason := "未找到时限或频率用语"
		if year <= 0 {
			reason += "（未给出清单年份，日期类用语无法确定）"
		}
		return Rule{Kind: KindUnparsed, Text: orig, Reason: reason}
	}
	if rest := leftover(n, ms); rest != "" {
		return Rule{Kind: KindUnparsed, Text: orig, Reason: fmt.Sprintf("无法理解：%s", rest)}
	}
	specific := ms[:0:0]
	for _, m := range ms {
		if m.Rule.Kind != KindOngoing {
			specific = append(specific, m)
		}
	}
	if len(specific) == 0 {
		specific = ms
	}
	r, first := specific[0].Rule, specific[0].Text
	for _, m := range specific[1:] {
		switch {
		case sameRule(r, m.Rule), refines(m.Rule, r):
		case refines(r, m.Rule):
			r = m.Rule
		case bareTimely(first) && periodic(m.Rule):
			// 及时更新，最大更新间隔不得超过12个月: the gap is the clock an inspection counts;
			// 及时 only says not to wait for it
			r, first = m.Rule, m.Text
		case bareTimely(m.Text) && periodic(r):
		case r.Kind == KindTimely && m.Rule.Kind == KindTimely && (strings.Contains(first, "同步") || strings.Contains(m.Text, "同步")):
			// 与政策文件同步发布，时间跨度不超过5个工作日: the span says how simultaneous
			if strings.Contains(first, "同步") {
				r, first = m.Rule, m.Text
			}
		default:
			words := make([]string, len(specific))
			for i, s := range specific {
				words[i] = s.Text
			}
			return Rule{Kind: KindUnparsed, Text: orig, Reason: "含多个不同的时限：" + strings.Join(words, "；")}
		}
	}
	r.Text = orig
	return r
}

// bareTimely is 及时更新 / 随时公开 with no span of its own.
func bareTimely(text string) bool {
	return strings.ContainsAny(text, "及随实") && strings.IndexFunc(text, func(r rune) bool { return isDigit(r) || isCnDigit(r) }) < 0
}

func periodic(r Rule) bool {
	return r.Kind == KindMaxGap || r.Kind == KindRecurring || r.Kind == KindQuota
}

// ReasonNoSuchDate starts the Reason of a cell whose date does not exist: "日期不存在：2月30日".
// The importer refuses such a list: unlike other unparsed wording it is a typo to fix at the
// source, not a rule to set by hand.
const ReasonNoSuchDate = "日期不存在"

// ReasonDitto is the Reason of 同上 (ditto): the wording is the row above's, which only the
// reader of the table knows; the importer reads that cell instead.
const ReasonDitto = "同上：沿用上一行的时限"

// isDitto reports 同上, 同前, 〃 and the like, alone in a cell.
func isDitto(s string) bool {
	switch strings.Trim(s, " ,.;:、，。；：") {
	case "同上", "同前", "同左", "〃", "\"", "同上一行":
		return true
	}
	return false
}

// dateLike is a month (13月, 3月份) or a day of one (2月30日, 每月32日) with its optional year.
var dateLike = re(`YEAR(?:(?P<m>NUM)|(?P<every>每个?|按))月份?(?:(?P<d>NUM)(?:日|号))?`)

// impossibleDates returns, as written in orig, the dates in n that no calendar has: a month
// outside 1–12, a day the month never has, 2月29日 in a year that is not a leap year (the list's
// year, or the year written before it). Without a list year 2月29日 is left alone.
func impossibleDates(n normalized, orig string, year int) []string {
	if !strings.Contains(n.s, "月") {
		return nil
	}
	var out []string
	for _, loc := range dateLike.FindAllStringSubmatchIndex(n.s, -1) {
		c := mctx{year: year, names: dateLike.SubexpNames(), s: n.s, loc: loc}
		ms, ds := c.g("m"), c.g("d")
		if ms == "" && ds == "" {
			continue // 每月
		}
		s, e := n.origRange(loc[0], loc[1])
		text := orig[s:e]
		m, d := 1, 1
		var ok bool
		if ms != "" {
			if m, ok = number(ms); !ok || m < 1 || m > 12 {
				out = append(out, text)
				continue
			}
		}
		if ds == "" {
			continue
		}
		if d, ok = number(ds); !ok || d < 1 || d > lastDay(2024, m).Day { // 2024: February has 29 days
			out = append(out, text)
			continue
		}
		if y, known := c.listYear(); m == 2 && d == 29 && known && lastDay(y, 2).Day == 28 {
			out = append(out, fmt.Sprintf("%s（%d年不是闰年）", text, y))
		}
	}
	return out
}

// Match is rule wording found inside a longer text.
type Match struct {
	Rule Rule `json:"rule"`
	// Text is the wording as written in the original text (Traditional stays Traditional);
	// Start and End are its byte offsets there.
	Text       string `json:"text"`
	Start, End int    `json:"-"`
	ni, nj     int    // the range in the normalized text
}

// Find looks for rule wording inside a long requirement text (考察点, 具体要求, a narrative task):
// 每年3月31日前, 5个工作日内, 每季度, 按月或者季度公开, 每年…不少于1次, 及时公开, 常态化. It returns
// the first precise rule (deadline, window, recurring, quota, maxgap, a clock with its number),
// else the first 及时 wording, else the first ongoing one; matched is the wording as written. Forms that only make sense
// as a whole cell (a bare 年底, 及时, 上半年, 3月31日) are not looked for. Use FindAll to see every
// match, for example the three clocks of 5小时内…24小时内…48小时内.
func Find(text string, year int) (r Rule, matched string, ok bool) {
	ms := FindAll(text, year)
	if len(ms) == 0 {
		return Rule{}, "", false
	}
	// an explicit clock (5个小时内) says more than 及时回应 beside it, which says more than 常态化
	rank := func(m Match) int {
		switch {
		case m.Rule.Kind == KindOngoing:
			return 0
		case m.Rule.Kind == KindTimely && !strings.ContainsAny(m.Text, "0123456789一二两三四五六七八九十"):
			return 1
		}
		return 2
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if rank(m) > rank(best) {
			best = m
		}
	}
	return best.Rule, best.Text, true
}

// FindAll returns every rule wording in text, in order, without overlaps.
func FindAll(text string, year int) []Match {
	return scan(normalize(text, false), text, year, false)
}

// scan finds the matches of every pattern, keeps at each position the longest, and drops those
// overlapping an earlier one.
func scan(n normalized, orig string, year int, cell bool) []Match {
	type cand struct {
		i, j, p int
		r       Rule
	}
	var cs []cand
	in := make(map[rune]bool, len(n.s)/2)
	for _, r := range n.s {
		in[r] = true
	}
	for pi, p := range patterns {
		if !worth(pi, n.s, in) {
			continue
		}
		for _, loc := range p.re.FindAllStringSubmatchIndex(n.s, -1) {
			c := mctx{year: year, cell: cell, names: p.re.SubexpNames(), s: n.s, loc: loc}
			if loc[0] > 0 {
				c.before, _ = utf8.DecodeLastRuneInString(n.s[:loc[0]])
			}
			r, ok := p.build(&c)
			if !ok {
				continue
			}
			cs = append(cs, cand{loc[0], loc[1], pi, r})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool {
		if cs[a].i != cs[b].i {
			return cs[a].i < cs[b].i
		}
		if cs[a].j != cs[b].j {
			return cs[a].j > cs[b].j
		}
		return cs[a].p < cs[b].p
	})
	var out []Match
	end := 0
	for _, c := range cs {
		if c.i < end {
			continue
		}
		end = c.j
		s, e := n.origRange(c.i, c.j)
		m := Match{Rule: c.r, Text: orig[s:e], Start: s, End: e, ni: c.i, nj: c.j}
		m.Rule.Text = m.Text
		out = append(out, m)
	}
	return out
}

// filler is what a cell may hold besides its rule wording.
var filler = regexp.MustCompile(`^(?:[- ,.;:、，。；：()\[\]【】「」“”"'‘’!！?？/]|更新|公开|发布|完成|办结|提交|报送|上报|前|之前|以前|内|以内|之内|止|为止|一次|1次|信息|按要求|要求|截至|截止|于|在|的|到期|内容|及时|不超过|不得超过|最长|最多|应在|须在|需在|数据|情况|工作|工作情况|有关|相关|材料|上年度|上一年度|上年|上一年|上月|上个月)*$`)

// leftover returns the text of n outside the matches when it is more than filler, else "".
func leftover(n normalized, ms []Match) string {
	var b strings.Builder
	pos := 0
	for _, m := range ms {
		b.WriteString(n.s[pos:m.ni])
		pos = m.nj
	}
	b.WriteString(n.s[pos:])
	rest := b.String()
	if filler.MatchString(rest) {
		return ""
	}
	return rest
}

// sameRule compares what two rules mean, ignoring their wording.
func sameRule(a, b Rule) bool {
	return a.Kind == b.Kind && eqDate(a.Due, b.Due) && eqDate(a.From, b.From) && a.Period == b.Period &&
		a.Count == b.Count && eqSpan(a.Clock, b.Clock) && eqSpan(a.MaxGap, b.MaxGap) && eqPoint(a.DueIn, b.DueIn)
}

// refines reports that precise says when plain is due: 每月10日前 refines 每月更新.
func refines(plain, precise Rule) bool {
	return plain.Kind == KindRecurring && plain.DueIn == nil && precise.Kind == KindRecurring &&
		precise.DueIn != nil && plain.Period == precise.Period
}

func eqDate(a, b *calendar.Date) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqSpan(a, b *Span) bool          { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqPoint(a, b *PeriodPoint) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Month == b.Month && a.Day == b.Day && eqSpan(a.After, b.After))
}

// documentNoun starts the rest of a text whose verb (公开) belonged to a document's name:
// 政务公开工作要点, 信息公开指南, 公开目录.
var documentNoun = regexp.MustCompile(`^(?:工作)?(?:要点|计划|方案|规划|指南|目录|清单|年报|年度报告)`)

// mctx is one regexp match being turned into a rule.
type mctx struct {
	year   int
	cell   bool // parsing a whole cell: bare forms (年底, 及时, 3月31日) count
	before rune // the rune before the match, 0 at the start
	names  []string
	s      string
	loc    []int
}

// g returns the named group's text, "" when it did not take part.
func (c *mctx) g(name string) string {
	for i, n := range c.names {
		if n == name && c.loc[2*i] >= 0 {
			return c.s[c.loc[2*i]:c.loc[2*i+1]]
		}
	}
	return ""
}

// listYear is the year of a date wording: an explicit 2024年, 次年 (the year after the list's),
// or the list's own year (also for 每年).
func (c *mctx) listYear() (int, bool) {
	if y := c.g("y"); y != "" {
		v, _ := strconv.Atoi(y)
		return v, v >= 1900 && v <= 2200
	}
	if c.year <= 0 {
		return 0, false
	}
	if c.g("next") != "" {
		return c.year + 1, true
	}
	return c.year, true
}

// number reads 2, 12, 二, 两, 十二, 二十, 三十一.
func number(s string) (int, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		v, err := strconv.Atoi(s)
		return v, err == nil
	}
	digit := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	rs := []rune(s)
	if i := strings.IndexRune(s, '十'); i >= 0 {
		if strings.Count(s, "十") > 1 || len(rs) > 3 {
			return 0, false
		}
		tens, ones := 1, 0
		k := utf8.RuneCountInString(s[:i])
		if k == 1 {
			t, ok := digit[rs[0]]
			if !ok || t == 0 {
				return 0, false
			}
			tens = t
		} else if k > 1 {
			return 0, false
		}
		if k+1 < len(rs) {
			if k+2 != len(rs) {
				return 0, false
			}
			o, ok := digit[rs[k+1]]
			if !ok || o == 0 {
				return 0, false
			}
			ones = o
		}
		return tens*10 + ones, true
	}
	v := 0
	for _, r := range rs {
		d, ok := digit[r]
		if !ok {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func (c *mctx) num(name string, lo, hi int) (int, bool) {
	v, ok := number(c.g(name))
	return v, ok && v >= lo && v <= hi
}

// date builds a valid date, rejecting 2月30日.
func date(y, m, d int) (calendar.Date, bool) {
	if m < 1 || m > 12 || d < 1 {
		return calendar.Date{}, false
	}
	v := calendar.D(y, time.Month(m), d)
	return v, v.Year == y && int(v.Month) == m && v.Day == d
}

func lastDay(y, m int) calendar.Date { return calendar.D(y, time.Month(m)+1, 0) }

func period(s string) Period {
	switch s {
	case "周", "星期":
		return Week
	case "月", "月度":
		return Month
	case "季", "季度":
		return Quarter
	case "半年", "半年度":
		return HalfYear
	case "年", "年度":
		return Year
	}
	return ""
}

var periodRank = map[Period]int{Week: 1, Month: 2, Quarter: 3, HalfYear: 4, Year: 5}

type pattern struct {
	// need lists words of which the text must hold at least one, for each entry, before the
	// regexp is worth running: a cheap filter, as the regexps backtrack at every position.
	need  []string
	re    *regexp.Regexp
	build func(*mctx) (Rule, bool)
}

// worth reports whether every need of pattern i has one of its words in s; in holds the runes
// of s, so that a one-rune word is a lookup.
func worth(i int, s string, in map[rune]bool) bool {
	for _, alts := range needAlts[i] {
		found := false
		for _, w := range alts {
			if r, size := utf8.DecodeRuneInString(w); size == len(w) {
				found = in[r]
			} else {
				found = strings.Contains(s, w)
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// needAlts are the needs of patterns[i], split once.
var needAlts [][][]string

func splitNeeds(ps []pattern) {
	needAlts = make([][][]string, len(ps))
	for i, p := range ps {
		for _, n := range p.need {
			needAlts[i] = append(needAlts[i], strings.Split(n, "|"))
		}
	}
}

// Building blocks of the patterns, over normalized text (Simplified, ASCII digits, no spaces).
const (
	num    = `[0-9]{1,4}|[零〇一二两三四五六七八九十]{1,3}`
	per    = `半年度|半年|季度|季|月度|月|周|星期|年度|年`
	verb   = `更新|公开|发布|报送|上报|备案|梳理|调度|通报|维护|检查|核查|开展|召开|举办|统计|汇总|报告|调整|清理`
	gap    = `[^-,.;:!?() 、，。；：！？0-9]{0,10}?`
	gap20  = `[^-,.;:!?() 、，。；：！？0-9]{0,20}?`
	gap4   = `[^-,.;:!?() 、，。；：！？0-9]{0,4}?` // a verb between 至少 and the count: 至少参加1次
	yearP  = `(?:(?P<y>[0-9]{4})年度?|每年度?|(?P<next>次年|翌年|第二年|下一?年))?`
	atMost = `(?:不少于|不低于|不得少于|至少|最少)`
	times  = `(?:次|篇|条|期|回|场|批)`
)

func re(s string) *regexp.Regexp {
	s = strings.NewReplacer("NUM", num, "PER", per, "VERB", verb, "GAP20", gap20, "GAP4", gap4, "GAP", gap, "YEAR", yearP, "ATLEAST", atMost, "TIMES", times).Replace(s)
	return regexp.MustCompile(s)
}

func dateRule(kind Kind, due calendar.Date) Rule { return Rule{Kind: kind, Due: &due} }

// patterns are tried everywhere; scan keeps the longest at each position. Each build rejects
// what the regexp cannot: impossible dates, bare forms outside a cell, a number glued to a date.
var patterns = []pattern{
	// window: 8月至12月, 2024年3月1日至6月30日
	{[]string{"至|到|-", "月"}, re(`YEAR(?P<m1>NUM)月(?:(?P<d1>NUM)(?:日|号))?(?:起|开始)?(?:至|到|-+)(?:(?P<y2>[0-9]{4})年)?(?P<m2>NUM)月(?:(?P<d2>NUM)(?:日|号))?(?:底|末)?(?:前|之前|以前|止|为止)?`), func(c *mctx) (Rule, bool) {
		return window(c)
	}},
	// window of months: 8-12月, 8至12月
	{[]string{"至|到|-", "月"}, re(`YEAR(?P<m1>NUM)(?:至|到|-+)(?P<m2>NUM)月(?:底|末)?(?:前|之前|以前|止|为止)?`), func(c *mctx) (Rule, bool) {
		return window(c)
	}},
	// end of a month: 4月底, 6月底前, 每年6月末
	{[]string{"底|末", "月"}, re(`YEAR(?P<m>NUM)(?:月份|月)(?:底|末)(?:前|之前|以前)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		m, ok2 := c.num("m", 1, 12)
		if !ok || !ok2 || isDigit(c.before) {
			return Rule{}, false
		}
		return dateRule(KindDeadline, lastDay(y, m)), true
	}},
	// a day: 3月31日前, 每年3月31日前, 次年1月31日前; bare 3月31日 in a cell
	{[]string{"日|号", "月"}, re(`YEAR(?P<m>NUM)月(?P<d>NUM)(?:日|号)(?P<suf>前|之前|以前|止|为止)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		m, ok2 := c.num("m", 1, 12)
		d, ok3 := c.num("d", 1, 31)
		if !ok || !ok2 || !ok3 || isDigit(c.before) || (c.g("suf") == "" && !c.cell) {
			return Rule{}, false
		}
		due, ok := date(y, m, d)
		return dateRule(KindDeadline, due), ok
	}},
	// a day of every month: 每月10日前, 每月5号之前, 每月15日内; bare 每月10日 in a cell
	{[]string{"日|号", "每|按"}, re(`(?:每个?|按)月份?的?(?P<d>NUM)(?:日|号)(?P<suf>前|之前|以前|止|为止|内|之内|以内)?`), func(c *mctx) (Rule, bool) {
		d, ok := c.num("d", 1, 31)
		if !ok || (c.g("suf") == "" && !c.cell) {
			return Rule{}, false
		}
		return Rule{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: d}}, true
	}},
	// a day of a month of every quarter or half year: 每季度首月15日前, 每季度第一个月10日前,
	// 每半年末月20日前
	{[]string{"日|号", "每|按|各"}, re(`(?:每个?|按|各)(?P<p>季度|季|半年度|半年)的?(?:(?P<first>首个?月|头一?个?月|第一个月)|(?P<last>末个?月|最后一个?月)|第(?P<m>NUM)个?月)份?的?(?P<d>NUM)(?:日|号)(?P<suf>前|之前|以前|止|为止|内|之内|以内)?`), func(c *mctx) (Rule, bool) {
		p := period(c.g("p"))
		d, ok := c.num("d", 1, 31)
		if !ok || (c.g("suf") == "" && !c.cell) {
			return Rule{}, false
		}
		m := 1
		switch {
		case c.g("last") != "":
			m = monthsIn[p]
		case c.g("m") != "":
			if m, ok = c.num("m", 1, monthsIn[p]); !ok {
				return Rule{}, false
			}
		}
		return Rule{Kind: KindRecurring, Period: p, DueIn: &PeriodPoint{Month: m, Day: d}}, true
	}},
	// after the end of every period: 每季度结束后10个工作日内, 每月结束后5日内, 季末后15天内
	{[]string{"后", "日|天"}, re(`(?P<every>每个?|按|各)?(?P<p>PER)(?P<end>结束|终了|届满|期满|末|底)?(?:后|之后|以后)(?P<n>NUM)个?(?P<u>工作日|自然日|日历日|天|日)(?:内|之内|以内)?`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		if !ok {
			return Rule{}, false
		}
		if c.g("every") == "" {
			// 季度结束后 reads as every quarter; 上季度结束后, 第一季度末后, 2024年底后 name one.
			if c.g("end") == "" || strings.ContainsRune("上下本今去明次该当前首第半", c.before) ||
				isDigit(c.before) || isCnDigit(c.before) {
				return Rule{}, false
			}
		}
		after := &Span{N: n, Unit: CalendarDays}
		if c.g("u") == "工作日" {
			after.Unit = WorkingDays
		}
		return Rule{Kind: KindRecurring, Period: period(c.g("p")), DueIn: &PeriodPoint{After: after}}, true
	}},
	// end of the year: 年底前, 2024年底前, 2020年年底前, 每年年底前; bare 年底 / 年末 in a cell
	{[]string{"底|末|终"}, re(`(?:(?P<y>[0-9]{4})年?|每年?|今年?|本年?)?年度?(?:底|末|终)(?P<suf>前|之前|以前)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		if !ok || (c.g("suf") == "" && !c.cell) || c.before == '半' {
			return Rule{}, false
		}
		return dateRule(KindDeadline, calendar.D(y, 12, 31)), true
	}},
	// half a year: 上半年 (June 30), 下半年 (December 31)
	{[]string{"半年"}, re(`(?:(?P<y>[0-9]{4})年度?)?(?P<h>上|下)半年(?P<end>底|末)?(?P<suf>前|之前|以前|内|以内)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		if !ok || (c.g("suf") == "" && c.g("end") == "" && !c.cell) {
			return Rule{}, false
		}
		if c.g("h") == "上" {
			return dateRule(KindDeadline, calendar.D(y, 6, 30)), true
		}
		return dateRule(KindDeadline, calendar.D(y, 12, 31)), true
	}},
	// end of a quarter: 一季度末, 第三季度前; bare 第二季度 in a cell
	{[]string{"季度"}, re(`(?:(?P<y>[0-9]{4})年度?)?第?(?P<q>[一二三四1-4])季度(?P<end>末|底)?(?P<suf>前|之前|以前|内)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		q, ok2 := c.num("q", 1, 4)
		if !ok || !ok2 || c.before == '前' || c.before == '后' || c.before == '每' || isDigit(c.before) ||
			(c.g("suf") == "" && c.g("end") == "" && !c.cell) {
			return Rule{}, false
		}
		return dateRule(KindDeadline, lastDay(y, 3*q)), true
	}},
	// either period: 按月或者季度公开 requires the longer one
	{[]string{"每|按", "或|和|、|/", "年|季|月|周|星期"}, re(`(?:每|按)(?P<p1>PER)(?:或者|或|和|、|/)(?:每|按)?(?P<p2>PER)(?:GAP(?:VERB))?`), func(c *mctx) (Rule, bool) {
		a, b := period(c.g("p1")), period(c.g("p2"))
		if periodRank[b] > periodRank[a] {
			a = b
		}
		return Rule{Kind: KindRecurring, Period: a}, true
	}},
	// recurring with a verb: 每月更新, 按季度向社会公开, 按月梳理, 每季度末报送
	{[]string{"每|按", "年|季|月|周|星期"}, re(`(?:每个?|按)(?P<p>PER)(?:末|底)?(?:前)?GAP(?:VERB)`), func(c *mctx) (Rule, bool) {
		if documentNoun.MatchString(c.s[c.loc[1]:]) {
			// 围绕每年度政务公开工作要点推进: the verb is inside a document's name, and 每年度
			// says which document, not how often the work recurs.
			return Rule{}, false
		}
		return Rule{Kind: KindRecurring, Period: period(c.g("p"))}, true
	}},
	// bare recurring in a cell: 每月, 按季度, 每季度末, 月度, 季度, 年度, 半年
	{[]string{"每|按|度|半年", "年|季|月|周|星期|度"}, re(`(?:(?:每个?|按)(?P<p>PER)(?:末|底)?|(?P<q>月度|季度|半年度|年度|半年))`), func(c *mctx) (Rule, bool) {
		if !c.cell || c.g("q") != "" && strings.ContainsRune("上下本今去明次该当前第一", c.before) {
			return Rule{}, false // 上年度, 本季度: one period, not every one
		}
		p := c.g("p") + c.g("q")
		return Rule{Kind: KindRecurring, Period: period(p)}, true
	}},
	// a period noun and an update verb: 月度更新, 季度更新, 年度更新, 半年度公开
	{[]string{"度"}, re(`(?P<p>月度|季度|半年度|年度)(?:更新|公开|发布)`), func(c *mctx) (Rule, bool) {
		if c.before == '本' || c.before == '第' || isCnDigit(c.before) {
			return Rule{}, false
		}
		return Rule{Kind: KindRecurring, Period: period(c.g("p"))}, true
	}},
	// quota: 每周更新不少于2次, 每年通过多形式征集公众意见不少于1次, 每季度开展开放日活动不少于1次,
	// 每半年至少组织1次
	{[]string{"不少于|不低于|不得少于|至少|最少", "每|按", "年|季|月|周|星期"}, re(`(?:每个?|按)(?P<p>PER)GAP20ATLEASTGAP4(?P<n>NUM)TIMES`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		return Rule{Kind: KindQuota, Period: period(c.g("p")), Count: n}, ok
	}},
	// quota over the list's year without 每: 年度内至少参加1次, 全年不少于4次, 年内至少开展1次
	{[]string{"不少于|不低于|不得少于|至少|最少", "年"}, re(`(?:本年度内|本年度|本年内|今年内|今年|一年内|年度内|年内|全年|年度)GAP20ATLEASTGAP4(?P<n>NUM)TIMES`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		// 上年度, 半年内, 2023年度: another year or another period; 年度报告每年至少更新一次:
		// a document's name, the period is the 每年 after it
		if !ok || strings.ContainsRune("上下去前明次半", c.before) || isDigit(c.before) || isCnDigit(c.before) ||
			strings.Contains(c.s[c.loc[0]:c.loc[1]], "每") {
			return Rule{}, false
		}
		return Rule{Kind: KindQuota, Period: Year, Count: n}, true
	}},
	// a year's total as assessments state it: 年度信息总量，总量200条, 全年信息发布量达到100条以上,
	// 年度发布数量为50篇: a quota of the list's year
	{[]string{"总量|发布量|数量|达到", "年"}, re(`(?:本年度|年度|全年|本年)GAP20(?:总量|发布量|数量|达到)(?:[,，]?(?:总量|数量))?(?:达到|为|在|不少于|不低于)?(?P<n>NUM)TIMES(?:以上|及以上)?`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 100000)
		if !ok || strings.ContainsRune("上下去前明次半", c.before) || isDigit(c.before) || isCnDigit(c.before) {
			return Rule{}, false
		}
		return Rule{Kind: KindQuota, Period: Year, Count: n}, true
	}},
	// plain count: 每周更新2次, 每月1次, 每季度发布3篇以上
	{[]string{"每|按", "次|篇|条|期|回|场|批", "年|季|月|周|星期"}, re(`(?:每个?|按)(?P<p>PER)(?:VERB)?(?P<n>NUM)TIMES(?P<more>以上|及以上)?`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		if !ok {
			return Rule{}, false
		}
		if n == 1 && c.g("more") == "" {
			return Rule{Kind: KindRecurring, Period: period(c.g("p"))}, true
		}
		return Rule{Kind: KindQuota, Period: period(c.g("p")), Count: n}, true
	}},
	// maximum gap: 至少2周内更新一次, 10天更新, 每2周更新一次, 6个月内更新
	{[]string{"更新|发布", "周|星期|天|日|月"}, re(`(?:至少|最少|最长|不超过|每)?(?P<n>NUM)(?P<ge>个)?(?P<u>周|星期|天|日|月)(?:内|之内|以内)?(?:至少|必须|须|要|应)?(?:更新|发布)(?:一次|1次|信息)?`), func(c *mctx) (Rule, bool) {
		return gapRule(c)
	}},
	// maximum gap, negative: 2周未更新, 超过6个月未更新
	{[]string{"未|没有|不|无", "更新|发布", "周|星期|天|日|月"}, re(`(?:超过|连续|逾)?(?P<n>NUM)(?P<ge>个)?(?P<u>周|星期|天|日|月)(?:以上|及以上)?(?:未|没有|不|无)(?:更新|发布)`), func(c *mctx) (Rule, bool) {
		return gapRule(c)
	}},
	{[]string{"半年"}, re(`(?:超过)?半年(?:以上)?(?:未|没有|无)(?:更新|发布)`), func(c *mctx) (Rule, bool) {
		return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 6, Unit: Months}}, true
	}},
	// clock in working days: 5个工作日内, 不超过3个工作日
	{[]string{"工作日"}, re(`(?P<n>NUM)个?工作日(?:内|之内|以内)?`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		if !ok || isDigit(c.before) {
			return Rule{}, false
		}
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: WorkingDays}}, true
	}},
	// clock in hours: 5个小时内, 48小时内; bare 24小时 in a cell
	{[]string{"小时|钟头"}, re(`(?P<n>NUM)个?(?:小时|钟头)(?P<suf>内|之内|以内)?`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 10000)
		if !ok || isDigit(c.before) || (c.g("suf") == "" && !c.cell) {
			return Rule{}, false
		}
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: Hours}}, true
	}},
	// clock in calendar days: 批准后20日内, 15天内
	{[]string{"内", "日|天"}, re(`(?P<n>NUM)个?(?:自然日|日历日|天|日)(?:内|之内|以内)`), func(c *mctx) (Rule, bool) {
		n, ok := c.num("n", 1, 1000)
		if !ok || c.before == '月' || isDigit(c.before) {
			return Rule{}, false
		}
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: CalendarDays}}, true
	}},
	// event-driven: 及时更新, 及时在公开页面更新, 动态调整, 实时更新, 公开及时
	{[]string{"及时|即时|实时|随时|动态|公开及时|更新及时"}, re(`(?:(?:及时|即时|实时|随时|动态)(?:、(?:准确|规范|全面|完整|主动|准确地|规范地))?[^-,.;:!?() 、，。；：！？0-9]{0,8}?(?:更新|公开|公布|发布|转载|调整|维护|上传|反馈|回应|答复|回复|处置)|(?:公开|公布|更新|回应|答复)及时)`), func(c *mctx) (Rule, bool) {
		// 动态要闻每周更新, 工作动态每月更新: 动态 names a column, the 每 period is the clock
		return timely(), !strings.Contains(c.s[c.loc[0]:c.loc[1]], "每")
	}},
	{[]string{"及时|即时|实时"}, re(`(?:及时|即时|实时)`), func(c *mctx) (Rule, bool) {
		return timely(), c.cell
	}},
	// ongoing: 持续推进, 常态化, 长期坚持, 定期; bare 长期, 日常 in a cell
	{[]string{"持续|常态化|长期|定期"}, re(`(?:持续推进|持续开展|持续|常态化|长期坚持|长期开展|长期推进|定期)`), func(c *mctx) (Rule, bool) {
		if c.before == '不' {
			return Rule{}, false
		}
		return Rule{Kind: KindOngoing, Period: DefaultCheckIn}, true
	}},
	{[]string{"长期|长效|日常|经常"}, re(`(?:长期|长效|日常|经常性|经常)`), func(c *mctx) (Rule, bool) {
		return Rule{Kind: KindOngoing, Period: DefaultCheckIn}, c.cell
	}},
}

func timely() Rule {
	return Rule{Kind: KindTimely, Clock: &Span{N: StatutoryWorkingDays, Unit: WorkingDays}}
}

func window(c *mctx) (Rule, bool) {
	y1, ok := c.listYear()
	if !ok || isDigit(c.before) {
		return Rule{}, false
	}
	y2 := y1
	if s := c.g("y2"); s != "" {
		y2, _ = strconv.Atoi(s)
	}
	m1, ok1 := c.num("m1", 1, 12)
	m2, ok2 := c.num("m2", 1, 12)
	if !ok1 || !ok2 {
		return Rule{}, false
	}
	d1, d2 := 1, lastDay(y2, m2).Day
	if c.g("d1") != "" {
		if d1, ok = c.num("d1", 1, 31); !ok {
			return Rule{}, false
		}
	}
	if c.g("d2") != "" {
		if d2, ok = c.num("d2", 1, 31); !ok {
			return Rule{}, false
		}
	}
	from, ok1 := date(y1, m1, d1)
	due, ok2 := date(y2, m2, d2)
	if !ok1 || !ok2 || !from.Before(due) {
		return Rule{}, false
	}
	return Rule{Kind: KindWindow, From: &from, Due: &due}, true
}

func gapRule(c *mctx) (Rule, bool) {
	n, ok := c.num("n", 1, 1000)
	if !ok || c.before == '月' || c.before == '第' || isDigit(c.before) {
		return Rule{}, false
	}
	switch c.g("u") {
	case "周", "星期":
		return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 7 * n, Unit: CalendarDays}}, true
	case "天", "日":
		return Rule{Kind: KindMaxGap, MaxGap: &Span{N: n, Unit: CalendarDays}}, true
	case "月":
		// 6月更新 is "update in June"; only 6个月 is a gap.
		if c.g("ge") == "" {
			return Rule{}, false
		}
		return Rule{Kind: KindMaxGap, MaxGap: &Span{N: n, Unit: Months}}, true
	}
	return Rule{}, false
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isCnDigit(r rune) bool {
	return strings.ContainsRune("零〇一二两三四五六七八九十", r)
}
