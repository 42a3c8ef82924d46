package schedule

import (
	"testing"
	"time"
)

// mixedWordings is the rule mix of the 10,000-item benchmark: deadlines, a window, every period,
// quotas, ongoing check-ins and event clocks.
var mixedWordings = []string{
	"4月底", "6月底", "年底前", "8月至12月", "每月更新", "季度更新", "年度更新", "每半年",
	"每周", "每周更新不少于2次", "常态化", "及时更新", "5个工作日内", "至少2周内更新一次",
}

// BenchmarkExpandYear10000Items expands one list year for 10,000 items: Cycles and then Plan for
// every cycle with the default policy; timely and maxgap items get two events / updates each.
func BenchmarkExpandYear10000Items(b *testing.B) {
	rules := make([]Rule, 10000)
	for i := range rules {
		rules[i] = Parse(mixedWordings[i%len(mixedWordings)], 2024)
	}
	p := DefaultPolicy()
	events := []time.Time{sh(2024, 3, 5, 10, 0, 0), sh(2024, 9, 27, 16, 0, 0)}
	var cycles, points int
	for b.Loop() {
		cycles, points = 0, 0
		for _, r := range rules {
			cs, err := Cycles(r, 2024, cal)
			if err != nil {
				b.Fatal(err)
			}
			for _, ev := range events {
				var c Cycle
				switch r.Kind {
				case KindTimely:
					c, err = EventCycle(r, "E", ev, cal)
				case KindMaxGap:
					c, err = GapCycle(r, "G", ev, cal)
				default:
					continue
				}
				if err != nil {
					b.Fatal(err)
				}
				cs = append(cs, c)
			}
			for _, c := range cs {
				ps, err := Plan(p, c, cal)
				if err != nil {
					b.Fatal(err)
				}
				points += len(ps)
			}
			cycles += len(cs)
		}
	}
	b.ReportMetric(float64(cycles), "cycles/op")
	b.ReportMetric(float64(points), "points/op")
}

func BenchmarkParseCell(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = Parse(domainCells[i%len(domainCells)].text, 2024)
	}
}

func BenchmarkFindLongText(b *testing.B) {
	text := "考察点:本部门行使的行政权力事项①办理信息及②结果。③信息公开规范性(例如标题单位全称、季度或者月度清晰)④内容公开清晰明了,不用二次打开附件(如行政许可运行结果需按月或季度公开办理结果及行政许可批复文件等信息;行政处罚运行结果需按月或季度公开办理结果及行政处罚决定书。)"
	for b.Loop() {
		_, _, _ = Find(text, 2024)
	}
}
