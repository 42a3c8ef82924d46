package web

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

type accountData struct {
	User     *store.User       `json:"user"`
	Tokens   []store.APIToken  `json:"tokens"`
	Offices  []store.OfficeRow `json:"-"`
	NewToken string            `json:"token,omitempty"`
	// Person and Settings are the reminder settings of the person linked to the account.
	Person   *store.Person        `json:"-"`
	Settings store.PersonSettings `json:"-"`
	Choices  []channelChoice      `json:"-"`
	// Weekdays and Ranges are the quiet-day form: the seven weekdays, and one range a line.
	Weekdays []weekdayChoice `json:"-"`
	Ranges   string          `json:"-"`
}

// weekdayChoice is one weekday on the quiet-day form.
type weekdayChoice struct {
	Day   int // 1 = Monday … 7 = Sunday
	Label string
	Quiet bool
}

// channelChoice is one of the person's channels on the settings form.
type channelChoice struct {
	Channel string
	Wanted  bool
}

// accountPage shows the user's scope, API tokens and the calendar feeds of their offices.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.account(r, rc)
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusOK, map[string]any{"tokens": d.Tokens})
	}
	return s.render(w, r, rc, http.StatusOK, "account", "我的账号", d)
}

func (s *Server) account(r *http.Request, rc *reqCtx) (*accountData, error) {
	tokens, err := s.st.APITokens(r.Context(), rc.user.ID)
	if err != nil {
		return nil, err
	}
	d := &accountData{User: rc.user, Tokens: tokens}
	if rc.user.PersonID != 0 {
		p, err := s.st.Person(r.Context(), rc.user.PersonID)
		if err != nil {
			return nil, err
		}
		d.Person = &p
		if d.Settings, err = s.personSettings(r, p.ID); err != nil {
			return nil, err
		}
		for _, c := range p.Channels {
			d.Choices = append(d.Choices, channelChoice{c, len(d.Settings.Channels) == 0 || slices.Contains(d.Settings.Channels, c)})
		}
		for i, l := range weekdayLabels {
			d.Weekdays = append(d.Weekdays, weekdayChoice{i + 1, l, slices.Contains(d.Settings.Quiet.Weekdays, i+1)})
		}
		d.Ranges = quietRangesText(d.Settings.Quiet.Ranges)
	}
	if rc.user.Role == store.RoleOffice || rc.user.Role == store.RoleSupervisor {
		if d.Offices, err = s.st.OfficesInScope(r.Context(), rc.scope); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	return writeJSON(w, http.StatusOK, map[string]any{"user": rc.user, "csrf_token": rc.csrf})
}

// passwordForm is a password change, by the account page (with the old password) or by a
// setup link (without).
type passwordForm struct {
	Old   string `form:"old"`
	New   string `form:"new"`
	Again string `form:"again"`
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in passwordForm
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	old, pw, again := in.Old, in.New, in.Again
	if bcrypt.CompareHashAndPassword([]byte(rc.user.PasswordHash), []byte(old)) != nil {
		return badRequest("原密码不正确。")
	}
	if pw != again {
		return badRequest("两次输入的新密码不一致。")
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return badRequest("%v", err)
	}
	if err := s.st.SetPassword(r.Context(), rc.user.ID, hash, rc.audit()); err != nil {
		return err
	}
	// SetPassword ended every session, this one too, and every API token: sign in again with
	// the new password.
	if err := s.startSession(w, r, rc.user, rc.ip); err != nil {
		return err
	}
	return s.done(w, r, rc, "/account", "密码已修改，其他设备上的登录已退出。", nil)
}

// Token lifetimes: chosen at creation, 90 days unless the user picks another, never more than
// a year, so that a token forgotten in a script dies by itself.
const (
	tokenDefaultDays = 90
	tokenMaxDays     = 365
)

// accountTokenCreate makes a bearer token for scripts; it is shown once. A request that is
// itself authenticated by a token may not make one: a leaked token would otherwise mint its
// own successors and outlive its expiry and revocation.
func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if rc.viaToken {
		return &httpError{status: http.StatusForbidden, msg: "不能用 API 令牌生成新令牌：请登录网页，在“我的账号”中生成。"}
	}
	var in struct {
		Name string `form:"name" json:"name"`
		Days int    `form:"days" label:"有效期（天数）" json:"days"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 60 {
		return badRequest("请为令牌起一个名字（60 字以内），例如“周报脚本”。")
	}
	if in.Days == 0 {
		in.Days = tokenDefaultDays
	}
	if in.Days < 1 || in.Days > tokenMaxDays {
		return badRequest("令牌有效期应为 1–%d 天，不填为 %d 天。", tokenMaxDays, tokenDefaultDays)
	}
	expires := s.now().AddDate(0, 0, in.Days)
	tok := "zwgk_" + randomToken(32)
	id, err := s.st.CreateAPIToken(r.Context(), rc.user.ID, in.Name, tok, expires, rc.audit())
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, map[string]any{"id": id, "name": in.Name, "token": tok, "expires_at": expires})
	}
	d, err := s.account(r, rc)
	if err != nil {
		return err
	}
	d.NewToken = tok
	return s.render(w, r, rc, http.StatusOK, "account", "我的账号", d)
}

func (s *Server) accountTokenRevoke(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.RevokeAPIToken(r.Context(), rc.user.ID, id, rc.audit()); err != nil {
		return err
	}
	return s.done(w, r, rc, "/account", "令牌已撤销。", map[string]any{"revoked": id})
}

// personSettings are a person's settings, the defaults (every channel, digest on, no quiet
// days) if they set none; quiet ranges that have ended are left out.
func (s *Server) personSettings(r *http.Request, id int64) (store.PersonSettings, error) {
	all, err := s.st.PersonSettingsOf(r.Context(), []int64{id})
	if err != nil {
		return store.PersonSettings{}, err
	}
	ps, ok := all[id]
	if !ok {
		ps = store.PersonSettings{Digest: true}
	}
	quiet, err := s.st.QuietDaysOf(r.Context(), []int64{id}, calendar.DateOf(s.now()))
	if err != nil {
		return store.PersonSettings{}, err
	}
	ps.Quiet = quiet[id]
	return ps, nil
}

func init() { funcs["quietDays"] = quietDaysText }

var weekdayLabels = []string{"周一", "周二", "周三", "周四", "周五", "周六", "周日"}

// maxQuietRanges bounds the ranges a person keeps; a year of 休假 and 出差 fits.
const maxQuietRanges = 20

// quietRangeLine is one line of the ranges field: a day, or two joined by .. 至 ~ or a dash,
// then an optional note: "2026-12-20..2026-12-31 休假".
var quietRangeLine = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|至|到|~|～|—|–|-)\s*(\d{4}-\d{2}-\d{2}))?(?:\s+(.*))?$`)

// parseQuietRanges reads the ranges field, one range a line; the error says which line, in
// the words of the form.
func parseQuietRanges(text string) ([]store.QuietRange, error) {
	var out []store.QuietRange
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		m := quietRangeLine.FindStringSubmatch(line)
		if m == nil {
			return nil, badRequest("免打扰时段第 %d 行“%s”：请写成“2026-12-20..2026-12-31 休假”或“2026-12-25 休假”。", i+1, line)
		}
		from, err := calendar.ParseDate(m[1])
		if err != nil {
			return nil, badRequest("免打扰时段第 %d 行：日期 %s 不存在。", i+1, m[1])
		}
		to := from
		if m[2] != "" {
			if to, err = calendar.ParseDate(m[2]); err != nil {
				return nil, badRequest("免打扰时段第 %d 行：日期 %s 不存在。", i+1, m[2])
			}
		}
		switch {
		case to.Before(from):
			return nil, badRequest("免打扰时段第 %d 行：结束日期 %s 早于开始日期 %s。", i+1, to, from)
		case to.After(from.AddDays(366)):
			return nil, badRequest("免打扰时段第 %d 行：一段不能超过一年。", i+1)
		}
		note := strings.TrimSpace(m[3])
		if len([]rune(note)) > 40 {
			return nil, badRequest("免打扰时段第 %d 行：备注请在 40 字以内。", i+1)
		}
		out = append(out, store.QuietRange{From: from, To: to, Note: note})
	}
	if len(out) > maxQuietRanges {
		return nil, badRequest("免打扰时段最多 %d 段。", maxQuietRanges)
	}
	return out, nil
}

// quietRangesText is the ranges field's text for ranges, the form parseQuietRanges reads.
func quietRangesText(ranges []store.QuietRange) string {
	var b strings.Builder
	for _, r := range ranges {
		b.WriteString(r.From.String())
		if r.To != r.From {
			b.WriteString("..")
			b.WriteString(r.To.String())
		}
		if r.Note != "" {
			b.WriteString(" ")
			b.WriteString(r.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// quietDaysText describes quiet days for the admin's person page.
func quietDaysText(q store.QuietDays) string {
	var parts []string
	for _, w := range q.Weekdays {
		if w >= 1 && w <= 7 {
			parts = append(parts, "每"+weekdayLabels[w-1])
		}
	}
	for _, r := range q.Ranges {
		t := r.From.String()
		if r.To != r.From {
			t += " 至 " + r.To.String()
		}
		if r.Note != "" {
			t += "（" + r.Note + "）"
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "无"
	}
	return strings.Join(parts, "、")
}

// accountQuiet saves the days the person linked to the account gets no non-urgent reminders
// (the settings form's sibling, posted to /account/settings with form=quiet).
// What falls on them is sent in their next send window that is not quiet; escalations and
// urgent hour clocks ignore them.
func (s *Server) accountQuiet(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if rc.user.PersonID == 0 {
		return &httpError{status: http.StatusConflict, msg: "本账号还没有关联接收提醒的人员，请联系管理员在“用户管理”中关联。"}
	}
	var q store.QuietDays
	for _, v := range r.PostForm["weekday"] {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 7 {
			return badRequest("免打扰日（weekday）无效：%q。", v)
		}
		q.Weekdays = append(q.Weekdays, n)
	}
	ranges, err := parseQuietRanges(r.PostFormValue("ranges"))
	if err != nil {
		return err
	}
	q.Ranges = ranges
	err = s.st.SetQuietDays(r.Context(), rc.user.PersonID, q, calendar.DateOf(s.now()), rc.audit())
	if errors.Is(err, store.ErrQuietDays) {
		return badRequest("周一至周五不能都设为免打扰日，否则一般提醒会一直推迟。")
	}
	if err != nil {
		return err
	}
	return s.done(w, r, rc, "/account", "免打扰日已保存。", nil)
}

// accountSettings saves how the person linked to the account wants reminders: which of their
// channels, and whether the non-urgent reminders come at all. Escalations ignore both.
func (s *Server) accountSettings(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if r.PostFormValue("form") == "quiet" {
		return s.accountQuiet(w, r, rc)
	}
	if rc.user.PersonID == 0 {
		return &httpError{status: http.StatusConflict, msg: "本账号还没有关联接收提醒的人员，请联系管理员在“用户管理”中关联。"}
	}
	ps := store.PersonSettings{Channels: r.PostForm["channels"], Digest: r.PostFormValue("digest") != ""}
	if len(ps.Channels) == 0 {
		return badRequest("接收方式（channels）至少选一种。")
	}
	err := s.st.SetPersonSettings(r.Context(), rc.user.PersonID, ps, rc.audit())
	if errors.Is(err, store.ErrChannelNotHeld) {
		return badRequest("接收方式（channels）只能从管理员为您登记的方式中选择。")
	}
	if err != nil {
		return err
	}
	return s.done(w, r, rc, "/account", "提醒设置已保存。", nil)
}
