package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

func (f *fixture) link(t *testing.T, a links.Action, item int64, expires time.Time) string {
	t.Helper()
	s, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CycleLink(a, item, "2024", "person:7", expires, "")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u, f.srv.opt.BaseURL)
}

func TestSignedLinks(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")

	view := f.link(t, links.View, f.itemA1, testNow.Add(24*time.Hour))
	resp, body := anon.get(view)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "公开2023年度政府信息公开工作年报") || strings.Contains(body, "link-form") {
		t.Fatalf("view link page: %s", body)
	}
	resp, body = anon.post(view, url.Values{"evidence_url": {"https://a.example/"}})
	wantStatus(t, resp, body, http.StatusBadRequest) // a view link cannot complete

	complete := f.link(t, links.Complete, f.itemA1, testNow.Add(24*time.Hour))
	resp, body = anon.get(complete)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "link-form") {
		t.Fatal("complete link shows no confirmation form")
	}
	if _, n := f.cmd.last(); n != 0 {
		t.Fatal("opening a complete link completed the item: mail scanners would do that")
	}
	// A failing workflow frees the link for another try.
	f.cmd.err = fmt.Errorf("complete x: %w: 已暂停", workflows.ErrRejected)
	resp, body = anon.post(complete, url.Values{"evidence_url": {"https://gk.example.gov.cn/nb.html"}})
	wantStatus(t, resp, body, http.StatusConflict)
	f.cmd.err = nil
	resp, body = anon.post(complete, url.Values{"evidence_url": {"https://gk.example.gov.cn/nb.html"}, "note": {"已发布"}})
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "link-done") {
		t.Fatalf("after confirming: %s", body)
	}
	c, n := f.cmd.last()
	if n != 1 || c.arg.(workflows.Completion).By != "link:person:7" || c.arg.(workflows.Completion).Note != "已发布" {
		t.Fatalf("completion by link: %+v", c)
	}
	// Replayed: the page says so, the POST is refused, the workflow hears nothing more.
	resp, body = anon.get(complete)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "link-used") {
		t.Fatal("a used link still offers the form")
	}
	resp, body = anon.post(complete, url.Values{"evidence_url": {"https://gk.example.gov.cn/nb.html"}})
	wantStatus(t, resp, body, http.StatusGone)
	if _, n := f.cmd.last(); n != 1 {
		t.Fatal("a replayed link completed again")
	}
	// Without the anonymous cookie's CSRF token the confirmation is refused.
	resp, body = anon.do("POST", f.link(t, links.Complete, f.itemA1, testNow.Add(time.Hour)), strings.NewReader("evidence_url=https://a.example/"), "application/x-www-form-urlencoded", false)
	wantStatus(t, resp, body, http.StatusForbidden)

	expired := f.link(t, links.Complete, f.itemA1, testNow.Add(-time.Minute))
	resp, body = anon.get(expired)
	wantStatus(t, resp, body, http.StatusGone)
	tampered := complete[:len(complete)-3] + "AAA"
	resp, body = anon.get(tampered)
	wantStatus(t, resp, body, http.StatusNotFound)

	entries, _ := f.st.AuditLog(context.Background(), store.AuditFilter{Actor: "link:person:7"})
	if len(entries) != 1 || entries[0].Action != "item.complete" {
		t.Fatalf("audit of the link completion: %+v", entries)
	}
}

func TestICalFeed(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	resp, body := office.json("GET", fmt.Sprintf("/api/offices/%d/calendar", f.officeA1), nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d icalData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	feed := strings.TrimPrefix(d.URL, f.srv.opt.BaseURL)
	anon := &client{t: t, f: f} // a calendar app: no cookie at all
	resp, body = anon.get(feed)
	wantStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Fatalf("feed framing:\n%s", body)
	}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if strings.Contains(line, "\n") {
			t.Errorf("bare LF in %q", line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line split inside a character: %q", line)
		}
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	// 办公室: A1 (overdue), A4 (formula title, escaped), A5 (done). Not 法规科's A2.
	for _, want := range []string{
		"SUMMARY:【逾期】公开2023年度政府信息公开工作年报",
		"SUMMARY:【已完成】公开机构职能",
		`SUMMARY:【到期】=HYPERLINK("http://evil.example"\,"点我")`,
		"DTSTART;VALUE=DATE:20240430", "DTEND;VALUE=DATE:20240501",
		fmt.Sprintf("UID:item-%d-2024@zwgk.test", f.itemA1),
		`DESCRIPTION:周期：2024\n公开2023年度政府信息公开工作年报：按要求在门户网站公开，并报送政务公开办。\nhttp://zwgk.test/items/`,
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("feed lacks %q", want)
		}
	}
	if strings.Contains(unfolded, "部门预算") || strings.Contains(unfolded, foreignTitle) {
		t.Error("feed shows another office's items")
	}
	// Another office's feed URL made with the wrong generation, or garbage, is not found.
	resp, _ = anon.get("/ical/" + f.srv.icalToken(f.officeA1, 7) + ".ics")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("wrong generation: %d", resp.StatusCode)
	}
	resp, _ = anon.get("/ical/AAAA.ics")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("garbage token: %d", resp.StatusCode)
	}
	// Rotating kills the old URL.
	resp, body = office.post(fmt.Sprintf("/offices/%d/calendar/rotate", f.officeA1), nil)
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, _ = anon.get(feed)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("old feed URL after rotation: %d", resp.StatusCode)
	}
	resp, body = anon.get("/ical/" + f.srv.icalToken(f.officeA1, 2) + ".ics")
	wantStatus(t, resp, body, http.StatusOK)
}

func TestICalFolding(t *testing.T) {
	var w icalWriter
	long := strings.Repeat("政务公开", 30) + ";a,b\\c\nd"
	w.text("SUMMARY", long)
	out := w.buf.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Fatalf("bad folded line %q", l)
		}
	}
	if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != "SUMMARY:"+strings.Repeat("政务公开", 30)+`\;a\,b\\c\nd` {
		t.Fatalf("unfolded %q", got)
	}
}

func TestDashboard(t *testing.T) {
	f := newFixture(t, false)
	sup := f.as(t, "supervisor")
	resp, body := sup.json("GET", "/api/dashboard", nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d dashboardData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Overdue) != 1 || d.Overdue[0].ID != f.itemA1 || d.Overdue[0].Left.Days != 3 || d.Overdue[0].EscalationLevel != 1 {
		t.Fatalf("overdue: %+v", d.Overdue)
	}
	if len(d.DueSoon) != 1 || d.DueSoon[0].ID != f.itemA2 {
		t.Fatalf("due soon: %+v", d.DueSoon)
	}
	byOffice := map[int64]officeLine{}
	for _, o := range d.Offices {
		byOffice[o.OfficeID] = o
	}
	if len(d.Offices) != 2 {
		t.Fatalf("supervisor of 甲局 sees offices %+v", d.Offices)
	}
	a1, a2 := byOffice[f.officeA1], byOffice[f.officeA2]
	// 办公室: A1's cycle is due and undone, A5's done on time, A4's not yet due: 1 of 2.
	if a1.Overdue != 1 || a1.ByLevel != [4]int{0, 1, 0, 0} || a1.CyclesClosed != 2 || a1.CyclesDone != 1 || a1.CompletionRate != "50%" {
		t.Fatalf("办公室 line %+v", a1)
	}
	if a2.Overdue != 0 || a2.DueSoon != 1 || a2.CompletionRate != "—" {
		t.Fatalf("法规科 line %+v", a2)
	}
	if d.Totals.Overdue != 1 || d.Totals.DueSoon != 1 {
		t.Fatalf("totals %+v", d.Totals)
	}

	// The admin sees 乙局 too, and the level filter keeps only level ≥ 2.
	resp, body = f.as(t, "admin").json("GET", "/api/dashboard?level=2", nil)
	wantStatus(t, resp, body, http.StatusOK)
	d = dashboardData{}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Overdue) != 1 || d.Overdue[0].ID != f.itemB || d.Totals.Overdue != 1 {
		t.Fatalf("admin level ≥ 2: %+v", d.Overdue)
	}
	resp, body = f.as(t, "admin").get("/dashboard?sort=level")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Index(body, foreignTitle) > strings.Index(body, "公开2023年度") {
		t.Fatal("sort=level does not put the level-2 item first")
	}
	resp, body = sup.get(fmt.Sprintf("/dashboard?unit=%d", f.unitB))
	wantStatus(t, resp, body, http.StatusForbidden)
	resp, body = sup.get("/dashboard?sort=whatever")
	wantStatus(t, resp, body, http.StatusBadRequest)

	// The completion snapshot follows a completion recorded by the workflow.
	if _, err := f.st.Pool.Exec(context.Background(), `UPDATE item_cycles SET done_at = $2, status = 'done', late = true WHERE item_id = $1`, f.itemA1, testNow); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(context.Background(), `UPDATE item_state SET status = 'done', escalation_level = 0 WHERE item_id = $1`, f.itemA1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Pool.Exec(context.Background(), `UPDATE web_snapshots SET refreshed_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	resp, body = sup.get("/dashboard")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `id="no-overdue"`) || !strings.Contains(body, "100%") || !strings.Contains(body, "50%") {
		t.Fatalf("dashboard after the completion:\n%s", body)
	}
}

func TestDubanExport(t *testing.T) {
	f := newFixture(t, false)
	resp, body := f.as(t, "supervisor").get(fmt.Sprintf("/offices/%d/duban.xlsx", f.officeA1))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E5%8D%95") {
		t.Fatalf("disposition %q", resp.Header.Get("Content-Disposition"))
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("督办单")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows[0][0], "甲局 办公室") || !strings.Contains(rows[2][0], "未完成事项 2 项，其中逾期 1 项") {
		t.Fatalf("header rows %q", rows[:3])
	}
	if rows[4][1] != "公开2023年度政府信息公开工作年报" || rows[4][6] != "逾期 3 个工作日" || rows[4][7] != "一级（科室联络员）" {
		t.Fatalf("first item row %q", rows[4])
	}
	// The formula-looking title is text, not a formula.
	if rows[5][1] != `'=HYPERLINK("http://evil.example","点我")` {
		t.Fatalf("formula title exported as %q", rows[5][1])
	}
	if fm, _ := x.GetCellFormula("督办单", "B6"); fm != "" {
		t.Fatalf("B6 holds a formula %q", fm)
	}
	resp, body = f.as(t, "supervisor").get(fmt.Sprintf("/offices/%d/duban.xlsx", f.officeB))
	wantStatus(t, resp, body, http.StatusForbidden)
}
