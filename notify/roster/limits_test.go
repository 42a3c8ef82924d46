package roster

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/internal/xlsxtest"
)

func withParts(t testing.TB, base *bytes.Reader, parts map[string]func(io.Writer)) []byte {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(base, 0, base.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return xlsxtest.WithParts(t, b, parts)
}

func sheetXML(rows func(w io.Writer)) func(io.Writer) {
	return xlsxtest.Sheet([]string{"姓名", "邮箱"}, rows)
}

// Workbooks built to exhaust the reader are refused for what they are, at the cost of a
// roster: the figures are logged.
func TestReadRefusesHostileWorkbooks(t *testing.T) {
	base := xlsx(t, map[string][][]any{"Sheet1": {{"姓名", "邮箱"}, {"张三", "zs@example.gov.cn"}}})
	cases := []struct {
		name  string
		parts map[string]func(io.Writer)
		want  string
	}{
		{"xfd1.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheetXML(func(w io.Writer) {
			for r := 2; r <= 20000; r++ {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>张三</t></is></c><c r="XFD%d"><v>1</v></c></row>`, r, r, r)
			}
		})}, "超过 256 列"},
		{"shared-strings.xlsx", map[string]func(io.Writer){"xl/sharedStrings.xml": xlsxtest.SharedStrings(3_500_000)}, "XML 元素超过"},
		{"big-sheet.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheetXML(func(w io.Writer) {
			row := strings.Repeat(`<c t="inlineStr"><is><t>张三张三张三张三</t></is></c>`, 100)
			for n := 0; n < 100<<20; n += len(row) {
				io.WriteString(w, `<row>`+row+`</row>`)
			}
		})}, "解压后有"},
		{"many-rows.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheetXML(func(w io.Writer) {
			for r := 2; r <= 200_000; r++ {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>张三</t></is></c></row>`, r, r)
			}
		})}, "超过 10000 行"},
		{"zip-bomb.xlsx", xlsxtest.ZipBomb(), "解压后超过"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := withParts(t, base, c.parts)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := ReadXLSX(bytes.NewReader(data), c.name)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			t.Logf("%s (%d KB): %v, %d MB allocated in all", c.name, len(data)>>10, elapsed.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "import "+c.name) {
				t.Fatalf("want an error naming the file with %q, got %v", c.want, err)
			}
		})
	}
}
