package web

import (
	"net/http"

	"github.com/zwgk/zwgk/store"
)

type auditData struct {
	Entries []store.AuditEntry `json:"entries"`
	Filter  store.AuditFilter  `json:"-"`
	Next    int64              `json:"next,omitempty"` // pass as before= for the next page
}

// auditPage lists the audit log, newest first, filtered by object or actor.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	q := r.URL.Query()
	f := store.AuditFilter{ObjectType: q.Get("type"), ObjectID: q.Get("object"), Actor: q.Get("actor"), Limit: 100}
	before, err := intParam(r, "before")
	if err != nil {
		return err
	}
	f.Before = before
	entries, err := s.st.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	d := auditData{Entries: entries, Filter: f}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].ID
	}
	return s.render(w, r, rc, http.StatusOK, "audit", "审计日志", d)
}
