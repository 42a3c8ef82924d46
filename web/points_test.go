package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// 甲局 on 2024-05-08 with scores on its items: A1 (4分, overdue since 4/30) is lost if the check
// were today; A2 (2分, due Monday 5/13) is at risk within 5 working days but not within 3, as
// Saturday 5/11 is a 调休 working day; A4 (1分, due 2099) is safe, A5 (3分) done, A3 has no 分值.
func TestPointsPage(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	for id, score := range map[int64]float64{f.itemA1: 4, f.itemA2: 2, f.itemA4: 1, f.itemA5: 3, f.itemB: 9} {
		if _, err := f.st.Pool.Exec(ctx, `UPDATE items SET score = $2::numeric, deduction = CASE WHEN $2::numeric = 4 THEN '未按时公开扣4分' ELSE '' END WHERE id = $1`, id, score); err != nil {
			t.Fatal(err)
		}
	}
	lead := f.as(t, "supervisor")
	resp, body := lead.get("/points")
	wantStatus(t, resp, body, http.StatusOK)
	first := wantPointsSummary(t, body, "考核事项总分值 10 分，已完成 3 分；如果今天检查，将因逾期失分 4 分，预计得分 6 分；连同5个工作日内到期的事项，风险分值共 6 分。",
		"<tr><td>办公室</td><td>4</td><td>0</td><td>4</td><td>1</td></tr>", "<tr><td>法规科</td><td>0</td><td>2</td><td>2</td><td>1</td></tr>")
	a1, a2 := strings.Index(first, fmt.Sprintf(`href="/items/%d"`, f.itemA1)), strings.Index(first, fmt.Sprintf(`href="/items/%d"`, f.itemA2))
	if a1 < 0 || a2 < 0 || a1 > a2 {
		t.Errorf("A1 (4分) should come before A2 (2分):\n%s", first)
	}
	if !strings.Contains(first, "未按时公开扣4分") || !strings.Contains(first, "已逾期") || !strings.Contains(first, "即将到期") {
		t.Errorf("the deduction rule or the states are missing:\n%s", first)
	}
	for _, id := range []int64{f.itemA4, f.itemA5, f.itemB} {
		if strings.Contains(first, fmt.Sprintf(`href="/items/%d"`, id)) {
			t.Errorf("item %d is listed to do first", id)
		}
	}
	if strings.Contains(body, foreignTitle) {
		t.Error("the page shows the foreign unit")
	}
	noCodes(t, "points", body)
	if !strings.Contains(body, `href="/points"`) {
		t.Error("the menu has no link to the page")
	}

	_, body = lead.get(fmt.Sprintf("/points?unit=%d&within=3", f.unitA))
	if want := "连同3个工作日内到期的事项，风险分值共 4 分"; !strings.Contains(strings.Join(strings.Fields(pageText(body)), " "), want) {
		t.Errorf("within 3 working days: want %q", want)
	}
	wantBadParam(t, lead, "/points?within=abc", "几个工作日内到期")
	f.wantOwnUnitOnly(t, lead, "/points")
	admin := f.as(t, "admin")
	resp, body = admin.get(fmt.Sprintf("/points?unit=%d", f.unitB))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, foreignTitle) {
		t.Error("the admin does not see 乙局's scored item")
	}
}

// pointsBetween is the part of s from the first from to the next to after it ("" when absent).
func pointsBetween(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// The page applies each item's deduction rule: A1 (4分, 每处扣1分) missed three cycles, so 3 of
// its 4 points are lost; A2 (2分, 此项不得分) due soon stands to lose all of it; A4 (1分) is
// safe; and each line says how its stake was computed.
// wantPointsSummary checks the points page's summary and that its offices' table has the rows
// given, and returns its table of the items to do first.
func wantPointsSummary(t *testing.T, body, summary string, officeRows ...string) string {
	t.Helper()
	if text := strings.Join(strings.Fields(pageText(body)), " "); !strings.Contains(text, summary) {
		t.Errorf("the summary does not say %q:\n%s", summary, text)
	}
	offices := pointsBetween(body, `id="points-offices"`, "</table>")
	for _, row := range officeRows {
		if !strings.Contains(offices, row) {
			t.Errorf("the offices' table lacks %s:\n%s", row, offices)
		}
	}
	return pointsBetween(body, `id="points-first"`, "</table>")
}

func TestPointsPageAppliesRules(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	for id, rule := range map[int64][2]string{f.itemA1: {"4", "未按要求更新栏目的，每处扣1分"}, f.itemA2: {"2", "逾期未公开的此项不得分"}, f.itemA4: {"1", ""}} {
		if _, err := f.st.Pool.Exec(ctx, `UPDATE items SET score = $2::numeric, deduction = $3 WHERE id = $1`, id, rule[0], rule[1]); err != nil {
			t.Fatal(err)
		}
	}
	// two earlier cycles of A1 went unmet as well
	for _, key := range []string{"2024-02", "2024-03"} {
		if _, err := f.st.Pool.Exec(ctx, `INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status)
			VALUES ($1, $2, 1, '2024-01-01', '2024-03-01', '2024-03-01', 'overdue')`, f.itemA1, key); err != nil {
			t.Fatal(err)
		}
	}
	_, body := f.as(t, "supervisor").get("/points")
	first := wantPointsSummary(t, body, "考核事项总分值 7 分，已完成 0 分；如果今天检查，将因逾期失分 3 分，预计得分 4 分；连同5个工作日内到期的事项，风险分值共 5 分。",
		"<tr><td>办公室</td><td>3</td><td>0</td><td>3</td><td>1</td></tr>", "<tr><td>法规科</td><td>0</td><td>2</td><td>2</td><td>1</td></tr>")
	for _, want := range []string{
		`<td data-label="计算方式" title="每次扣1分，扣完为止">每次扣1分 × 3次 = 3分</td><td data-label="风险分值">3</td>`,
		`<td data-label="计算方式" title="该项不得分">不得分，扣2分</td><td data-label="风险分值">2</td>`,
	} {
		if !strings.Contains(first, want) {
			t.Errorf("the items to do first lack %s:\n%s", want, first)
		}
	}
	a1, a2 := strings.Index(first, fmt.Sprintf(`href="/items/%d"`, f.itemA1)), strings.Index(first, fmt.Sprintf(`href="/items/%d"`, f.itemA2))
	if a1 < 0 || a2 < 0 || a1 > a2 {
		t.Errorf("A1 (3 at stake) should come before A2 (2):\n%s", first)
	}
}
