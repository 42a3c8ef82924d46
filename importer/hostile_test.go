package importer

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/zwgk/zwgk/internal/xlsxtest"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Hostile files are made at test time (most unzip to hundreds of megabytes) and each is
// loaded in a child process — this test binary run again with ZWGK_HOSTILE_FILE set — so
// that its peak memory is the child's maximum RSS, measured by the kernel, and so that a
// file that does kill its process fails one case instead of the whole test run.

const (
	hostileEnv  = "ZWGK_HOSTILE_FILE"
	hostilePeak = 1 << 30 // what any file under MaxBytes may cost, at most
)

type hostileCase struct {
	name string // file name, its extension matters
	make func(w io.Writer)
	// want is a text the errors must contain; "" accepts a file that reads (with or without
	// errors) as long as it stays within the memory bound
	want string
}

func hostileCases(t *testing.T) []hostileCase {
	base := xlsxOf(t, [][]string{{"序号", "工作任务", "责任科室", "完成时限"}, {"1", "公开部门文件", "办公室", "6月底"}})
	sheet := func(dim string, body func(w io.Writer), tail string) func(io.Writer) {
		return func(w io.Writer) {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			if dim != "" {
				fmt.Fprintf(w, `<dimension ref="%s"/>`, dim)
			}
			io.WriteString(w, `<sheetData>`)
			body(w)
			io.WriteString(w, `</sheetData>`+tail+`</worksheet>`)
		}
	}
	listRows := func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c><c r="B1" t="inlineStr"><is><t>工作任务</t></is></c><c r="C1" t="inlineStr"><is><t>责任科室</t></is></c></row>`)
		io.WriteString(w, `<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>公开部门文件</t></is></c><c r="C2" t="inlineStr"><is><t>办公室</t></is></c></row>`)
	}
	xfd := func(dim string) func(io.Writer) {
		return xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet(dim, func(w io.Writer) {
			for r := 1; r <= 20000; r++ {
				fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d</v></c>`, r, r, r)
				if r == 1 {
					io.WriteString(w, `<c r="XFD1"><v>1</v></c>`)
				}
				io.WriteString(w, `</row>`)
			}
		}, "")})
	}
	sstSheet := sheet("A1:A3", func(w io.Writer) {
		io.WriteString(w, `<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>`)
	}, "")
	return []hostileCase{
		{"xfd1.xlsx", xfd(""), "超过 256 列"},
		{"xfd1-dimension.xlsx", xfd("A1:XFD20000"), "超过 256 列"},
		{"huge-dimension.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet("A1:IV1048576", listRows, "")}), "超过"},
		{"shared-strings-bomb.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){
			"xl/worksheets/sheet1.xml": sstSheet,
			"xl/sharedStrings.xml": func(w io.Writer) {
				io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
				for i := 0; i < 3_500_000; i++ {
					io.WriteString(w, `<si><t>a</t></si>`)
				}
				io.WriteString(w, `</sst>`)
			}}), "XML 元素超过"},
		{"shared-strings-rich.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){
			"xl/worksheets/sheet1.xml": sstSheet,
			"xl/sharedStrings.xml": func(w io.Writer) {
				// just under the element cap, the most structs excelize builds per byte
				io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
				for i := 0; i < maxSharedStringElements/10; i++ {
					io.WriteString(w, `<si><r><rPr><b/><i/><sz val="11"/><color rgb="FF000000"/><rFont val="宋体"/></rPr><t>公开</t></r></si>`)
				}
				io.WriteString(w, `</sst>`)
			}}), ""},
		{"huge-cell.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){
			"xl/worksheets/sheet1.xml": sheet("", func(w io.Writer) {
				listRows(w)
				io.WriteString(w, `<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="s"><v>0</v></c><c r="C3" t="inlineStr"><is><t>办公室</t></is></c></row>`)
			}, ""),
			"xl/sharedStrings.xml": func(w io.Writer) {
				io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`)
				w.Write(bytes.Repeat([]byte("公开部门文件，"), 60<<20/21))
				io.WriteString(w, `</t></si></sst>`)
			}}), ""},
		{"cells-1m.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet("", func(w io.Writer) {
			// the most cells the element cap lets through (two elements a cell), under a header
			listRows(w)
			for r := 3; r <= 25_000; r++ {
				io.WriteString(w, `<row>`+strings.Repeat(`<c><v>1</v></c>`, 39)+`</row>`)
			}
		}, "")}), ""},
		{"styled-empty-cells.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet("", func(w io.Writer) {
			listRows(w)
			for r := 3; r <= 1000; r++ {
				fmt.Fprintf(w, `<row r="%d">`, r)
				for c := 1; c <= 1000; c++ {
					fmt.Fprintf(w, `<c r="%s%d" s="1"/>`, colName(c-1), r)
				}
				io.WriteString(w, `</row>`)
			}
		}, "")}), ""},
		{"merge-bomb.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet("A1:C2", listRows, func() string {
			var b strings.Builder
			b.WriteString(`<mergeCells>`)
			for i := 0; i < 20000; i++ {
				b.WriteString(`<mergeCell ref="A1:IV2"/>`)
			}
			b.WriteString(`</mergeCells>`)
			return b.String()
		}())}), "合并单元格"},
		{"formulas.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheet("", func(w io.Writer) {
			listRows(w)
			// 300,000 formula cells: within the caps, each one an error
			for r := 3; r <= 1202; r++ {
				fmt.Fprintf(w, `<row r="%d">`, r)
				for c := 1; c <= 250; c++ {
					fmt.Fprintf(w, `<c r="%s%d"><f>1+1</f><v>2</v></c>`, colName(c-1), r)
				}
				io.WriteString(w, `</row>`)
			}
		}, "")}), "含公式"},
		{"styles-bomb.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){"xl/styles.xml": func(w io.Writer) {
			io.WriteString(w, `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>`)
			for i := 0; i < 1_000_000; i++ {
				io.WriteString(w, `<xf numFmtId="0" fontId="0"/>`)
			}
			io.WriteString(w, `</cellXfs></styleSheet>`)
		}}), "XML 元素超过"},
		{"zip-bomb.xlsx", xlsxtest.Writes(base, map[string]func(io.Writer){
			"xl/media/a.bin": zeros(60 << 20), "xl/media/b.bin": zeros(60 << 20), "xl/media/c.bin": zeros(60 << 20),
			"xl/media/d.bin": zeros(60 << 20), "xl/media/e.bin": zeros(60 << 20)}), "解压后超过"},
		{"deep.docx", docxWith(func(w io.Writer) {
			for i := 0; i < 1_000_000; i++ {
				io.WriteString(w, `<w:sdt><w:sdtContent>`)
			}
		}), "嵌套超过"},
		{"runs-400mb.docx", docxWith(func(w io.Writer) {
			run := strings.Repeat(`<w:r><w:t>公开部门文件</w:t></w:r>`, 100)
			for n := 0; n < 400<<20; n += len(run) + 12 {
				io.WriteString(w, `<w:p>`+run+`</w:p>`)
			}
		}), "解压后有"},
		{"lying-size.docx", lyingDocx(400 << 20), "document.xml"},
		{"many-paragraphs.docx", docxWith(func(w io.Writer) {
			// just under the element cap: the largest tree the reader builds
			for i := 0; i < MaxElements/3-10; i++ {
				fmt.Fprintf(w, `<w:p><w:r><w:t>%d. 公开部门文件（责任科室：办公室）</w:t></w:r></w:p>`, i)
			}
		}), ""},
		{"span-bomb.docx", docxWith(func(w io.Writer) {
			io.WriteString(w, `<w:tbl>`)
			for i := 0; i < 200_000; i++ {
				io.WriteString(w, `<w:tr><w:tc><w:tcPr><w:gridSpan w:val="1000"/></w:tcPr><w:p/></w:tc></w:tr>`)
			}
			io.WriteString(w, `</w:tbl>`)
		}), "单元格超过"},
		{"commas.csv", func(w io.Writer) { w.Write(bytes.Repeat([]byte(","), 19<<20)) }, "太长"},
		{"long-line.csv", func(w io.Writer) {
			io.WriteString(w, "序号,工作任务,责任科室\n1,")
			w.Write(bytes.Repeat([]byte("任"), 5<<20))
			io.WriteString(w, ",办公室\n")
		}, "第 2 行太长"},
		{"quoted-field.csv", func(w io.Writer) {
			io.WriteString(w, "序号,工作任务,责任科室\n1,\"")
			for n := 0; n < 18<<20; n += 22 {
				io.WriteString(w, "公开部门文件，\n")
			}
			io.WriteString(w, "\",办公室\n")
		}, ""},
		{"wide.csv", func(w io.Writer) {
			row := strings.Repeat("任务,", 255) + "任务\n"
			for n := 0; n < 19<<20; n += len(row) {
				io.WriteString(w, row)
			}
		}, "单元格超过"},
		{"cells-2m.csv", func(w io.Writer) {
			io.WriteString(w, "序号,工作任务,责任科室,完成时限"+strings.Repeat(",备注", 36)+"\n")
			row := "1,公开部门文件,办公室,6月底" + strings.Repeat(",x", 36) + "\n"
			for i := 0; i < MaxRows-10; i++ {
				io.WriteString(w, row)
			}
		}, ""},
		{"paragraphs.html", func(w io.Writer) {
			io.WriteString(w, "<html><body>")
			for i := 0; i < maxHTMLNodes/2-10; i++ {
				io.WriteString(w, "<p>公开部门文件")
			}
		}, ""},
		{"newlines.csv", func(w io.Writer) { w.Write(bytes.Repeat([]byte("\n"), 19<<20)) }, ""},
		{"nested-divs.html", func(w io.Writer) {
			io.WriteString(w, "<html><body>")
			w.Write(bytes.Repeat([]byte("<div>"), 1_000_000))
		}, "嵌套超过"},
		{"formatting-bomb.html", func(w io.Writer) {
			io.WriteString(w, "<html><body><div>")
			// 400 formatting elements the parser re-opens (cloning all of them) for each div
			for i := 0; i < 400; i++ {
				fmt.Fprintf(w, `<b id="%d">`, i)
			}
			io.WriteString(w, "</div>")
			for i := 0; i < 100_000; i++ {
				io.WriteString(w, "<div>x</div>")
			}
		}, "网页的元素超过"},
		{"attributes.html", func(w io.Writer) {
			io.WriteString(w, "<html><body><div")
			for i := 0; i < 1_500_000; i++ {
				fmt.Fprintf(w, " a%d", i)
			}
			io.WriteString(w, "></div>")
		}, "网页中有一段超过"},
		{"spans.html", func(w io.Writer) {
			io.WriteString(w, "<html><body><table>")
			for i := 0; i < 1000; i++ {
				io.WriteString(w, `<tr><td rowspan="1000" colspan="1000">任务</td></tr>`)
			}
			io.WriteString(w, "</table>")
		}, "超过 256 列"},
		{"colspans.html", func(w io.Writer) {
			io.WriteString(w, "<html><body><table>")
			for i := 0; i < 10001; i++ {
				io.WriteString(w, `<tr><td colspan="200">任务</td></tr>`)
			}
			io.WriteString(w, "</table>")
		}, "单元格超过"},
		{"utf16.txt", func(w io.Writer) {
			w.Write([]byte{0xFF, 0xFE})
			for _, u := range utf16.Encode([]rune(strings.Repeat("序号\t工作任务\t责任科室\t完成时限\n1\t公开部门文件\t办公室\t6月底\n", 1))) {
				w.Write([]byte{byte(u), byte(u >> 8)})
			}
		}, ""},
		{"utf16-big.txt", func(w io.Writer) {
			w.Write([]byte{0xFF, 0xFE})
			line := utf16.Encode([]rune("公开部门文件（责任科室：办公室）\n"))
			b := make([]byte, 0, len(line)*2)
			for _, u := range line {
				b = append(b, byte(u), byte(u>>8))
			}
			for n := 0; n < 19<<20; n += len(b) {
				w.Write(b)
			}
		}, "太长"},
		{"gbk.csv", func(w io.Writer) {
			s, _ := simplifiedchinese.GBK.NewEncoder().String("序号,工作任务,责任科室,完成时限\n1,公开部门文件,办公室,6月底\n")
			io.WriteString(w, s)
		}, ""},
		{"long-line.txt", func(w io.Writer) { w.Write(bytes.Repeat([]byte("任务"), 15<<20/6)) }, "太长"},
		{"many-lines.txt", func(w io.Writer) {
			// just under the text reader's 200,000 lines
			for i := 0; i < 4*MaxRows-10; i++ {
				fmt.Fprintf(w, "%d. 公开部门文件（责任科室：办公室）\n", i)
			}
		}, ""},
		{"many-rows.csv", func(w io.Writer) {
			io.WriteString(w, "序号,工作任务,责任科室,完成时限\n")
			for i := 0; i < MaxRows-10; i++ {
				fmt.Fprintf(w, "%d,公开部门文件,办公室,6月底\n", i)
			}
		}, ""},
		{"newlines.txt", func(w io.Writer) { w.Write(bytes.Repeat([]byte("\n"), 19<<20)) }, ""},
	}
}

// zeros is a part of n zero bytes (it deflates to almost nothing).
func zeros(n int) func(io.Writer) {
	return func(w io.Writer) {
		b := make([]byte, 1<<20)
		for i := 0; i < n; i += len(b) {
			w.Write(b)
		}
	}
}

const docxHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`

// docxWith is a Word document whose body the function writes (the closing tags are added).
func docxWith(body func(w io.Writer)) func(io.Writer) {
	return func(out io.Writer) {
		z := zip.NewWriter(out)
		w, _ := z.Create("[Content_Types].xml")
		io.WriteString(w, `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
		w, _ = z.Create("word/document.xml")
		bw := bufio.NewWriterSize(w, 1<<16)
		io.WriteString(bw, docxHead)
		body(bw)
		io.WriteString(bw, `</w:body></w:document>`)
		bw.Flush()
		if err := z.Close(); err != nil {
			panic(err)
		}
	}
}

// lyingDocx declares a small document.xml that inflates to n bytes.
func lyingDocx(n int) func(io.Writer) {
	return func(out io.Writer) {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write([]byte(docxHead))
		p := []byte(strings.Repeat(`<w:p><w:r><w:t>公开</w:t></w:r></w:p>`, 1000))
		crc := crc32.NewIEEE()
		for i := 0; i < n; i += len(p) {
			fw.Write(p)
			crc.Write(p)
		}
		fw.Close()
		z := zip.NewWriter(out)
		w, _ := z.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: 4096})
		w.Write(comp.Bytes())
		z.Close()
	}
}

type hostileReport struct {
	OK       bool     `json:"ok"`
	Errors   []string `json:"errors"`
	Items    int      `json:"items"`
	Millis   int64    `json:"ms"`
	PeakHeap uint64   `json:"peak_heap"`
	// PeakRSS is the child's VmHWM: the kernel's high-water mark of its own address space.
	// (Rusage.Maxrss would include the parent's RSS: the child is forked with CLONE_VM and
	// Linux carries the old address space's mark across execve.)
	PeakRSS uint64 `json:"peak_rss"`
}

// vmHWM reads the peak resident set size of this process from /proc/self/status.
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb << 10
		}
	}
	return 0
}

// TestHostileFiles loads each hostile file in a child process and checks that it is refused
// with a clear error (or read) within the memory bound.
func TestHostileFiles(t *testing.T) {
	if os.Getenv(hostileEnv) != "" {
		t.Skip("child")
	}
	dir := t.TempDir()
	for _, c := range hostileCases(t) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name)
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			bw := bufio.NewWriterSize(f, 1<<20)
			c.make(bw)
			must(t, bw.Flush())
			must(t, f.Close())
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > MaxBytes {
				t.Fatalf("the generator made %d bytes, more than MaxBytes", st.Size())
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), hostileEnv+"="+path)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			start := time.Now()
			runErr := cmd.Run()
			wall := time.Since(start)
			maxrss := int64(0)
			if cmd.ProcessState != nil {
				maxrss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // kilobytes on Linux
			}
			if runErr != nil {
				t.Logf("%s (%d KB): child Maxrss %d MB, wall time %v", c.name, st.Size()>>10, maxrss>>20, wall.Round(time.Millisecond))
				t.Fatalf("the child died (%v):\n%s\n%s", runErr, tail(out.String()), tail(errOut.String()))
			}
			var rep hostileReport
			for _, l := range strings.Split(out.String(), "\n") {
				if s, ok := strings.CutPrefix(l, "HOSTILE "); ok {
					must(t, json.Unmarshal([]byte(s), &rep))
				}
			}
			t.Logf("%s (%d KB): Load %d ms, peak RSS %d MB (VmHWM), peak heap %d MB; ok=%v, %d items; %s",
				c.name, st.Size()>>10, rep.Millis, rep.PeakRSS>>20, rep.PeakHeap>>20, rep.OK, rep.Items, first(rep.Errors))
			if rep.PeakRSS == 0 || rep.PeakRSS > hostilePeak {
				t.Errorf("peak RSS %d MB, want under %d MB", rep.PeakRSS>>20, hostilePeak>>20)
			}
			if c.want != "" {
				all := strings.Join(rep.Errors, "\n")
				if !strings.Contains(all, c.want) {
					t.Errorf("want %q in the errors, got:\n%s", c.want, all)
				}
				if !strings.Contains(all, "import "+c.name) {
					t.Errorf("the errors do not name the file:\n%s", all)
				}
			}
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	if r := []rune(s[0]); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s[0]
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// TestHostileChild is the child of TestHostileFiles: it loads one file and reports.
func TestHostileChild(t *testing.T) {
	path := os.Getenv(hostileEnv)
	if path == "" {
		t.Skip("run by TestHostileFiles")
	}
	// a file that escapes the caps fails here instead of taking the machine down
	must(t, syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: 6 << 30, Max: 6 << 30}))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	res := Load(filepath.Base(path), data, badDir(), Options{Build: BuildOptions{Year: 2024}})
	ms := time.Since(start).Milliseconds()
	close(stop)
	<-done
	rep := hostileReport{OK: res.OK(), Items: len(res.Items), Millis: ms, PeakHeap: peak.Load(), PeakRSS: vmHWM()}
	for i, e := range res.Errors {
		if i == 20 {
			break
		}
		rep.Errors = append(rep.Errors, e.Error())
	}
	b, _ := json.Marshal(rep)
	fmt.Printf("HOSTILE %s\n", b)
}

// BenchmarkReadXLSX is the cost of the bounded reader on a large but ordinary workbook:
// 10,000 rows of four columns of shared strings.
func BenchmarkReadXLSX(b *testing.B) {
	data := manyRowsXLSX(b, 10_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read("list.xlsx", data, ReadOptions{Year: 2024}); err != nil {
			b.Fatal(err)
		}
	}
}
