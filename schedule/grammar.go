package schedule

import (
	"strings"

	"github.com/zwgk/zwgk/calendar"
)

// The wordings below are built from a few parts that combine freely, so that a new
// combination reads without a new pattern:
//
//   - an anchor: the event a clock runs from (信息形成或变更之日起, 自收到申请之日起, 批准后,
//     在…(自该政府信息形成或者变更之日起)), written before or after its span;
//   - a span: N units (工作日, 自然日, 天, 日, 小时, 个月), 一周;
//   - a period with an ordinal part: 每月上旬 / 中旬 / 下旬, 月初 / 月末, 季初 / 季末, 次月N日前,
//     每年N月底前…上年度 (a point after the period it reports on);
//   - a step that no calendar period has: 每两周 / 双周, 每半月, 每旬, 双月, 每个工作日 (a gap);
//   - a named holiday: 春节前, 国庆节前 (the last working day before it, from the calendar).
const (
	// event is the verb of an anchor: what happens to the information or the request.
	event = `会议|会|活动|发生|形成|变更|产生|制作|获取|制定|批准|签发|印发|发布|公布|公开|出台|作出|做出|收到|受理|办结|生效|通过|确定|完成|更新|调整|修改|审定|审批|批复|召开|登记|立案|提交`
	// anchor is 自该政府信息形成或者变更之日起, 信息产生或变更之日起, 收到申请之日起, 批准后.
	anchor = `(?:自|从|于|在)?(?:该|本|此|相关)?[^-,.;:!?() 、，。；：！？0-9]{0,16}?(?:` + event + `)(?:(?:或者|或|、|和|及|以及)(?:` + event + `))?[^-,.;:!?() 、，。；：！？0-9]{0,6}?(?:之日起|之日后|之日|当日起|日起|起|后|之后|以后)`
	// spanW is N units; 一周 reads as 1 周.
	spanW = `(?P<n>NUM)个?(?P<u>工作日|自然日|日历日|天|日|小时|个月|月|周|星期)`
	// within is the end of a span: 内, 之内, 以内, with the verb that may follow (予以公开).
	within = `(?:内|之内|以内)?(?:予以|及时|主动|向社会|完成)?(?:VERB|答复|回复|办结|作出答复)?`
)

// pub are the verbs of publishing: 同步 with another verb (同步组织, 同步报送) is no clock.
const pub = `发布|公开|公布|解读|上线|上网|推送|更新`

func init() {
	patterns = append(patterns, grammar...)
	splitNeeds(patterns)
}

// spanRule reads a span group (n, u) as a timely clock.
func spanRule(c *mctx) (Rule, bool) {
	n, ok := c.num("n", 1, 10000)
	if !ok {
		return Rule{}, false
	}
	switch c.g("u") {
	case "工作日":
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: WorkingDays}}, true
	case "自然日", "日历日", "天", "日":
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: CalendarDays}}, true
	case "小时":
		return Rule{Kind: KindTimely, Clock: &Span{N: n, Unit: Hours}}, true
	case "周", "星期":
		return Rule{Kind: KindTimely, Clock: &Span{N: 7 * n, Unit: CalendarDays}}, true
	case "个月", "月":
		// a clock in months runs as calendar days of 30: the Span units of a clock have no months
		if c.g("u") == "月" && !strings.Contains(c.s[c.loc[0]:c.loc[1]], "个月") {
			return Rule{}, false // 6月 is June, not six months
		}
		return Rule{Kind: KindTimely, Clock: &Span{N: 30 * n, Unit: CalendarDays}}, true
	}
	return Rule{}, false
}

// holidayNames maps a holiday as lists write it to what the calendar's name of its days holds
// (the official data names them 元旦节, 春节, 国庆中秋, 国庆节…).
var holidayNames = map[string]string{
	"春节": "春节", "国庆节": "国庆", "国庆": "国庆", "元旦": "元旦", "端午节": "端午", "端午": "端午",
	"清明节": "清明", "清明": "清明", "劳动节": "劳动", "五一": "劳动", "中秋节": "中秋", "中秋": "中秋",
}

// beforeHoliday is the last working day before the first day off of the named holiday in year,
// by the official calendar. 元旦 is the one that ends the year (a list's 元旦前 is before the
// next New Year): its days off may start in late December; without the next year's schedule
// it starts on January 1. ok is false when the calendar has no such holiday that year.
func beforeHoliday(key string, year int) (calendar.Date, bool) {
	var first calendar.Date
	for _, yr := range calendar.Official() {
		if yr.Year != year && yr.Year != year+1 {
			continue
		}
		for _, d := range yr.Holidays {
			in := d.Year == year
			if key == "元旦" {
				in = d.Year == year && d.Month == 12 || d.Year == year+1 && d.Month == 1
			}
			if !in || !strings.Contains(yr.Names[d], key) {
				continue
			}
			if first.IsZero() || d.Before(first) {
				first = d
			}
		}
	}
	if first.IsZero() {
		if key != "元旦" {
			return calendar.Date{}, false
		}
		first = calendar.D(year+1, 1, 1)
	}
	d, _ := calendar.OfficialCalendar().OnOrBefore(first.AddDays(-1))
	return d, true
}

// tenDay is the last day of 上旬 / 中旬 / 下旬 (0: the month's end).
func tenDay(s string) int {
	switch s {
	case "上旬", "月初":
		return 10
	case "中旬":
		return 20
	}
	return 0
}

var grammar = []pattern{
	// anchor then span: 信息形成或变更之日起20个工作日内, 自该政府信息形成或者变更之日起20个工作日内予以公开,
	// 收到申请之日起15个工作日内, 批准后20日内
	{[]string{"起|后|日", "0|1|2|3|4|5|6|7|8|9|一|二|两|三|四|五|六|七|八|九|十"}, re(anchor + `的?` + spanW + within), spanRule},
	// the anchor's 之日起 left out: 信息形成20个工作日内公开, 政府信息产生或变更10个工作日内
	{[]string{"信息", "0|1|2|3|4|5|6|7|8|9|一|二|两|三|四|五|六|七|八|九|十"}, re(`(?:自|从)?(?:该|本|此|相关)?(?:政府)?信息(?:` + event + `)(?:(?:或者|或|、|和|及|以及)(?:` + event + `))?` + spanW + within), spanRule},
	// span then its anchor in brackets: 20个工作日(自该政府信息形成或者变更之日起)
	{[]string{"起|后|日", "(", "0|1|2|3|4|5|6|7|8|9|一|二|两|三|四|五|六|七|八|九|十"}, re(spanW + `(?:内|之内|以内)?\(` + anchor + `\)`), spanRule},
	// a span alone with an end: 一周内, 3天内, 10日内予以公开 (working days and hours have their own)
	{[]string{"内", "周|星期|个月"}, re(`(?P<n>NUM)个?(?P<u>周|星期|个月)(?:内|之内|以内)(?:予以|及时|主动)?(?:公开|发布|报送)?`), func(c *mctx) (Rule, bool) {
		if isDigit(c.before) || c.before == '第' {
			return Rule{}, false
		}
		return spanRule(c)
	}},
	// with something else: 与政策文件同步发布, 与文件同步公开; simultaneous is read as by the end of
	// the next working day (a clock cannot be zero)
	{[]string{"同步"}, re(strings.ReplaceAll(`(?:与|和|同)[^,.;:!?() 、，。；：！？]{1,20}?同步(?:PUB)|同步(?:PUB)`, "PUB", pub)), func(c *mctx) (Rule, bool) {
		return Rule{Kind: KindTimely, Clock: &Span{N: 1, Unit: WorkingDays}}, true
	}},
	// the longest gap between updates, as website frameworks state it: 最大更新间隔不得超过12个月,
	// 更新间隔时间不超过6个月, 最大更新间隔不得超过12个日历日 (before the span form, which would read
	// 不超过… as a clock after an event)
	{[]string{"间隔", "超过|大于|多于"}, re(`(?:最大|最长)?更新(?:的)?间隔(?:时间)?(?:最长)?(?:不得|不应|不能|不宜|不要|不)?(?:超过|大于|多于)(?P<n>NUM)(?P<ge>个)?(?:日历|自然)?(?P<u>周|星期|天|日|月)`), gapRule},
	// 时间跨度不超过5个工作日, 时限不超过10个工作日
	{[]string{"不超过|不得超过|不多于", "工作日|日|天"}, re(`(?:时间跨度|时限|期限|间隔)?(?:最长)?(?:不超过|不得超过|不多于)` + spanW), spanRule},
	// maximum gap with 有更新: 最迟3个月内有更新, 须6个月内要有更新, 每月至少有一次更新
	{[]string{"更新", "有", "内"}, re(`(?:最迟|最长|须|需|必须|应|应当|要|至少)?(?P<n>NUM)(?P<ge>个)?(?P<u>周|星期|天|日|月)(?:内|之内|以内)(?:至少|必须|须|需|要|应|应当)?(?:要有|须有|应有|有)(?:一次|1次)?(?:信息)?更新`), func(c *mctx) (Rule, bool) {
		return gapRule(c)
	}},
	// steps no period has: 每两周, 双周, 每半月, 每旬, 双月, 每两个月, 每个工作日
	{[]string{"周|月|旬|工作日|天|日", "每|按|双"}, re(`(?:每|按)?(?P<s>两周|2周|双周|半个?月|旬|双月|两个月|2个月|个?工作日|天|日)(?:一次|1次)?(?:VERB)?(?:一次|1次)?`), func(c *mctx) (Rule, bool) {
		s := c.g("s")
		whole := c.s[c.loc[0]:c.loc[1]]
		every := strings.HasPrefix(whole, "每") || strings.HasPrefix(whole, "按") || s == "双周" || s == "双月"
		if !every {
			return Rule{}, false
		}
		switch s {
		case "两周", "2周", "双周":
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 14, Unit: CalendarDays}}, true
		case "半月", "半个月":
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 15, Unit: CalendarDays}}, true
		case "旬":
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 10, Unit: CalendarDays}}, true
		case "双月", "两个月", "2个月":
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 2, Unit: Months}}, true
		case "工作日", "个工作日":
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 1, Unit: WorkingDays}}, true
		case "天", "日":
			if !c.cell && !strings.ContainsAny(whole[len(s):], "更公发报") {
				return Rule{}, false // 每日 in a sentence without a verb (每日一题) is no rule
			}
			return Rule{Kind: KindMaxGap, MaxGap: &Span{N: 1, Unit: CalendarDays}}, true
		}
		return Rule{}, false
	}},
	// a part of every month: 每月上旬, 每月中旬前, 每月下旬, 每月初, 每月末 (下旬, 末: the month's end)
	{[]string{"旬|初|末|底", "月"}, re(`(?:每个?|按)月(?:的)?(?P<t>上旬|中旬|下旬|月初|初|末|底)(?:前|之前|以前|内)?(?:VERB)?`), func(c *mctx) (Rule, bool) {
		t := c.g("t")
		if t == "初" {
			t = "月初"
		}
		if d := tenDay(t); d > 0 {
			return Rule{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{Day: d}}, true
		}
		return Rule{Kind: KindRecurring, Period: Month}, true
	}},
	// a part of a named month: 6月上旬, 2025年3月中旬前, 9月下旬
	{[]string{"旬", "月"}, re(`YEAR(?P<m>NUM)月(?P<t>上旬|中旬|下旬)(?:前|之前|以前|内)?`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		m, ok2 := c.num("m", 1, 12)
		if !ok || !ok2 || isDigit(c.before) {
			return Rule{}, false
		}
		if d := tenDay(c.g("t")); d > 0 {
			due, _ := date(y, m, d)
			return dateRule(KindDeadline, due), true
		}
		return dateRule(KindDeadline, lastDay(y, m)), true
	}},
	// every quarter's start or end: 每季初, 每季度初, 季初 (by the 10th of its first month), 每季末, 季末
	{[]string{"季初|季度初|季末|季度末"}, re(`(?:每个?|按)?(?:季度|季)(?P<t>初|末)(?:前|之前|以前)?(?:VERB)?`), func(c *mctx) (Rule, bool) {
		if !c.cell && !strings.HasPrefix(c.s[c.loc[0]:], "每") && !strings.HasPrefix(c.s[c.loc[0]:], "按") {
			return Rule{}, false
		}
		if strings.ContainsRune("上下本今去明次该当前首第一二三四1234", c.before) {
			return Rule{}, false // 第一季度末 is one quarter's end
		}
		if c.g("t") == "初" {
			return Rule{Kind: KindRecurring, Period: Quarter, DueIn: &PeriodPoint{Month: 1, Day: 10}}, true
		}
		return Rule{Kind: KindRecurring, Period: Quarter}, true
	}},
	// the next month's day: 次月10日前, 下月5日前报送: the month's cycle is due that many days
	// after it ends
	{[]string{"次月|下月|下个月"}, re(`(?:次月|下月|下个月|次一个?月)的?(?P<d>NUM)(?:日|号)(?:前|之前|以前|内)?`), func(c *mctx) (Rule, bool) {
		d, ok := c.num("d", 1, 31)
		if !ok {
			return Rule{}, false
		}
		return Rule{Kind: KindRecurring, Period: Month, DueIn: &PeriodPoint{After: &Span{N: d, Unit: CalendarDays}}}, true
	}},
	// before a holiday: 春节前, 国庆节前, 元旦前, 端午节前: the last working day before it starts
	{[]string{"节|元旦|五一|端午|中秋|清明|国庆"}, re(`(?P<h>春节|国庆节|国庆|元旦|端午节|端午|清明节|清明|劳动节|五一|中秋节|中秋)(?:假期|放假|节日|长假|节)?(?:前|之前|以前)`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		if !ok {
			return Rule{}, false
		}
		d, ok := beforeHoliday(holidayNames[c.g("h")], y)
		if !ok {
			return Rule{}, false
		}
		return dateRule(KindDeadline, d), true
	}},
	// before a month: 2021年8月前, 8月份前 (the last day of the month before)
	{[]string{"月", "前"}, re(`YEAR(?P<m>NUM)月份?(?:前|之前|以前)`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		m, ok2 := c.num("m", 1, 12)
		if !ok || !ok2 || isDigit(c.before) {
			return Rule{}, false
		}
		if m == 1 {
			return dateRule(KindDeadline, calendar.D(y-1, 12, 31)), true
		}
		return dateRule(KindDeadline, lastDay(y, m-1)), true
	}},
	// a dated obligation inside a sentence: 2021年2月公布预算 (the month's end)
	{[]string{"年", "月"}, re(`(?P<y>[0-9]{4})年(?P<m>NUM)月(?:份)?(?:底|末)?(?:前)?(?:VERB|公布|印发|出台|完成|提交)`), func(c *mctx) (Rule, bool) {
		y, ok := c.listYear()
		m, ok2 := c.num("m", 1, 12)
		if !ok || !ok2 {
			return Rule{}, false
		}
		return dateRule(KindDeadline, lastDay(y, m)), true
	}},
}
