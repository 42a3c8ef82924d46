package schedule

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// summary is a compact form of what a rule means, for tables.
func summary(r Rule) string {
	switch r.Kind {
	case KindDeadline:
		return "deadline " + r.Due.String()
	case KindWindow:
		return "window " + r.From.String() + ".." + r.Due.String()
	case KindRecurring, KindOngoing:
		return fmt.Sprintf("%s %s", r.Kind, r.Period) + pointSummary(r.DueIn)
	case KindQuota:
		return fmt.Sprintf("quota %s %d", r.Period, r.Count) + pointSummary(r.DueIn)
	case KindTimely:
		return fmt.Sprintf("timely %d %s", r.Clock.N, r.Clock.Unit)
	case KindMaxGap:
		return fmt.Sprintf("maxgap %d %s", r.MaxGap.N, r.MaxGap.Unit)
	}
	return string(r.Kind)
}

// pointSummary renders a due point: " due d10" (day 10 of a month), " due m3d20" (day 20 of
// the period's third month),
// " due +10 workday" (after the period's end).
func pointSummary(p *PeriodPoint) string {
	switch {
	case p == nil:
		return ""
	case p.After != nil:
		return fmt.Sprintf(" due +%d %s", p.After.N, p.After.Unit)
	case p.Month != 0:
		return fmt.Sprintf(" due m%dd%d", p.Month, p.Day)
	}
	return fmt.Sprintf(" due d%d", p.Day)
}

// Every wording of DOMAIN.md, in Simplified and in Traditional characters, as a whole cell.
var domainCells = []struct{ text, want string }{
	// deadlines
	{"4月底", "deadline 2024-04-30"},
	{"4月底前", "deadline 2024-04-30"},
	{"6月底", "deadline 2024-06-30"},
	{"3月31日前", "deadline 2024-03-31"},
	{"每年3月31日前", "deadline 2024-03-31"},
	{"年底前", "deadline 2024-12-31"},
	{"上半年", "deadline 2024-06-30"},
	{"下半年", "deadline 2024-12-31"},
	{"8月至12月", "window 2024-08-01..2024-12-31"},
	{"持续推进", "ongoing quarter"},
	{"常态化", "ongoing quarter"},
	{"长期", "ongoing quarter"},
	// frequencies
	{"及时更新", "timely 20 workday"},
	{"及时公开", "timely 20 workday"},
	{"每周", "recurring week"},
	{"每月", "recurring month"},
	{"月度更新", "recurring month"},
	{"季度更新", "recurring quarter"},
	{"每半年", "recurring halfyear"},
	{"年度更新", "recurring year"},
	{"每周更新不少于2次", "quota week 2"},
	// 每年度 names the document (工作要点), it is not a frequency
	{"围绕每年度政务公开工作要点推进政务公开", "unparsed"},
	{"每年度公开工作要点", "unparsed"},
	{"每年公开一次工作情况", "recurring year"},
	{"每年不少于1次", "quota year 1"},
	{"至少2周内更新一次", "maxgap 14 day"},
	{"10天更新", "maxgap 10 day"},
	{"5个工作日内", "timely 5 workday"},
	{"3个工作日内", "timely 3 workday"},
	{"48小时内", "timely 48 hour"},
	// statutory and common clocks
	{"20个工作日内", "timely 20 workday"},
	{"7个工作日内", "timely 7 workday"},
	{"15个工作日", "timely 15 workday"},
	{"1月31日前", "deadline 2024-01-31"},
	{"次年1月31日前", "deadline 2025-01-31"},
	{"批准后20日内", "timely 20 day"}, // the event is an anchor of the grammar
	{"20日内", "timely 20 day"},
	{"5小时内", "timely 5 hour"},
	{"24小时内", "timely 24 hour"},
	{"超过2周未更新", "maxgap 14 day"},
	{"6个月未更新", "maxgap 6 month"},
	// Traditional
	{"4月底前", "deadline 2024-04-30"},
	{"每年3月31日前", "deadline 2024-03-31"},
	{"持續推進", "ongoing quarter"},
	{"常態化", "ongoing quarter"},
	{"長期", "ongoing quarter"},
	{"及時更新", "timely 20 workday"},
	{"及時公開", "timely 20 workday"},
	{"每週", "recurring week"},
	{"每週更新不少於2次", "quota week 2"},
	{"每年不少於1次", "quota year 1"},
	{"至少2週內更新一次", "maxgap 14 day"},
	{"5個工作日內", "timely 5 workday"},
	{"48小時內", "timely 48 hour"},
	{"年度更新", "recurring year"},
	{"季度更新", "recurring quarter"},
	{"月度更新", "recurring month"},
	// variants: filler, numerals, spacing, full width
	{"6月底前完成", "deadline 2024-06-30"},
	{"6 月底", "deadline 2024-06-30"},
	{"６月底", "deadline 2024-06-30"},
	{"十二月底前", "deadline 2024-12-31"},
	{"2024年12月31日前", "deadline 2024-12-31"},
	{"12月31日", "deadline 2024-12-31"},
	{"截至9月30日", "deadline 2024-09-30"},
	{"每年年底前", "deadline 2024-12-31"},
	{"第三季度末", "deadline 2024-09-30"},
	{"一季度", "deadline 2024-03-31"},
	{"8-12月", "window 2024-08-01..2024-12-31"},
	{"8月—12月", "window 2024-08-01..2024-12-31"},
	{"3月1日至6月30日", "window 2024-03-01..2024-06-30"},
	{"每季度", "recurring quarter"},
	{"每季度末", "recurring quarter"},
	{"按月", "recurring month"},
	{"按季度公开", "recurring quarter"},
	{"按月或者季度公开", "recurring quarter"},
	{"按月或季度", "recurring quarter"},
	{"每月更新一次", "recurring month"},
	{"每月1次", "recurring month"},
	{"每周两次", "quota week 2"},
	{"每周至少更新一次", "quota week 1"},
	{"每季度发布3篇以上", "quota quarter 3"},
	{"年度内至少1次", "quota year 1"},
	{"每月10日前", "recurring month due d10"},
	{"每季度结束后10个工作日内", "recurring quarter due +10 workday"},
	{"每年1月31日前", "deadline 2024-01-31"},
	{"每2周更新一次", "maxgap 14 day"},
	{"十天更新", "maxgap 10 day"},
	{"不超过3个工作日", "timely 3 workday"},
	{"5个小时内", "timely 5 hour"},
	{"实时更新", "timely 20 workday"},
	{"动态更新", "timely 20 workday"},
	{"及时", "timely 20 workday"},
	{"常态化，每季度更新", "recurring quarter"},
	{"（及时更新）", "timely 20 workday"},
	{"定期", "ongoing quarter"},
	{"日常", "ongoing quarter"},
	// refused: never a silent guess
	{"", "unparsed"},
	{"  ", "unparsed"},
	{"5个小时内，24小时内", "unparsed"},
	{"每月更新，6月底前完成", "unparsed"},
	{"2月30日前", "unparsed"},
	{"尽快", "unparsed"},
	{"按要求", "unparsed"},
	{"不定期", "unparsed"},
	{"各科室", "unparsed"},
	{"每季度10日前", "unparsed"}, // which month of the quarter: not guessed
	{"6月", "unparsed"},
	{"2024年", "unparsed"},
	{"谁承办谁更新", "unparsed"},
}

func TestParseDomainWording(t *testing.T) {
	for _, c := range domainCells {
		r := Parse(c.text, 2024)
		if got := summary(r); got != c.want {
			t.Errorf("Parse(%q) = %s (%+v), want %s", c.text, got, r, c.want)
			continue
		}
		if r.Text != strings.TrimSpace(c.text) {
			t.Errorf("Parse(%q).Text = %q", c.text, r.Text)
		}
		if r.Kind == KindUnparsed {
			if r.Reason == "" {
				t.Errorf("Parse(%q): unparsed without a reason", c.text)
			}
			continue
		}
		if err := r.Validate(); err != nil {
			t.Errorf("Parse(%q) = invalid rule: %v", c.text, err)
		}
	}
}

func TestParseNeedsYearForDates(t *testing.T) {
	if r := Parse("4月底", 0); r.Kind != KindUnparsed || !strings.Contains(r.Reason, "年份") {
		t.Errorf("Parse(4月底, 0) = %+v, want unparsed naming the missing year", r)
	}
	if r := Parse("2025年4月底", 0); summary(r) != "deadline 2025-04-30" {
		t.Errorf("an explicit year needs no list year: %+v", r)
	}
	if r := Parse("每月更新", 0); summary(r) != "recurring month" {
		t.Errorf("frequencies need no year: %+v", r)
	}
}

func TestParseJSON(t *testing.T) {
	b, err := json.Marshal(Parse("每周更新不少于2次", 2024))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"kind":"quota","text":"每周更新不少于2次","period":"week","count":2}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	b, _ = json.Marshal(Parse("4月底", 2024))
	if want := `{"kind":"deadline","text":"4月底","due":"2024-04-30"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func readSample(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// Jinzhai: the 完成时限 column holds 4月底 and 6月底 (48 cells); every other short cell (indicator
// names, offices, headings) must not parse as a rule.
func TestJinzhaiDeadlineCells(t *testing.T) {
	counts := map[string]int{}
	for i, line := range readSample(t, "jinzhai-2024-responsibility-list.txt") {
		cell := strings.TrimSpace(line)
		if cell == "" {
			continue
		}
		r := Parse(cell, 2024)
		switch cell {
		case "4月底", "6月底":
			counts[summary(r)]++
			continue
		}
		if utf8.RuneCountInString(cell) <= 30 && r.Kind != KindUnparsed {
			t.Errorf("line %d %q parsed as %s", i+1, cell, summary(r))
		}
	}
	want := map[string]int{"deadline 2024-04-30": 17, "deadline 2024-06-30": 31}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("deadline cells: %v, want %v", counts, want)
	}
}

// Xuancheng (Traditional, pinyin garbage): the 更新頻率 column of the 75-row table, taken as the
// second-to-last field of each row.
func TestXuanchengFrequencyCells(t *testing.T) {
	counts := map[string]int{}
	rows := 0
	for _, line := range readSample(t, "xuancheng-2024-column-duties.txt") {
		f := strings.Fields(line)
		if len(f) < 3 || !isRowNumber(f[0]) {
			continue
		}
		rows++
		cell := f[len(f)-2]
		r := Parse(cell, 2024)
		counts[cell+" → "+summary(r)]++
		if r.Text != cell {
			t.Errorf("row %s: Text %q, want %q", f[0], r.Text, cell)
		}
	}
	want := map[string]int{
		"及時更新 → timely 20 workday": 67,
		"季度更新 → recurring quarter": 4,
		"每月更新 → recurring month":   1,
		"年度更新 → recurring year":    2,
		"月度更新 → recurring month":   1,
	}
	if rows != 75 {
		t.Errorf("%d table rows, want 75", rows)
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("frequency cells:\n got %v\nwant %v", counts, want)
	}
}

func isRowNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Rule wording inside the requirement texts of all three samples. Every line of each sample is
// searched; the lines listed here must give exactly these matches (wording as written, then the
// rule), every other line none. Lines are those of the copies in testdata.
var sampleFinds = map[string]map[int][]string{
	"jinzhai-2024-responsibility-list.txt": {
		35:  {"按季度备案 recurring quarter"},
		71:  {"按月或者季度公开 recurring quarter"},
		143: {"动态调整 timely 20 workday"}, // an indicator name: 权责清单和动态调整情况
		159: {"按月或季度公开 recurring quarter", "按月或季度公开 recurring quarter"},
		241: {"间隔不超过3个工作日 timely 3 workday"},
		309: {"按季度备案 recurring quarter"},
		345: {"按月或者季度公开 recurring quarter"},
		421: {"间隔不超过3个工作日 timely 3 workday"},
		453: {"定期 ongoing quarter", "按月梳理 recurring month"},
	},
	"xuancheng-2024-column-duties.txt": {
		29: {"動態(tài)更新 timely 20 workday", "及時公開 timely 20 workday", "按季度向社會公開 recurring quarter"},
		31: {"及時公開 timely 20 workday"},
		39: {"及時公開 timely 20 workday", "每年通過多形式征集公眾意見不少于1次 quota year 1"},
		41: {"每年開展開放日活動不少于1次 quota year 1", "每季度開展開放日活動不少于1次 quota quarter 1"},
		73: {"定期 ongoing quarter"},
		// 分管領導和工作人員年度內至少參加1次業務培訓: a quota over the year without 每年
		87: {"年度內(nèi)至少參加1次 quota year 1"},
		95: {"動態(tài)更新 timely 20 workday", "持續 ongoing quarter"},
	},
	"zhangdian-2023-routine-task-list.txt": {
		1:   {"常态化 ongoing quarter"},
		5:   {"常态化 ongoing quarter"},
		7:   {"常态化 ongoing quarter", "常态化 ongoing quarter"},
		8:   {"常态化 ongoing quarter"},
		23:  {"及时在公开 timely 20 workday"},
		25:  {"及时公开 timely 20 workday"},
		28:  {"及时公开 timely 20 workday"},
		32:  {"及时更新 timely 20 workday"},
		66:  {"公开及时 timely 20 workday"},
		72:  {"及时更新 timely 20 workday"},
		84:  {"及时公开 timely 20 workday"},
		88:  {"及时公开 timely 20 workday"},
		108: {"于会议召开后3个工作日内公开 timely 3 workday"},
		116: {"及时发布 timely 20 workday"},
		122: {"及时转载 timely 20 workday"},
		125: {"定期 ongoing quarter"},
		129: {"动态更新 timely 20 workday"},
		159: {"3个工作日内 timely 3 workday"},
		185: {"及时回应 timely 20 workday", "5个小时内 timely 5 hour", "24小时内 timely 24 hour", "48小时内 timely 48 hour"},
		197: {"不超过3个工作日 timely 3 workday"},
		233: {"至少2周内更新一次 maxgap 14 day"},
		235: {"及时更新 timely 20 workday"},
		238: {"定期 ongoing quarter"},
		253: {"持续 ongoing quarter"},
		256: {"实时调整 timely 20 workday"},
	},
}

func TestFindInSampleTexts(t *testing.T) {
	for file, want := range sampleFinds {
		lines := readSample(t, file)
		for i, line := range lines {
			if strings.HasPrefix(file, "xuancheng") && i+1 >= 101 {
				// The table rows: two cells run together on a line; their frequency column is
				// checked cell by cell in TestXuanchengFrequencyCells. Searching the row must
				// still find exactly the frequency.
				f := strings.Fields(line)
				if ms := FindAll(line, 2024); len(f) > 2 && len(ms) == 0 {
					t.Errorf("%s:%d: no rule in table row", file, i+1)
				} else if len(ms) > 0 && !strings.Contains(line, ms[len(ms)-1].Text) {
					t.Errorf("%s:%d: match %q not in the line", file, i+1, ms[len(ms)-1].Text)
				}
				continue
			}
			wantHere := want[i+1]
			if cell := strings.TrimSpace(line); strings.HasPrefix(file, "jinzhai") && (cell == "4月底" || cell == "6月底") {
				wantHere = []string{cell + " " + summary(Parse(cell, 2024))}
			}
			var got []string
			for _, m := range FindAll(line, 2024) {
				got = append(got, m.Text+" "+summary(m.Rule))
				if line[m.Start:m.End] != m.Text {
					t.Errorf("%s:%d: offsets %d..%d do not frame %q", file, i+1, m.Start, m.End, m.Text)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(wantHere) {
				t.Errorf("%s:%d: FindAll = %q, want %q\n  line: %.80s", file, i+1, got, wantHere, line)
			}
		}
	}
}

func TestFindPrefersPreciseRules(t *testing.T) {
	text := "切实维护好政府信息公开指南,对网址、办公地址、联系电话、附件链接等关键信息定期排查;按月梳理依申请公开属性的文件"
	r, matched, ok := Find(text, 2024)
	if !ok || matched != "按月梳理" || summary(r) != "recurring month" || r.Text != "按月梳理" {
		t.Errorf("Find = %s %q %v", summary(r), matched, ok)
	}
	r, matched, ok = Find("持续规范政府信息公开专栏建设", 2024)
	if !ok || matched != "持续" || r.Kind != KindOngoing {
		t.Errorf("Find = %s %q %v", summary(r), matched, ok)
	}
	if _, _, ok := Find("在2024年1月31日之后公开的扣4分;征集时间不低于30日", 2024); ok {
		t.Error("a date followed by 之后, or a minimum duration, is not a deadline")
	}
	if _, _, ok := Find("2023年8月18日", 2024); ok {
		t.Error("a bare date inside a text is not a deadline (only a whole cell is)")
	}
	if _, _, ok := Find("", 2024); ok {
		t.Error("empty text")
	}
	// 动态 in a column's name (工作动态) is no event clock when a 每 period follows
	r, matched, ok = Find("工作动态每周更新", 2024)
	if !ok || matched != "每周更新" || r.Kind != KindRecurring || r.Period != Week {
		t.Errorf("Find = %s %q %v, want the weekly clock", summary(r), matched, ok)
	}
	// 年度报告 is a document's name: the clock is the 每年 after it, not a year from 年度 on
	r, matched, ok = Find("水资源公报、年度报告每年至少更新一次", 2024)
	if !ok || matched != "每年至少更新一次" || summary(r) != "quota year 1" {
		t.Errorf("Find = %s %q %v, want the clock from 每年", summary(r), matched, ok)
	}
}

func TestNormalizeStripsPinyin(t *testing.T) {
	for in, want := range map[string]string{
		"現(xiàn)在":    "现在",
		"網(wǎng)站首頁":  "网站首页",
		"季度(quarter)": "季度(quarter)", // not one syllable
		"(xiàn)在":     "(xiàn)在",     // nothing before it
		"２０２４年 ６ 月底":  "2024年6月底",
		"每月 更新":       "每月更新",
		"5 24小时内":     "5 24小时内",  // two numbers stay apart
		"及时 更新\n办公室":  "及时更新 办公室", // a line break in a text separates
		"update 每月":   "update 每月",
	} {
		if got := normalize(in, false).s; got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := normalize("及时 更新\n办公室", true).s, "及时更新办公室"; got != want {
		t.Errorf("normalize of a cell = %q, want %q: a cell wraps at line breaks", got, want)
	}
}

func TestRuleString(t *testing.T) {
	for text, want := range map[string]string{
		"4月底":       "2024-04-30 前完成",
		"每月更新":      "每月一次（月末到期）",
		"及时更新":      "事件发生后 20 个工作日内",
		"每周更新不少于2次": "每周至少 2 次",
		"至少2周内更新一次": "两次更新间隔不超过 14 天",
		"常态化":       "持续性工作（每季度报告进展）",
		"8月至12月":    "2024-08-01 至 2024-12-31 期间完成",
	} {
		if got := Parse(text, 2024).String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", text, got, want)
		}
	}
	if got := Parse("尽快", 2024).String(); !strings.Contains(got, "未能识别") {
		t.Errorf("unparsed String = %q", got)
	}
}

// Dates that no calendar has get their own reason, naming the date as written, instead of the
// generic 未找到时限或频率用语: an admin must fix a typo, not pick a rule.
func TestParseImpossibleDates(t *testing.T) {
	cases := []struct {
		text   string
		year   int
		reason string // "" when the date exists: want a rule
		want   string // summary of the rule when reason is ""
	}{
		{"2月30日前", 2024, "日期不存在：2月30日", ""},
		{"4月31日", 2024, "日期不存在：4月31日", ""},
		{"2024年4月31日", 2024, "日期不存在：2024年4月31日", ""},
		{"6月31日前完成", 2024, "日期不存在：6月31日", ""},
		{"2月29日前", 2025, "日期不存在：2月29日（2025年不是闰年）", ""},
		{"每年2月29日前", 2025, "日期不存在：每年2月29日（2025年不是闰年）", ""},
		{"次年2月29日前", 2024, "日期不存在：次年2月29日（2025年不是闰年）", ""},
		{"13月底", 2024, "日期不存在：13月", ""},
		{"13月", 2024, "日期不存在：13月", ""},
		{"0月10日前", 2024, "日期不存在：0月10日", ""},
		{"8月至13月", 2024, "日期不存在：13月", ""},
		{"二月三十日前", 2024, "日期不存在：二月三十日", ""},
		{"十三月底", 2024, "日期不存在：十三月", ""},
		{"２月３０日前", 2024, "日期不存在：２月３０日", ""},
		{"2月 30日前", 2024, "日期不存在：2月 30日", ""},
		{"2月30號前", 2024, "日期不存在：2月30號", ""},
		{"每月32日前", 2024, "日期不存在：每月32日", ""},
		{"3月32日", 2024, "日期不存在：3月32日", ""},
		{"2月30日至4月31日", 2024, "日期不存在：2月30日、4月31日", ""},
		{"每月更新，4月31日前完成", 2024, "日期不存在：4月31日", ""}, // the typo, not 含多个不同的时限
		{"2月30日前", 0, "日期不存在：2月30日", ""},           // no year has it
		// dates that exist
		{"2月29日前", 2024, "", "deadline 2024-02-29"},
		{"2024年2月29日前", 2025, "", "deadline 2024-02-29"},
		{"次年2月29日前", 2023, "", "deadline 2024-02-29"},
		{"4月30日", 2024, "", "deadline 2024-04-30"},
		{"12月底", 2024, "", "deadline 2024-12-31"},
		{"每月31日前", 2024, "", "recurring month due d31"},
		{"6个月未更新", 2024, "", "maxgap 6 month"},
	}
	for _, c := range cases {
		r := Parse(c.text, c.year)
		if c.reason == "" {
			if got := summary(r); got != c.want {
				t.Errorf("Parse(%q, %d) = %s (%s), want %s", c.text, c.year, got, r.Reason, c.want)
			}
			continue
		}
		if r.Kind != KindUnparsed || r.Reason != c.reason || r.Text != c.text {
			t.Errorf("Parse(%q, %d) = %s %q (%q), want unparsed %q", c.text, c.year, r.Kind, r.Reason, r.Text, c.reason)
		}
		if !strings.HasPrefix(r.Reason, ReasonNoSuchDate+"：") {
			t.Errorf("Parse(%q): reason %q does not start with ReasonNoSuchDate", c.text, r.Reason)
		}
	}
	// Without a list year 2月29日 may exist: the generic reason, naming the missing year.
	if r := Parse("2月29日前", 0); r.Kind != KindUnparsed || strings.HasPrefix(r.Reason, ReasonNoSuchDate) || !strings.Contains(r.Reason, "年份") {
		t.Errorf("Parse(2月29日前, 0) = %+v", r)
	}
	// Inside a long text an impossible date is no rule either.
	if r, m, ok := Find("请于2月30日前完成", 2024); ok {
		t.Errorf("Find found %q %s in an impossible date", m, summary(r))
	}
}

// Quotas over a period named without 每年: 年度内, 全年, 年内, and a verb between 至少 and the
// count (至少参加1次), in Simplified and Traditional characters.
func TestParseQuotaWording(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"年度内至少参加1次", "quota year 1"},
		{"年度內至少參加1次", "quota year 1"},
		{"全年不少于2次", "quota year 2"},
		{"全年不少於2次", "quota year 2"},
		{"每季度至少1次", "quota quarter 1"},
		{"每季度至少開展1次", "quota quarter 1"},
		{"每半年不少于1次", "quota halfyear 1"},
		{"每半年不少於1次", "quota halfyear 1"},
		{"年内至少开展1次", "quota year 1"},
		{"年內至少開展1次", "quota year 1"},
		{"年度至少组织2次", "quota year 2"},
		{"今年内至少举办一次", "quota year 1"},
		{"一年内至少参加两次", "quota year 2"},
		{"全年累计不少于4次", "quota year 4"},
		{"每半年至少组织1次", "quota halfyear 1"},
		{"每月至少参与2次", "quota month 2"},
		// another year or period: not the list's year
		{"上年度至少1次", "unparsed"},
		{"半年内至少1次", "unparsed"},
		{"2023年度至少1次", "unparsed"},
	} {
		if got := summary(Parse(c.text, 2024)); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.text, got, c.want)
		}
	}
	for _, c := range []struct{ text, matched, want string }{
		{"分管领导和工作人员年度内至少参加1次业务培训", "年度内至少参加1次", "quota year 1"},
		{"分管領(lǐng)導(dǎo)和工作人員年度內(nèi)至少參加1次業(yè)務(wù)培訓(xùn)", "年度內(nèi)至少參加1次", "quota year 1"},
		{"全年开展政策解读活动不少于2次", "全年开展政策解读活动不少于2次", "quota year 2"},
		{"各单位每季度至少召开1次专题会议", "每季度至少召开1次", "quota quarter 1"},
		{"年内至少开展1次开放日活动", "年内至少开展1次", "quota year 1"},
	} {
		r, m, ok := Find(c.text, 2024)
		if !ok || m != c.matched || summary(r) != c.want {
			t.Errorf("Find(%q) = %q %s %v, want %q %s", c.text, m, summary(r), ok, c.matched, c.want)
		}
	}
	if ms := FindAll("①本年度内设机构及下属单位预算、②报表及③说明", 2024); len(ms) != 0 {
		t.Errorf("本年度内设机构 is no quota: %v", ms)
	}
}

// Recurring rules due at a point of their period, or after its end.
func TestParseDuePoints(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"每月10日前", "recurring month due d10"},
		{"每月10号前", "recurring month due d10"},
		{"每个月5日之前", "recurring month due d5"},
		{"每月15日内", "recurring month due d15"},
		{"每月10日", "recurring month due d10"}, // a whole cell: the day is the due day
		{"每月10日前更新", "recurring month due d10"},
		{"每月10日前報送", "recurring month due d10"},
		{"每季度首月15日前", "recurring quarter due m1d15"},
		{"每季度首月15日前完成", "recurring quarter due m1d15"},
		{"每季度第一个月10日前", "recurring quarter due m1d10"},
		{"每季度第2个月20日前", "recurring quarter due m2d20"},
		{"每季度末月20日前", "recurring quarter due m3d20"},
		{"每季度最後一個月20日前", "recurring quarter due m3d20"},
		{"每半年末月20日前", "recurring halfyear due m6d20"},
		{"每季度结束后10个工作日内", "recurring quarter due +10 workday"},
		{"每季度結束後10個工作日內", "recurring quarter due +10 workday"},
		{"季度结束后15日内", "recurring quarter due +15 day"},
		{"每月结束后5个工作日内", "recurring month due +5 workday"},
		{"季末后15天内", "recurring quarter due +15 day"},
		{"每年度结束后20个工作日内", "recurring year due +20 workday"},
		{"每周结束后2个工作日内", "recurring week due +2 workday"},
		// a plain rule of the same period is refined by its due point
		{"每月更新，每月10日前完成", "recurring month due d10"},
		{"每季度更新（每季度结束后10个工作日内）", "recurring quarter due +10 workday"},
		// 每年 with a date stays a deadline of the list year (see Cycles)
		{"每年1月31日前", "deadline 2024-01-31"},
		{"次年1月31日前", "deadline 2025-01-31"},
		// refused
		{"每月10日前，每季度结束后10个工作日内", "unparsed"},
		{"每季度第4个月10日前", "unparsed"},
		{"每月0日前", "unparsed"},
		{"上季度结束后10个工作日内", "unparsed"},
		{"第一季度结束后10个工作日内", "unparsed"},
		{"每季度10日前", "unparsed"},
	} {
		r := Parse(c.text, 2024)
		if got := summary(r); got != c.want {
			t.Errorf("Parse(%q) = %s (%s), want %s", c.text, got, r.Reason, c.want)
		}
		if r.Kind != KindUnparsed {
			if err := r.Validate(); err != nil {
				t.Errorf("Parse(%q): %v", c.text, err)
			}
		}
	}
	for _, c := range []struct{ text, matched, want string }{
		{"每月10日前公开上月财政收支情况", "每月10日前", "recurring month due d10"},
		{"请于每季度结束后10个工作日内报送统计表", "每季度结束后10个工作日内", "recurring quarter due +10 workday"},
		{"每季度首月15日前更新上季度数据", "每季度首月15日前", "recurring quarter due m1d15"},
		{"每年1月31日前公开上一年度政府信息公开工作年度报告", "每年1月31日前", "deadline 2024-01-31"},
	} {
		r, m, ok := Find(c.text, 2024)
		if !ok || m != c.matched || summary(r) != c.want {
			t.Errorf("Find(%q) = %q %s %v, want %q %s", c.text, m, summary(r), ok, c.matched, c.want)
		}
	}
	// 每月10日 without 前 inside a text is a day, not a deadline (as 3月31日 is not).
	if _, m, ok := Find("每月10日召开例会", 2024); ok {
		t.Errorf("Find found %q", m)
	}
}

func TestParseDuePointJSON(t *testing.T) {
	for text, want := range map[string]string{
		"每季度结束后10个工作日内": `{"kind":"recurring","text":"每季度结束后10个工作日内","period":"quarter","due_in":{"after":{"n":10,"unit":"workday"}}}`,
		"每季度首月15日前":     `{"kind":"recurring","text":"每季度首月15日前","period":"quarter","due_in":{"month":1,"day":15}}`,
		"每月10日前":        `{"kind":"recurring","text":"每月10日前","period":"month","due_in":{"day":10}}`,
		"每月更新":          `{"kind":"recurring","text":"每月更新","period":"month"}`,
	} {
		r := Parse(text, 2024)
		b, err := json.Marshal(r)
		if err != nil || string(b) != want {
			t.Errorf("JSON of %s = %s %v, want %s", text, b, err, want)
			continue
		}
		var back Rule
		if err := json.Unmarshal(b, &back); err != nil || !sameRule(back, r) || back.Text != r.Text {
			t.Errorf("JSON round trip of %s: %+v, %v", text, back, err)
		}
	}
}

// Whitespace inside a wording (pasted text wraps anywhere) does not hide it; whitespace between
// two numbers still separates them.
func TestParseWhitespace(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"每月 更新", "recurring month"},
		{"每 月更新", "recurring month"},
		{"每月　更新", "recurring month"}, // ideographic space
		{"及时 更新", "timely 20 workday"},
		{"季度 更新", "recurring quarter"},
		{"每周更新 不少于 2 次", "quota week 2"},
		{"5 个 工作日内", "timely 5 workday"},
		{"6月底 前", "deadline 2024-06-30"},
		{"2024 年 6 月底", "deadline 2024-06-30"},
		{"年度內 至少參加 1 次", "quota year 1"},
		{"每季度结束后 10 个工作日内", "recurring quarter due +10 workday"},
		{"每月\n更新", "recurring month"}, // a cell wraps at line breaks too
		{"每周更新\n不少于2次", "quota week 2"},
		{"不 定期", "unparsed"},    // the space no longer hides 不
		{"5 24小时内", "unparsed"}, // not 524 hours
		{"1 2月底", "unparsed"},   // not December
	} {
		r := Parse(c.text, 2024)
		if got := summary(r); got != c.want {
			t.Errorf("Parse(%q) = %s (%s), want %s", c.text, got, r.Reason, c.want)
		}
		if r.Text != strings.TrimSpace(c.text) {
			t.Errorf("Parse(%q).Text = %q", c.text, r.Text)
		}
	}
	for _, c := range []struct{ text, matched, want string }{
		{"栏目内容每月 更新", "每月 更新", "recurring month"},
		{"相关信息及时 更新", "及时 更新", "timely 20 workday"},
		{"每周更新 不少于 2 次", "每周更新 不少于 2 次", "quota week 2"},
	} {
		r, m, ok := Find(c.text, 2024)
		if !ok || m != c.matched || summary(r) != c.want || r.Text != c.matched {
			t.Errorf("Find(%q) = %q %s %v, want %q %s", c.text, m, summary(r), ok, c.matched, c.want)
		}
	}
	// In a long text a line break separates paragraphs: no wording is read across it.
	if ms := FindAll("工作安排每月\n更新", 2024); len(ms) != 0 {
		t.Errorf("FindAll read across a line break: %v", ms)
	}
}

func TestDuePointString(t *testing.T) {
	for text, want := range map[string]string{
		"每月10日前":        "每月一次（当月10日到期）",
		"每季度首月15日前":     "每季度一次（季度第1个月15日到期）",
		"每季度结束后10个工作日内": "每季度一次（季度结束后 10 个工作日内到期）",
	} {
		if got := Parse(text, 2024).String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", text, got, want)
		}
	}
	r := Rule{Kind: KindQuota, Period: Month, Count: 2, DueIn: &PeriodPoint{Day: 25}}
	if got, want := r.String(), "每月至少 2 次（当月25日到期）"; got != want {
		t.Errorf("quota String() = %q, want %q", got, want)
	}
}
