package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// maxJSONBody bounds the JSON a handler decodes; the body limit of the route (maxFormBody
// unless it is an upload route) is usually the smaller.
const maxJSONBody = 1 << 20

// Upload limits of the routes that take more than a form (route.upload), besides maxUpload (a
// list file) and maxJSONBody (a commit, a holiday year): the roster's confirmation carries its
// file base64-encoded, a third larger; a corrections form names every row of a large list.
const (
	maxRosterForm  = maxRoster*3/2 + (1 << 20)
	maxCorrections = 4 << 20
)

// decodeJSON reads an API request body into v, refusing unknown fields so that a typo in a
// script is an error rather than a silently ignored setting.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest("请求体为空：需要 JSON")
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge(mbe.Limit)
		}
		return badRequest("JSON 无效：%v", err)
	}
	return nil
}

// yearParam reads a page's optional ?year=, def when absent; years outside 2000 to last are
// refused, so that a mistyped year is an error rather than an empty page.
func yearParam(r *http.Request, def, last int) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2000 || n > last {
		return 0, badRequest("“年度”无效：%s", v)
	}
	return n, nil
}

// pageUnits lists the units of the user's scope for a page's unit picker, with the unit the
// page shows: the one chosen or, when none is, the first of the scope (none at all is a 404).
func (s *Server) pageUnits(ctx context.Context, rc *reqCtx, unit int64) ([]store.UnitRow, int64, error) {
	units, err := s.st.UnitsInScope(ctx, rc.scope)
	if err != nil {
		return nil, 0, err
	}
	if unit == 0 {
		if len(units) == 0 {
			return nil, 0, &httpError{status: http.StatusNotFound, msg: "您负责的范围内还没有单位。"}
		}
		unit = units[0].ID
	}
	return units, unit, nil
}

// intParam reads an optional positive integer query parameter.
func intParam(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badRequest("参数 %s 不是有效的数字：%s", name, v)
	}
	return n, nil
}

// pathID reads the {id} wildcard.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest("编号无效：%s", r.PathValue(name))
	}
	return n, nil
}
