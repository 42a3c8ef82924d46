package notify

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/links"
)

const testSecret = "render-test-secret-0123456789"

var window = time.Date(2024, 6, 26, 9, 0, 0, 0, calendar.Shanghai)

func renderer(t testing.TB) (*Renderer, *links.Signer) {
	t.Helper()
	s, err := links.NewSigner(testSecret, "https://gk.example.gov.cn")
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(s, "https://gk.example.gov.cn", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

func budget(kind Kind) Entry {
	return Entry{ItemID: 42, Kind: kind, Title: "部门预算公开<script>", Unit: "某某县财政局",
		Requirement: "在部门门户网站\n“财政资金”栏目公开2024年部门预算及“三公”经费预算，   包括收支总表、收入总表、支出总表等九张表格，并对预算进行解读说明。",
		Offices:     []string{"办公室", "计划财务股"}, Cycle: "2024", Due: calendar.D(2024, 6, 28), WorkdaysLeft: 3, WorkdaysOverdue: 2, Level: 1}
}

var to = Address{Recipient: "person:7", Name: "张三", Email: "zhangsan@example.gov.cn", Mobile: "13800138000"}

func TestDateText(t *testing.T) {
	for d, want := range map[calendar.Date]string{
		calendar.D(2024, 6, 28): "2024年6月28日（星期五）",
		calendar.D(2024, 2, 4):  "2024年2月4日（星期日）",
		calendar.D(2025, 1, 1):  "2025年1月1日（星期三）",
	} {
		if got := DateText(d); got != want {
			t.Errorf("DateText(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestRenderReminderEmail(t *testing.T) {
	r, signer := renderer(t)
	n := Notice{Key: "reminder/42/2024/7", Kind: Reminder, At: window, Entries: []Entry{budget(Reminder)}}
	m, err := r.Render(n, to, FormatEmail)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "【政务公开提醒】部门预算公开<script>（6月28日到期，剩余3个工作日）" {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"张三：", "即将到期", "状态：剩余3个工作日", "时限：2024年6月28日（星期五）",
		"责任科室：办公室、计划财务股", "要求：在部门门户网站 “财政资金”栏目公开", "查看：https://gk.example.gov.cn/l/", "办结：https://gk.example.gov.cn/l/"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "部门预算公开&lt;script&gt;") {
		t.Error("HTML does not escape the title")
	}
	if strings.Contains(m.HTML, "ZgotmplZ") {
		t.Errorf("html/template refused a value:\n%s", m.HTML)
	}
	// both links verify, for this recipient and item, until 30 days after the window
	urls := regexp.MustCompile(`https://gk\.example\.gov\.cn/l/[A-Za-z0-9_-]+`).FindAllString(m.Text, -1)
	if len(urls) != 2 {
		t.Fatalf("links %v", urls)
	}
	var actions []links.Action
	for _, u := range urls {
		p, _ := url.Parse(u)
		tok, _ := links.TokenFromPath(p.Path)
		c, err := signer.Verify(tok, window.Add(24*time.Hour))
		if err != nil {
			t.Fatalf("link %s: %v", u, err)
		}
		if c.ItemID != 42 || c.Recipient != "person:7" || !c.Expires.Equal(window.Add(30*24*time.Hour)) {
			t.Errorf("claims %+v", c)
		}
		actions = append(actions, c.Action)
		if !strings.Contains(m.HTML, u) {
			t.Errorf("HTML lacks link %s", u)
		}
	}
	if !slices.Equal(actions, []links.Action{links.View, links.Complete}) {
		t.Errorf("actions %v", actions)
	}
	// retries render byte-identical messages: the nonce derives from the key
	again, _ := r.Render(n, to, FormatEmail)
	if again.Text != m.Text || again.HTML != m.HTML || again.Key != m.Key {
		t.Error("rendering is not deterministic")
	}
	other, _ := r.Render(Notice{Key: "another", Kind: Reminder, At: window, Entries: n.Entries}, to, FormatEmail)
	if other.Text == m.Text {
		t.Error("two messages share link nonces")
	}
}

func TestRenderKinds(t *testing.T) {
	r, _ := renderer(t)
	for _, tc := range []struct {
		kind         Kind
		subject      string
		text         string
		completeLink bool
	}{
		{Due, "【今日到期】部门预算公开<script>", "今日内办结", true},
		{Overdue, "【已逾期】部门预算公开<script>（已逾期2个工作日）", "已逾期2个工作日", true},
		{Escalation, "【督办】办公室、计划财务股：部门预算公开<script>（已逾期2个工作日（第1级督办））", "请督促责任科室办理", false},
	} {
		m, err := r.Render(Notice{Key: "k", Kind: tc.kind, At: window, Entries: []Entry{budget(tc.kind)}}, to, FormatEmail)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tc.subject || !strings.Contains(m.Text, tc.text) {
			t.Errorf("%s: subject %q\n%s", tc.kind, m.Subject, m.Text)
		}
		if strings.Contains(m.Text, "办结：") != tc.completeLink {
			t.Errorf("%s: complete link present = %v", tc.kind, !tc.completeLink)
		}
	}
}

func TestRenderDigest(t *testing.T) {
	r, _ := renderer(t)
	a, b, c := budget(Reminder), budget(Overdue), budget(Due)
	b.ItemID, b.Title = 43, "政府信息公开工作年度报告"
	c.ItemID, c.Title = 44, "财政决算公开"
	g := GroupDigests([]Addressed{{"person:7", a}, {"person:7", b}, {"person:7", c}})
	n := DigestNotice(g[0], window)
	m, err := r.Render(n, to, FormatEmail)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "【政务公开待办】您有3项事项需要办理（逾期1项，今日到期1项）" {
		t.Errorf("subject %q", m.Subject)
	}
	i1, i2, i3 := strings.Index(m.Text, "】政府信息公开工作年度报告"), strings.Index(m.Text, "】财政决算公开"), strings.Index(m.Text, "】部门预算公开")
	if !(i1 < i2 && i2 < i3) || i1 < 0 {
		t.Errorf("entries not most pressing first:\n%s", m.Text)
	}
	// a digest of one entry reads like that entry
	one := DigestNotice(GroupDigests([]Addressed{{"person:7", b}})[0], window)
	m1, _ := r.Render(one, to, FormatEmail)
	if !strings.HasPrefix(m1.Subject, "【已逾期】") || m1.Kind != Overdue {
		t.Errorf("single-entry digest %q %s", m1.Subject, m1.Kind)
	}
}

func TestRenderSMS(t *testing.T) {
	r, _ := renderer(t)
	e := budget(Reminder)
	e.Title = "关于推进基层政务公开标准化规范化工作的实施方案（修订版）"
	m, err := r.Render(Notice{Key: "k", Kind: Reminder, At: window, Entries: []Entry{e}}, to, FormatSMS)
	if err != nil {
		t.Fatal(err)
	}
	if m.SMS.Template != Reminder || len(m.SMS.Params) != 3 {
		t.Fatalf("sms %+v", m.SMS)
	}
	names := []string{m.SMS.Params[0].Name, m.SMS.Params[1].Name, m.SMS.Params[2].Name}
	if !slices.Equal(names, []string{"title", "due", "left"}) {
		t.Errorf("param order %v", names)
	}
	if v := m.SMS.Params[0].Value; utf8.RuneCountInString(v) != SMSParamMax || !strings.HasSuffix(v, "…") {
		t.Errorf("title param %q not clipped to %d", v, SMSParamMax)
	}
	if m.SMS.Params[1].Value != "6月28日" || m.SMS.Params[2].Value != "3个工作日" {
		t.Errorf("params %+v", m.SMS.Params)
	}
	if !strings.HasPrefix(m.SMS.Text, "您负责的政务公开事项“关于推进") || strings.Contains(m.SMS.Text, "${") {
		t.Errorf("text %q", m.SMS.Text)
	}
	d, _ := r.Render(Notice{Key: "k", Kind: Digest, At: window, Entries: []Entry{budget(Overdue), budget(Reminder)}}, to, FormatSMS)
	if d.SMS.Template != Digest || d.SMS.Params[0].Value != "2" || d.SMS.Params[1].Value != "1" {
		t.Errorf("digest sms %+v", d.SMS)
	}
	if got := TencentTemplate(Reminder); got != "您负责的政务公开事项“{1}”将于{2}到期，剩余{3}，请及时办理。" {
		t.Errorf("Tencent template %q", got)
	}
}

func TestRobotMarkdownFits(t *testing.T) {
	r, _ := renderer(t)
	var es []Entry
	for i := range 200 {
		e := budget(Reminder)
		e.ItemID = int64(i + 1)
		es = append(es, e)
	}
	m, err := r.Render(Notice{Key: "k", Kind: Digest, At: window, Entries: es}, Address{Recipient: "robot:1", Name: "办公室工作群"}, FormatMarkdown)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Markdown) > r.RobotMax || !strings.Contains(m.Markdown, "另有") || !strings.HasPrefix(m.Markdown, "### 【政务公开待办】您有200项") {
		t.Errorf("markdown of %d bytes:\n%s", len(m.Markdown), m.Markdown[:min(400, len(m.Markdown))])
	}
}

func TestRenderRejectsEmptyNotices(t *testing.T) {
	r, _ := renderer(t)
	if _, err := r.Render(Notice{Key: "k", Kind: Reminder}, to, FormatEmail); err == nil {
		t.Error("reminder without entries rendered")
	}
	if _, err := r.Render(Notice{Key: "k", Kind: "party"}, to, FormatEmail); err == nil {
		t.Error("unknown kind rendered")
	}
}

func TestGroupDigestsIsDeterministic(t *testing.T) {
	var in []Addressed
	for i := range 300 {
		e := budget([]Kind{Reminder, Due, Overdue, Escalation}[i%4])
		e.ItemID = int64(i % 50)
		e.WorkdaysOverdue = i % 7
		e.Level = i % 3
		in = append(in, Addressed{Recipient: fmt.Sprintf("person:%d", i%9), Entry: e})
	}
	want := GroupDigests(in)
	for range 5 {
		rand.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
		got := GroupDigests(in)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatal("groups depend on input order")
		}
	}
	if len(want) != 9 {
		t.Fatalf("%d groups", len(want))
	}
	for _, g := range want {
		seen := map[int64]bool{}
		for i, e := range g.Entries {
			if seen[e.ItemID] {
				t.Fatalf("%s has item %d twice", g.Recipient, e.ItemID)
			}
			seen[e.ItemID] = true
			if i > 0 && severity(g.Entries[i-1].Kind) < severity(e.Kind) {
				t.Fatalf("%s: %s before %s", g.Recipient, g.Entries[i-1].Kind, e.Kind)
			}
		}
	}
	// the most pressing notice about an item wins
	g := GroupDigests([]Addressed{{"p", budget(Reminder)}, {"p", budget(Escalation)}, {"p", budget(Overdue)}})
	if len(g[0].Entries) != 1 || g[0].Entries[0].Kind != Escalation {
		t.Errorf("kept %+v", g[0].Entries)
	}
	if WindowKey("person:7", window) != "digest/person:7/20240626T010000Z" {
		t.Errorf("window key %s", WindowKey("person:7", window))
	}
}

// BenchmarkDigestAssembly groups 50,000 items' notices for 2,000 recipients (each item reaches
// 1–3 of them) into digests and renders every digest as an email with signed links.
func BenchmarkDigestAssembly(b *testing.B) {
	r, _ := renderer(b)
	rng := rand.New(rand.NewPCG(1, 2))
	const items, recipients = 50000, 2000
	var in []Addressed
	for i := range items {
		e := Entry{ItemID: int64(i + 1), Kind: []Kind{Reminder, Due, Overdue, Escalation}[rng.IntN(4)],
			Title: fmt.Sprintf("第%d项：政府信息公开工作年度报告", i+1), Requirement: strings.Repeat("按规定时限在门户网站公开。", 6),
			Offices: []string{"办公室"}, Due: calendar.D(2024, 6, 1+rng.IntN(28)), WorkdaysLeft: rng.IntN(10), WorkdaysOverdue: rng.IntN(10)}
		for range 1 + rng.IntN(3) {
			in = append(in, Addressed{Recipient: fmt.Sprintf("person:%d", rng.IntN(recipients)), Entry: e})
		}
	}
	b.ResetTimer()
	start := time.Now()
	entries := 0
	for range b.N {
		groups := GroupDigests(in)
		for _, g := range groups {
			m, err := r.Render(DigestNotice(g, window), Address{Recipient: g.Recipient, Name: "联系人"}, FormatEmail)
			if err != nil {
				b.Fatal(err)
			}
			entries += len(g.Entries)
			_ = m
		}
		if len(groups) != recipients {
			b.Fatalf("%d groups", len(groups))
		}
	}
	b.ReportMetric(float64(len(in)), "notices/op")
	b.ReportMetric(float64(entries)/time.Since(start).Seconds(), "entries/s")
}

// BenchmarkGroupDigests is the pure grouping alone (what a workflow would run).
func BenchmarkGroupDigests(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var in []Addressed
	for i := range 50000 {
		e := Entry{ItemID: int64(i + 1), Kind: Reminder, Due: calendar.D(2024, 6, 1+rng.IntN(28))}
		for range 1 + rng.IntN(3) {
			in = append(in, Addressed{Recipient: fmt.Sprintf("person:%d", rng.IntN(2000)), Entry: e})
		}
	}
	b.ResetTimer()
	for range b.N {
		if len(GroupDigests(in)) != 2000 {
			b.Fatal("groups")
		}
	}
}
