package ledger_test

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/application/ledger"
	"github.com/zwgk/zwgk/internal/xlsxtest"
)

var header = []string{"申请人", "申请人类型", "申请方式", "收到日期", "申请内容", "经办科室"}

func row(w io.Writer, r int, extra string) {
	fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>张三</t></is></c><c r="B%d" t="inlineStr"><is><t>自然人</t></is></c>%s</row>`, r, r, r, extra)
}

// Workbooks built to exhaust the reader are refused for what they claim, at the cost of a ledger
// (before the reader streamed its rows, xfd1.xlsx made GetRows allocate 20,000 × 16,384 cells):
// the figures are logged.
func TestReadRefusesHostileLedgers(t *testing.T) {
	base := workbook(t, [][]any{{"申请人"}})
	cases := []struct {
		name  string
		parts map[string]func(io.Writer)
		want  string
	}{
		{"xfd1.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": xlsxtest.Sheet(header, func(w io.Writer) {
			for r := 2; r <= 20000; r++ {
				row(w, r, fmt.Sprintf(`<c r="XFD%d"><v>1</v></c>`, r))
			}
		})}, "超过 256 列"},
		{"last-row.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": xlsxtest.Sheet(header, func(w io.Writer) {
			row(w, 1048576, "")
		})}, "超过 50000 行"},
		{"many-rows.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": xlsxtest.Sheet(header, func(w io.Writer) {
			for r := 2; r <= 60_000; r++ {
				row(w, r, "")
			}
		})}, "超过 50000 行"},
		{"shared-strings.xlsx", map[string]func(io.Writer){"xl/sharedStrings.xml": xlsxtest.SharedStrings(3_500_000)}, "XML 元素超过"},
		{"zip-bomb.xlsx", xlsxtest.ZipBomb(), "解压后超过"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := xlsxtest.WithParts(t, base, c.parts)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, _, err := ledger.Read(c.name, data)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			t.Logf("%s (%d KB): %v, %d MB allocated in all", c.name, len(data)>>10, elapsed.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "import "+c.name) {
				t.Fatalf("want an error naming the file with %q, got %v", c.want, err)
			}
		})
	}
}

// Trailing and inner empty rows are read as GetRows reads them: the inner ones keep the line
// numbers of the rows after them, the trailing ones are gone.
func TestReadKeepsLineNumbersAcrossEmptyRows(t *testing.T) {
	data := workbook(t, [][]any{
		{"申请人", "申请人类型", "申请方式", "收到日期", "申请内容", "经办科室"},
		{"张三", "自然人", "当面", "2026-03-02", "某某文件", "办公室"},
		{}, {},
		{"李四", "自然人", "信函", "2026-03-05", "某某文件", "办公室"},
		{}, {},
	})
	rows, issues, err := ledger.Read("ledger.xlsx", data)
	if err != nil || len(issues) > 0 {
		t.Fatalf("%v %v", err, issues)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 5 {
		t.Fatalf("rows %+v", rows)
	}
}

// FuzzReadLedger feeds the ledger reader workbooks whose first sheet and shared strings the
// fuzzer writes: it must not panic, must name the file in its errors, and must return rows that
// point at rows of the sheet. `go test` runs the seeds; `go test -fuzz FuzzReadLedger
// -fuzztime 30s ./application/ledger` explores.
func FuzzReadLedger(f *testing.F) {
	base := workbook(f, [][]any{{"申请人"}})
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>申请人</t></is></c><c r="B1" t="inlineStr"><is><t>申请人类型</t></is></c><c r="C1" t="inlineStr"><is><t>申请方式</t></is></c><c r="D1" t="inlineStr"><is><t>收到日期</t></is></c><c r="E1" t="inlineStr"><is><t>申请内容</t></is></c><c r="F1" t="inlineStr"><is><t>经办科室</t></is></c></row>`+
		`<row r="3"><c r="A3" t="inlineStr"><is><t>张三</t></is></c><c r="B3" t="inlineStr"><is><t>法人</t></is></c><c r="C3" t="inlineStr"><is><t>网上</t></is></c><c r="D3"><v>46000</v></c><c r="E3" t="inlineStr"><is><t>x</t></is></c><c r="F3" t="inlineStr"><is><t>办公室</t></is></c></row></sheetData></worksheet>`), []byte(nil))
	f.Add([]byte(`<worksheet><dimension ref="A1:XFD3"/><sheetData><row r="10"><c r="IV10"><v>1</v></c></row><row r="1048576"><c r="A1048576" t="s"><v>99</v></c></row></sheetData></worksheet>`), []byte(`<sst/>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		parts := map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) { w.Write(sheet) }}
		if sst != nil {
			parts["xl/sharedStrings.xml"] = func(w io.Writer) { w.Write(sst) }
		}
		rows, _, err := ledger.Read("fuzz.xlsx", xlsxtest.WithParts(t, base, parts))
		if err != nil && !strings.Contains(err.Error(), "fuzz.xlsx") {
			t.Fatalf("the error does not name the file: %v", err)
		}
		for _, r := range rows {
			if r.Line < 2 || r.Line > 1<<20 {
				t.Fatalf("line %d", r.Line)
			}
		}
	})
}
