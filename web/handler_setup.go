package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Password setup links. An admin never needs to know or say a password: resetting one, or
// handing over a new account, issues a one-time link that the user opens to choose their own.
// The link is shown once to the admin, who hands it over through a channel they trust; when the
// user is linked to an active person with an email address it is mailed to them as well: the
// mail is queued in the transaction that issues the link and the worker sends it at once
// (activities.SetupMailer), as the web has no mail channel. Only its hash is stored in
// setup_links and the audit log never holds it; the queued mail holds it until sent. It works
// once, within setupLinkTTL, and only the newest one of a user works.

// setupLinkTTL is long enough to span a weekend between an admin issuing a link on Friday
// and its user opening it on Monday.
const setupLinkTTL = 72 * time.Hour

func init() {
	for k, v := range map[string]string{
		"user.setup_link":     "签发密码设置链接",
		"user.password_setup": "通过链接设置密码",
		"user.person":         "关联人员",
		"person.settings":     "修改提醒设置",
		"items.export":        "导出事项清单",
		"user.setup_mail":     "发送密码设置邮件",
		"person.quiet_days":   "修改免打扰日",
	} {
		actionLabels[k] = v
	}
}

// SetupLink is an issued link, shown once.
type SetupLink struct {
	Login   string    `json:"login"`
	URL     string    `json:"url"`
	Expires time.Time `json:"expires_at"`
	// MailedTo is the address the link's mail was queued for ("" when not mailed); the worker
	// sends it within moments.
	MailedTo string `json:"mailed_to,omitempty"`
	// NoMail says why the link is not mailed, in Chinese, when the account has no address.
	NoMail string `json:"no_mail,omitempty"`
}

type setupLink = SetupLink

// issueSetupLink makes a setup link for u, queues its mail and records both in the audit log.
func (s *Server) issueSetupLink(r *http.Request, rc *reqCtx, u *store.User) (*setupLink, error) {
	link, err := IssueSetupLink(r.Context(), s.st, s.opt.BaseURL, u, s.now(), rc.audit())
	if err != nil {
		return nil, err
	}
	if link.MailedTo != "" {
		rc.flash = "密码设置链接已交由系统发送到 " + link.MailedTo + "（通常一分钟内送达）。"
		if s.opt.Dev {
			rc.flash += "开发模式：邮件见发件箱。"
		}
	}
	return link, nil
}

// IssueSetupLink makes a setup link for u (the web's admin pages and `zwgk user link` share
// it) and, when u is linked to an active person with an email address, queues its mail to them
// in the same transaction. a is the audit entry's actor: the admin, or cli:<OS user>.
func IssueSetupLink(ctx context.Context, st *store.Store, baseURL string, u *store.User, now time.Time, a store.Audit) (*SetupLink, error) {
	if u.Disabled {
		return nil, badRequest("账号 %s 已停用，请先启用再签发密码设置链接。", u.Login)
	}
	tok := randomToken(32)
	link := &SetupLink{Login: u.Login, URL: strings.TrimSuffix(baseURL, "/") + "/setup/" + tok, Expires: now.Add(setupLinkTTL)}
	mail, why, err := setupMail(ctx, st, u, link)
	if err != nil {
		return nil, err
	}
	if err := st.CreateSetupLinkMailed(ctx, u.ID, tok, link.Expires, a, mail); err != nil {
		return nil, err
	}
	if mail != nil {
		link.MailedTo = mail.Address
	}
	link.NoMail = why
	return link, nil
}

// setupMail is the mail of a link to the person u is linked to, or nil and why there is none.
// It holds the link in clear, as a password reset mail in a mailbox does; the audit entry
// names the address, never the link.
func setupMail(ctx context.Context, st *store.Store, u *store.User, link *SetupLink) (*store.SetupMail, string, error) {
	if u.PersonID == 0 {
		return nil, "账号未关联人员，链接未发送邮件", nil
	}
	p, err := st.Person(ctx, u.PersonID)
	if err != nil {
		return nil, "", fmt.Errorf("setup link person %d: %w", u.PersonID, err)
	}
	switch {
	case !p.Active:
		return nil, "关联人员" + p.Name + "已停用，链接未发送邮件", nil
	case p.Email == "":
		return nil, "关联人员" + p.Name + "没有登记邮箱，链接未发送邮件", nil
	}
	name := orName(p.Name, u.Login)
	text := fmt.Sprintf("%s：\n\n管理员为您的账号 %s 签发了密码设置链接。请在 %s 前打开下面的链接，设置您自己的登录密码：\n\n%s\n\n链接只能使用一次；设置后，其他设备上的登录会退出。如果您没有申请，请联系管理员。\n",
		name, u.Login, fmtTime(link.Expires), link.URL)
	body := fmt.Sprintf(`<p>%s：</p><p>管理员为您的账号 %s 签发了密码设置链接。请在 %s 前打开下面的链接，设置您自己的登录密码：</p><p><a href="%s">%s</a></p><p>链接只能使用一次；设置后，其他设备上的登录会退出。如果您没有申请，请联系管理员。</p>`,
		html.EscapeString(name), html.EscapeString(u.Login), html.EscapeString(fmtTime(link.Expires)), html.EscapeString(link.URL), html.EscapeString(link.URL))
	return &store.SetupMail{PersonID: p.ID, Recipient: p.Name, Address: p.Email,
		Subject: "设置政务公开任务系统登录密码", BodyText: text, BodyHTML: body}, "", nil
}

func orName(name, login string) string {
	if name != "" {
		return name
	}
	return login
}

// usersSetupLink resets a user's password by a setup link: the old password keeps working
// until the link is used, so that a reset issued by mistake locks no one out.
func (s *Server) usersSetupLink(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in struct {
		User int64 `form:"user" label:"用户（user）编号" json:"user"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	id := in.User
	if id <= 0 {
		return badRequest("请指定用户（user）。")
	}
	u, err := s.st.UserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return badRequest("用户（user）不存在：%d", id)
	}
	if err != nil {
		return err
	}
	link, err := s.issueSetupLink(r, rc, u)
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, link)
	}
	d, err := s.users(r)
	if err != nil {
		return err
	}
	d.Setup = link
	return s.render(w, r, rc, http.StatusOK, "users", "用户管理", d)
}

type setupData struct {
	Token   string
	Login   string
	Name    string
	Expires time.Time
	Error   string
}

// setupUser is the user a link is for, or the page's answer when it no longer works.
func (s *Server) setupUser(r *http.Request) (*store.User, error) {
	u, err := s.st.SetupLinkUser(r.Context(), r.PathValue("token"), s.now())
	switch {
	case errors.Is(err, store.ErrUsed):
		return nil, &httpError{status: http.StatusGone, msg: "这个密码设置链接已经用过，不能再次使用。如需重新设置密码，请联系管理员签发新链接。"}
	case errors.Is(err, store.ErrExpired):
		return nil, &httpError{status: http.StatusGone, msg: "这个密码设置链接已过期（有效期 72 小时）。请联系管理员签发新链接。"}
	case errors.Is(err, store.ErrNotFound):
		return nil, &httpError{status: http.StatusNotFound, msg: "密码设置链接无效：可能复制不完整，或管理员已签发了更新的链接。"}
	}
	return u, err
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	u, err := s.setupUser(r)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "setup", "设置密码", &setupData{Token: r.PathValue("token"), Login: u.Login, Name: u.Name})
}

// setupSubmit sets the password, spends the link, ends the user's other sessions and signs
// them in here.
func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	u, err := s.setupUser(r)
	if err != nil {
		return err
	}
	d := &setupData{Token: r.PathValue("token"), Login: u.Login, Name: u.Name}
	var in passwordForm
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	pw, again := in.New, in.Again
	var hash string
	switch {
	case pw != again:
		d.Error = "两次输入的新密码（再次输入新密码）不一致。"
	default:
		if hash, err = HashPassword(pw); err != nil {
			d.Error = "新密码：" + err.Error() + "。"
		}
	}
	if d.Error != "" {
		return s.render(w, r, rc, http.StatusBadRequest, "setup", "设置密码", d)
	}
	a := store.Audit{UserID: u.ID, Actor: u.Login, IP: rc.ip}
	if u, err = s.st.UseSetupLink(r.Context(), r.PathValue("token"), hash, s.now(), a); err != nil {
		if errors.Is(err, store.ErrUsed) || errors.Is(err, store.ErrExpired) || errors.Is(err, store.ErrNotFound) {
			_, err = s.setupUser(r) // the same answer the page gives
		}
		return err
	}
	if err := s.startSession(w, r, u, rc.ip); err != nil {
		return err
	}
	// To the account page, not home: home redirects again and the flash would be spent on it,
	// and the account page is where a linked person chooses how they are reminded.
	return s.done(w, r, rc, "/account", "密码已设置，已为您登录。其他设备上的登录已退出。", nil)
}
