package schedule

import "fmt"

var periodName = map[Period]string{Week: "周", Month: "月", Quarter: "季度", HalfYear: "半年", Year: "年"}

var unitName = map[Unit]string{WorkingDays: "个工作日", CalendarDays: "天", Hours: "小时", Months: "个月"}

// String describes the rule in Chinese for people: "2024-04-30 前完成", "每月一次（月末到期）",
// "事件发生后 20 个工作日内". Unparsed rules say so, with the wording.
func (r Rule) String() string {
	switch r.Kind {
	case KindDeadline:
		if r.Due != nil {
			return fmt.Sprintf("%s 前完成", r.Due)
		}
	case KindWindow:
		if r.Due != nil && r.From != nil {
			return fmt.Sprintf("%s 至 %s 期间完成", r.From, r.Due)
		}
	case KindRecurring:
		if r.DueIn != nil {
			return fmt.Sprintf("每%s一次（%s到期）", periodName[r.Period], r.DueIn.describe(r.Period))
		}
		return fmt.Sprintf("每%s一次（%s末到期）", periodName[r.Period], periodName[r.Period])
	case KindQuota:
		if r.DueIn != nil {
			return fmt.Sprintf("每%s至少 %d 次（%s到期）", periodName[r.Period], r.Count, r.DueIn.describe(r.Period))
		}
		return fmt.Sprintf("每%s至少 %d 次", periodName[r.Period], r.Count)
	case KindTimely:
		if r.Clock != nil {
			return fmt.Sprintf("事件发生后 %d %s内", r.Clock.N, unitName[r.Clock.Unit])
		}
	case KindMaxGap:
		if r.MaxGap != nil {
			return fmt.Sprintf("两次更新间隔不超过 %d %s", r.MaxGap.N, unitName[r.MaxGap.Unit])
		}
	case KindOngoing:
		p := r.Period
		if p == "" {
			p = DefaultCheckIn
		}
		return fmt.Sprintf("持续性工作（每%s报告进展）", periodName[p])
	case KindUnparsed:
		if r.Reason != "" {
			return fmt.Sprintf("未能识别：%q（%s）", r.Text, r.Reason)
		}
		return fmt.Sprintf("未能识别：%q", r.Text)
	}
	return fmt.Sprintf("不完整的%s规则", r.Kind)
}

// describe says where in (or after) a period of p the point lies: "当月10日", "季度第1个月15日",
// "季度结束后 10 个工作日内".
func (pt *PeriodPoint) describe(p Period) string {
	if pt.After != nil {
		return fmt.Sprintf("%s结束后 %d %s内", periodName[p], pt.After.N, unitName[pt.After.Unit])
	}
	if p == Month {
		return fmt.Sprintf("当月%d日", pt.Day)
	}
	return fmt.Sprintf("%s第%d个月%d日", periodName[p], max(pt.Month, 1), pt.Day)
}
