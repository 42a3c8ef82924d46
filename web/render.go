package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/zwgk/zwgk/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

var staticFS = mustSub(staticRoot, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// httpError is an error with the status and the message a user sees.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

var (
	errUnauthenticated = &httpError{status: http.StatusUnauthorized, msg: "请先登录。"}
	errForbidden       = &httpError{status: http.StatusForbidden, msg: "无权访问：不在您负责的范围内。"}
)

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// pages holds one template set per page: the layout plus that page's file, so that each page can
// define its own "content" block.
type pages struct {
	dev bool
	set map[string]*template.Template
}

func loadPages(dev bool) (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{dev: dev, set: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", f, err)
		}
		p.set[name] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	Title string
	User  *store.User
	CSRF  string
	Flash string
	Dev   bool
	Nav   string // the menu entry to highlight
	Data  any
}

// render writes a page, or the data as JSON for API routes.
func (s *Server) render(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, page, title string, data any) error {
	if rc.api {
		return writeJSON(w, status, data)
	}
	t, ok := s.pages.set[page]
	if !ok {
		return fmt.Errorf("web: no template %q", page)
	}
	var buf bytes.Buffer
	v := view{Title: title, User: rc.user, CSRF: rc.csrf, Flash: rc.flash, Dev: s.opt.Dev, Nav: page, Data: data}
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// done answers a successful change: API callers get the result, browsers go to next with a
// flash message (POST/redirect/GET, so that reloading does not repeat the change).
func (s *Server) done(w http.ResponseWriter, r *http.Request, rc *reqCtx, next, flash string, result any) error {
	if rc.api {
		return writeJSON(w, http.StatusOK, result)
	}
	if flash != "" {
		s.setCookie(w, flashCookie, url.QueryEscape(flash), 0)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func unescapeFlash(v string) string {
	s, err := url.QueryUnescape(v)
	if err != nil {
		return ""
	}
	return s
}

// fail reports an error: the user sees a page in Chinese (or JSON), the log gets the details of
// anything unexpected.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
	case errors.Is(err, store.ErrNotFound):
		he = &httpError{status: http.StatusNotFound, msg: "找不到该对象。"}
	default:
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "user", rc.login(), "err", err)
		he = &httpError{status: http.StatusInternalServerError, msg: "服务器内部错误，请稍后再试或联系管理员。"}
	}
	if he.status == http.StatusUnauthorized && !rc.api && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if rc.api {
		_ = writeJSON(w, he.status, map[string]string{"error": he.msg})
		return
	}
	if rerr := s.render(w, r, rc, he.status, "error", "出错了", he); rerr != nil {
		s.log.Error("web: render error page", "err", rerr)
		http.Error(w, he.msg, he.status)
	}
}

// Status is exported for templates that show an error page.
func (e *httpError) Status() int { return e.status }

// Message is the user-facing text.
func (e *httpError) Message() string { return e.msg }
