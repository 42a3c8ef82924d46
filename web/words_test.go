package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/importer"
)

func TestIssueText(t *testing.T) {
	cases := []struct {
		is   importer.Issue
		want string
	}{
		{importer.Issue{File: "清单.xlsx", Table: "工作表“2024”", Row: 5, Column: "C（责任科室）", Message: "单元格内容像是公式"},
			"文件 清单.xlsx 工作表“2024” 第5行 C列（责任科室）：单元格内容像是公式"},
		{importer.Issue{File: "清单.csv", Row: 3, Column: "4", Message: "字段太多"}, "文件 清单.csv 第3行 第4列：字段太多"},
		{importer.Issue{File: "清单.docx", Row: 2, Column: "责任科室", Message: "不认识这一列的表头"}, "文件 清单.docx 第2行 “责任科室”列：不认识这一列的表头"},
		{importer.Issue{File: "a.txt", Rows: []int{3, 8, 9}, Row: 3, Message: "未知科室“宣传科”"}, "文件 a.txt 第3、8、9行：未知科室“宣传科”"},
		{importer.Issue{File: "a.txt", Rows: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Message: "x"}, "文件 a.txt 第1、2、3、4、5、6、7、8、9、10等 12 行：x"},
		{importer.Issue{Message: "导入已取消"}, "导入已取消"},
	}
	for _, c := range cases {
		if got := issueText(c.is); got != c.want {
			t.Errorf("issueText(%+v) = %q, want %q", c.is, got, c.want)
		}
		if got := c.is.Error(); !strings.HasPrefix(got, "import ") {
			t.Errorf("the CLI's words changed: %q", got)
		}
	}
	// each CLI hint the importer gives becomes the web's control
	hints := map[string]string{
		"未知科室“宣传科”：科室目录中没有这个名称或别名。请先添加科室（zwgk office add）或别名（zwgk office alias），或确认后用 --create-offices 新建": "勾选“新建目录中没有的科室”",
		"“公开某事”没有完成时限或更新频率：该事项不会自动提醒（可用 --default-rule 指定，如 年底前、常态化）":                                      "“改写时限”",
		"找不到表头：前30行中没有一行像“工作任务 | 具体要求 | 责任科室 | 完成时限”这样的表头。请检查文件，或用 --col-requirement、--col-offices 等参数指定列": "“核对读法”",
		"表头中没有任务列（如 工作任务、具体要求、测评指标与考察点、一级指标）：请用 --col-requirement 或 --col-levels 指定":                       "“核对读法”",
		"文件标题“2023年工作要点”写的是2023年，导入的年度是2024年：请确认 --year":                                                   "上传时填写的年度",
		"--header-row 40 超出了表格范围":                                       "表头所在行 40",
		"--col-requirement Z: no such column":                           "“核对读法”中指定的列“Z”",
		"请用 zwgk office group 指定，或用 --grace 5 与 --corrections fix.json": "",
	}
	cli := regexp.MustCompile(`zwgk |--[a-z]`)
	for in, want := range hints {
		got := webWords(in)
		if cli.MatchString(got) || !strings.Contains(got, want) {
			t.Errorf("webWords(%q) = %q, want it to name %q and no command", in, got, want)
		}
	}
}

// cliWords are what no page or JSON answer of the list upload may show a web user: the CLI's
// flags and commands, and the importer's English location prefix.
var cliWords = []string{"--create-offices", "--default-rule", "--col-", "--header-row", "--year", "--grace", "--corrections", "zwgk ", "import "}

func noCLIWords(t *testing.T, what, body string) {
	t.Helper()
	for _, w := range cliWords {
		if i := strings.Index(body, w); i >= 0 {
			t.Errorf("%s shows %q: …%s…", what, w, body[max(0, i-120):min(len(body), i+120)])
		}
	}
}

// The list pages and their JSON tell where an issue is in Chinese and which control to use,
// never a command to run: the unknown offices of a real list, a file without a header, an item
// without a clock, a header row out of range.
func TestListPagesSpeakTheWebsWords(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	jinzhai, err := os.ReadFile("testdata/jinzhai-2024-responsibility-list.txt")
	if err != nil {
		t.Fatal(err)
	}
	unit := fmt.Sprint(f.unitA)
	uploads := []struct {
		name, file string
		data       []byte
		want       []string
	}{
		{"unknown offices", "jinzhai.txt", jinzhai, []string{"文件 jinzhai.txt 第", "未知科室", "勾选“新建目录中没有的科室”"}},
		{"no header", "无表头.csv", []byte("甲,乙,丙\n一,二,三\n四,五,六\n"), []string{"找不到表头", "“核对读法”"}},
		{"no clock", "无时限.csv", []byte("序号,工作任务,责任科室\n1,公开机构设置信息,办公室\n"), []string{"文件 无时限.csv 第2行", "没有完成时限或更新频率", "“改写时限”"}},
	}
	for _, u := range uploads {
		t.Run(u.name, func(t *testing.T) {
			resp, body := admin.upload("/admin/lists/preview", map[string]string{"unit": unit, "year": "2024"}, u.file, u.data)
			wantStatus(t, resp, body, http.StatusOK)
			text := pageText(body)
			for _, w := range u.want {
				if !strings.Contains(text, w) {
					t.Errorf("the preview page lacks %q", w)
				}
			}
			noCLIWords(t, "the preview page", text)
			noCLIWords(t, "the preview page's HTML", body)

			resp, body = admin.upload("/api/lists/preview", map[string]string{"unit": unit, "year": "2024"}, u.file, u.data)
			wantStatus(t, resp, body, http.StatusOK)
			noCLIWords(t, "the preview JSON", body)
			var d struct {
				Token  string `json:"token"`
				Result struct {
					Errors   []importer.Issue `json:"errors"`
					Warnings []importer.Issue `json:"warnings"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatal(err)
			}
			if len(d.Result.Errors)+len(d.Result.Warnings) == 0 {
				t.Fatalf("the JSON has no issues: %.500s", body)
			}
			// the location stays in its fields for scripts
			for _, is := range append(d.Result.Errors, d.Result.Warnings...) {
				if is.File != u.file {
					t.Errorf("issue %+v lost its file", is)
				}
			}

			// confirming a preview with errors, and correcting how it is read
			resp, body = admin.post("/admin/lists/commit", url.Values{"token": {d.Token}})
			if resp.StatusCode >= 500 {
				t.Fatalf("commit: %d", resp.StatusCode)
			}
			noCLIWords(t, "the commit answer", pageText(body))
			resp, body = admin.post("/admin/lists/correct", url.Values{"token": {d.Token}, "header_row": {"400"}})
			if resp.StatusCode >= 500 {
				t.Fatalf("correct: %d %s", resp.StatusCode, body)
			}
			noCLIWords(t, "the corrected preview", pageText(body))
			resp, body = admin.json("POST", "/api/lists/commit", map[string]any{"token": d.Token})
			if resp.StatusCode >= 500 {
				t.Fatalf("API commit: %d", resp.StatusCode)
			}
			noCLIWords(t, "the commit JSON", body)
		})
	}
	// the corrected preview of a header row out of range says so in the page's words
	resp, body := admin.upload("/api/lists/preview", map[string]string{"unit": unit, "year": "2024"}, "无时限.csv", []byte("序号,工作任务,责任科室\n1,公开机构设置信息,办公室\n"))
	wantStatus(t, resp, body, http.StatusOK)
	var d struct {
		Token string `json:"token"`
	}
	json.Unmarshal([]byte(body), &d)
	resp, body = admin.post("/admin/lists/correct", url.Values{"token": {d.Token}, "header_row": {"40"}})
	wantStatus(t, resp, body, http.StatusOK)
	if text := pageText(body); !strings.Contains(text, "表头所在行 40 超出了表格范围") {
		t.Errorf("header row out of range: %s", strings.Join(strings.Fields(text), " "))
	}
}
