package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
)

// The 通报 of 甲局's April 2024 (the default on 2024-05-08: the month before): A1 and A5 fell due
// on 4/30, A5 done on time and A1 still overdue and escalated; one escalation notice went out.
// The page and the xlsx say the same, and 乙局 is in neither.
func TestTongbao(t *testing.T) {
	f := newFixture(t, false)
	if _, err := f.st.Pool.Exec(context.Background(), `INSERT INTO notices (item_id, workflow_id, cycle_key, due_at, kind, level, target, at, seq, status, sent_at)
		SELECT id, workflow_id, '2024', $2, 'escalation', 1, 'contact', $3, 1, 'sent', $3 FROM items WHERE id = $1`,
		f.itemA1, calendar.D(2024, 4, 30).End(), calendar.D(2024, 4, 30).At(9, 0)); err != nil {
		t.Fatal(err)
	}
	lead := f.as(t, "supervisor")
	resp, body := lead.get("/tongbao")
	wantStatus(t, resp, body, http.StatusOK)
	late, _ := calendar.OfficialCalendar().WorkingDaysBetween(calendar.D(2024, 4, 30), calendar.DateOf(testNow))
	text := pageText(body)
	for _, want := range []string{
		"甲局 2024年4月政务公开工作通报",
		"2024年4月到期 2 个周期，已截止 2 个，其中已完成 1 个（按时完成 1 个），仍逾期 1 个；完成率 " + percent(1, 2),
		"全单位逾期未完成事项 1 项，其中已升级督办 1 项；本月督办升级通知 1 条（已发送 1 条）",
	} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the 通报 does not say %q:\n%s", want, strings.Join(strings.Fields(text), " "))
		}
	}
	if !strings.Contains(body, "<tr><td>办公室</td><td>2</td><td>2</td><td>1</td><td>1</td><td>1</td><td>"+percent(1, 2)+"</td>") {
		t.Error("办公室's line is not in the table")
	}
	if !strings.Contains(body, fmt.Sprintf(`<td data-label="逾期工作日">%d</td>`, late)) || !strings.Contains(body, fmt.Sprintf(`href="/items/%d"`, f.itemA1)) {
		t.Errorf("A1 is not listed overdue by %d working days", late)
	}
	if strings.Contains(body, foreignTitle) || strings.Contains(body, "综合科") {
		t.Error("the 通报 shows the foreign unit")
	}
	noCodes(t, "tongbao", body)

	resp, body = lead.get(fmt.Sprintf("/tongbao.xlsx?unit=%d&month=2024-04", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	summary := readSheet(t, body, "完成情况")
	if !strings.Contains(summary[2][0], "本月到期 2 个周期") || summary[4][1] != "科室" || summary[5][1] != "办公室" || summary[5][4] != "1" {
		t.Errorf("summary sheet %q", summary)
	}
	overdue := readSheet(t, body, "逾期事项")
	if len(overdue) != 2 || overdue[1][1] != "公开2023年度政府信息公开工作年报" || overdue[1][4] != fmt.Sprint(late) {
		t.Errorf("overdue sheet %q", overdue)
	}

	// May: A2 due 5/13, not yet closed; nothing escalated in May.
	_, body = lead.get("/tongbao?month=2024-05")
	if !strings.Contains(pageText(body), "到期 1 个周期，已截止 0 个") || !strings.Contains(pageText(body), "本月督办升级通知 0 条") {
		t.Error("May's 通报 is wrong")
	}
	wantBadParam(t, lead, "/tongbao?month=2024-4x", "月份")
	f.wantOwnUnitOnly(t, lead, "/tongbao")
}
