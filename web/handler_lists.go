package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// Uploading a list: the admin picks the unit and year and uploads the file; the preview shows
// the items as read (errors and warnings named by row and column) and the diff against the
// stored list; confirming commits exactly the previewed file against the previewed revision.

// maxUpload is a little above the importer's 20 MB limit, so that the importer, not the HTTP
// layer, says the file is too large, with its own message.
const maxUpload = 21 << 20

type listsData struct {
	Lists []store.ListSummary `json:"lists"`
	Units []store.UnitRow     `json:"-"`
	Year  int                 `json:"-"`
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	lists, err := s.st.ListSummaries(r.Context())
	if err != nil {
		return err
	}
	units, err := s.st.UnitsInScope(r.Context(), store.Scope{All: true})
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "lists", "清单导入", listsData{Lists: lists, Units: units, Year: calendar.DateOf(s.now()).Year})
}

// uploadOptions are the build options of an upload, kept with it for the confirmation.
type uploadOptions struct {
	CreateOffices bool   `json:"create_offices"`
	DefaultRule   string `json:"default_rule,omitempty"`
	Simplified    bool   `json:"simplified,omitempty"`
	// Corrections are the admin's fixes made on the preview page; until CorrectionsSet, the
	// corrections saved with the stored list (from its last revision) apply.
	Corrections    *importer.Corrections `json:"corrections,omitempty"`
	CorrectionsSet bool                  `json:"corrections_set,omitempty"`
}

type previewData struct {
	Token  string           `json:"token"`
	OK     bool             `json:"ok"` // no errors: the token can be committed
	Result *importer.Result `json:"result"`
	Diff   *importer.Diff   `json:"diff,omitempty"`
	// Groups that name no office yet, and the offices (existing and new) they may be given.
	Groups  []string `json:"unassigned_groups,omitempty"`
	Offices []string `json:"-"`
	// Corrections are those the preview was read with (this upload's, or the stored list's).
	Corrections *importer.Corrections `json:"corrections,omitempty"`
	// Late are the items already overdue now: the admin chooses to track them from today (a
	// grace of GraceDays working days before escalation) or to escalate them as the list says.
	Late      int      `json:"late"`
	LateShown []string `json:"-"`
	GraceDays int      `json:"grace_days"`
	// Untold are the list's offices that have no contact (nor robot): their reminders reach
	// nobody until the directory has one; new offices are untold by definition.
	Untold []string `json:"untold_offices,omitempty"`
	// What the page shows: the first items, and the counts; the roles a column may be given.
	Shown []importer.Item `json:"-"`
	Roles any             `json:"-"`
}

const previewItems = 300

// defaultGrace is the preview's proposal for a late list: track it from today, and start the
// ladder of its overdue items after 5 working days.
const defaultGrace = 5

func (s *Server) listsPreview(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	if err := parseUpload(w, r, maxUpload, "文件超过 20 MB。", func(err error) error {
		return badRequest("请用表单上传文件（multipart/form-data）：%v", err)
	}); err != nil {
		return err
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return badRequest("请选择清单文件（xlsx、docx、csv、html 或 txt）。")
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return badRequest("读取上传的文件失败：%v", err)
	}
	year, err := strconv.Atoi(strings.TrimSpace(r.FormValue("year")))
	if err != nil || year < 2000 || year > 2100 {
		return badRequest("年度应为 2000–2100 之间的年份：%q", r.FormValue("year"))
	}
	opts := uploadOptions{CreateOffices: r.FormValue("create_offices") != "", DefaultRule: strings.TrimSpace(r.FormValue("default_rule")),
		Simplified: r.FormValue("simplified") != ""}

	var unit store.Unit
	if name := strings.TrimSpace(r.FormValue("new_unit")); name != "" {
		if _, err := checkName(name, "单位"); err != nil {
			return err
		}
		u, _, err := s.st.EnsureUnitAudited(ctx, name, rc.audit())
		if err != nil {
			return err
		}
		unit = u
	} else {
		id, err := strconv.ParseInt(r.FormValue("unit"), 10, 64)
		if err != nil {
			return badRequest("请选择单位，或填写新单位名称。")
		}
		if unit, err = s.st.UnitByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return badRequest("单位 %d 不存在。", id)
		} else if err != nil {
			return err
		}
	}
	res, diff, corr, err := s.buildList(r, unit.ID, year, hdr.Filename, data, opts)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	// The upload is kept even when it has errors: the admin may fix the directory (create the
	// offices, assign groups) on the preview page and preview the same file again.
	token := randomToken(24)
	base := -1
	if diff != nil {
		base = diff.BaseRevision
	}
	if err := s.st.SaveListUpload(ctx, store.ListUpload{Token: token, UserID: rc.user.ID, UnitID: unit.ID, Year: year,
		FileName: hdr.Filename, Data: data, Options: raw, BaseRevision: base}); err != nil {
		return err
	}
	return s.showPreview(w, r, rc, token, res, diff, corr)
}

func (s *Server) showPreview(w http.ResponseWriter, r *http.Request, rc *reqCtx, token string, res *importer.Result, diff *importer.Diff, corr *importer.Corrections) error {
	d := previewData{Token: token, Result: res, Diff: diff, OK: res.OK(), Corrections: corr, Roles: columnRoles, GraceDays: defaultGrace}
	if res.UnitID != 0 {
		none, err := s.st.OfficesWithoutContact(r.Context(), res.UnitID)
		if err != nil {
			return err
		}
		used := map[string]bool{}
		for _, it := range res.Items {
			for _, o := range it.Offices {
				used[o.Name] = true
			}
		}
		for _, n := range none {
			if used[n] {
				d.Untold = append(d.Untold, n)
			}
		}
	}
	d.Untold = append(d.Untold, res.NewOffices...)
	late := importer.Late(res, s.now(), s.cal.get(r.Context()))
	d.Late = len(late)
	for _, it := range late[:min(len(late), 5)] {
		d.LateShown = append(d.LateShown, it.Title)
	}
	d.Groups = unassignedGroups(res)
	if len(d.Groups) > 0 || len(res.NewOffices) > 0 {
		offices, err := s.st.Offices(r.Context(), res.UnitID)
		if err != nil {
			return err
		}
		for _, o := range offices {
			d.Offices = append(d.Offices, o.Name)
		}
		d.Offices = append(d.Offices, res.NewOffices...)
	}
	if rc.api {
		d.Result = webResult(res)
		return writeJSON(w, http.StatusOK, d)
	}
	d.Shown = res.Items[:min(len(res.Items), previewItems)]
	return s.render(w, r, rc, http.StatusOK, "lists_preview", "导入预览", d)
}

// unassignedGroups lists the groups of a result that name no office yet (各股室 before the
// admin said which offices it means).
func unassignedGroups(res *importer.Result) []string {
	var out []string
	for _, it := range res.Items {
		for _, g := range it.Groups {
			if len(g.Offices) == 0 && !g.PerEvent && !slices.Contains(out, g.Name) {
				out = append(out, g.Name)
			}
		}
	}
	return out
}

// listsFix applies the directory fixes chosen on the preview page (create the list's new
// offices; assign offices to its groups) and previews the kept upload again.
func (s *Server) listsFix(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Token  string              `form:"token" json:"token"`
		Create []string            `form:"create" json:"create_offices"`
		Groups map[string][]string `form:"group:*" json:"groups"` // group name → office names
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	up, opts, err := s.keptUpload(ctx, in.Token)
	if err != nil {
		return err
	}
	fix := store.DirectoryFix{Groups: map[string][]string{}, File: up.FileName}
	for _, name := range in.Create {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, err := checkName(name, "科室"); err != nil {
			return err
		}
		fix.Create = append(fix.Create, name)
	}
	for g, names := range in.Groups {
		if len(names) == 0 {
			continue
		}
		if strings.TrimSpace(g) == "" {
			return badRequest("分组名称不能为空。")
		}
		fix.Groups[g] = names
	}
	// one transaction: an office created for a group that is then refused is not left behind
	_, err = s.st.FixDirectory(ctx, up.UnitID, fix, rc.audit())
	var unknown *store.UnknownOfficeError
	if errors.As(err, &unknown) {
		return badRequest("分组“%s”：科室“%s”不在目录中，请先勾选新建它。", unknown.Group, unknown.Office)
	}
	if err != nil {
		return err
	}
	return s.repreview(w, r, rc, up, opts)
}

// keptUpload reads an upload kept for its preview and the options it is read with; one past
// its day (or already committed) is 410 Gone.
func (s *Server) keptUpload(ctx context.Context, token string) (*store.ListUpload, uploadOptions, error) {
	var opts uploadOptions
	up, err := s.st.ListUploadByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, opts, &httpError{status: http.StatusGone, msg: "预览已过期（超过一天）或已导入，请重新上传。"}
	}
	if err != nil {
		return nil, opts, err
	}
	if err := json.Unmarshal(up.Options, &opts); err != nil {
		return nil, opts, fmt.Errorf("upload options: %w", err)
	}
	return up, opts, nil
}

// repreview reads a kept upload again (after the directory or its corrections changed) and
// shows the preview, recording the revision its diff was made against.
func (s *Server) repreview(w http.ResponseWriter, r *http.Request, rc *reqCtx, up *store.ListUpload, opts uploadOptions) error {
	res, diff, corr, err := s.buildList(r, up.UnitID, up.Year, up.FileName, up.Data, opts)
	if err != nil {
		return err
	}
	if diff != nil && up.BaseRevision < 0 {
		if err := s.st.SetListUploadBase(r.Context(), up.Token, diff.BaseRevision); err != nil {
			return err
		}
	}
	return s.showPreview(w, r, rc, up.Token, res, diff, corr)
}

// buildList reads a file against the unit's directory, with the upload's corrections or else
// those saved with the stored list, and diffs it with the stored list. It returns the
// corrections it applied.
func (s *Server) buildList(r *http.Request, unitID int64, year int, name string, data []byte, opts uploadOptions) (*importer.Result, *importer.Diff, *importer.Corrections, error) {
	ctx := r.Context()
	dir, err := s.st.LoadDirectory(ctx, unitID)
	if err != nil {
		return nil, nil, nil, err
	}
	corr := opts.Corrections
	if !opts.CorrectionsSet {
		if corr, err = storedCorrections(r, s.st, unitID, year); err != nil {
			return nil, nil, nil, err
		}
	}
	res := importer.Load(name, data, dir, importer.Options{Build: importer.BuildOptions{
		Year: year, CreateOffices: opts.CreateOffices, DefaultRule: opts.DefaultRule, Simplified: opts.Simplified, Corrections: corr}})
	if !res.OK() {
		return res, nil, corr, nil
	}
	diff, err := importer.DiffStored(ctx, s.st, res)
	if err != nil {
		return nil, nil, nil, err
	}
	return res, diff, corr, nil
}

// storedCorrections are the corrections saved with the list of a unit and year (nil: none, or
// no list yet).
func storedCorrections(r *http.Request, st *store.Store, unitID int64, year int) (*importer.Corrections, error) {
	raw, err := st.ListCorrections(r.Context(), unitID, year)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(raw) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := importer.ParseCorrections(raw)
	if err != nil {
		return nil, fmt.Errorf("corrections saved with list %d/%d: %w", unitID, year, err)
	}
	return c, nil
}

type commitData struct {
	Committed *importer.Committed `json:"committed"`
	Warning   string              `json:"warning,omitempty"`
	Unit      string              `json:"unit"`
	Year      int                 `json:"year"`
}

func (s *Server) listsCommit(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Token string `form:"token" json:"token"`
		// GraceDays tracks a late list from today (the preview's choice); 0 escalates its
		// overdue items as the list says.
		GraceDays int `form:"grace" label:"宽限天数" json:"grace_days"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if in.GraceDays < 0 || in.GraceDays > 30 {
		return badRequest("宽限天数应为 0–30 之间的整数：%d", in.GraceDays)
	}
	if in.Token == "" {
		return badRequest("缺少预览令牌：请先上传并预览清单。")
	}
	up, opts, err := s.keptUpload(ctx, in.Token)
	if err != nil {
		return err
	}
	res, diff, corr, err := s.buildList(r, up.UnitID, up.Year, up.FileName, up.Data, opts)
	if err != nil {
		return err
	}
	if !res.OK() {
		return badRequest("清单有 %d 个错误，未导入：请按预览页的提示处理后再确认。", len(res.Errors))
	}
	if up.BaseRevision < 0 {
		return badRequest("请先预览通过后再确认导入。")
	}
	// the preview's diff is the commit's: Commit refuses a list that moved on from its base
	a := rc.audit()
	a.Detail = map[string]any{"file": up.FileName, "unit": res.Unit, "year": res.Year,
		"added": len(diff.Added), "changed": len(diff.Changed), "removed": len(diff.Removed)}
	out, err := importer.Commit(ctx, s.st, res, importer.CommitOptions{ImportedBy: rc.login(), BaseRevision: up.BaseRevision,
		GraceDays: in.GraceDays, Now: s.now(), Audit: &a}, s.opt.Syncer)
	d := commitData{Committed: out, Unit: res.Unit, Year: res.Year}
	switch {
	case errors.Is(err, store.ErrConflict):
		return &httpError{status: http.StatusConflict, msg: "预览之后清单已被更新，请重新上传预览。"}
	case errors.Is(err, importer.ErrNotCommittable):
		// the error names the file for the CLI's log ("import FILE: N errors"); the page's
		// preview says what the errors are
		return badRequest("清单有错误，未导入：请按预览页的提示处理后再确认。")
	case err != nil && out == nil:
		return err
	case err != nil:
		// Committed, but some workflows did not start; importing again (or Resync) retries.
		s.log.Error("web: list committed but not synced", "file", up.FileName, "err", err)
		d.Warning = "清单已导入，但部分事项的跟踪尚未启动，请稍后重新导入同一文件重试。"
	case out != nil && !out.Synced && s.opt.Syncer == nil:
		d.Warning = "清单已导入；本服务未连接工作流，事项将在工作流服务下次同步时开始跟踪。"
	}
	if err := s.st.DeleteListUpload(ctx, up.Token); err != nil {
		return err
	}
	// the corrections go with the list, in the form that reads its next revision
	var saved []byte
	if next := corr.ForNextRevision(res); next != nil {
		if saved, err = json.Marshal(next); err != nil {
			return err
		}
	}
	if err := s.st.SetListCorrections(ctx, up.UnitID, up.Year, saved); err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusOK, d)
	}
	msg := fmt.Sprintf("已导入 %s %d 年清单第 %d 版：新增 %d 项，修改 %d 项，删除 %d 项。", res.Unit, res.Year, out.Changes.Revision,
		len(out.Diff.Added), len(out.Diff.Changed), len(out.Diff.Removed))
	if d.Warning != "" {
		msg += d.Warning
	}
	return s.done(w, r, rc, "/admin/lists", msg, d)
}
