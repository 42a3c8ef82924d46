package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// addYear2025 gives 甲局 a 2025 list with one open item of 法规科, due 2025-03-31, so that the
// year filter has two years to tell apart.
func (f *fixture) addYear2025(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	var list, item int64
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO lists (unit_id, year, title) VALUES ($1, 2025, '甲局2025年政务公开任务清单') RETURNING id`, f.unitA).Scan(&list); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Pool.QueryRow(ctx, `INSERT INTO items (list_id, key, seq, title, requirement, rule, path, workflow_id, source_file, source_row)
		VALUES ($1, '00000000000007e9', 1, '公开2025年部门预算', '按时公开', '{"kind":"deadline","text":"3月31日前","due":"2025-03-31"}', '{政务公开}', 'item-2025-1', 'list2025.xlsx', 2)
		RETURNING id`, list).Scan(&item); err != nil {
		t.Fatal(err)
	}
	due := calendar.D(2025, 3, 31).End()
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO item_offices (item_id, office_id, role) VALUES ($1, $2, 'lead')`, item, f.officeA2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO item_state (item_id, workflow_id, seq, status, cycle_key, due_at)
		VALUES ($1, 'item-2025-1', 1, 'upcoming', '2025', $2)`, item, due); err != nil {
		t.Fatal(err)
	}
	return item
}

func readSheet(t *testing.T, body, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// dataRows are an export's item rows by title (column D of the items sheet, B of a 督办单).
func dataRows(rows [][]string, titleCol int) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows[4:] {
		if len(r) > titleCol {
			out[r[titleCol]] = r
		}
	}
	return out
}

// The filters of the item list stay in its URL, the export link carries them, and the export
// holds exactly the items the page lists.
func TestItemFiltersAndExport(t *testing.T) {
	f := newFixture(t, false)
	y2025 := f.addYear2025(t)
	admin := f.as(t, "admin")

	resp, body := admin.get(fmt.Sprintf("/items?unit=%d&year=2025&status=", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, fmt.Sprintf(`href="/items/%d"`, y2025)) || strings.Contains(body, fmt.Sprintf(`href="/items/%d"`, f.itemA1)) {
		t.Fatal("year 2025 lists a 2024 item or misses its own")
	}
	for _, sel := range []string{`<option value="2025" selected>`, fmt.Sprintf(`<option value="%d" selected>甲局`, f.unitA)} {
		if !strings.Contains(body, sel) {
			t.Errorf("the filter form does not keep %s", sel)
		}
	}
	// the page's default status (open) is part of what it shows, hence of the link
	want := url.Values{"unit": {fmt.Sprint(f.unitA)}, "year": {"2025"}, "status": {"open"}}
	if !strings.Contains(body, `href="/export/items.xlsx?`+strings.ReplaceAll(want.Encode(), "&", "&amp;")+`"`) {
		t.Fatalf("export link does not carry the filter %s: %q", want.Encode(), regexp.MustCompile(`id="export-items" href="[^"]*"`).FindString(body))
	}

	// The page's default (open items of 2024) as an office user: the export has the page's rows.
	office := f.as(t, "office")
	_, page := office.get("/items?year=2024")
	resp, body = office.get("/export/items.xlsx?year=2024&status=open")
	wantStatus(t, resp, body, http.StatusOK)
	rows := readSheet(t, body, "事项")
	got := dataRows(rows, 3)
	items, err := f.st.Items(context.Background(), store.ItemFilter{Scope: store.ScopeOf(f.users["office"]), Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(items) {
		t.Fatalf("export has %d rows, the store %d open items in scope", len(got), len(items))
	}
	for _, it := range items {
		if _, ok := got[it.Title]; !ok && !strings.HasPrefix(it.Title, "=") {
			t.Errorf("export misses %s", it.Title)
		}
		if !strings.Contains(page, fmt.Sprintf(`href="/items/%d"`, it.ID)) {
			t.Errorf("page misses %s", it.Title)
		}
	}
	a1 := got["公开2023年度政府信息公开工作年报"]
	if a1 == nil {
		t.Fatalf("A1 not exported: %q", rows)
	}
	late, _ := calendar.OfficialCalendar().WorkingDaysBetween(calendar.D(2024, 4, 30), calendar.DateOf(testNow))
	if a1[1] != "甲局" || a1[2] != "2024" || a1[4] != "办公室" || a1[5] != "2024-04-30" || a1[6] != "2024-04-30" ||
		a1[7] != statusLabels["overdue"] || a1[8] != fmt.Sprint(late) || a1[10] != levelLabel(1) {
		t.Errorf("A1 row %q (want %d working days overdue)", a1, late)
	}
	for _, r := range rows {
		for _, c := range r {
			if strings.HasPrefix(c, "=") {
				t.Errorf("a cell starts a formula: %q", c)
			}
			if strings.Contains(c, foreignTitle) {
				t.Error("the export shows the foreign unit's item")
			}
		}
	}

	// Evidence of a completed item, by status filter.
	_, body = admin.get(fmt.Sprintf("/export/items.xlsx?unit=%d&status=done", f.unitA))
	done := dataRows(readSheet(t, body, "事项"), 3)
	if len(done) != 1 || done["公开机构职能"] == nil || done["公开机构职能"][11] != "https://gk.example.gov.cn/a.html" {
		t.Errorf("done export %q", done)
	}

	wantBadParam(t, admin, "/export/items.xlsx?year=1066", "年度")
	resp, _ = office.get(fmt.Sprintf("/export/items.xlsx?unit=%d", f.unitB))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("office export of a foreign unit: %d", resp.StatusCode)
	}
}

// A unit's 督办单 has every open item of all its offices, none of another unit, and is audited.
func TestUnitDuban(t *testing.T) {
	f := newFixture(t, false)
	resp, body := f.as(t, "supervisor").get(fmt.Sprintf("/units/%d/duban.xlsx", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	rows := readSheet(t, body, "督办单")
	open, err := f.st.Items(context.Background(), store.ItemFilter{Scope: store.Scope{All: true}, Unit: f.unitA, Status: "open"})
	if err != nil {
		t.Fatal(err)
	}
	got := dataRows(rows, 1)
	if len(got) != len(open) || !strings.HasSuffix(rows[0][0], "甲局") {
		t.Fatalf("unit 督办单: title %q, %d rows for %d open items", rows[0][0], len(got), len(open))
	}
	offices := map[string]bool{}
	for _, r := range got {
		offices[r[3]] = true
		if r[1] == foreignTitle {
			t.Error("the foreign item is on the unit's 督办单")
		}
	}
	if !offices["办公室"] || !offices["法规科"] {
		t.Errorf("offices on the unit 督办单: %v", offices)
	}
	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "duban.export" || entries[0].ObjectID != fmt.Sprint(f.unitA) {
		t.Errorf("audit entries %+v", entries)
	}
	resp, _ = f.as(t, "supervisor").get(fmt.Sprintf("/units/%d/duban.xlsx", f.unitB))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign unit's 督办单: %d", resp.StatusCode)
	}
}

// The charts of 甲局's 2024: April had A1 (overdue) and A5 (done on time) due, so half of its
// closed cycles were done and on time; 办公室 has one cycle overdue now; the heat map counts A1
// as 办公室's April miss. 乙局 appears nowhere.
func TestChartsPage(t *testing.T) {
	f := newFixture(t, false)
	lead := f.as(t, "supervisor")
	resp, body := lead.get(fmt.Sprintf("/charts?unit=%d&year=2024", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	for _, id := range []string{`id="chart-rates"`, `id="chart-overdue"`, `id="chart-heat"`, `<svg viewBox=`, `role="img"`, "<table class=\"figures\">"} {
		if !strings.Contains(body, id) {
			t.Errorf("charts page lacks %s", id)
		}
	}
	april := regexp.MustCompile(`<tr><td>4月</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>`).FindStringSubmatch(body)
	if april == nil {
		t.Fatal("no April row in the rates table")
	}
	if april[1] != "2" || april[2] != "2" || april[3] != "1" || april[4] != "1" || april[5] != "1" || april[6] != percent(1, 2) || april[7] != percent(1, 2) {
		t.Errorf("April row %q", april[1:])
	}
	if !strings.Contains(body, "<tr><td>5月</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>—</td><td>—</td></tr>") {
		t.Error("May (one cycle due, none closed) is not shown without rates")
	}
	// one bar per month with a rate, two series: April only
	if n := strings.Count(body, `<rect class="s-done"`); n != 2 { // April's bar and the legend swatch
		t.Errorf("%d completion bars and swatches, want 2", n)
	}
	if !strings.Contains(body, fmt.Sprintf(`<a href="/items?office=%d&amp;status=overdue">办公室</a></td><td>1</td>`, f.officeA1)) {
		t.Error("办公室's overdue count is not in the table")
	}
	if strings.Contains(body, foreignTitle) || strings.Contains(body, "综合科") {
		t.Error("the charts show the foreign unit")
	}
	if !strings.Contains(body, "<title>办公室 4月 1</title>") {
		t.Error("the heat map has no April cell for 办公室 with its value")
	}
	noCodes(t, "charts", body)

	// the supervisor has one unit: its 督办单 is offered without choosing it
	if _, body := lead.get("/charts"); !strings.Contains(body, fmt.Sprintf(`href="/units/%d/duban.xlsx"`, f.unitA)) {
		t.Error("the charts page does not offer the unit's 督办单")
	}
	f.wantOwnUnitOnly(t, lead, "/charts")
	wantBadParam(t, lead, "/charts?year=20x4", "年度")
}

func noCodes(t *testing.T, page, body string) {
	t.Helper()
	text := pageText(body)
	for _, re := range internalCodes() {
		if m := re.FindString(text); m != "" {
			t.Errorf("%s shows the code %q", page, strings.TrimSpace(m))
		}
	}
}

// The month calendar marks 劳动节 and the make-up Saturday, puts each cycle on its due day and
// each planned reminder on its send day, keeps to the caller's scope, and links its neighbours.
func TestMonthPage(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO notices (item_id, workflow_id, cycle_key, due_at, kind, level, target, at, seq)
		SELECT id, workflow_id, '2024', $2, 'reminder', 0, 'contact', $3, 1 FROM items WHERE id = $1`,
		f.itemA2, calendar.D(2024, 5, 13).End(), calendar.D(2024, 5, 10).At(9, 0)); err != nil {
		t.Fatal(err)
	}
	cell := func(body, date string) string {
		t.Helper()
		i := strings.Index(body, `data-date="`+date+`"`)
		if i < 0 {
			t.Fatalf("no cell for %s", date)
		}
		end := strings.Index(body[i:], "</td>")
		start := strings.LastIndex(body[:i], "<td")
		return body[start : i+end]
	}
	office2 := f.as(t, "office2") // 法规科
	resp, body := office2.get(fmt.Sprintf("/month?unit=%d&month=2024-05", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	cal := calendar.OfficialCalendar()
	for _, d := range []calendar.Date{calendar.D(2024, 5, 1), calendar.D(2024, 5, 11), calendar.D(2024, 5, 12), calendar.D(2024, 5, 13)} {
		c := cell(body, d.String())
		if off := strings.Contains(c, " off"); off == cal.IsWorkingDay(d) {
			t.Errorf("%s marked off=%v, the calendar says working=%v: %s", d, off, cal.IsWorkingDay(d), c)
		}
	}
	if c := cell(body, "2024-05-11"); !strings.Contains(c, "makeup") || !strings.Contains(c, ">班<") {
		t.Errorf("the make-up Saturday is not marked: %s", c)
	}
	if c := cell(body, "2024-05-01"); !strings.Contains(c, ">休<") || !strings.Contains(c, "劳动节") {
		t.Errorf("劳动节 is not marked: %s", c)
	}
	if c := cell(body, "2024-05-13"); !strings.Contains(c, fmt.Sprintf(`href="/items/%d"`, f.itemA2)) {
		t.Errorf("A2 is not on its due day: %s", c)
	}
	if c := cell(body, "2024-05-10"); !strings.Contains(c, noticeKindLabels["reminder"]+" 1") {
		t.Errorf("the planned reminder is not on its day: %s", c)
	}
	if c := cell(body, "2024-05-08"); !strings.Contains(c, "today") {
		t.Errorf("today is not marked: %s", c)
	}
	for _, want := range []string{fmt.Sprintf(`href="/month?month=2024-04&amp;unit=%d"`, f.unitA), fmt.Sprintf(`href="/month?month=2024-06&amp;unit=%d"`, f.unitA), "本月提醒 1 条"} {
		if !strings.Contains(body, want) {
			t.Errorf("month page lacks %s", want)
		}
	}
	// 法规科's user does not see 办公室's A1 (due 4/30, in the grid's first week).
	if strings.Contains(body, fmt.Sprintf(`href="/items/%d"`, f.itemA1)) || strings.Contains(body, foreignTitle) {
		t.Error("the month shows an item outside the office's scope")
	}
	noCodes(t, "month", body)

	// The admin's April for 办公室 has A1 and A5 on 4/30 and nothing of 法规科.
	admin := f.as(t, "admin")
	resp, body = admin.get(fmt.Sprintf("/month?office=%d&month=2024-04", f.officeA1))
	wantStatus(t, resp, body, http.StatusOK)
	c := cell(body, "2024-04-30")
	if !strings.Contains(c, fmt.Sprintf(`href="/items/%d"`, f.itemA1)) || !strings.Contains(c, fmt.Sprintf(`href="/items/%d"`, f.itemA5)) {
		t.Errorf("4/30 of 办公室: %s", c)
	}
	if strings.Contains(body, fmt.Sprintf(`href="/items/%d"`, f.itemA2)) || !strings.Contains(body, "办公室") {
		t.Error("the office filter lets 法规科's item in")
	}

	resp, _ = office2.get(fmt.Sprintf("/month?office=%d", f.officeA1))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another office's month: %d", resp.StatusCode)
	}
	resp, _ = office2.get(fmt.Sprintf("/month?unit=%d", f.unitB))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign unit's month: %d", resp.StatusCode)
	}
	wantBadParam(t, office2, "/month?month=2024-13", "月份")
	// A year the calendar has no data for says so.
	_, body = office2.get("/month?month=2099-01")
	if !strings.Contains(body, "尚未加载") {
		t.Error("an unknown year is not flagged")
	}
}

// Unknown paths get the Chinese 404 page in the layout (JSON under /api/), a panic the 500 page.
func TestErrorPages(t *testing.T) {
	f := newFixture(t, false)
	resp, body := f.as(t, "anonymous").get("/nonexistent")
	wantStatus(t, resp, body, http.StatusNotFound)
	if !strings.Contains(body, "页面不存在") || !strings.Contains(body, `<link rel="stylesheet" href="/static/style.css">`) || strings.Contains(body, "404 page not found") {
		t.Errorf("anonymous 404: %s", body)
	}
	resp, body = f.as(t, "office").get("/items/1/nothing-here")
	wantStatus(t, resp, body, http.StatusNotFound)
	if !strings.Contains(body, `href="/items"`) || !strings.Contains(body, "退出") {
		t.Error("a signed-in 404 page has no menu")
	}
	resp, body = f.as(t, "office").get("/api/nothing")
	wantStatus(t, resp, body, http.StatusNotFound)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
		t.Errorf("API 404: %s %s", resp.Header.Get("Content-Type"), body)
	}

	rec := httptest.NewRecorder()
	func() {
		defer f.srv.recoverPanic(rec, httptest.NewRequest("GET", "/items", nil))
		panic("boom")
	}()
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "服务器内部错误") || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("panic page %d: %s", rec.Code, rec.Body.String())
	}
}

// Print and phone styles: every page carries the menu toggle, and the stylesheet folds the menu
// on phones and hides it, the forms and the buttons on paper.
func TestPrintAndPhoneStyles(t *testing.T) {
	f := newFixture(t, false)
	_, body := f.as(t, "admin").get("/items")
	if !strings.Contains(body, `<input type="checkbox" id="menu-toggle" class="menu-toggle"><label for="menu-toggle" class="menu-button">菜单</label>`) {
		t.Error("no menu toggle in the layout")
	}
	css, err := staticFS.Open("style.css")
	if err != nil {
		t.Fatal(err)
	}
	defer css.Close()
	b, err := io.ReadAll(css)
	if err != nil {
		t.Fatal(err)
	}
	print := string(b)[strings.Index(string(b), "@media print"):]
	hidden := regexp.MustCompile(`\n\s*([^{}\n]+)\{ display: none !important; \}`).FindStringSubmatch(print)
	if hidden == nil {
		t.Fatal("print styles hide nothing")
	}
	for _, rule := range []string{"header.top", "form.filters", ".noprint", "button"} {
		if !strings.Contains(hidden[1], rule) {
			t.Errorf("print styles do not hide %s (they hide %s)", rule, hidden[1])
		}
	}
	if !strings.Contains(string(b), ".menu-toggle:checked ~ nav { display: flex; }") {
		t.Error("the phone menu does not open on its toggle")
	}
}

// A bulk action sends one update per ticked item, each with its own audit entry; a selection
// with an item the action cannot apply to changes nothing; an update a workflow refuses is
// reported while the others go on.
func TestItemsBulk(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	_, page := admin.get("/items")
	if !strings.Contains(page, `action="/items/bulk"`) || !strings.Contains(page, fmt.Sprintf(`name="item" value="%d"`, f.itemA1)) {
		t.Fatal("the admin's list has no bulk form")
	}
	if _, body := f.as(t, "supervisor").get("/items"); strings.Contains(body, `action="/items/bulk"`) {
		t.Error("a supervisor is offered bulk actions")
	}

	form := url.Values{"item": {fmt.Sprint(f.itemA1), fmt.Sprint(f.itemA2)}, "action": {"extend"}, "due": {"2024-06-28"}, "reason": {"迎检前统一延期"}, "back": {"?status=overdue"}}
	resp, body := admin.post("/items/bulk", form)
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/items?status=overdue" {
		t.Errorf("back to %q", loc)
	}
	_, n := f.cmd.last()
	if n != 2 {
		t.Fatalf("%d workflow updates, want 2", n)
	}
	for _, c := range f.cmd.calls {
		x, ok := c.arg.(workflows.Extension)
		if c.op != "extend" || !ok || x.Due != calendar.D(2024, 6, 28) || x.Reason != "迎检前统一延期" {
			t.Errorf("update %+v", c)
		}
	}
	for _, id := range []int64{f.itemA1, f.itemA2} {
		entries, err := f.st.AuditLog(ctx, store.AuditFilter{ObjectType: "item", ObjectID: fmt.Sprint(id)})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "item.extend" || entries[0].Actor != "root" {
			t.Errorf("item %d audit %+v", id, entries)
		}
	}

	// 办公室 is 甲局's: 乙局's item in the selection stops the whole reassignment.
	form = url.Values{"item": {fmt.Sprint(f.itemA1), fmt.Sprint(f.itemB)}, "action": {"reassign"}, "lead": {fmt.Sprint(f.officeA2)}}
	resp, body = admin.post("/items/bulk", form)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if _, n := f.cmd.last(); n != 2 {
		t.Errorf("a refused selection sent %d updates", n-2)
	}
	form.Set("item", fmt.Sprint(f.itemA1))
	resp, body = admin.post("/items/bulk", form)
	wantStatus(t, resp, body, http.StatusSeeOther)
	last, _ := f.cmd.last()
	if re, ok := last.arg.(workflows.Reassignment); !ok || len(re.Offices) != 1 || re.Offices[0].ID != f.officeA2 || re.Offices[0].Role != "lead" {
		t.Errorf("reassignment %+v", last)
	}

	// 办结 needs its evidence; a refusing workflow is reported, not a failure.
	form = url.Values{"item": {fmt.Sprint(f.itemA1), fmt.Sprint(f.itemA2)}, "action": {"close"}}
	resp, body = admin.post("/items/bulk", form)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "佐证链接") {
		t.Error("办结 without evidence does not name 佐证链接")
	}
	f.cmd.err = fmt.Errorf("item-x: %w: 该周期已完成", workflows.ErrRejected)
	form.Set("evidence_url", "https://gk.example.gov.cn/list.html")
	resp, body = admin.post("/items/bulk", form)
	wantStatus(t, resp, body, http.StatusSeeOther)
	var flash string
	for _, c := range resp.Cookies() {
		if c.Name == flashCookie {
			flash = unescapeFlash(c.Value)
		}
	}
	if !strings.Contains(flash, "已办结：0 项") || !strings.Contains(flash, "2 项未被接受") || !strings.Contains(flash, "该周期已完成") {
		t.Errorf("flash %q", flash)
	}

	resp, body = admin.post("/items/bulk", url.Values{"action": {"extend"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, _ = f.as(t, "supervisor").post("/items/bulk", form)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a supervisor's bulk action: %d", resp.StatusCode)
	}
}
