package importer

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// A list written as each format a unit may send gives the same items as the pasted text it
// came from. The files are generated from the table the text reader rebuilt, with its merged
// cells written the way each format merges: xlsx merge ranges, Word vMerge/gridSpan, HTML
// rowspan/colspan, and for CSV (which cannot merge) the hierarchy left blank under its first
// row, as Excel exports merged cells.

type grid struct {
	title string
	rows  [][]Cell // rows[0] is the header
}

func sampleGrid(t *testing.T, file string, table int) (grid, []Item) {
	t.Helper()
	res := Load(file, readTestdata(t, file), nil, Options{Build: BuildOptions{Year: 2024, CreateOffices: true}})
	doc, err := Read(file, readTestdata(t, file), ReadOptions{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	tb := doc.Tables[table]
	var items []Item
	for _, it := range res.Items {
		if it.Section == tb.Name {
			items = append(items, it)
		}
	}
	return grid{title: tb.Name, rows: tb.Rows}, items
}

// runs returns, per cell, how many rows its vertical merge spans (0 for a cell inside a run).
func (g grid) runs() [][]int {
	span := make([][]int, len(g.rows))
	for r := range g.rows {
		span[r] = make([]int, len(g.rows[r]))
		for c := range g.rows[r] {
			span[r][c] = 1
		}
	}
	for c := range g.rows[0] {
		start := 0
		for r := 1; r < len(g.rows); r++ {
			cell := g.rows[r][c]
			if r > 1 && cell.Merged && cell.Text != "" && cell.Text == g.rows[r-1][c].Text {
				span[start][c]++
				span[r][c] = 0
				continue
			}
			start = r
		}
	}
	return span
}

func (g grid) xlsx(t *testing.T) []byte {
	f := excelize.NewFile()
	defer f.Close()
	s := "清单"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	w := len(g.rows[0])
	must(t, f.SetCellStr(s, "A1", g.title))
	must(t, f.MergeCell(s, "A1", colName(w-1)+"1"))
	span := g.runs()
	for r, row := range g.rows {
		for c, cell := range row {
			if span[r][c] == 0 {
				continue
			}
			ref := fmt.Sprintf("%s%d", colName(c), r+2)
			must(t, f.SetCellStr(s, ref, cell.Text))
			if span[r][c] > 1 {
				must(t, f.MergeCell(s, ref, fmt.Sprintf("%s%d", colName(c), r+1+span[r][c])))
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (g grid) csv(t *testing.T, roles []Role) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	title := make([]string, len(g.rows[0]))
	title[0] = g.title
	must(t, w.Write(title))
	for r, row := range g.rows {
		rec := make([]string, len(row))
		for c, cell := range row {
			if r > 0 && cell.Merged && roles[c] == RoleLevel {
				continue // Excel exports a merged cell's value in its first row only
			}
			rec[c] = cell.Text
		}
		must(t, w.Write(rec))
	}
	w.Flush()
	return b.String()
}

func (g grid) docx(t *testing.T) []byte {
	var body strings.Builder
	para := func(s string) string {
		var p strings.Builder
		for i, l := range strings.Split(s, "\n") {
			if i > 0 {
				p.WriteString(`<w:r><w:br/></w:r>`)
			}
			fmt.Fprintf(&p, `<w:r><w:t xml:space="preserve">%s</w:t></w:r>`, html.EscapeString(l))
		}
		return `<w:p>` + p.String() + `</w:p>`
	}
	body.WriteString(para("附件"))
	body.WriteString(`<w:tbl><w:tblGrid/>`)
	fmt.Fprintf(&body, `<w:tr><w:tc><w:tcPr><w:gridSpan w:val="%d"/></w:tcPr>%s</w:tc></w:tr>`, len(g.rows[0]), para(g.title))
	span := g.runs()
	for r, row := range g.rows {
		body.WriteString(`<w:tr>`)
		for c, cell := range row {
			switch {
			case span[r][c] == 0:
				body.WriteString(`<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>`)
			case span[r][c] > 1:
				fmt.Fprintf(&body, `<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>%s</w:tc>`, para(cell.Text))
			default:
				fmt.Fprintf(&body, `<w:tc>%s</w:tc>`, para(cell.Text))
			}
		}
		body.WriteString(`</w:tr>`)
	}
	body.WriteString(`</w:tbl>`)
	return docxOf(t, body.String())
}

// docxOf packs a body into a minimal Word document.
func docxOf(t testing.TB, body string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (g grid) html() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>清单</title></head><body><div class="layout"><table><tr><td>`)
	b.WriteString(`<p>附件</p><table border="1">`)
	fmt.Fprintf(&b, `<tr><td colspan="%d"><b>%s</b></td></tr>`, len(g.rows[0]), html.EscapeString(g.title))
	span := g.runs()
	for r, row := range g.rows {
		b.WriteString("<tr>")
		for c, cell := range row {
			if span[r][c] == 0 {
				continue
			}
			tag := "td"
			if r == 0 {
				tag = "th"
			}
			text := strings.ReplaceAll(html.EscapeString(cell.Text), "\n", "<br>")
			if span[r][c] > 1 {
				fmt.Fprintf(&b, `<%s rowspan="%d">%s</%s>`, tag, span[r][c], text, tag)
			} else {
				fmt.Fprintf(&b, `<%s>%s</%s>`, tag, text, tag)
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString(`</table></td></tr></table></div></body></html>`)
	return b.String()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func gbk(t testing.TB, s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrips(t *testing.T) {
	for _, c := range []struct {
		file  string
		table int
	}{
		{"jinzhai-2024-responsibility-list.txt", 0},
		{"xuancheng-2024-column-duties.txt", 1},
	} {
		g, want := sampleGrid(t, c.file, c.table)
		dir := jinzhaiDir()
		if strings.HasPrefix(c.file, "xuancheng") {
			dir = xuanchengDir()
		}
		// the pasted text, against the same directory
		var text []Item
		for _, it := range load(t, c.file, readTestdata(t, c.file), dir, 2024, BuildOptions{}).Items {
			if it.Section == g.title {
				text = append(text, it)
			}
		}
		if len(text) != len(want) || len(text) == 0 {
			t.Fatalf("%s: %d items from text", c.file, len(text))
		}
		doc, _ := Read(c.file, readTestdata(t, c.file), ReadOptions{Year: 2024})
		colRoles := doc.Tables[c.table].Columns.Roles
		csvText := g.csv(t, colRoles)
		files := map[string][]byte{
			"list.xlsx":     g.xlsx(t),
			"list.csv":      []byte(csvText),
			"list-bom.csv":  append([]byte{0xEF, 0xBB, 0xBF}, csvText...),
			"list-gbk.csv":  gbk(t, csvText),
			"list.docx":     g.docx(t),
			"list.html":     []byte(g.html()),
			"list-gbk.html": append([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=gbk">`), gbk(t, g.html())...),
		}
		for name, data := range files {
			t.Run(c.file[:8]+"/"+name, func(t *testing.T) {
				res := load(t, name, data, dir, 2024, BuildOptions{})
				mustOK(t, res)
				if len(res.Items) != len(text) {
					t.Fatalf("%d items, want %d", len(res.Items), len(text))
				}
				for i, got := range res.Items {
					w := text[i]
					if got.Key != w.Key || got.Title != w.Title || !equalStrings(got.Path, w.Path) || got.Number != w.Number ||
						!equalStrings(officeNames(got), officeNames(w)) || ruleJSON(got) != ruleJSON(w) || got.RuleFrom != w.RuleFrom ||
						got.Requirement != w.Requirement {
						t.Errorf("item %d differs:\n got %s %v %q %v %s\nwant %s %v %q %v %s", i+1,
							got.Key, got.Path, got.Title, officeNames(got), ruleJSON(got),
							w.Key, w.Path, w.Title, officeNames(w), ruleJSON(w))
					}
				}
			})
		}
	}
}

func ruleJSON(it Item) string {
	b, _ := json.Marshal(it.Rule)
	return string(b)
}

// The narrative tasks of a work plan give the same items as a Word document or a web page.
func TestNarrativeRoundTrip(t *testing.T) {
	data := readTestdata(t, "xuancheng-2024-column-duties.txt")
	lines := strings.Split(string(data), "\n")[:97]
	text := load(t, "plan.txt", []byte(strings.Join(lines, "\n")), xuanchengDir(), 2024, BuildOptions{})
	mustOK(t, text)
	if len(text.Items) != 23 {
		t.Fatalf("%d narrative items from text", len(text.Items))
	}
	var body, page strings.Builder
	page.WriteString("<html><head><title>宣城市民政局2024年度政務公開工作要點和分工</title></head><body>")
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, html.EscapeString(l))
		fmt.Fprintf(&page, "<p>%s</p>\n", html.EscapeString(l))
	}
	page.WriteString("</body></html>")
	for name, data := range map[string][]byte{"plan.docx": docxOf(t, body.String()), "plan.html": []byte(page.String())} {
		res := load(t, name, data, xuanchengDir(), 2024, BuildOptions{})
		mustOK(t, res)
		if len(res.Items) != len(text.Items) {
			t.Fatalf("%s: %d items", name, len(res.Items))
		}
		for i, got := range res.Items {
			w := text.Items[i]
			if got.Key != w.Key || got.Requirement != w.Requirement || !equalStrings(officeNames(got), officeNames(w)) || ruleJSON(got) != ruleJSON(w) {
				t.Errorf("%s item %d:\n got %s %q %v\nwant %s %q %v", name, i+1, got.Key, got.Title, officeNames(got), w.Key, w.Title, officeNames(w))
			}
		}
	}
}
