package schedule

import (
	"strings"
	"testing"
)

// grammarCells are the wordings issue 10 names, each with what it means in 2025, 2026 and 2027
// (one want for all three unless the meaning moves with the calendar). A want "unparsed" must
// come with a reason.
var grammarCells = []struct {
	text string
	want [3]string
}{
	{"信息形成或变更之日起20个工作日内", all("timely 20 workday")},
	{"自该政府信息形成或者变更之日起20个工作日内予以公开", all("timely 20 workday")},
	{"信息产生或变更之日起20个工作日内公开", all("timely 20 workday")},
	{"信息形成之日起20工作日内", all("timely 20 workday")},
	{"信息形成20个工作日内公开", all("timely 20 workday")},
	{"政府信息产生或变更10个工作日内", all("timely 10 workday")},
	{"与政策性文件同步发布或政策性文件公开后3个工作日内发布", all("timely 3 workday")},
	{"政策文件公开后5个工作日内", all("timely 5 workday")},
	{"自信息形成或者变更之日起10个工作日内", all("timely 10 workday")},
	{"20个工作日(自该政府信息形成或者变更之日起)", all("timely 20 workday")},
	{"20个工作日（自该政府信息形成或者变更之日起）", all("timely 20 workday")},
	{"收到申请之日起15个工作日内", all("timely 15 workday")},
	{"自收到申请之日起20个工作日内予以答复", all("timely 20 workday")},
	{"与政策文件同步发布,时间跨度不超过5个工作日", all("timely 5 workday")},
	{"与规范性文件同步发布", all("timely 1 workday")},
	{"时间跨度不超过3个工作日", all("timely 3 workday")},
	{"最迟3个月内有更新", all("maxgap 3 month")},
	{"须6个月内有更新", all("maxgap 6 month")},
	{"每两周更新", all("maxgap 14 day")},
	{"双周更新一次", all("maxgap 14 day")},
	{"每半月更新一次", all("maxgap 15 day")},
	{"每旬更新", all("maxgap 10 day")},
	{"双月更新", all("maxgap 2 month")},
	{"每个工作日更新", all("maxgap 1 workday")},
	{"一周内", all("timely 7 day")},
	{"会后一周内公开", all("timely 7 day")},
	{"每月上旬", all("recurring month due d10")},
	{"每月中旬前", all("recurring month due d20")},
	{"每月下旬", all("recurring month")},
	{"每月初", all("recurring month due d10")},
	{"每月末", all("recurring month")},
	{"每季初", all("recurring quarter due m1d10")},
	{"季末", all("recurring quarter")},
	{"每季度末", all("recurring quarter")},
	{"次月10日前", all("recurring month due +10 day")},
	{"每月10日前报送上月数据", all("recurring month due d10")},
	{"每年1月底前公开上年度工作情况", [3]string{"deadline 2025-01-31", "deadline 2026-01-31", "deadline 2027-01-31"}},
	{"6月上旬", [3]string{"deadline 2025-06-10", "deadline 2026-06-10", "deadline 2027-06-10"}},
	{"9月中旬前", [3]string{"deadline 2025-09-20", "deadline 2026-09-20", "deadline 2027-09-20"}},
	{"8月前", [3]string{"deadline 2025-07-31", "deadline 2026-07-31", "deadline 2027-07-31"}},
	{"2021年8月前", all("deadline 2021-07-31")},
	{"2020年年底前", all("deadline 2020-12-31")},
	// the last working day before the first day off, 调休 Saturdays included (2026-02-14)
	{"春节前", [3]string{"deadline 2025-01-27", "deadline 2026-02-14", "deadline 2027-02-04"}},
	{"国庆节前", [3]string{"deadline 2025-09-30", "deadline 2026-09-30", "deadline 2027-09-30"}},
	{"中秋节前", [3]string{"deadline 2025-09-30", "deadline 2026-09-24", "deadline 2027-09-14"}},
	{"元旦前", [3]string{"deadline 2025-12-31", "deadline 2026-12-31", "deadline 2027-12-31"}},
	{"端午节前", [3]string{"deadline 2025-05-30", "deadline 2026-06-18", "deadline 2027-06-08"}},
	{"劳动节前", [3]string{"deadline 2025-04-30", "deadline 2026-04-30", "deadline 2027-04-30"}},
	// the longest gap between updates, as website column frameworks state it
	{"及时更新,最大更新间隔不得超过12个月", all("maxgap 12 month")},
	{"最大更新间隔时间不得超过6个月", all("maxgap 6 month")},
	{"更新间隔不超过3个月", all("maxgap 3 month")},
	{"最大更新间隔不得超过12个日历日", all("maxgap 12 day")},
	// a year's total, as assessments state it
	{"年度信息总量,总量200条", all("quota year 200")},
	{"全年信息发布量达到100条以上", all("quota year 100")},
	{"年度发布数量为50篇", all("quota year 50")},
	{"上年度信息总量200条", all("unparsed")},
	{"批准后20日内", all("timely 20 day")},
	{"同上", all("unparsed")},
	{"重大节假日前", all("unparsed")},
	{"视情况而定", all("unparsed")},
	{"2021年2月公布预算，2021年8月公布决算", all("unparsed")}, // two deadlines: FindAll has both
}

func all(s string) [3]string { return [3]string{s, s, s} }

func TestGrammarWordings(t *testing.T) {
	for _, c := range grammarCells {
		for i, year := range []int{2025, 2026, 2027} {
			r := Parse(c.text, year)
			if got := summary(r); got != c.want[i] {
				t.Errorf("Parse(%q, %d) = %s, want %s", c.text, year, got, c.want[i])
			}
			if r.Kind == KindUnparsed && r.Reason == "" {
				t.Errorf("Parse(%q): unparsed without a reason", c.text)
			}
		}
	}
	if r := Parse("同上", 2025); r.Reason != ReasonDitto {
		t.Errorf("同上: reason %q", r.Reason)
	}
	if r := Parse("重大节假日前", 2025); !strings.Contains(r.Reason, "哪个节日") {
		t.Errorf("重大节假日前: reason %q", r.Reason)
	}
	var got []string
	for _, m := range FindAll("2021年2月公布预算，2021年8月公布决算", 2021) {
		got = append(got, summary(m.Rule))
	}
	if strings.Join(got, "; ") != "deadline 2021-02-28; deadline 2021-08-31" {
		t.Errorf("two dated obligations: %v", got)
	}
	// 同步 with a verb that is not publishing is no clock
	if ms := FindAll("政策性文件与解读材料同步组织、同步审签、同步部署", 2025); len(ms) != 0 {
		t.Errorf("同步组织: %v", ms)
	}
	// a named quarter's end is not an anchor: it stays what it was
	if r := Parse("上季度结束后10个工作日内", 2025); r.Kind != KindUnparsed {
		t.Errorf("上季度结束后…: %s", summary(r))
	}
}

// Every grammar wording plans a whole year on the calendar without error.
func TestGrammarCyclesPlan(t *testing.T) {
	for _, c := range grammarCells {
		r := Parse(c.text, 2026)
		if r.Kind == KindUnparsed {
			continue
		}
		if _, err := Cycles(r, 2026, cal); err != nil {
			t.Errorf("Cycles(%q): %v", c.text, err)
		}
	}
}
