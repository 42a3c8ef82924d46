package web

import (
	"net/http"
	"strings"

	"github.com/zwgk/zwgk/store"
)

type loginData struct {
	Login string
	Next  string
	Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if rc.user != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, rc, http.StatusOK, "login", "登录", loginData{Next: r.URL.Query().Get("next")})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	login := strings.TrimSpace(r.PostFormValue("login"))
	next := safeNext(r.PostFormValue("next"))
	u, err := s.checkLogin(r.Context(), login, r.PostFormValue("password"), rc.ip)
	if he, ok := err.(*httpError); ok {
		return s.render(w, r, rc, he.status, "login", "登录", loginData{Login: login, Next: next, Error: he.msg})
	}
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, u, rc.ip); err != nil {
		return err
	}
	// Sign-ins are rare enough to carry the housekeeping: expired sessions, old login failures
	// and link nonces past their links' expiry.
	if err := s.st.PruneWebState(r.Context(), s.now()); err != nil {
		s.log.Warn("web: prune sessions", "err", err)
	}
	a := store.Audit{UserID: u.ID, Actor: u.Login, IP: rc.ip, Action: "session.login", ObjectType: "user", ObjectID: itoa(u.ID)}
	if err := s.st.RecordAudit(r.Context(), a); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.st.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// home sends each role to its main page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	next := "/items"
	if rc.is(store.RoleAdmin, store.RoleSupervisor) {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
