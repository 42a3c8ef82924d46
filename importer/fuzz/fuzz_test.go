// Package fuzz holds the fuzz targets of the importer's file readers. They live apart from the
// importer's tests so that their binary links only the readers: a fuzz build instruments every
// package of the test binary, and the importer's tests link the Temporal server through testenv.
//
//	go test -run '^$' -fuzz '^FuzzReadXLSX$' -fuzztime 30s -fuzzminimizetime 1s ./importer/fuzz
//
// .ci/run fuzzes each target for a few seconds; ZWGK_FUZZ_WATCHDOG=10s makes the fuzzer keep an
// input that hangs.
package fuzz

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/internal/xlsxtest"
)

// The fuzz targets feed each reader through Read, the entry point the importer uses, and
// check what every reader promises: no panic, an error that is an Issue naming the file, and
// a document within the caps. The zip formats are fuzzed by their XML (wrapped into a valid
// package), since a mutated zip rarely survives its checksums. Their seeds are the files of
// testdata; `go test` runs the seeds, `go test -fuzz FuzzReadXLSX -fuzztime 30s ./importer/fuzz`
// explores.

// fuzzWatchdog, with ZWGK_FUZZ_WATCHDOG=10s in the environment, crashes the fuzzing worker
// on an input that runs longer, so that the fuzzer saves it: it reports no hangs by itself.
func fuzzWatchdog() (stop func()) {
	d, err := time.ParseDuration(os.Getenv("ZWGK_FUZZ_WATCHDOG"))
	if err != nil || d <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(d):
			panic(fmt.Sprintf("one input ran longer than %v", d))
		}
	}()
	return func() { close(done) }
}

func checkRead(t *testing.T, name string, doc *importer.Document, err error, grid bool) {
	t.Helper()
	if err != nil {
		var is importer.Issue
		if !errors.As(err, &is) {
			t.Fatalf("the error is not an Issue: %v", err)
		}
		if is.File != name || is.Message == "" {
			t.Fatalf("the error does not name the file or says nothing: %#v", is)
		}
		return
	}
	if doc == nil || len(doc.Tables) == 0 {
		t.Fatalf("no error and no table")
	}
	cells := 0
	for _, tb := range doc.Tables {
		if len(tb.Rows) > importer.MaxRows {
			t.Fatalf("table %s has %d rows", tb.Where, len(tb.Rows))
		}
		for _, r := range tb.Rows {
			// narrative tables are made by the lead's reader, not laid on a grid
			if grid && tb.Columns == nil && len(r) > importer.MaxColumns {
				t.Fatalf("table %s has a row of %d cells", tb.Where, len(r))
			}
			cells += len(r)
		}
	}
	if grid && cells > importer.MaxCells+importer.MaxRows {
		t.Fatalf("%d cells", cells)
	}
}

// testdataFiles are the files of testdata (and testdata/bad) with one of the extensions.
func testdataFiles(f *testing.F, exts ...string) [][]byte {
	var out [][]byte
	for _, dir := range []string{"../testdata", "../testdata/bad"} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range ents {
			for _, ext := range exts {
				if !e.IsDir() && strings.HasSuffix(e.Name(), ext) {
					b, err := os.ReadFile(filepath.Join(dir, e.Name()))
					if err != nil {
						f.Fatal(err)
					}
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// zipEntry is one part of a package; nil when the data is no zip or lacks it.
func zipEntry(data []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				return nil
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
			return b
		}
	}
	return nil
}

func FuzzReadXLSX(f *testing.F) {
	base := xlsxtest.Grid(f, [][]string{{"序号", "工作任务", "责任科室", "完成时限"}, {"1", "公开部门文件", "办公室", "6月底"}})
	f.Add(zipEntry(base, "xl/worksheets/sheet1.xml"), zipEntry(base, "xl/sharedStrings.xml"))
	merged := xlsxtest.Grid(f, [][]string{{"清单"}, {"序号", "工作任务", "", "责任科室", "完成时限"}, {"", "一级", "二级"}, {"1", "政策", "文件", "办公室", "6月底"}},
		[2]string{"A1", "E1"}, [2]string{"B2", "C2"}, [2]string{"A2", "A3"})
	f.Add(zipEntry(merged, "xl/worksheets/sheet1.xml"), zipEntry(merged, "xl/sharedStrings.xml"))
	for _, b := range testdataFiles(f, ".xlsx") {
		if s := zipEntry(b, "xl/worksheets/sheet1.xml"); s != nil {
			f.Add(s, zipEntry(b, "xl/sharedStrings.xml"))
		}
	}
	f.Add([]byte(`<worksheet><dimension ref="A1:XFD9"/><sheetData/></worksheet>`), []byte(nil))
	f.Add([]byte(`<worksheet><sheetData><row><c><f>1</f></c><c r="B1" t="s"><v>7</v></c></row></sheetData><mergeCells><mergeCell ref="A1:C9"/></mergeCells></worksheet>`), []byte(`<sst><si><t>x</t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		parts := map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) { w.Write(sheet) }}
		if sst != nil {
			parts["xl/sharedStrings.xml"] = func(w io.Writer) { w.Write(sst) }
		}
		var buf bytes.Buffer
		xlsxtest.Writes(base, parts)(&buf)
		defer fuzzWatchdog()()
		doc, err := importer.Read("fuzz.xlsx", buf.Bytes(), importer.ReadOptions{Year: 2024})
		checkRead(t, "fuzz.xlsx", doc, err, true)
	})
}

// docxBody is the content of w:body of a Word document; nil when there is none.
func docxBody(data []byte) []byte {
	x := zipEntry(data, "word/document.xml")
	i, j := bytes.Index(x, []byte("<w:body>")), bytes.LastIndex(x, []byte("</w:body>"))
	if i < 0 || j < i {
		return nil
	}
	return x[i+len("<w:body>") : j]
}

func FuzzReadDOCX(f *testing.F) {
	cell := func(s string) string { return `<w:tc><w:p><w:r><w:t>` + s + `</w:t></w:r></w:p></w:tc>` }
	f.Add([]byte(`<w:p><w:r><w:t>2024年清单</w:t></w:r></w:p><w:tbl>` +
		`<w:tr>` + cell("序号") + cell("工作任务") + cell("责任科室") + cell("完成时限") + `</w:tr>` +
		`<w:tr>` + cell("1") + `<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>公开部门文件</w:t></w:r></w:p></w:tc>` + cell("办公室") + cell("6月底") + `</w:tr>` +
		`<w:tr>` + cell("2") + `<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>` + cell("财务室") + cell("及时") + `</w:tr></w:tbl>`))
	for _, b := range testdataFiles(f, ".docx") {
		if body := docxBody(b); body != nil {
			f.Add(body)
		}
	}
	f.Add([]byte(`<w:p><w:r><w:t>一、公开部门文件（责任科室：办公室）</w:t></w:r></w:p><w:sdt><w:sdtContent><w:tbl><w:tr><w:trPr><w:gridBefore w:val="300"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="999"/><w:vMerge/></w:tcPr></w:tc></w:tr></w:tbl></w:sdtContent></w:sdt>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		data := docxOf(t, string(body))
		defer fuzzWatchdog()()
		doc, err := importer.Read("fuzz.docx", data, importer.ReadOptions{Year: 2024})
		checkRead(t, "fuzz.docx", doc, err, true)
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, b := range testdataFiles(f, ".csv") {
		f.Add(b)
	}
	f.Add([]byte("序号,工作任务,责任科室,完成时限\n1,\"公开\n部门文件\",办公室,6月底\n"))
	f.Add([]byte("a\tb\tc\n\"x\"y\t1\t2\n"))
	f.Add([]byte("\xff\xfe1\x00,\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzWatchdog()()
		doc, err := importer.Read("fuzz.csv", data, importer.ReadOptions{Year: 2024})
		checkRead(t, "fuzz.csv", doc, err, true)
	})
}

func FuzzReadHTML(f *testing.F) {
	for _, b := range testdataFiles(f, ".html") {
		f.Add(b)
	}
	f.Add([]byte(`<html><body><div><b id=1><i>x</div><table><tr><td rowspan=3 colspan=300>任务<td>办公室<tr><td>6月底</table><p>一、公开（责任科室：办公室）`))
	f.Add([]byte(`<table><caption>清单</caption><thead><tr><th>工作任务<th>责任科室</thead><tbody><tr><td>公开部门文件<td>办公室</tbody></table>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzWatchdog()()
		doc, err := importer.Read("fuzz.html", data, importer.ReadOptions{Year: 2024})
		checkRead(t, "fuzz.html", doc, err, true)
	})
}

func FuzzReadText(f *testing.F) {
	for _, b := range testdataFiles(f, ".txt") {
		if len(b) <= 20000 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzWatchdog()()
		doc, err := importer.Read("fuzz.txt", data, importer.ReadOptions{Year: 2024, KnownOffices: []string{"办公室", "财务室"}})
		checkRead(t, "fuzz.txt", doc, err, false)
	})
}

// The helpers below build the containers the fuzzer fills; the importer's own tests have their
// twins, which this package cannot reach.

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// docxOf packs a body into a minimal Word document.
func docxOf(t testing.TB, body string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`},
	} {
		w, err := z.Create(p[0])
		must(t, err)
		_, err = w.Write([]byte(p[1]))
		must(t, err)
	}
	must(t, z.Close())
	return buf.Bytes()
}
