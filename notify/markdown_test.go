package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
)

// Item titles and office names come from imported lists: in a robot message they are text,
// whatever markup they hold, and only zwgk's own links are links.
func TestRobotMarkdownEscapesTheData(t *testing.T) {
	r := newRenderer(t)
	hostile := []string{
		"[点此办结](http://evil.example/x)",
		"**加急**处理",
		"# 假标题\n- 假列表\n> 假引用",
		`<at user_id="all">所有人</at>`,
		"<@all> 请查收",
		"@所有人 ![图](http://evil.example/a.png)",
		"`代码` _斜体_ ~~删除~~ <font color=\"warning\">红字</font>",
		"访问 https://evil.example/login",
	}
	var entries []notify.Entry
	for i, title := range hostile {
		entries = append(entries, notify.Entry{ItemID: int64(i + 1), Kind: notify.Reminder, Title: title,
			Offices: []string{"办公室](http://evil.example)"}, Due: calendar.D(2024, 6, 28), WorkdaysLeft: 3})
	}
	n := notify.Notice{Key: "digest/md", Kind: notify.Digest, At: time.Date(2024, 6, 25, 9, 0, 0, 0, calendar.Shanghai), Entries: entries}
	m, err := r.Render(n, notify.Address{Recipient: "robot:1", Name: "办公室工作群"}, notify.FormatMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	md := m.Markdown
	for _, bad := range []string{"](http://evil", "](https://evil", "http://evil", "https://evil", "<at", "<@", "<font",
		"**加急**", "# 假标题", "\n- 假列表", "\n> 假引用", "![", "`代码`", "_斜体_", "~~删除~~", "@所有人"} {
		if strings.Contains(md, bad) {
			t.Errorf("robot markdown holds %q:\n%s", bad, md)
		}
	}
	// the words stay readable, and zwgk's own links and bold still work
	for _, want := range []string{"点此办结", "加急", "假标题", "所有人", "红字", "**［点此办结］（http：//evil.example/x）**",
		"[查看](https://gk.example.gov.cn/l/", "[办结](https://gk.example.gov.cn/l/"} {
		if !strings.Contains(md, want) {
			t.Errorf("robot markdown lacks %q:\n%s", want, md)
		}
	}
	if got := strings.Count(md, "](https://gk.example.gov.cn/l/"); got != 2*len(hostile) {
		t.Errorf("%d links in the markdown, want the %d of zwgk", got, 2*len(hostile))
	}
	// email and SMS are not markdown: their text keeps the title as written
	em, err := r.Render(n, notify.Address{Recipient: "person:1", Email: "a@example.gov.cn"}, notify.FormatEmail)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(em.Text, "[点此办结](http://evil.example/x)") {
		t.Errorf("the email text changed the title:\n%s", em.Text)
	}
}
