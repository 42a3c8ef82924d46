package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/web/e2e"
)

// raggedList is a list the importer misreads as it stands: its office column is headed 分工
// (read as the requirement), one row lost its deadline cell, a note and a wrapped line sit
// among the rows, and one deadline says nothing a reader could track.
const raggedList = "2025年政务公开任务\n" + // 1
	"序号,事项,分工,办理时间\n" + // 2
	"一、基础信息\n" + // 3
	"1,部门文件,办公室,6月底\n" + // 4
	"2,规划计划,财务股\n" + // 5: no deadline cell
	"备注：由办公室负责解释\n" + // 6
	"3,政策解读,财务股,视情况\n" + // 7
	",解读材料同步发布\n" // 8: the rest of row 7

// The preview is where a misread list is fixed: re-map a column, mark section and note rows,
// merge a broken row, set the rules the list left open; the fixes are saved with the list and
// read its next revision the same way.
func TestPreviewCorrections(t *testing.T) {
	f := newFixture(t, false)
	f.srv.opt.Syncer = &syncRecorder{}
	admin := f.as(t, "admin")
	fields := map[string]string{"new_unit": "更正测试局", "year": "2025", "create_offices": "1"}
	resp, body := admin.upload("/admin/lists/preview", fields, "ragged.csv", []byte(raggedList))
	wantStatus(t, resp, body, http.StatusOK)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	if token == nil || !strings.Contains(body, `name="role:分工"`) || !strings.Contains(body, "待分派") {
		t.Fatalf("the preview does not offer the columns as read, or reads 分工 as an office:\n%s", body)
	}
	form := url.Values{"token": {token[1]}, "role:分工": {"offices"}, "was:分工": {"requirement"},
		"section_rows": {"3"}, "skip_rows": {"6"}, "merge": {"7+8"}, "rules": {"5=4月底前\n7=每季度更新"}}
	resp, body = admin.post("/admin/lists/correct", form)
	wantStatus(t, resp, body, http.StatusOK)
	res := previewJSON(t, admin, token[1])
	got := itemLines(res)
	want := "一、基础信息/部门文件|办公室|deadline\n一、基础信息/规划计划|财务股|deadline\n一、基础信息/政策解读|财务股|recurring"
	if got != want {
		t.Fatalf("after the corrections:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(res.Result.Items[2].Requirement, "解读材料同步发布") {
		t.Errorf("the merged row lost its text: %q", res.Result.Items[2].Requirement)
	}
	resp, body = admin.post("/admin/lists/commit", url.Values{"token": {token[1]}})
	wantStatus(t, resp, body, http.StatusSeeOther)

	// the corrections went with the list …
	u, err := f.st.UnitByName(context.Background(), "更正测试局")
	if err != nil {
		t.Fatal(err)
	}
	unit := u.ID
	raw, err := f.st.ListCorrections(context.Background(), unit, 2025)
	saved, perr := importer.ParseCorrections(raw)
	// rows are named by what they hold, rules by the item they became: a revised file moves rows
	if err != nil || perr != nil || saved.Map["分工"] != importer.RoleOffices || len(saved.Rules) != 2 ||
		len(saved.SkipTexts) != 1 || len(saved.SectionTexts) != 1 || len(saved.SkipRows) != 0 {
		t.Fatalf("saved corrections %s, %v %v", raw, err, perr)
	}
	// … and read the next revision of the same list, with a row added, the same way
	revised := strings.Replace(raggedList, "备注：", "4,新闻发布,办公室,年底前\n备注：", 1)
	resp, body = admin.upload("/api/lists/preview", map[string]string{"unit": itoa(unit), "year": "2025"}, "ragged-2.csv", []byte(revised))
	wantStatus(t, resp, body, http.StatusOK)
	var pv previewJSONData
	if err := json.Unmarshal([]byte(body), &pv); err != nil {
		t.Fatal(err)
	}
	if got := itemLines(pv); !strings.Contains(got, "一、基础信息/新闻发布|办公室|deadline") || !strings.Contains(got, "政策解读|财务股|recurring") ||
		strings.Contains(got, "备注") || pv.Corrections == nil {
		t.Errorf("the next revision is not read with the saved corrections:\n%s", itemLines(pv))
	}
	// a role that does not exist is refused
	resp, body = admin.post("/admin/lists/correct", url.Values{"token": {pv.Token}, "role:分工": {"owner"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
}

type previewJSONData struct {
	Token       string                `json:"token"`
	Result      importer.Result       `json:"result"`
	Corrections *importer.Corrections `json:"corrections"`
}

// previewJSON re-reads a kept upload through the API (the corrections it was given stay).
func previewJSON(t *testing.T, c *client, token string) previewJSONData {
	t.Helper()
	resp, body := c.json("POST", "/api/lists/fix", map[string]any{"token": token})
	wantStatus(t, resp, body, http.StatusOK)
	var d previewJSONData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func itemLines(d previewJSONData) string {
	var out []string
	for _, it := range d.Result.Items {
		var os []string
		for _, o := range it.Offices {
			os = append(os, o.Name)
		}
		out = append(out, strings.Join(append(append([]string{}, it.Path...), it.Title), "/")+"|"+strings.Join(os, "、")+"|"+string(it.Rule.Kind))
	}
	return strings.Join(out, "\n")
}

// An admin fixes the ragged list end to end in a browser: upload, re-map the column, mark the
// rows, set the rules, import.
func TestPreviewCorrectionsInBrowser(t *testing.T) {
	f := newFixture(t, true)
	f.srv.opt.Syncer = &syncRecorder{}
	b := e2e.NewBrowser(t)
	file := t.TempDir() + "/ragged.csv"
	if err := os.WriteFile(file, []byte(raggedList), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Login(f.ts.URL, "root", "password-root")
	b.Do("upload", chromedp.Navigate(f.ts.URL+"/admin/lists"), chromedp.WaitVisible(chromedp.ID("upload-form")),
		chromedp.SendKeys(chromedp.ID("new_unit"), "浏览器更正局"),
		chromedp.SetValue(chromedp.ID("year"), "2025"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("create_offices")),
		chromedp.Submit(chromedp.ID("upload-form")),
		chromedp.WaitVisible(chromedp.ID("preview-items")))
	b.Must(strings.Contains(b.Text("#preview-items"), "待分派"), "the misread list does not show 待分派 items")
	b.Screenshot("preview-misread")
	b.Do("correct",
		chromedp.Click(chromedp.CSS("#correct summary")),
		chromedp.SetValue(chromedp.CSS(`select[data-column="分工"]`), "offices"),
		chromedp.SendKeys(chromedp.ID("section_rows"), "3"),
		chromedp.SendKeys(chromedp.ID("skip_rows"), "6"),
		chromedp.SendKeys(chromedp.ID("merge"), "7+8"),
		chromedp.SendKeys(chromedp.ID("rules"), "5=4月底前\n7=每季度更新"),
		chromedp.Click(chromedp.ID("correct-submit")),
		chromedp.WaitVisible(chromedp.ID("corrections-applied")))
	items := b.Text("#preview-items")
	b.Must(!strings.Contains(items, "待分派") && strings.Contains(items, "财务股") && !strings.Contains(items, "备注"),
		"the corrected preview: %s", items)
	b.Must(b.Text("#preview-count") == "3", "%s items, want 3", b.Text("#preview-count"))
	b.Screenshot("preview-corrected")
	b.Do("commit", chromedp.Click(chromedp.ID("commit-submit")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	b.Must(strings.Contains(b.Text(".flash"), "新增 3 项"), "no confirmation: %s", b.Text(".flash"))
}
