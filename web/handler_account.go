package web

import (
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/zwgk/zwgk/store"
)

type accountData struct {
	User     *store.User       `json:"user"`
	Tokens   []store.APIToken  `json:"tokens"`
	Offices  []store.OfficeRow `json:"-"`
	NewToken string            `json:"token,omitempty"`
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
	// SetPassword ended every session, this one too: sign in again with the new password.
	if err := s.startSession(w, r, rc.user, rc.ip); err != nil {
		return err
	}
	return s.done(w, r, rc, "/account", "密码已修改，其他设备上的登录已退出。", nil)
}

// accountTokenCreate makes a bearer token for scripts; it is shown once.
func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in struct {
		Name string `json:"name"`
	}
	if rc.api {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	} else {
		in.Name = r.PostFormValue("name")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 60 {
		return badRequest("请为令牌起一个名字（60 字以内），例如“周报脚本”。")
	}
	tok := "zwgk_" + randomToken(32)
	id, err := s.st.CreateAPIToken(r.Context(), rc.user.ID, in.Name, tok, rc.audit())
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, map[string]any{"id": id, "name": in.Name, "token": tok})
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
