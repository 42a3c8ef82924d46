// Package web is zwgk's browser UI and JSON API: offices see and complete their items,
// supervisors watch escalations and export 督办单, admins load lists and keep the directory,
// calendar and policies.
//
// Every page and API endpoint is one row of the route table (routes.go). The table says who may
// call it (roles) and which path or query parameter names the item, office or unit it touches
// (scope); one middleware enforces both, so a handler never has to remember an authorisation
// check, and the authorisation matrix test walks the same table so that a new route cannot be
// left out. Pages and the API read PostgreSQL only; changes to items go to their workflows
// through ItemCommands.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// ItemCommands changes items through their workflows; workflows.Client satisfies it.
type ItemCommands interface {
	Complete(ctx context.Context, workflowID string, c workflows.Completion) (workflows.State, error)
	Reopen(ctx context.Context, workflowID string, r workflows.Reopen) (workflows.State, error)
	Extend(ctx context.Context, workflowID string, x workflows.Extension) (workflows.State, error)
	Reassign(ctx context.Context, workflowID string, r workflows.Reassignment) (workflows.State, error)
	RecordEvent(ctx context.Context, workflowID string, ev workflows.Event) (workflows.State, error)
	Pause(ctx context.Context, workflowID string, a workflows.Actor) (workflows.State, error)
	Resume(ctx context.Context, workflowID string, a workflows.Actor) (workflows.State, error)
	Query(ctx context.Context, workflowID string) (workflows.State, error)
}

// Options configures the web app.
type Options struct {
	Store *store.Store
	Items ItemCommands
	// Syncer starts, revises and cancels item workflows after a list upload is committed
	// (workflows.Client); nil commits the list and leaves the workflows to the next sync.
	Syncer importer.Syncer
	// Secret keys session CSRF tokens, iCalendar feed URLs and verifies signed links
	// (ZWGK_SECRET); config.CheckSecret says what it must be.
	Secret []byte
	// BaseURL is the public URL (ZWGK_BASE_URL); https makes cookies Secure.
	BaseURL string
	// Dev shows the dev outbox and marks every page 开发模式.
	Dev    bool
	Logger *slog.Logger
	// Now is the clock; time.Now when nil. Tests set it to pin "today".
	Now func() time.Time
	// TrustedProxies are the reverse proxies (ZWGK_TRUSTED_PROXIES) whose X-Forwarded-For
	// names the client, for login throttling and the audit log. A request from any other peer
	// is its own client, whatever its headers say.
	TrustedProxies []netip.Prefix
	// ScanCommand (ZWGK_SCAN_COMMAND) is run by sh with each evidence file on stdin before it
	// is stored; a non-zero exit refuses the file. Empty: no scan.
	ScanCommand string
	// ObserveRequest, when set, is told of every answered request: the route pattern that
	// matched ("" when none did), the status and the time taken (metrics.HTTPObserver). The
	// pattern, not the path, so that ids and tokens in URLs cannot grow a label set.
	ObserveRequest func(pattern string, status int, elapsed time.Duration)
}

// Server is the web app. It is an http.Handler.
type Server struct {
	opt    Options
	st     *store.Store
	log    *slog.Logger
	mux    *http.ServeMux
	pages  *pages
	secure bool
	now    func() time.Time
	cal    *workdays
	stats  *snapshotRefresher
	links  *links.Signer
	// passwordChecks counts the sign-in attempts that got as far as comparing a password, which
	// is what the login throttle bounds.
	passwordChecks atomic.Int64
}

// New builds the web app.
func New(opt Options) (*Server, error) {
	if opt.Store == nil {
		return nil, errors.New("web: no store")
	}
	if opt.Items == nil {
		return nil, errors.New("web: no item commands")
	}
	if err := config.CheckSecret(string(opt.Secret)); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	u, err := url.Parse(opt.BaseURL)
	if err != nil || opt.BaseURL == "" {
		return nil, fmt.Errorf("web: base URL %q: want an absolute URL such as https://gk.example.gov.cn", opt.BaseURL)
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	pg, err := loadPages(opt.Dev)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opt:    opt,
		st:     opt.Store,
		log:    opt.Logger,
		mux:    http.NewServeMux(),
		pages:  pg,
		secure: u.Scheme == "https",
		now:    opt.Now,
		cal:    newWorkdays(opt.Store),
	}
	if s.links, err = links.NewSigner(string(opt.Secret), opt.BaseURL); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.stats = newSnapshotRefresher(opt.Store, opt.Logger)
	for _, rt := range s.routes() {
		if rt.dev && !opt.Dev {
			continue
		}
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS)))
	s.mux.Handle("/", s.notFoundHandler())
	return s, nil
}

// ServeHTTP adds the security headers every response carries and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	defer s.recoverPanic(w, r)
	if s.opt.ObserveRequest == nil {
		s.mux.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	s.mux.ServeHTTP(sw, r) // sets r.Pattern to the route that matched
	s.opt.ObserveRequest(r.Pattern, sw.status(), time.Since(start))
}

// statusWriter remembers the status a handler wrote. Unwrap lets http.ResponseController
// (the upload routes' longer deadlines) reach the connection beneath.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
