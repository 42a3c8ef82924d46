package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Password setup links. An admin never needs to know or say a password: resetting one, or
// handing over a new account, issues a one-time link that the user opens to choose their own.
// The link is shown once to the admin, who hands it over through a channel they trust; when the
// user is linked to a person with an email address it is mailed to them as well (see
// mailSetupLink for where). Only its hash is stored in setup_links and the audit log never
// holds it; it works once, within setupLinkTTL, and only the newest one of a user works.

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
	} {
		actionLabels[k] = v
	}
}

// setupLink is an issued link, shown once.
type setupLink struct {
	Login    string    `json:"login"`
	URL      string    `json:"url"`
	Expires  time.Time `json:"expires_at"`
	MailedTo string    `json:"mailed_to,omitempty"` // the address the link was also mailed to
}

// issueSetupLink makes a setup link for u and records it in the audit log.
func (s *Server) issueSetupLink(r *http.Request, rc *reqCtx, u *store.User) (*setupLink, error) {
	if u.Disabled {
		return nil, badRequest("账号 %s 已停用，请先启用再签发密码设置链接。", u.Login)
	}
	tok := randomToken(32)
	expires := s.now().Add(setupLinkTTL)
	if err := s.st.CreateSetupLink(r.Context(), u.ID, tok, expires, rc.audit()); err != nil {
		return nil, err
	}
	link := &setupLink{Login: u.Login, URL: strings.TrimSuffix(s.opt.BaseURL, "/") + "/setup/" + tok, Expires: expires}
	to, err := s.mailSetupLink(r, rc, u, tok, link)
	switch {
	case err != nil:
		// The link exists and is on the admin's screen: a mail that failed must not lose it.
		s.log.Warn("setup link mail", "user", u.Login, "err", err)
		rc.flash = "密码设置链接未能发送到本人邮箱（" + err.Error() + "），请将下面的链接交给本人。"
	case to != "":
		link.MailedTo = to
		rc.flash = "密码设置链接已同时发送到 " + to + "（开发模式：见发件箱）。"
	}
	return link, nil
}

// mailSetupLink mails the link to the person u is linked to, when they have an email address,
// and returns the address ("" when there is none to mail to).
//
// Only in dev mode: there the outbox is the email channel and the web writes the message into
// it directly. In production the web process has no mail channel (SMTP belongs to the worker,
// which sends what the dispatcher plans), so the link is handed over by the admin only.
// The outbox key is the link's hash: one message per link, however often the write is tried.
// The outbox copy is the mail itself, so it holds the link in clear, as a password reset mail
// in a mailbox does; the audit entry names the address, never the link.
func (s *Server) mailSetupLink(r *http.Request, rc *reqCtx, u *store.User, tok string, link *setupLink) (string, error) {
	if !s.opt.Dev || u.PersonID == 0 {
		return "", nil
	}
	ctx := r.Context()
	p, err := s.st.Person(ctx, u.PersonID)
	if err != nil {
		return "", fmt.Errorf("人员 %d：%w", u.PersonID, err)
	}
	if p.Email == "" || !p.Active {
		return "", nil
	}
	sum := sha256.Sum256([]byte(tok))
	name := orName(p.Name, u.Login)
	text := fmt.Sprintf("%s：\n\n管理员为您的账号 %s 签发了密码设置链接。请在 %s 前打开下面的链接，设置您自己的登录密码：\n\n%s\n\n链接只能使用一次；设置后，其他设备上的登录会退出。如果您没有申请，请联系管理员。\n",
		name, u.Login, fmtTime(link.Expires), link.URL)
	body := fmt.Sprintf(`<p>%s：</p><p>管理员为您的账号 %s 签发了密码设置链接。请在 %s 前打开下面的链接，设置您自己的登录密码：</p><p><a href="%s">%s</a></p><p>链接只能使用一次；设置后，其他设备上的登录会退出。如果您没有申请，请联系管理员。</p>`,
		html.EscapeString(name), html.EscapeString(u.Login), html.EscapeString(fmtTime(link.Expires)), html.EscapeString(link.URL), html.EscapeString(link.URL))
	id, _, err := s.st.PutOutbox(ctx, store.OutboxMessage{
		Key: "setup-link/" + hex.EncodeToString(sum[:16]), Channel: "email", Recipient: p.Name, Address: p.Email,
		Subject: "设置政务公开任务系统登录密码", BodyText: text, BodyHTML: body,
	})
	if err != nil {
		return "", err
	}
	a := rc.audit()
	a.Action, a.ObjectType, a.ObjectID = "user.setup_mail", "user", strconv.FormatInt(u.ID, 10)
	a.Detail = map[string]any{"person": p.ID, "address": p.Email, "outbox": id, "expires_at": link.Expires}
	if err := s.st.RecordAudit(ctx, a); err != nil {
		return "", err
	}
	return p.Email, nil
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
	var id int64
	if rc.api {
		var in struct {
			User int64 `json:"user"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		id = in.User
	} else {
		n, err := strconv.ParseInt(r.PostFormValue("user"), 10, 64)
		if err != nil {
			return badRequest("用户（user）编号无效：%q", r.PostFormValue("user"))
		}
		id = n
	}
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
	pw, again := r.PostFormValue("new"), r.PostFormValue("again")
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
