package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Password setup links. An admin never needs to know or say a password: resetting one, or
// handing over a new account, issues a one-time link that the user opens to choose their own.
// The link is shown once to the admin (it is not mailed: the admin hands it over through a
// channel they trust to reach that person, as they did the password before). Only its hash is
// stored; it works once, within setupLinkTTL, and only the newest one of a user works.

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
	Login   string    `json:"login"`
	URL     string    `json:"url"`
	Expires time.Time `json:"expires_at"`
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
	return &setupLink{Login: u.Login, URL: strings.TrimSuffix(s.opt.BaseURL, "/") + "/setup/" + tok, Expires: expires}, nil
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
