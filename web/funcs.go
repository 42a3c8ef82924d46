package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

var statusLabels = map[string]string{
	workflows.StatusWaiting:   "等待中",
	workflows.StatusUpcoming:  "进行中",
	workflows.StatusOverdue:   "已逾期",
	workflows.StatusDone:      "已完成",
	workflows.StatusPaused:    "已暂停",
	workflows.StatusCancelled: "已取消",
	workflows.StatusUnparsed:  "规则待确认",
	store.StatusPending:       "未启动",
	"open":                    "未完成",
	"skipped":                 "已跳过（开始跟踪前已到期）",
	"late":                    "逾期完成",
}

// The words of the delivery log, the audit log and the calendar, in the users' language: a test
// (TestNoCodesOnPages) fails when a page shows one of the codes untranslated.
var deliveryStatusLabels = map[string]string{
	"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "dropped": "已撤销",
}

var noticeKindLabels = map[string]string{
	"digest": "汇总提醒", "reminder": "到期提醒", "due": "今日到期", "overdue": "逾期提醒", "escalation": "督办升级",
	"alert": "发送失败告警",
}

var channelLabels = map[string]string{
	"email": "邮件", "sms": "短信", "robot": "群机器人", "dingtalk": "钉钉机器人", "wecom": "企业微信机器人",
	"outbox": "发件箱",
}

var objectTypeLabels = map[string]string{
	"item": "事项", "list": "清单", "office": "科室", "robot": "群机器人", "roster": "人员名单", "unit": "单位",
	"user": "用户", "person": "人员", "token": "接口令牌", "calendar": "节假日", "group": "科室分组", "session": "登录",
	"policy": "策略", "calendar_year": "节假日", "api_token": "接口令牌",
}

var actionLabels = map[string]string{
	"calendar.delete": "删除节假日安排", "calendar.load": "导入节假日安排", "directory.update": "更新科室目录",
	"duban.export": "导出督办单", "group.set": "设置科室分组", "ical.rotate": "更换日历订阅地址",
	"item.complete": "登记完成", "item.event": "登记事项", "item.extend": "延期", "item.pause": "暂停",
	"item.policy": "修改事项提醒策略", "item.reassign": "调整责任科室", "item.reopen": "撤销完成", "item.resume": "恢复", "item.cancel": "取消",
	"list.import": "导入清单", "office.create": "新建科室", "office.update": "修改科室",
	"person.activate": "启用人员", "person.attach": "人员加入科室", "person.create": "新建人员",
	"person.deactivate": "停用人员", "person.delete": "删除人员", "person.detach": "人员移出科室", "person.update": "修改人员",
	"robot.add": "添加群机器人", "robot.remove": "移除群机器人", "roster.import": "导入人员名单",
	"session.login": "登录", "session.login_failed": "登录失败", "session.logout": "退出登录",
	"token.create": "新建接口令牌", "token.revoke": "吊销接口令牌",
	"unit.create": "新建单位", "unit.policy": "修改提醒策略", "user.create": "新建用户", "user.disable": "停用用户",
	"user.password": "修改密码", "user.scope": "修改用户范围",
}

// recipientLabel names a recipient key (person:17, robot:3) for a page that has no name for it.
func recipientLabel(key string) string {
	kind, id, ok := strings.Cut(key, ":")
	if !ok {
		return key
	}
	switch kind {
	case "person":
		return "人员 #" + id
	case "robot":
		return "群机器人 #" + id
	case "user":
		return "用户 #" + id
	}
	return key
}

// sourceLabel says where a calendar year came from, as an admin reads it: the built-in official
// schedule, or a file an admin loaded.
func sourceLabel(s string) string {
	switch {
	case strings.HasPrefix(s, "official"):
		return "国务院办公厅节假日安排（系统内置）"
	case strings.HasPrefix(s, "admin: "):
		return "管理员导入：" + strings.TrimPrefix(s, "admin: ")
	case s == "":
		return "未加载（暂按周一至周五计算）"
	}
	return s
}

var ruleKindLabels = map[string]string{
	"deadline":  "限期完成",
	"window":    "时间窗口",
	"recurring": "定期更新",
	"timely":    "及时公开",
	"quota":     "定期定量",
	"maxgap":    "最长间隔",
	"ongoing":   "常态化",
	"unparsed":  "未识别",
}

var roleLabels = map[string]string{
	store.RoleAdmin:      "管理员",
	store.RoleSupervisor: "督办领导",
	store.RoleOffice:     "科室",
}

var eventLabels = map[string]string{
	"completed":   "完成",
	"complete":    "完成",
	"reopened":    "撤销完成",
	"reopen":      "撤销完成",
	"extended":    "延期",
	"extend":      "延期",
	"reassigned":  "调整责任科室",
	"reassign":    "调整责任科室",
	"event":       "登记事项",
	"paused":      "暂停",
	"resumed":     "恢复",
	"overdue":     "逾期",
	"escalated":   "升级督办",
	"reminded":    "提醒",
	"cycle":       "新周期",
	"started":     "开始跟踪",
	"revised":     "清单修订",
	"policy":      "策略变更",
	"cancelled":   "取消",
	"late":        "逾期完成",
	"due":         "到期",
	"cycleopened": "新周期",
}

// actionLabel names an audit action; an item action not listed is named by its event.
func actionLabel(a string) string {
	if v, ok := actionLabels[a]; ok {
		return v
	}
	if op, ok := strings.CutPrefix(a, "item."); ok {
		return label(eventLabels, op)
	}
	return a
}

func label(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// levelLabel names an escalation level after the default ladder (schedule.DefaultPolicy):
// 1 the office contact, 2 the office head, 3 the supervising leader and 政务公开办.
func levelLabel(n int) string {
	switch n {
	case 0:
		return "未升级"
	case 1:
		return "一级（科室联络员）"
	case 2:
		return "二级（科室负责人）"
	case 3:
		return "三级（分管领导）"
	default:
		return fmt.Sprintf("%d级", n)
	}
}

// actorLabels name the actors that are not people: an import, a policy change, the system.
var actorLabels = map[string]string{"import": "清单导入", "policy": "策略", "system": "系统", "": "系统"}

var targetLabels = map[string]string{
	"contact":    "科室联络员",
	"head":       "科室负责人",
	"supervisor": "分管领导和政务公开办",
}

func fmtDate(t any) string {
	switch v := t.(type) {
	case *time.Time:
		if v == nil {
			return "—"
		}
		return fmtDate(*v)
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		d := calendar.DateOf(v)
		return d.String() + " " + d.WeekdayName()
	case calendar.Date:
		return v.String() + " " + v.WeekdayName()
	}
	return fmt.Sprint(t)
}

func fmtTime(t any) string {
	switch v := t.(type) {
	case *time.Time:
		if v == nil {
			return "—"
		}
		return fmtTime(*v)
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.In(calendar.Shanghai).Format("2006-01-02 15:04")
	}
	return fmt.Sprint(t)
}

func leftLabel(l *left) string {
	if l == nil {
		return "无截止日期"
	}
	var s string
	switch {
	case l.Overdue && l.Days == 0:
		s = "今日逾期"
	case l.Overdue:
		s = fmt.Sprintf("逾期 %d 个工作日", l.Days)
	case l.Days == 0:
		s = "今天到期"
	default:
		s = fmt.Sprintf("剩 %d 个工作日", l.Days)
	}
	if l.Provisional {
		s += "（暂按周一至周五计算）"
	}
	return s
}

func percent(num, den int) string {
	if den == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(num)/float64(den))
}

func officeNames(os []store.ItemOffice) string {
	var b strings.Builder
	for i, o := range os {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(o.Name)
		if o.Role == "lead" && len(os) > 1 {
			b.WriteString("（牵头）")
		}
	}
	return b.String()
}

func excerpt(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

func prettyJSON(v any) string {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		var tmp any
		if json.Unmarshal(x, &tmp) != nil {
			return string(x)
		}
		b, _ = json.MarshalIndent(tmp, "", "  ")
	default:
		b, _ = json.MarshalIndent(v, "", "  ")
	}
	return string(b)
}

// templateArgs makes the argument of a partial (templates/partials.html) of name-value pairs:
// {{template "filter-select" (args "Label" "单位" "Name" "unit" …)}}.
func templateArgs(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("web: args wants name-value pairs, got %d values", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("web: args: name %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

var funcs = template.FuncMap{
	"status":     func(s string) string { return label(statusLabels, s) },
	"ruleKind":   func(s string) string { return label(ruleKindLabels, s) },
	"role":       func(s string) string { return label(roleLabels, s) },
	"eventKind":  func(s string) string { return label(eventLabels, s) },
	"delivery":   func(s string) string { return label(deliveryStatusLabels, s) },
	"noticeKind": func(s string) string { return label(noticeKindLabels, s) },
	"channel":    func(s string) string { return label(channelLabels, s) },
	"objectType": func(s string) string { return label(objectTypeLabels, s) },
	"action":     actionLabel,
	"recipient":  recipientLabel,
	"sendTime":   schedule.SendTimeText,
	"actor":      func(s string) string { return label(actorLabels, s) },
	"source":     sourceLabel,
	"level":      levelLabel,
	"target":     func(s string) string { return label(targetLabels, s) },
	"date":       fmtDate,
	"time":       fmtTime,
	"left":       leftLabel,
	"percent":    percent,
	"offices":    officeNames,
	"excerpt":    excerpt,
	"json":       prettyJSON,
	"join":       strings.Join,
	"trimPrefix": strings.TrimPrefix,
	"add":        func(a, b int) int { return a + b },
	"hasPrefix":  strings.HasPrefix,
	"fileSize":   fileSize,
	"isEvidence": isEvidenceURL,
	"issueText":  issueText,
	"list":       func(s ...string) []string { return s },
	"args":       templateArgs,
	"statusList": func() []string {
		return []string{"open", "overdue", "upcoming", "waiting", "done", "paused", "unparsed", "pending"}
	},
}
