package importer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// badDir is the directory the bad-file corpus is imported against.
func badDir() *store.Directory {
	return testDir("测试单位", []string{"办公室", "财务室", "执法大队", "张店区财政局", "淄川区财政局"}, nil)
}

// TestBadFiles imports every file of testdata/bad and checks that it is refused with the
// error its .want file names: each line of the .want file must appear in the errors, which
// name the file, and the row and column where there is one.
func TestBadFiles(t *testing.T) {
	wants, err := filepath.Glob("testdata/bad/*.want")
	if err != nil {
		t.Fatal(err)
	}
	if len(wants) < 30 {
		t.Fatalf("the corpus has %d bad files, want at least 30 (go test -run TestBadFiles -regen-bad writes it)", len(wants))
	}
	sort.Strings(wants)
	for _, w := range wants {
		file := strings.TrimSuffix(w, ".want")
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(w)
			if err != nil {
				t.Fatal(err)
			}
			res := Load(name, data, badDir(), Options{Build: BuildOptions{Year: 2024}})
			if res.OK() {
				t.Fatalf("imported without errors (%d items)", len(res.Items))
			}
			var msgs []string
			for _, e := range res.Errors {
				msgs = append(msgs, e.Error())
			}
			all := strings.Join(msgs, "\n")
			if !strings.Contains(all, "import "+name) {
				t.Errorf("the errors do not name the file:\n%s", all)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				if line = strings.TrimSpace(line); line != "" && !strings.Contains(all, line) {
					t.Errorf("want %q in the errors:\n%s", line, all)
				}
			}
		})
	}
}

// Files too big to keep in the repository are made here.
func TestOversized(t *testing.T) {
	big := bytes.Repeat([]byte("序号,工作任务,责任科室,完成时限\n"), MaxBytes/40+1)
	res := Load("big.csv", big, badDir(), Options{Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "import big.csv: 文件太大") {
		t.Errorf("big file: %v", res.Errors)
	}

	var b strings.Builder
	b.WriteString("序号,工作任务,责任科室,完成时限\n")
	for i := 1; i <= MaxRows+1; i++ {
		fmt.Fprintf(&b, "%d,任务%d,办公室,6月底\n", i, i)
	}
	res = Load("rows.csv", []byte(b.String()), badDir(), Options{Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "行数太多") {
		t.Errorf("too many rows: %v", res.Errors)
	}

	// the same limit for a workbook, checked before the cells are read
	res = Load("rows.xlsx", manyRowsXLSX(t, 60), badDir(), Options{Read: ReadOptions{MaxRows: 50}, Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "行数太多") {
		t.Errorf("too many workbook rows: %v", res.Errors)
	}
}
