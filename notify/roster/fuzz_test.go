package roster

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzReadXLSX feeds the roster reader workbooks whose first sheet (and shared strings) the
// fuzzer writes: it must not panic, must name the file in its errors, and must return rows
// that stay within MaxRows and point at rows of the sheet. `go test` runs the seeds;
// `go test -fuzz FuzzReadXLSX -fuzztime 30s ./notify/roster` explores.
func FuzzReadXLSX(f *testing.F) {
	base := xlsx(f, map[string][][]any{"Sheet1": {{"姓名", "邮箱"}}})
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>手机</t></is></c><c r="C1" t="inlineStr"><is><t>角色</t></is></c></row>`+
		`<row r="3"><c r="A3" t="inlineStr"><is><t>张三</t></is></c><c r="B3"><v>13800138000</v></c><c r="C3" t="inlineStr"><is><t>分管领导</t></is></c></row></sheetData></worksheet>`), []byte(nil))
	f.Add([]byte(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c t="s"><v>2</v></c><c t="s"><v>3</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>Name</t></si><si><t>E-mail</t></si><si><t>Li Si</t></si><si><t>ls@example.gov.cn</t></si></sst>`))
	f.Add([]byte(`<worksheet><dimension ref="A1:XFD3"/><sheetData><row r="10"><c r="IV10"><v>1</v></c></row><row r="1048576"><c r="A1048576" t="s"><v>99</v></c></row></sheetData></worksheet>`), []byte(`<sst/>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		parts := map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) { w.Write(sheet) }}
		if sst != nil {
			parts["xl/sharedStrings.xml"] = func(w io.Writer) { w.Write(sst) }
		}
		data := withParts(t, base, parts)
		rows, err := ReadXLSX(bytes.NewReader(data), "fuzz.xlsx")
		if err != nil && !strings.Contains(err.Error(), "fuzz.xlsx") {
			t.Fatalf("the error does not name the file: %v", err)
		}
		if len(rows) > MaxRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, r := range rows {
			if r.Row < 2 || r.Row > 1<<20 {
				t.Fatalf("row number %d", r.Row)
			}
		}
	})
}
