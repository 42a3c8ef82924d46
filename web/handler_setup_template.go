package web

import (
	"net/http"
	"net/url"

	"github.com/zwgk/zwgk/internal/listtemplate"
)

// listTemplate is `zwgk template` on the web: the blank list template with its instructions
// and drop-downs; with ?unit= the office drop-down offers that unit's offices.
func (s *Server) listTemplate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	// Built whole first, so that a failure is an error page and not half a file.
	buf, _, err := listtemplate.Build(r.Context(), s.st, rc.unit)
	if err != nil {
		return err
	}
	const name = "任务清单模板.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="template.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}
