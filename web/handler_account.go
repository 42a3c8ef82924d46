package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

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

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	old, pw, again := r.PostFormValue("old"), r.PostFormValue("new"), r.PostFormValue("again")
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

// personSettings are a person's settings, the defaults (every channel, digest on) if they set none.
func (s *Server) personSettings(r *http.Request, id int64) (store.PersonSettings, error) {
	all, err := s.st.PersonSettingsOf(r.Context(), []int64{id})
	if err != nil {
		return store.PersonSettings{}, err
	}
	ps, ok := all[id]
	if !ok {
		return store.PersonSettings{Digest: true}, nil
	}
	return ps, nil
}

// accountSettings saves how the person linked to the account wants reminders: which of their
// channels, and whether the non-urgent reminders come at all. Escalations ignore both.
func (s *Server) accountSettings(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
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
