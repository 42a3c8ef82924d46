package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/links"
)

//go:embed templates
var templateFS embed.FS

// SMSTemplates are the texts to register with the SMS provider for each kind, with Aliyun
// placeholders (${name}); TencentTemplate turns them into Tencent's ({1}, {2}…). Parameters
// are filled in this order, and the HTTP gateway and the dev outbox get the filled-in text.
// Each parameter is at most SMSParamMax characters, as providers limit variables.
var SMSTemplates = map[Kind]string{
	Reminder:   "您负责的政务公开事项“${title}”将于${due}到期，剩余${left}，请及时办理。",
	Due:        "您负责的政务公开事项“${title}”今日（${due}）到期，请及时办理。",
	Overdue:    "您负责的政务公开事项“${title}”已于${due}到期，已逾期${days}个工作日，请尽快办理。",
	Escalation: "督办提醒：${office}负责的“${title}”已逾期${days}个工作日，请督促办理。",
	Digest:     "您有${count}项政务公开事项待办，其中逾期${overdue}项，最紧急的是“${title}”，请登录系统查看。",
	Alert:      "有${count}条通知发送失败，请登录政务公开提醒系统查看发送记录。",
	Test:       "政务公开提醒系统短信通道测试，测试编号${code}。",
}

// SMSParamMax bounds each SMS template parameter, in characters: Aliyun accepts 35 for a
// variable of type 其他, Tencent 20 for notification templates of organisations; a title is
// cut with … to fit the smaller.
const SMSParamMax = 20

// TencentTemplate is the Tencent form of a kind's template text.
func TencentTemplate(k Kind) string {
	t := SMSTemplates[k]
	for i, p := range smsParamNames(k) {
		t = strings.ReplaceAll(t, "${"+p+"}", "{"+strconv.Itoa(i+1)+"}")
	}
	return t
}

// smsParamNames lists a template's placeholders in order of appearance.
func smsParamNames(k Kind) []string {
	var out []string
	t := SMSTemplates[k]
	for {
		i := strings.Index(t, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(t[i:], '}')
		out = append(out, t[i+2:i+j])
		t = t[i+j+1:]
	}
}

// Renderer renders notices. It is safe for concurrent use.
type Renderer struct {
	signer  *links.Signer
	linkTTL time.Duration
	appURL  string
	text    *template.Template
	html    *htmltemplate.Template
	// RobotMax is the largest robot markdown in bytes (WeCom accepts 4096); entries that do
	// not fit are summarised as "另有N项".
	RobotMax int
}

// NewRenderer makes a renderer. signer may be nil (no links, as in `zwgk notify test`);
// appURL is the web UI's base URL; links expire linkTTL after the notice's time.
func NewRenderer(signer *links.Signer, appURL string, linkTTL time.Duration) (*Renderer, error) {
	funcs := template.FuncMap{"clip": clip, "add": func(a, b int) int { return a + b }, "md": MarkdownText}
	text, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/text.tmpl")
	if err != nil {
		return nil, fmt.Errorf("notify: templates: %w", err)
	}
	html, err := htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).ParseFS(templateFS, "templates/email.html")
	if err != nil {
		return nil, fmt.Errorf("notify: templates: %w", err)
	}
	if linkTTL <= 0 {
		linkTTL = 30 * 24 * time.Hour
	}
	return &Renderer{signer: signer, linkTTL: linkTTL, appURL: strings.TrimRight(appURL, "/"),
		text: text, html: html, RobotMax: 3800}, nil
}

// view is what the templates see.
type view struct {
	Kind          Kind
	Name          string
	Subject       string
	Intro         string
	Entries       []entryView
	Count         int
	Items         int // entries about items or applications: Count less the 通报
	OverdueCount  int
	DueTodayCount int
	Failures      []Failure
	Note          string
	AppURL        string
	More          int
	// Periods names the periods of the digest's 通报 as its intro says them: 上月, 上季度, or
	// 上月和上季度 on a quarter's first working day, when both go out together.
	Periods string
}

type entryView struct {
	Entry
	KindLabel   string
	Color       string
	Status      string
	DueText     string
	DueShort    string
	OfficeText  string
	Excerpt     string
	ViewURL     string
	CompleteURL string
}

var kindLabels = map[Kind]struct{ label, color string }{
	Reminder:   {"提醒", "#1a73e8"},
	Due:        {"今日到期", "#e37400"},
	Overdue:    {"已逾期", "#c5221f"},
	Escalation: {"督办", "#a50e0e"},
	Tongbao:    {"通报", "#3c4043"},
}

// effectiveKind renders a digest of one entry as that entry's kind: one item reads better as a
// reminder than as a list of one.
func effectiveKind(n Notice) Kind {
	if n.Kind == Digest && len(n.Entries) == 1 && n.Entries[0].Kind != Tongbao {
		return n.Entries[0].Kind
	}
	return n.Kind
}

// Render renders n for one recipient in one format. Message.Key is Handle(n.Key, to.Recipient).
func (r *Renderer) Render(n Notice, to Address, f Format) (Message, error) {
	k := effectiveKind(n)
	switch k {
	case Reminder, Due, Overdue, Escalation:
		if len(n.Entries) == 0 {
			return Message{}, fmt.Errorf("notify: %s notice %s has no entry", k, n.Key)
		}
	case Digest, Alert, Test:
	default:
		return Message{}, fmt.Errorf("notify: notice %s: unknown kind %q", n.Key, n.Kind)
	}
	m := Message{Key: Handle(n.Key, to.Recipient), Kind: k, Format: f, To: to}
	v, err := r.view(n, k, to, m.Key)
	if err != nil {
		return Message{}, err
	}
	if m.Subject, err = r.exec("subject", v); err != nil {
		return Message{}, err
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	v.Subject = m.Subject
	switch f {
	case FormatEmail:
		if v.Intro, err = r.exec("intro", v); err != nil {
			return Message{}, err
		}
		if m.Text, err = r.exec("text", v); err != nil {
			return Message{}, err
		}
		var b bytes.Buffer
		if err := r.html.ExecuteTemplate(&b, "html", v); err != nil {
			return Message{}, fmt.Errorf("notify: render html: %w", err)
		}
		m.HTML = b.String()
	case FormatMarkdown:
		all := v.Entries
		for shown := len(all); ; shown-- {
			v.Entries, v.More = all[:shown], len(all)-shown
			if m.Markdown, err = r.exec("markdown", v); err != nil {
				return Message{}, err
			}
			if len(m.Markdown) <= r.RobotMax || shown == 0 {
				break
			}
		}
	case FormatSMS:
		m.SMS = smsOf(k, v, n)
	default:
		return Message{}, fmt.Errorf("notify: unknown format %q", f)
	}
	return m, nil
}

// Subject renders only the subject line, for the delivery log.
func (r *Renderer) Subject(n Notice, to Address) (string, error) {
	m, err := r.Render(n, to, FormatSMS)
	return m.Subject, err
}

func (r *Renderer) exec(name string, v *view) (string, error) {
	var b bytes.Buffer
	if err := r.text.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("notify: render %s: %w", name, err)
	}
	return b.String(), nil
}

func (r *Renderer) view(n Notice, k Kind, to Address, handle string) (*view, error) {
	v := &view{Kind: k, Name: to.Name, Count: len(n.Entries), Failures: n.Failures, Note: n.Note, AppURL: r.appURL}
	at := n.At
	if at.IsZero() {
		at = time.Now()
	}
	expires := at.Add(r.linkTTL)
	for _, e := range n.Entries {
		ev := entryView{Entry: e, KindLabel: kindLabels[e.Kind].label, Color: kindLabels[e.Kind].color}
		if ev.KindLabel == "" {
			ev.KindLabel, ev.Color = "提醒", "#1a73e8"
		}
		ev.Status = StatusText(e)
		if !e.Due.IsZero() {
			ev.DueText, ev.DueShort = DateText(e.Due), fmt.Sprintf("%d月%d日", e.Due.Month, e.Due.Day)
		} else if !e.DueAt.IsZero() {
			t := e.DueAt.In(calendar.Shanghai)
			ev.DueText = DateText(calendar.DateOf(t)) + t.Format(" 15:04")
			ev.DueShort = fmt.Sprintf("%d月%d日%s", t.Month(), t.Day(), t.Format("15:04"))
		} else {
			ev.DueShort = "无固定期限"
		}
		ev.OfficeText = strings.Join(e.Offices, "、")
		ev.Excerpt = Excerpt(e.Requirement, 60)
		if e.Kind == Tongbao {
			// its figures are the status line; the page needs a login, so the link is plain
			ev.Excerpt, ev.DueShort = "", ""
			if e.Link != "" {
				ev.ViewURL = r.appURL + e.Link
			}
		}
		if r.signer != nil && e.ItemID > 0 {
			var err error
			if ev.ViewURL, err = r.signer.CycleLink(links.View, e.ItemID, e.Cycle, to.Recipient, expires, handle); err != nil {
				return nil, fmt.Errorf("notify: link for item %d: %w", e.ItemID, err)
			}
			// the links name the entry's cycle: a complete link completes that cycle or
			// nothing, never a later one. Completing is the office's act; a supervisor's
			// escalation only lets them look
			if e.Kind != Escalation {
				if ev.CompleteURL, err = r.signer.CycleLink(links.Complete, e.ItemID, e.Cycle, to.Recipient, expires, handle); err != nil {
					return nil, fmt.Errorf("notify: link for item %d: %w", e.ItemID, err)
				}
			}
		}
		switch e.Kind {
		case Overdue, Escalation:
			v.OverdueCount++
		case Due:
			v.DueTodayCount++
		}
		if e.Kind != Tongbao {
			v.Items++
		}
		v.Entries = append(v.Entries, ev)
	}
	if k == Alert {
		v.Count = len(n.Failures)
	}
	v.Periods = tongbaoPeriods(n.Entries)
	return v, nil
}

// tongbaoPeriods names the periods the 通报 entries report on, month before quarter. A 通报 goes
// out on the first working day after its period, so its month is 上月 and its quarter 上季度;
// the entries' cycle keys (2026-09, 2026Q3) tell which. No 通报 names 上月, the usual case.
func tongbaoPeriods(entries []Entry) string {
	var month, quarter bool
	for _, e := range entries {
		if e.Kind != Tongbao {
			continue
		}
		if strings.Contains(e.Cycle, "Q") {
			quarter = true
		} else {
			month = true
		}
	}
	switch {
	case month && quarter:
		return "上月和上季度"
	case quarter:
		return "上季度"
	}
	return "上月"
}

func smsOf(k Kind, v *view, n Notice) SMS {
	vals := map[string]string{}
	if len(v.Entries) > 0 {
		e := v.Entries[0]
		vals["title"] = e.Title
		vals["due"] = e.DueShort
		if e.HoursLeft > 0 {
			vals["left"] = strconv.Itoa(e.HoursLeft) + "小时"
		} else {
			vals["left"] = strconv.Itoa(e.WorkdaysLeft) + "个工作日"
		}
		vals["days"] = strconv.Itoa(e.WorkdaysOverdue)
		vals["office"] = e.OfficeText
		if len(e.Offices) > 0 {
			vals["office"] = e.Offices[0]
		}
	}
	vals["count"] = strconv.Itoa(v.Count)
	vals["overdue"] = strconv.Itoa(v.OverdueCount)
	vals["code"] = Handle(n.Key, "")[4:10]
	s := SMS{Template: k}
	text := SMSTemplates[k]
	for _, name := range smsParamNames(k) {
		val := clip(SMSParamMax, strings.Join(strings.Fields(vals[name]), " "))
		s.Params = append(s.Params, Param{Name: name, Value: val})
		text = strings.Replace(text, "${"+name+"}", val, 1)
	}
	s.Text = text
	return s
}

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// DateText writes a date as 2024年6月28日（星期五）.
func DateText(d calendar.Date) string {
	return fmt.Sprintf("%d年%d月%d日（%s）", d.Year, d.Month, d.Day, weekdays[d.Weekday()])
}

// StatusText says how much time is left or how late an entry is, and how many other periods
// of the item are open with it.
func StatusText(e Entry) string {
	s := statusText(e)
	if e.OtherCycles > 0 {
		s += fmt.Sprintf("；另有%d期未办结", e.OtherCycles)
	}
	return s
}

func statusText(e Entry) string {
	switch e.Kind {
	case Tongbao:
		return e.Requirement
	case Due:
		if e.HoursLeft > 0 {
			return fmt.Sprintf("剩余%d小时", e.HoursLeft)
		}
		return "今日到期"
	case Overdue:
		return overdueText(e)
	case Escalation:
		s := overdueText(e)
		if e.Level > 0 {
			s += fmt.Sprintf("（第%d级督办）", e.Level)
		}
		return s
	}
	switch {
	case e.HoursLeft > 0:
		return fmt.Sprintf("剩余%d小时", e.HoursLeft)
	case e.Due.IsZero() && e.DueAt.IsZero():
		return "持续推进"
	case e.WorkdaysLeft <= 0:
		return "今日到期"
	}
	return fmt.Sprintf("剩余%d个工作日", e.WorkdaysLeft)
}

func overdueText(e Entry) string {
	if e.WorkdaysOverdue > 0 {
		return fmt.Sprintf("已逾期%d个工作日", e.WorkdaysOverdue)
	}
	return "已逾期"
}

// Excerpt shortens text to at most n characters on one line, ending with … when cut.
func Excerpt(s string, n int) string {
	return clip(n, strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

func clip(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
