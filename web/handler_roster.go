package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/notify/roster"
	"github.com/zwgk/zwgk/store"
)

// The people roster in Excel, read exactly as `zwgk people import` reads it (notify/roster),
// previewed first: every bad cell by file, row and column, and row by row who would be created
// or updated and which roles recorded. Confirming sends the previewed bytes back (the web tier
// keeps no state) and imports them in one transaction: all rows or none.

// maxRoster bounds a roster file; MaxRows rows of a roster are far below it.
const maxRoster = 5 << 20

type rosterProblem struct {
	File   string `json:"file"`
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	Header string `json:"header,omitempty"`
	Reason string `json:"reason"`
	Error  string `json:"message"` // as `zwgk people import` prints it
}

type rosterResult struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Attached int `json:"attached"`
}

type rosterData struct {
	Error    string            `json:"error,omitempty"` // set when an import was refused
	File     string            `json:"file"`
	Unit     string            `json:"unit,omitempty"` // for rows without 单位
	UnitID   int64             `json:"-"`
	DryRun   bool              `json:"dry_run"`
	OK       bool              `json:"ok"`
	Imported bool              `json:"imported"`
	Rows     int               `json:"rows"`
	Problems []rosterProblem   `json:"problems"`
	Plan     *store.RosterPlan `json:"plan,omitempty"`
	Result   *rosterResult     `json:"result,omitempty"`
	Data     string            `json:"-"` // the file, base64, for the confirmation form
}

func (s *Server) rosterImport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	// The confirmation carries the file base64-encoded: a third larger.
	if err := parseUpload(w, r, maxRoster*3/2+(1<<20), "名单文件超过 5 MB。", func(err error) error {
		return badRequest("请用表单上传名单文件（multipart/form-data，字段 file）：%v", err)
	}); err != nil {
		return err
	}
	defer r.MultipartForm.RemoveAll()
	d := rosterData{DryRun: r.FormValue("dry_run") != "" || r.URL.Query().Get("dry_run") != "", Problems: []rosterProblem{}}
	var data []byte
	if file, hdr, err := r.FormFile("file"); err == nil {
		defer file.Close()
		if data, err = io.ReadAll(file); err != nil {
			return badRequest("读取上传的文件失败：%v", err)
		}
		d.File = filepath.Base(hdr.Filename)
	} else if enc := r.FormValue("data"); enc != "" {
		if data, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return badRequest("确认表单中的文件已损坏，请重新上传。")
		}
		d.File = filepath.Base(r.FormValue("file_name"))
	} else {
		return s.refuse(w, r, rc, "roster", badRequest("请选择名单文件（.xlsx）。"))
	}
	if len(data) > maxRoster {
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: "名单文件超过 5 MB。"}
	}
	if d.File == "" || d.File == "." {
		d.File = "名单.xlsx"
	}
	if v := strings.TrimSpace(r.FormValue("unit")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s.refuse(w, r, rc, "roster", badRequest("单位编号无效：%s", v))
		}
		u, err := s.st.UnitByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return s.refuse(w, r, rc, "roster", badRequest("单位 %d 不存在。", id))
		}
		if err != nil {
			return err
		}
		d.Unit, d.UnitID = u.Name, u.ID
	}

	// Read every row, then resolve the rows that read cleanly against the directory, so that
	// one preview lists every bad cell without reporting a broken row twice.
	rows, err := roster.ReadXLSX(bytes.NewReader(data), d.File)
	d.Rows = len(rows)
	d.Problems = append(d.Problems, rosterProblems(d.File, err)...)
	bad := map[int]bool{}
	for _, p := range d.Problems {
		bad[p.Row] = true
	}
	good := slices.DeleteFunc(slices.Clone(rows), func(r roster.Row) bool { return bad[r.Row] })
	var entries []store.RosterEntry
	if len(good) > 0 {
		entries, err = roster.Resolve(ctx, s.st, d.File, good, d.Unit)
		d.Problems = append(d.Problems, rosterProblems(d.File, err)...)
	}
	if len(d.Problems) == 0 && len(entries) == 0 {
		d.Problems = append(d.Problems, rosterProblem{File: d.File, Reason: "名单中没有人员", Error: fmt.Sprintf("import %s: no rows", d.File)})
	}
	if len(d.Problems) == 0 {
		if d.DryRun {
			if d.Plan, err = s.st.PlanRoster(ctx, entries); err != nil {
				d.Problems = append(d.Problems, storeProblem(d.File, err))
			}
		} else if d.Plan, err = s.st.PlanRoster(ctx, entries); err != nil {
			// The plan first, for the confirmation's sums (ImportRoster counts rows, not people).
			d.Problems = append(d.Problems, storeProblem(d.File, err))
		} else if res, err := s.st.ImportRoster(ctx, entries, s.rosterAudit(rc, d.File, d.Unit)); err != nil {
			d.Problems = append(d.Problems, storeProblem(d.File, err))
		} else {
			d.Imported, d.Result = true, &rosterResult{Created: res.Created, Updated: res.Updated, Attached: res.Attached}
		}
	}
	d.OK = len(d.Problems) == 0
	if d.Imported {
		msg := fmt.Sprintf("已导入名单 %s：新建 %d 人，更新 %d 人，新增职责 %d 项；下一次提醒起生效。",
			d.File, d.Plan.New, d.Plan.Updated, d.Plan.NewRoles)
		return s.done(w, r, rc, "/admin/directory", msg, d)
	}
	status := http.StatusOK
	if !d.OK && !d.DryRun {
		status = http.StatusBadRequest
		d.Error = fmt.Sprintf("名单有 %d 处问题，未导入任何人员。", len(d.Problems))
	}
	if rc.api {
		return writeJSON(w, status, d)
	}
	if d.OK {
		d.Data = base64.StdEncoding.EncodeToString(data)
	}
	return s.render(w, r, rc, status, "roster_preview", "名单导入预览", d)
}

// rosterAudit is the roster.import entry that ImportRoster writes with the people it imports;
// the store adds the counts.
func (s *Server) rosterAudit(rc *reqCtx, file, unit string) store.Audit {
	a := rc.audit()
	a.ObjectID, a.Detail = file, map[string]any{"file": file, "unit": unit}
	return a
}

// rosterProblems splits what notify/roster reports into one problem per cell.
func rosterProblems(file string, err error) []rosterProblem {
	if err == nil {
		return nil
	}
	errs := []error{err}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	var out []rosterProblem
	for _, e := range errs {
		var re *roster.Error
		if errors.As(e, &re) {
			out = append(out, rosterProblem{File: re.File, Row: re.Row, Column: re.Column, Header: re.Header, Reason: re.Err.Error(), Error: re.Error()})
			continue
		}
		out = append(out, rosterProblem{File: file, Reason: e.Error(), Error: e.Error()})
	}
	return out
}

var storeRowRE = regexp.MustCompile(`row ([0-9]+): `)

// storeProblem is a row the database refused (two people claimed by one row's email and
// mobile): the transaction wrote nothing.
func storeProblem(file string, err error) rosterProblem {
	p := rosterProblem{File: file, Reason: err.Error(), Error: fmt.Sprintf("import %s: %v", file, err)}
	if m := storeRowRE.FindStringSubmatch(err.Error()); m != nil {
		p.Row, _ = strconv.Atoi(m[1])
	}
	if errors.Is(err, store.ErrDuplicatePerson) {
		p.Reason = "该行的邮箱和手机号分别属于两位不同的已有人员，请核对后只保留正确的一项"
	}
	return p
}
