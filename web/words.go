package web

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/points"
)

// The importer speaks to the command line: its issues read "import FILE row N column C: …" and
// tell the admin to run `zwgk office add` or to pass --create-offices. On the web the same
// admin has no shell, only the upload form and the preview page, so the web says where the
// issue is in Chinese and names the control to use instead of the flag. The importer's own
// words stay as they are for the CLI.

// webHints replaces the importer's CLI advice, most specific first.
var webHints = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`请先添加科室（zwgk office add）或别名（zwgk office alias），或确认后用 --create-offices 新建`),
		"请先在该单位的“科室与联系人”页添加这个科室（或在已有科室上添加这个别名）后重新上传；确认是新科室的，重新上传时勾选“新建目录中没有的科室”"},
	{regexp.MustCompile(`请检查文件，或用 --col-requirement、--col-offices 等参数指定列`),
		"请检查文件，或在本页“核对读法”中指定每一列读作什么、表头在哪一行"},
	{regexp.MustCompile(`请用 --col-requirement 或 --col-levels 指定`),
		"请在本页“核对读法”中把任务内容或层级所在的列改过来"},
	{regexp.MustCompile(`（可用 --default-rule 指定，如 ([^）]*)）`),
		"（可在本页“核对读法”的“改写时限”中为这一行填写，或重新上传时填写“默认时限”，如 $1）"},
	{regexp.MustCompile(`请确认 --year`), "请确认上传时填写的年度"},
	{regexp.MustCompile(`--header-row (-?\d+) `), "“核对读法”中的表头所在行 $1 "},
	{regexp.MustCompile(`--col-[a-z]+ ([^:：]+): `), "“核对读法”中指定的列“$1”："},
	{regexp.MustCompile(`--map ([^:：]+): `), "“核对读法”中的列“$1”："},
	{regexp.MustCompile(`^corrections: `), "更正无效："},
	// whatever CLI advice a later message brings: never a command, at worst a pointer to the page
	{regexp.MustCompile(`（zwgk [^）]*）`), ""},
	{regexp.MustCompile(`zwgk [a-z]+( [a-z]+)?`), "管理页面"},
	{regexp.MustCompile(`--create-offices`), "“新建目录中没有的科室”"},
	{regexp.MustCompile(`--default-rule`), "“默认时限”"},
	{regexp.MustCompile(`--simplified`), "“繁体转为简体”"},
	{regexp.MustCompile(`--grace( \d+)?`), "确认导入时的“从今天起跟踪”宽限"},
	{regexp.MustCompile(`--corrections( [^\s，。；]+)?`), "本页“核对读法”"},
	{regexp.MustCompile(`--dry-run`), "预览"},
	{regexp.MustCompile(`--year`), "年度"},
	{regexp.MustCompile(`--unit`), "单位"},
	{regexp.MustCompile(`--[a-z][a-z-]*`), "预览页的相应选项"},
}

// webWords is an importer message with its CLI advice replaced by the web's controls.
func webWords(msg string) string {
	for _, h := range webHints {
		msg = h.re.ReplaceAllString(msg, h.with)
	}
	return msg
}

// issueText is an import issue as the web shows it: 文件 X 工作表“Y” 第N行 C列：…
func issueText(is importer.Issue) string {
	var where []string
	if is.File != "" {
		where = append(where, "文件 "+is.File)
	}
	if is.Table != "" {
		where = append(where, is.Table)
	}
	switch {
	case len(is.Rows) > 1:
		where = append(where, rowsText(is.Rows))
	case is.Row > 0:
		where = append(where, "第"+strconv.Itoa(is.Row)+"行")
	}
	if is.Column != "" {
		where = append(where, columnText(is.Column))
	}
	msg := webWords(is.Message)
	if len(where) == 0 {
		return msg
	}
	return strings.Join(where, " ") + "：" + msg
}

// rowsText names the rows an issue is on, the first ten of a long run.
func rowsText(rows []int) string {
	const shown = 10
	var b strings.Builder
	b.WriteString("第")
	for i, r := range rows[:min(len(rows), shown)] {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(strconv.Itoa(r))
	}
	if len(rows) > shown {
		b.WriteString("等 " + strconv.Itoa(len(rows)) + " ")
	}
	b.WriteString("行")
	return b.String()
}

var columnRef = regexp.MustCompile(`^([A-Z]{1,3}|\d{1,4})(（.*）)?$`)

// columnText names a column as the importer gave it: a letter (C), a number (3), either with
// its header (C（责任科室）), or a header alone.
func columnText(c string) string {
	m := columnRef.FindStringSubmatch(c)
	switch {
	case m == nil:
		return "“" + c + "”列"
	case m[1][0] >= '0' && m[1][0] <= '9':
		return "第" + m[1] + "列" + m[2]
	}
	return m[1] + "列" + m[2]
}

// webResult is a copy of an import result whose issues carry the web's words, for the JSON of
// the preview; the result itself is left as the importer made it.
func webResult(res *importer.Result) *importer.Result {
	if res == nil {
		return nil
	}
	cp := *res
	cp.Errors = webIssues(res.Errors)
	cp.Warnings = webIssues(res.Warnings)
	return &cp
}

func webIssues(is []importer.Issue) []importer.Issue {
	if is == nil {
		return nil
	}
	out := make([]importer.Issue, len(is))
	for i, x := range is {
		x.Message = webWords(x.Message)
		out[i] = x
	}
	return out
}

// pointsStateLabels name where a scored item stands on the points page.
var pointsStateLabels = map[string]string{
	points.Overdue: "已逾期",
	points.Soon:    "即将到期",
	points.Safe:    "未到期",
	points.Done:    "已完成",
}
