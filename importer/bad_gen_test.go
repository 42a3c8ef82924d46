package importer

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
	"github.com/zwgk/zwgk/internal/xlsxtest"
)

var regenBad = flag.Bool("regen-bad", false, "rewrite the bad-file corpus in testdata/bad")

// xlsxOf builds a one-sheet workbook from rows of cells; a cell "=..." becomes a formula.
func xlsxOf(t testing.TB, rows [][]string, merges ...[2]string) []byte {
	return xlsxtest.Grid(t, rows, merges...)
}

func manyRowsXLSX(t testing.TB, n int) []byte {
	rows := [][]string{{"序号", "工作任务", "责任科室", "完成时限"}}
	for i := 1; i <= n; i++ {
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("任务%d", i), "办公室", "6月底"})
	}
	return xlsxOf(t, rows)
}

func zipOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := z.Create(name)
		must(t, err)
		_, err = w.Write([]byte(body))
		must(t, err)
	}
	must(t, z.Close())
	return buf.Bytes()
}

// cfbOf writes a minimal compound file (the container of .xls, .doc and of encrypted
// .xlsx/.docx) holding one 4096-byte stream of the given name.
func cfbOf(stream string) []byte {
	const sector = 512
	le := binary.LittleEndian
	hdr := make([]byte, sector)
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1)          // FAT sectors
	le.PutUint32(hdr[48:], 1)          // first directory sector
	le.PutUint32(hdr[56:], 4096)       // mini stream cutoff
	le.PutUint32(hdr[60:], 0xFFFFFFFE) // no mini FAT
	le.PutUint32(hdr[68:], 0xFFFFFFFE) // no DIFAT sectors
	for i := 76; i < sector; i += 4 {
		le.PutUint32(hdr[i:], 0xFFFFFFFF)
	}
	le.PutUint32(hdr[76:], 0) // the FAT is sector 0
	fat := make([]byte, sector)
	for i := 0; i < sector; i += 4 {
		le.PutUint32(fat[i:], 0xFFFFFFFF)
	}
	le.PutUint32(fat[0:], 0xFFFFFFFD) // sector 0: FAT
	le.PutUint32(fat[4:], 0xFFFFFFFE) // sector 1: directory, one sector
	for s := 2; s < 9; s++ {          // sectors 2..9: the stream
		le.PutUint32(fat[s*4:], uint32(s+1))
	}
	le.PutUint32(fat[9*4:], 0xFFFFFFFE)
	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, child, start uint32, size uint64) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			le.PutUint16(e[k*2:], c)
		}
		le.PutUint16(e[64:], uint16((len(u)+1)*2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], 0xFFFFFFFF)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, 1, 0xFFFFFFFE, 0)
	entry(1, stream, 2, 0xFFFFFFFF, 2, 4096)
	for i := 2; i < 4; i++ {
		e := dir[i*128 : (i+1)*128]
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], 0xFFFFFFFF)
		le.PutUint32(e[76:], 0xFFFFFFFF)
	}
	out := append(hdr, fat...)
	out = append(out, dir...)
	return append(out, bytes.Repeat([]byte{0x42}, 4096)...)
}

type badFile struct {
	name string
	data []byte
	want []string // substrings the errors must hold
}

func badCorpus(t testing.TB) []badFile {
	hdr := []string{"序号", "工作任务", "责任科室", "完成时限"}
	ok := func(rows ...[]string) [][]string { return append([][]string{hdr}, rows...) }
	valid := xlsxOf(t, ok([]string{"1", "部门文件", "办公室", "6月底"}))

	f := excelize.NewFile()
	must(t, f.SetCellStr("Sheet1", "A1", "机密"))
	var plain bytes.Buffer
	_, err := f.WriteTo(&plain)
	must(t, err)
	encrypted, err := excelize.Encrypt(plain.Bytes(), &excelize.Options{Password: "123456"})
	must(t, err)

	empty := excelize.NewFile()
	var emptyBuf bytes.Buffer
	_, err = empty.WriteTo(&emptyBuf)
	must(t, err)

	docxBody := func(body string) []byte { return docxOf(t, body) }
	tableHTML := `<html><body><table><tr><th>工作任务</th><th>责任科室</th><th>完成时限</th></tr>%s</table></body></html>`

	return []badFile{
		{"empty.xlsx", nil, []string{"import empty.xlsx: 文件是空的"}},
		{"empty.csv", nil, []string{"文件是空的"}},
		{"blank.txt", []byte("   \n\n\t \n"), []string{"只有空白"}},
		{"truncated.xlsx", valid[:len(valid)/2], []string{"文件已损坏"}},
		{"garbage.docx", append([]byte("PK\x03\x04"), bytes.Repeat([]byte{7, 0, 9}, 50)...), []string{"文件已损坏"}},
		{"random-bytes.xlsx", []byte{0x13, 0x00, 0x88, 0x91, 0x00, 0x42}, []string{"含二进制数据"}},
		{"password.xlsx", encrypted, []string{"设置了打开密码"}},
		{"password.docx", encrypted, []string{"设置了打开密码"}},
		{"legacy.xls", cfbOf("Workbook"), []string{"Excel 97-2003", ".xlsx"}},
		{"legacy.doc", cfbOf("WordDocument"), []string{"Word 97-2003", ".docx"}},
		{"broken-ole.xls", append(cfbOf("Workbook")[:600:600], 1, 2, 3), []string{"文件已损坏或是不支持的旧版"}},
		{"report.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), []string{"PDF 文件"}},
		{"scan.xlsx", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []string{"图片文件"}},
		{"list.rtf", []byte(`{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} 任务}`), []string{"RTF 文件", ".docx"}},
		{"archive.xlsx", zipOf(t, map[string]string{"readme.txt": "hello"}), []string{"既没有 Excel 工作簿也没有 Word 文档"}},
		{"bad-xml.docx", zipOf(t, map[string]string{"word/document.xml": `<w:document xmlns:w="x"><w:body><w:p>`}), []string{"document.xml 无法解析"}},
		{"no-body.docx", zipOf(t, map[string]string{"word/document.xml": `<w:document xmlns:w="x"></w:document>`}), []string{"没有正文"}},
		{"empty-sheet.xlsx", emptyBuf.Bytes(), []string{"工作簿里没有内容"}},
		{"no-header.xlsx", xlsxOf(t, [][]string{{"1", "部门文件", "办公室"}, {"2", "规划计划", "财务室"}}), []string{"工作表“Sheet1”", "找不到表头"}},
		{"no-header.csv", []byte("1,部门文件,办公室\n2,规划计划,财务室\n"), []string{"import no-header.csv", "找不到表头"}},
		{"no-table.html", []byte(`<html><body><p>关于做好政务公开工作的通知</p><p>请各科室认真落实。</p></body></html>`), []string{"没有找到任务表格"}},
		{"no-table.docx", docxBody(`<w:p><w:r><w:t>关于做好政务公开工作的通知</w:t></w:r></w:p>`), []string{"没有找到任务表格"}},
		{"prose.txt", []byte("各科室：\n请认真做好政务公开工作，按时报送材料。\n特此通知。\n"), []string{"没有找到任务表格"}},
		{"header-only.xlsx", xlsxOf(t, ok()), []string{"文件中没有任务"}},
		{"unknown-office.xlsx", xlsxOf(t, ok(
			[]string{"1", "部门文件", "宣传科", "6月底"},
			[]string{"2", "规划计划", "办公室", "6月底"},
			[]string{"3", "机构简介", "办公室、宣传科", "4月底"})),
			[]string{"rows 2,4", "column C（责任科室）", "未知科室“宣传科”"}},
		{"ambiguous-office.csv", []byte("工作任务,责任科室,完成时限\n本部门预算,财政局,6月底\n"), []string{"row 2", "科室“财政局”可能是 张店区财政局、淄川区财政局 中的任何一个"}},
		{"impossible-date.xlsx", xlsxOf(t, ok([]string{"1", "部门文件", "办公室", "2月30日前"})), []string{"row 2", "column D（完成时限）", "日期不存在：2月30日"}},
		{"impossible-date.csv", []byte("工作任务,责任科室,完成时限\n部门文件,办公室,2024年4月31日\n"), []string{"row 2", "column 3（完成时限）", "日期不存在"}},
		{"duplicate.xlsx", xlsxOf(t, ok([]string{"1", "部门文件", "办公室", "6月底"}, []string{"2", "部门文件", "财务室", "4月底"})), []string{"rows 2,3", "重复的事项“部门文件”"}},
		{"duplicate.html", []byte(fmt.Sprintf(tableHTML, `<tr><td>部门文件</td><td>办公室</td><td>6月底</td></tr><tr><td>部门文件</td><td>办公室</td><td>6月底</td></tr>`)), []string{"第1个表格", "rows 2,3", "重复的事项"}},
		{"formula.xlsx", xlsxOf(t, ok([]string{"1", "部门文件", `=CONCATENATE("办","公室")`, "6月底"})), []string{"row 2", "column C", "单元格 C2 含公式"}},
		{"formula-text.csv", []byte("工作任务,责任科室,完成时限\n\"=HYPERLINK(\"\"http://example.invalid\"\",\"\"点击\"\")\",办公室,6月底\n"), []string{"row 2", "column 1（工作任务）", "像是公式"}},
		{"office-without-task.xlsx", xlsxOf(t, ok([]string{"", "", "办公室", "6月底"}, []string{"2", "部门文件", "办公室", "6月底"})), []string{"row 2", "有责任科室或时限，但没有任务内容"}},
		{"bad-encoding.csv", []byte("工作任务,责任科室\n\xff\xfe\xfd\xff,\x81\x30\n"), []string{"无法识别文件的文字编码"}},
		{"unterminated-quote.csv", []byte("工作任务,责任科室,完成时限\n部门文件,\"办公室,6月底\n规划计划,财务室,6月底\n"), []string{"row 2", "column 2", "引号没有配对"}},
		{"binary.txt", []byte("工作任务\x00责任科室\n"), []string{"row 1", "含二进制数据"}},
		{"notes-only.xlsx", xlsxOf(t, [][]string{{"说明"}, {"本表为空"}}), []string{"找不到表头"}},
	}
}

// TestBadCorpus checks that testdata/bad holds every file of the corpus with the expected
// errors listed here; -regen-bad rewrites it.
func TestBadCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "bad")
	if !*regenBad {
		for _, f := range badCorpus(t) {
			if _, err := os.Stat(filepath.Join(dir, f.name)); err != nil {
				t.Errorf("%s missing (go test -run TestBadCorpus -regen-bad): %v", f.name, err)
			}
			var want bytes.Buffer
			for _, w := range f.want {
				want.WriteString(w + "\n")
			}
			got, err := os.ReadFile(filepath.Join(dir, f.name+".want"))
			if err != nil || !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s.want differs from the corpus definition (go test -run TestBadCorpus -regen-bad)", f.name)
			}
		}
		return
	}
	must(t, os.MkdirAll(dir, 0o755))
	for _, f := range badCorpus(t) {
		must(t, os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644))
		var want bytes.Buffer
		for _, w := range f.want {
			want.WriteString(w + "\n")
		}
		must(t, os.WriteFile(filepath.Join(dir, f.name+".want"), want.Bytes(), 0o644))
	}
}
