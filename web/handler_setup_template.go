package web

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/zwgk/zwgk/importer"
)

// listTemplate is `zwgk template` on the web: the blank list template with its instructions
// and drop-downs; with ?unit= the office drop-down offers that unit's offices.
func (s *Server) listTemplate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var offices []string
	if rc.unit != 0 {
		list, err := s.st.Offices(r.Context(), rc.unit)
		if err != nil {
			return err
		}
		for _, o := range list {
			offices = append(offices, o.Name)
		}
	}
	// Written to a buffer first, so that a failure is an error page and not half a file.
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf, offices); err != nil {
		return err
	}
	const name = "任务清单模板.xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="template.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	_, err := buf.WriteTo(w)
	return err
}
