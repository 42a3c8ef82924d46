package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
)

// notFoundHandler answers every path no route matches, as the router's own 404 would but in
// Chinese, within the layout (with the menu when signed in), or as JSON under /api/. The mux
// sends here a known path with a method it does not take too: such a request comes from no
// page of this site, and "page not found" is as true for it as a 405.
func (s *Server) notFoundHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := &reqCtx{api: strings.HasPrefix(r.URL.Path, "/api/"), ip: s.clientIP(r)}
		if err := s.authenticate(w, r, rc); err != nil {
			rc.user = nil // a bad token or cookie still gets the page, without the menu
		}
		s.fail(w, r, rc, &httpError{status: http.StatusNotFound, msg: "您要找的页面不存在，可能是地址输错了，或该页面已被移除。"})
	})
}

// recoverPanic turns a handler's panic into the Chinese 500 page (and a log line with the
// stack) instead of a dropped connection; deferred by ServeHTTP.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	rc := &reqCtx{api: strings.HasPrefix(r.URL.Path, "/api/"), ip: s.clientIP(r)}
	s.fail(w, r, rc, fmt.Errorf("web: panic: %v\n%s", v, debug.Stack()))
}
