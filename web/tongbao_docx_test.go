package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// docxContent is what a .docx says: its paragraphs outside tables and its tables as rows of
// cell texts, in document order.
type docxContent struct {
	paras  []string
	tables [][][]string
}

// readDocx unzips a .docx, checks that its parts are there, well-formed and related as Word
// and WPS need them, and reads word/document.xml.
func readDocx(t *testing.T, body string) docxContent {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("the docx is not a zip: %v", err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
		// every part is well-formed XML
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed: %v", f.Name, err)
			}
		}
	}
	if z.File[0].Name != "[Content_Types].xml" {
		t.Errorf("the first part is %s, want [Content_Types].xml", z.File[0].Name)
	}
	ct := parts["[Content_Types].xml"]
	for _, want := range []string{
		`PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"`,
		`PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"`,
		`Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"`,
	} {
		if !strings.Contains(ct, want) {
			t.Errorf("[Content_Types].xml lacks %s", want)
		}
	}
	// each relationship's target is a part of the package, and each override names one
	targets := regexp.MustCompile(`Target="([^"]+)"`)
	for rels, base := range map[string]string{"_rels/.rels": "", "word/_rels/document.xml.rels": "word/"} {
		if parts[rels] == "" {
			t.Fatalf("no %s", rels)
		}
		for _, m := range targets.FindAllStringSubmatch(parts[rels], -1) {
			if _, ok := parts[base+m[1]]; !ok {
				t.Errorf("%s points at %s, not in the package", rels, base+m[1])
			}
		}
	}
	for _, m := range regexp.MustCompile(`PartName="/([^"]+)"`).FindAllStringSubmatch(ct, -1) {
		if _, ok := parts[m[1]]; !ok {
			t.Errorf("[Content_Types].xml names %s, not in the package", m[1])
		}
	}
	if !strings.Contains(parts["word/_rels/document.xml.rels"], "relationships/styles") {
		t.Error("the document does not relate its styles")
	}
	styles := parts["word/styles.xml"]
	for _, id := range regexp.MustCompile(`w:pStyle w:val="([^"]+)"|w:tblStyle w:val="([^"]+)"`).FindAllStringSubmatch(parts["word/document.xml"], -1) {
		if name := id[1] + id[2]; !strings.Contains(styles, `w:styleId="`+name+`"`) {
			t.Errorf("the document uses the style %s that styles.xml does not define", name)
		}
	}

	// document.xml: w:t texts joined per paragraph, per cell
	var c docxContent
	dec := xml.NewDecoder(strings.NewReader(parts["word/document.xml"]))
	var (
		depth      int // of tables
		para, cell strings.Builder
		row        []string
		table      [][]string
		inText     bool
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "tbl":
				depth++
				table = nil
			case "tr":
				row = nil
			case "tc":
				cell.Reset()
			case "p":
				if depth == 0 {
					para.Reset()
				}
			case "t":
				inText = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inText = false
			case "tc":
				row = append(row, cell.String())
			case "tr":
				table = append(table, row)
			case "tbl":
				depth--
				c.tables = append(c.tables, table)
			case "p":
				if depth == 0 && para.Len() > 0 {
					c.paras = append(c.paras, para.String())
				}
			}
		case xml.CharData:
			if !inText {
				continue
			}
			if depth > 0 {
				cell.Write(e)
			} else {
				para.Write(e)
			}
		}
	}
	return c
}

// pageTable is a table of the page by its id, as rows of cell texts, header first.
func pageTable(body, id string) [][]string {
	part := pointsBetween(body, `id="`+id+`"`, "</table>")
	if part == "" {
		return nil
	}
	var out [][]string
	cellRe := regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(part, -1) {
		var row []string
		for _, td := range cellRe.FindAllStringSubmatch(tr[1], -1) {
			row = append(row, strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(td[1], ""))))
		}
		out = append(out, row)
	}
	return out
}

// pageParagraph is the text of the page element with the id, its spaces as the page shows
// them.
func pageParagraph(body, id string) string {
	part := pointsBetween(body, `id="`+id+`"`, "</p>")
	if i := strings.IndexByte(part, '>'); i >= 0 {
		part = part[i+1:]
	}
	return strings.Join(strings.Fields(pageText(part)), "")
}

// The 通报 of 甲局's April 2024 as Word: title, period, the summary and each table say what
// the page says, cell by cell — the offices' completion, the overdue items with their working
// days, the escalated ones, and the register's applications past their due day — and the page
// links to it beside the xlsx. A quarter's document is titled by the quarter; an office user
// gets none.
func TestTongbaoDocx(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO notices (item_id, workflow_id, cycle_key, due_at, kind, level, target, at, seq, status, sent_at)
		SELECT id, workflow_id, '2024', $2, 'escalation', 1, 'contact', $3, 1, 'sent', $3 FROM items WHERE id = $1`,
		f.itemA1, calendar.D(2024, 4, 30).End(), calendar.D(2024, 4, 30).At(9, 0)); err != nil {
		t.Fatal(err)
	}
	// two applications received in April: one answered on 4/25, one still open past its due 5/6
	app := func(ref string, received, due calendar.Date) int64 {
		id, err := f.st.CreateApplication(ctx, store.ApplicationNew{UnitID: f.unitA, OfficeID: f.officeA1, Ref: ref, ApplicantType: "person",
			ApplicantName: "申请人甲", Channel: "online", Received: received, Content: "某项目环评文件", Due: due, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	app("依申请〔2024〕1号", calendar.D(2024, 4, 10), calendar.D(2024, 5, 6))
	answered := app("依申请〔2024〕2号", calendar.D(2024, 4, 15), calendar.D(2024, 5, 13))
	if _, err := f.st.Pool.Exec(ctx, `UPDATE applications SET state = 'closed', finished_on = '2024-04-25', closed_at = '2024-04-25 10:00+08' WHERE id = $1`, answered); err != nil {
		t.Fatal(err)
	}

	lead := f.as(t, "supervisor")
	resp, page := lead.get("/tongbao")
	wantStatus(t, resp, page, http.StatusOK)
	if want := fmt.Sprintf(`id="tongbao-docx" href="/tongbao.docx?unit=%d&amp;month=2024-04"`, f.unitA); !strings.Contains(page, want) {
		t.Errorf("the page does not link the docx: want %s", want)
	}
	resp, body := lead.get(fmt.Sprintf("/tongbao.docx?unit=%d&month=2024-04", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("Content-Type %s", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".docx") {
		t.Errorf("Content-Disposition %s", cd)
	}
	doc := readDocx(t, body)

	for _, want := range []string{
		"甲局 2024年4月政务公开工作通报",
		"统计期间：2024年4月1日至2024年4月30日",
		pageParagraph(page, "tongbao-summary"),
		pageParagraph(page, "tongbao-escalations"),
		pageParagraph(page, "tongbao-applications-summary"),
		"一、各科室完成情况", "二、逾期未完成事项", "三、督办升级情况", "四、依申请公开办理情况",
	} {
		found := false
		for _, p := range doc.paras {
			if strings.Contains(strings.Join(strings.Fields(p), ""), strings.Join(strings.Fields(want), "")) {
				found = true
			}
		}
		if !found || want == "" {
			t.Errorf("the docx has no paragraph %q:\n%s", want, strings.Join(doc.paras, "\n"))
		}
	}
	ids := []string{"tongbao-offices", "tongbao-overdue", "tongbao-escalated", "tongbao-applications"}
	if len(doc.tables) != len(ids) {
		t.Fatalf("the docx has %d tables, want %d: %q", len(doc.tables), len(ids), doc.tables)
	}
	for i, id := range ids {
		want := pageTable(page, id)
		if len(want) < 2 {
			t.Fatalf("the page's %s has no rows: %q", id, want)
		}
		if !slices.EqualFunc(doc.tables[i], want, slices.Equal[[]string]) {
			t.Errorf("the docx's table %d differs from the page's %s:\n docx %q\n page %q", i+1, id, doc.tables[i], want)
		}
	}
	// and the figures are the fixture's
	late, _ := calendar.OfficialCalendar().WorkingDaysBetween(calendar.D(2024, 4, 30), calendar.DateOf(testNow))
	appLate, _ := calendar.OfficialCalendar().WorkingDaysBetween(calendar.D(2024, 5, 6), calendar.DateOf(testNow))
	checks := []struct {
		table, row int
		want       []string
	}{
		{0, 1, []string{"办公室", "2", "2", "1", "1", "1", percent(1, 2), percent(1, 2)}},
		{1, 1, []string{"公开2023年度政府信息公开工作年报", "办公室", fmtDate(calendar.D(2024, 4, 30)), fmt.Sprint(late), levelLabel(1)}},
		{2, 1, []string{"公开2023年度政府信息公开工作年报", "办公室", fmtDate(calendar.D(2024, 4, 30)), fmt.Sprint(late), levelLabel(1)}},
		{3, 1, []string{"依申请〔2024〕1号", "办公室", fmtDate(calendar.D(2024, 4, 10)), fmtDate(calendar.D(2024, 5, 6)), fmt.Sprint(appLate), "办理中"}},
	}
	for _, c := range checks {
		if got := doc.tables[c.table][c.row]; !slices.Equal(got, c.want) {
			t.Errorf("table %d row %d: %q, want %q", c.table+1, c.row, got, c.want)
		}
	}
	if len(doc.tables[3]) != 2 {
		t.Errorf("the answered application is listed overdue: %q", doc.tables[3])
	}
	if want := "本月收到政府信息公开申请2件，办结1件（其中超过答复期限办结0件）；截至生成时在办1件，其中已超过答复期限1件。"; pageParagraph(page, "tongbao-applications-summary") != want {
		t.Errorf("the applications' summary %q, want %q", pageParagraph(page, "tongbao-applications-summary"), want)
	}
	if strings.Contains(body, "申请人甲") || strings.Contains(page, "申请人甲") {
		t.Error("the 通报 names an applicant")
	}
	if strings.Contains(body, foreignTitle) {
		t.Error("the docx shows the foreign unit")
	}

	resp, body = lead.get(fmt.Sprintf("/tongbao.xlsx?unit=%d&month=2024-04", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if sheet := readSheet(t, body, "依申请公开"); len(sheet) != 4 || strings.Join(strings.Fields(sheet[0][0]), "") != pageParagraph(page, "tongbao-applications-summary") ||
		!slices.Equal(sheet[2], pageTable(page, "tongbao-applications")[0]) || !slices.Equal(sheet[3], pageTable(page, "tongbao-applications")[1]) {
		t.Errorf("the xlsx's 依申请公开 sheet %q", sheet)
	}

	resp, body = lead.get(fmt.Sprintf("/tongbao.docx?unit=%d&quarter=2024Q2", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	q := readDocx(t, body)
	if len(q.paras) < 2 || q.paras[0] != "甲局 2024年第二季度政务公开工作通报" || q.paras[1] != "统计期间：2024年4月1日至2024年6月30日　生成时间："+fmtTime(testNow) {
		t.Errorf("the quarter's docx opens %q", q.paras[:min(2, len(q.paras))])
	}
	f.wantOwnUnitOnly(t, lead, "/tongbao.docx")
}

// A unit without applications says so in both, and the document still opens with its tables.
func TestTongbaoDocxWithoutRegister(t *testing.T) {
	f := newFixture(t, false)
	lead := f.as(t, "supervisor")
	_, page := lead.get("/tongbao?month=2024-05")
	resp, body := lead.get("/tongbao.docx?month=2024-05")
	wantStatus(t, resp, body, http.StatusOK)
	doc := readDocx(t, body)
	const none = "本单位尚未登记政府信息公开申请。"
	if !strings.Contains(page, none) || !slices.Contains(doc.paras, none) {
		t.Errorf("no register: page or docx does not say %s:\n%s", none, strings.Join(doc.paras, "\n"))
	}
	if len(doc.tables) == 0 || !slices.EqualFunc(doc.tables[0], pageTable(page, "tongbao-offices"), slices.Equal[[]string]) {
		t.Errorf("May's offices: docx %q, page %q", doc.tables, pageTable(page, "tongbao-offices"))
	}
}
