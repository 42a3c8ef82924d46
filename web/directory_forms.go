package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zwgk/zwgk/store"
)

// What the directory pages (单位, 科室, 联系人, 机器人, 名单导入) share: how a refused form is shown
// again, the validation of people, roles and robots with messages in Chinese, and the JSON
// shapes of the API, which never carry a robot's webhook token or signing secret.

// formState is what a page shows again after one of its forms was refused: the message, which
// form it was, and what had been typed (never the robot's webhook and secret).
type formState struct {
	Error  string
	Form   string
	Values url.Values
}

// V is a typed value of a form, for the form that was refused; "" for every other form.
func (f formState) V(form, field string) string {
	if f.Form != form {
		return ""
	}
	return f.Values.Get(field)
}

// Refused reports whether this form was the refused one.
func (f formState) Refused(form string) bool { return f.Form == form }

// Has reports whether a refused form had value among field's values (select options, boxes).
func (f formState) Has(form, field, value string) bool {
	return f.Form == form && slices.Contains(f.Values[field], value)
}

// refuse answers a form that failed validation. API callers get the error; a browser gets the
// page the form is on (named by its hidden field back) again, with the message above the form
// and what was typed still in it, instead of an error page and a retyped form.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rc *reqCtx, form string, err error) error {
	var he *httpError
	if rc.api || !errors.As(err, &he) || he.status < 400 || he.status >= 500 ||
		he.status == http.StatusUnauthorized || he.status == http.StatusForbidden {
		return err
	}
	vals := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case csrfField, "webhook", "secret", "data":
		default:
			vals[k] = v
		}
	}
	fs := formState{Error: he.msg, Form: form, Values: vals}
	ctx := r.Context()
	kind, id := backPage(r.PostFormValue("back"))
	var rerr error
	switch kind {
	case "unit":
		// back is the caller's word: show only a page the middleware would have let them see.
		if ok, cerr := s.canUnit(ctx, rc, id); cerr != nil || !ok {
			return err
		}
		rerr = s.renderUnit(w, r, rc, id, he.status, fs)
	case "office":
		unit, cerr := s.st.OfficeUnitOf(ctx, id)
		if cerr != nil || !s.canOffice(rc, id, unit) {
			return err
		}
		rerr = s.renderOffice(w, r, rc, id, he.status, fs)
	case "person":
		rerr = s.renderPerson(w, r, rc, id, he.status, fs)
	default:
		rerr = s.renderDirectory(w, r, rc, he.status, fs)
	}
	if rerr != nil {
		s.log.Warn("web: render a refused form", "form", form, "err", rerr)
		return err
	}
	return nil
}

var backRE = regexp.MustCompile(`^/admin/(units|offices|people)/([0-9]+)$`)

// backPage names the directory page a form came from: unit, office or person with its id, or
// "" for the directory itself.
func backPage(back string) (string, int64) {
	m := backRE.FindStringSubmatch(back)
	if m == nil {
		return "", 0
	}
	id, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return "", 0
	}
	return map[string]string{"units": "unit", "offices": "office", "people": "person"}[m[1]], id
}

// backTo is where a browser goes after a change: the page the form was on, or def.
func backTo(r *http.Request, def string) string {
	if b := r.PostFormValue("back"); b != "" {
		if k, _ := backPage(b); k != "" || b == "/admin/directory" {
			return b
		}
	}
	return def
}

// splitNames reads a list of names typed in one box: 、，,；; and line breaks separate them.
func splitNames(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("、，,；;\n\r\t", r) }) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func formIDs(vals []string, what string) ([]int64, error) {
	var out []int64
	for _, v := range vals {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, badRequest("%s编号无效：%s", what, v)
		}
		out = append(out, n)
	}
	return out, nil
}

func formInt(r *http.Request, field, what string) (int64, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("%s无效：%s", what, v)
	}
	return n, nil
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// checkName validates the name of a unit, office or group.
func checkName(name, what string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", badRequest("请填写%s名称。", what)
	case tooLong(name, 100):
		return "", badRequest("%s名称过长（最多 100 个字）：%s…", what, string([]rune(name)[:20]))
	}
	return name, nil
}

// ---- people ----

// personFields are the editable fields of a person (API body of PUT /api/people/{id}).
// A page's form names the channels in two menus, channel1 and channel2 (the fallback); check
// makes Channels of them.
type personFields struct {
	Name     string   `form:"name" json:"name"`
	Email    string   `form:"email" json:"email"`
	Mobile   string   `form:"mobile" json:"mobile"`
	Channels []string `json:"channels"` // preference order; empty: email then sms, as far as the addresses exist
	Alerts   bool     `form:"alerts" json:"alerts"`
	Note     string   `form:"note" json:"note"`
	Channel1 string   `form:"channel1" json:"-"` // "": automatic, email then sms as far as the addresses exist
	Channel2 string   `form:"channel2" json:"-"`
}

// newPerson is the API body of POST /api/people: the fields and an optional first role.
type newPerson struct {
	personFields
	OfficeID int64  `form:"office_id" label:"科室" json:"office_id,omitempty"`
	UnitID   int64  `form:"unit_id" label:"单位" json:"unit_id,omitempty"`
	Role     string `form:"role,trim" json:"role,omitempty"`
	Level    int    `form:"level" label:"督办级别" json:"level,omitempty"`
}

var mainlandMobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
var intlMobile = regexp.MustCompile(`^\+[0-9]{6,15}$`)

// normalizeMobile drops the spaces and dashes people type in numbers.
func normalizeMobile(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(s))
}

// validMobile accepts a mainland mobile number (11 digits starting 13–19, optionally +86) or
// an international one (+ and 6–15 digits); SMS cannot reach a landline.
func validMobile(m string) bool {
	if rest, ok := strings.CutPrefix(m, "+86"); ok {
		return mainlandMobile.MatchString(rest)
	}
	return mainlandMobile.MatchString(m) || intlMobile.MatchString(m)
}

// validEmail accepts a bare address with a dotted domain, as the roster import does.
func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e {
		return false
	}
	_, domain, _ := strings.Cut(e, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

var channelNames = map[string]string{"email": "邮件", "sms": "短信"}

// check validates and tidies the fields, with messages that say what to type.
func (p *personFields) check() error {
	if p.Channel1 != "" {
		p.Channels = []string{p.Channel1, p.Channel2}
	}
	p.Name, p.Email, p.Mobile, p.Note = strings.TrimSpace(p.Name), strings.TrimSpace(p.Email), normalizeMobile(p.Mobile), strings.TrimSpace(p.Note)
	switch {
	case p.Name == "":
		return badRequest("请填写姓名。")
	case tooLong(p.Name, 50):
		return badRequest("姓名过长（最多 50 个字）。")
	case p.Email != "" && !validEmail(p.Email):
		return badRequest("邮箱“%s”格式不正确，应如 zhangsan@example.gov.cn。", p.Email)
	case p.Mobile != "" && !validMobile(p.Mobile):
		return badRequest("手机号“%s”格式不正确：应为 11 位手机号，如 13800138000（可加 +86）。", p.Mobile)
	}
	// One number, one spelling: +86 13800138000 and 13800138000 are the same person.
	if rest, ok := strings.CutPrefix(p.Mobile, "+86"); ok {
		p.Mobile = rest
	}
	switch {
	case p.Email == "" && p.Mobile == "":
		return badRequest("邮箱和手机号至少填写一项，否则收不到提醒。")
	case tooLong(p.Note, 500):
		return badRequest("备注过长（最多 500 个字）。")
	}
	var chans []string
	for _, c := range p.Channels {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		switch {
		case channelNames[c] == "":
			return badRequest("接收方式“%s”无效：应为 email（邮件）或 sms（短信）。", c)
		case slices.Contains(chans, c):
			return badRequest("接收方式“%s”选了两次。", channelNames[c])
		case c == "email" && p.Email == "":
			return badRequest("接收方式包括邮件，但没有填写邮箱。")
		case c == "sms" && p.Mobile == "":
			return badRequest("接收方式包括短信，但没有填写手机号。")
		}
		chans = append(chans, c)
	}
	p.Channels = chans
	return nil
}

func (p personFields) person(id int64) store.Person {
	return store.Person{ID: id, Name: p.Name, Email: p.Email, Mobile: p.Mobile, Channels: p.Channels, Alerts: p.Alerts, Note: p.Note}
}

// duplicatePerson explains an address that belongs to someone else, naming them.
func (s *Server) duplicatePerson(ctx context.Context, p personFields, self int64) error {
	for _, addr := range []string{p.Email, p.Mobile} {
		if addr == "" {
			continue
		}
		other, err := s.st.PersonByAddress(ctx, addr)
		if err == nil && other.ID != self {
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("“%s”已是联系人%s（编号 %d）的地址：一个邮箱或手机号只能属于一个人。", addr, other.Name, other.ID)}
		}
	}
	return &httpError{status: http.StatusConflict, msg: "邮箱或手机号已属于另一位联系人。"}
}

// ---- roles ----

var personRoleNames = map[string]string{store.RoleContact: "联系人", store.RoleHead: "负责人", store.RoleLeader: "分管领导",
	store.RoleGKB: "政务公开办", store.RoleDirector: "办公室主任"}

// attachment is the API body of POST /api/people/attach and …/detach: a contact or head of an
// office, or a supervisor of a unit at an escalation level.
type attachment struct {
	PersonID int64  `form:"person_id" label:"联系人" json:"person_id"`
	OfficeID int64  `form:"office_id" label:"科室" json:"office_id,omitempty"`
	UnitID   int64  `form:"unit_id" label:"单位" json:"unit_id,omitempty"`
	Role     string `form:"role,trim" json:"role"`
	Level    int    `form:"level" label:"督办级别" json:"level,omitempty"`
}

// check validates a role against the directory and the caller's scope, and returns the names
// it shows: the office (with its unit) or the unit.
func (s *Server) checkAttachment(ctx context.Context, rc *reqCtx, a *attachment, needPerson bool) (office, unit string, err error) {
	if needPerson && a.PersonID == 0 {
		return "", "", badRequest("请选择联系人。")
	}
	switch a.Role {
	case store.RoleContact, store.RoleHead:
		if a.OfficeID == 0 {
			return "", "", badRequest("%s需要选择科室。", personRoleNames[a.Role])
		}
		if a.UnitID != 0 {
			return "", "", badRequest("科室职责只需科室，不要同时指定单位。")
		}
		uid, err := s.st.OfficeUnitOf(ctx, a.OfficeID)
		if errors.Is(err, store.ErrNotFound) {
			return "", "", badRequest("科室 %d 不存在。", a.OfficeID)
		}
		if err != nil {
			return "", "", err
		}
		if !s.canOffice(rc, a.OfficeID, uid) {
			return "", "", errForbidden
		}
		unit, office, err := s.st.OfficeName(ctx, a.OfficeID)
		return office, unit, err
	case store.RoleLeader, store.RoleGKB, store.RoleDirector:
		if a.UnitID == 0 {
			return "", "", badRequest("%s需要选择单位。", personRoleNames[a.Role])
		}
		if a.OfficeID != 0 {
			return "", "", badRequest("督办职责按单位设置，不要同时指定科室。")
		}
		if a.Level == 0 {
			a.Level = 1 // as `zwgk people attach` does
		}
		if a.Level < 1 || a.Level > 9 {
			return "", "", badRequest("督办级别应为 1–9：%d", a.Level)
		}
		u, err := s.st.UnitByID(ctx, a.UnitID)
		if errors.Is(err, store.ErrNotFound) {
			return "", "", badRequest("单位 %d 不存在。", a.UnitID)
		}
		if err != nil {
			return "", "", err
		}
		ok, err := s.canUnit(ctx, rc, a.UnitID)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", errForbidden
		}
		return "", u.Name, nil
	case "":
		return "", "", badRequest("请选择职责：联系人、负责人、分管领导、政务公开办或办公室主任。")
	}
	return "", "", badRequest("职责“%s”无效：应为 contact（联系人）、head（负责人）、leader（分管领导）、gkb（政务公开办）或 director（办公室主任）。", a.Role)
}

// ---- JSON shapes ----

type personOfficeJSON struct {
	OfficeID int64  `json:"office_id"`
	Office   string `json:"office"`
	UnitID   int64  `json:"unit_id"`
	Unit     string `json:"unit"`
	Role     string `json:"role"`
}

type personUnitJSON struct {
	UnitID int64  `json:"unit_id"`
	Unit   string `json:"unit"`
	Level  int    `json:"level"`
	Role   string `json:"role"`
}

// personJSON is a person as the API shows them.
type personJSON struct {
	ID       int64              `json:"id"`
	Name     string             `json:"name"`
	Email    string             `json:"email"`
	Mobile   string             `json:"mobile"`
	Channels []string           `json:"channels"`
	Alerts   bool               `json:"alerts"`
	Active   bool               `json:"active"`
	Note     string             `json:"note"`
	Offices  []personOfficeJSON `json:"offices"`
	Units    []personUnitJSON   `json:"units"`
}

func personView(p store.Person) personJSON {
	v := personJSON{ID: p.ID, Name: p.Name, Email: p.Email, Mobile: p.Mobile, Channels: p.Channels, Alerts: p.Alerts,
		Active: p.Active, Note: p.Note, Offices: []personOfficeJSON{}, Units: []personUnitJSON{}}
	for _, o := range p.Offices {
		v.Offices = append(v.Offices, personOfficeJSON(o))
	}
	for _, u := range p.Units {
		v.Units = append(v.Units, personUnitJSON(u))
	}
	return v
}

func peopleView(ps []store.Person) []personJSON {
	out := make([]personJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, personView(p))
	}
	return out
}

// robotJSON is an office robot as pages and the API show it: the webhook's host only, since
// its query (access_token, key) is the credential, and whether it signs, never the secret.
type robotJSON struct {
	ID       int64  `json:"id"`
	OfficeID int64  `json:"office_id"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Host     string `json:"host"`
	Signed   bool   `json:"signed"`
	Active   bool   `json:"active"`
}

func robotView(b store.Robot) robotJSON {
	return robotJSON{ID: b.ID, OfficeID: b.OfficeID, Kind: b.Kind, Name: b.Name, Host: webhookHost(b.Webhook), Signed: b.Secret != "", Active: b.Active}
}

func webhookHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "（地址无效）"
	}
	return u.Host
}

var robotKindNames = map[string]string{"dingtalk": "钉钉", "wecom": "企业微信"}

// robotInput is the API body of POST /api/offices/{id}/robots.
type robotInput struct {
	Kind    string `form:"kind" json:"kind"`
	Name    string `form:"name" json:"name"`
	Webhook string `form:"webhook" json:"webhook"`
	Secret  string `form:"secret" json:"secret"`
}

// check validates a robot without ever quoting the webhook or the secret: both are
// credentials, and error messages end up in logs and screenshots.
func (in *robotInput) check() error {
	in.Kind, in.Name, in.Webhook, in.Secret = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Name), strings.TrimSpace(in.Webhook), strings.TrimSpace(in.Secret)
	if robotKindNames[in.Kind] == "" {
		return badRequest("机器人类型应为 dingtalk（钉钉）或 wecom（企业微信）。")
	}
	if tooLong(in.Name, 50) {
		return badRequest("机器人名称过长（最多 50 个字）。")
	}
	u, err := url.Parse(in.Webhook)
	if in.Webhook == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return badRequest("Webhook 地址无效：请粘贴机器人设置页上以 https:// 开头的完整地址。")
	}
	q := u.Query()
	switch in.Kind {
	case "dingtalk":
		if u.Host == "oapi.dingtalk.com" && q.Get("access_token") == "" {
			return badRequest("钉钉 Webhook 地址缺少 access_token 参数：请复制机器人设置页上的完整地址。")
		}
		if in.Secret != "" && !strings.HasPrefix(in.Secret, "SEC") {
			return badRequest("钉钉加签密钥应以 SEC 开头：请复制机器人“加签”设置中的密钥。")
		}
	case "wecom":
		if u.Host == "qyapi.weixin.qq.com" && q.Get("key") == "" {
			return badRequest("企业微信 Webhook 地址缺少 key 参数：请复制群机器人的完整地址。")
		}
		if in.Secret != "" {
			return badRequest("企业微信群机器人没有加签密钥，请留空。")
		}
	}
	return nil
}

var personFieldNames = map[string]string{"name": "姓名", "email": "邮箱", "mobile": "手机", "channels": "接收方式",
	"alerts": "接收告警", "active": "启用", "note": "备注"}

var rosterActionNames = map[string]string{"create": "新建", "update": "更新", "same": "不变", "again": "同上",
	"new": "新增", "kept": "已有", "changed": "变更"}

// fieldValue shows a before or after value of a person's field.
func fieldValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []string:
		var names []string
		for _, c := range x {
			names = append(names, label(channelNames, c))
		}
		return strings.Join(names, "、")
	case string:
		if x == "" {
			return "（空）"
		}
		return x
	}
	return fmt.Sprint(v)
}

func init() {
	// Labels of the directory pages. They join the package's template functions here, before
	// New parses the templates, so that the directory pages stay in files of their own.
	funcs["personRole"] = func(role string) string { return label(personRoleNames, role) }
	funcs["channel"] = func(c string) string { return label(channelNames, c) }
	funcs["robotKind"] = func(k string) string { return label(robotKindNames, k) }
	funcs["personField"] = func(f string) string { return label(personFieldNames, f) }
	funcs["fieldValue"] = fieldValue
	funcs["rosterAction"] = func(a string) string { return label(rosterActionNames, a) }
}
