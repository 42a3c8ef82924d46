package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/importer"
)

// columnRoles are the roles an admin may give a column on the preview page, in the order the
// select offers them.
var columnRoles = []struct {
	Role  importer.Role
	Label string
}{
	{importer.RoleSeq, "序号"}, {importer.RoleLevel, "层级（栏目、类别）"}, {importer.RoleTask, "事项 / 任务"},
	{importer.RoleRequirement, "具体要求 / 内容"}, {importer.RoleOffices, "责任科室"}, {importer.RoleLead, "牵头科室"},
	{importer.RoleCo, "配合科室"}, {importer.RoleDeadline, "完成时限"}, {importer.RoleFrequency, "更新频率"},
	{importer.RoleScore, "分值"}, {importer.RoleSubject, "公开主体"}, {importer.RoleField, "保留原文（依据、渠道、备注）"},
	{importer.RoleNone, "不读取"},
}

// listsCorrect saves the admin's corrections of how the kept upload was read (column roles,
// header, section and skipped rows, merged rows, rules by row) and previews it again. The
// corrections are saved with the list when it is committed and applied to its next revision.
func (s *Server) listsCorrect(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in correctionsInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	up, opts, err := s.keptUpload(ctx, in.Token)
	if err != nil {
		return err
	}
	// check what the form says the way a corrections file is checked
	raw, err := json.Marshal(in.Corrections)
	if err != nil {
		return err
	}
	c, err := importer.ParseCorrections(raw)
	if err != nil {
		return badRequest("%s", webWords(err.Error()))
	}
	if c.Empty() {
		c = nil
	}
	opts.Corrections, opts.CorrectionsSet = c, true
	saved, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	if err := s.st.SetListUploadOptions(ctx, up.Token, saved); err != nil {
		return err
	}
	return s.repreview(w, r, rc, up, opts)
}

type correctionsInput struct {
	Token       string               `form:"token" json:"token"`
	Corrections importer.Corrections `json:"corrections"`
}

func (in *correctionsInput) readForm(f url.Values) error {
	c, err := correctionsForm(f)
	if err != nil {
		return badRequest("%s", webWords(err.Error()))
	}
	in.Corrections = *c
	return nil
}

// correctionsForm reads the corrections form of the preview page: role:<column> selects (only
// those changed from what was read, was:<column>), header_row, section_rows, skip_rows (row
// numbers), merge (8+9, 12+13), rules (one 行号=时限 per line).
func correctionsForm(f map[string][]string) (*importer.Corrections, error) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	c := &importer.Corrections{}
	for k, v := range f {
		col, ok := strings.CutPrefix(k, "role:")
		if !ok || len(v) == 0 {
			continue
		}
		if was := f["was:"+col]; len(was) > 0 && was[0] == v[0] {
			continue
		}
		if c.Map == nil {
			c.Map = map[string]importer.Role{}
		}
		c.Map[col] = importer.Role(v[0])
	}
	if h := get("header_row"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < -1 || n == 0 {
			return nil, fmt.Errorf("表头行“%s”：请填写行号（没有表头填 -1）", h)
		}
		c.HeaderRow = n
	}
	var err error
	if c.SectionRows, err = rowNumbers("标题行", get("section_rows")); err != nil {
		return nil, err
	}
	if c.SkipRows, err = rowNumbers("跳过的行", get("skip_rows")); err != nil {
		return nil, err
	}
	for _, g := range splitList(get("merge")) {
		rows, err := rowNumbers("合并的行", strings.ReplaceAll(g, "+", ","))
		if err != nil {
			return nil, err
		}
		if len(rows) < 2 {
			return nil, fmt.Errorf("合并的行“%s”：请写两个以上的行号，如 8+9", g)
		}
		c.Merge = append(c.Merge, rows)
	}
	for _, l := range strings.Split(get("rules"), "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		row, wording, ok := strings.Cut(strings.ReplaceAll(l, "＝", "="), "=")
		row, wording = strings.TrimSpace(row), strings.TrimSpace(wording)
		key := "row:" + row
		if n, err := strconv.Atoi(row); err != nil || n < 1 {
			key = row // an item key, as saved with the list
			if !itemKey.MatchString(row) {
				ok = false
			}
		}
		if !ok || wording == "" {
			return nil, fmt.Errorf("时限“%s”：请按“行号=时限”填写，如 12=6月底前", l)
		}
		if c.Rules == nil {
			c.Rules = map[string]string{}
		}
		c.Rules[key] = wording
	}
	return c, nil
}

var itemKey = regexp.MustCompile(`^[0-9a-f]{16}$`)

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' })
}

func rowNumbers(what, s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s“%s”：请填写行号，用逗号分开", what, p)
		}
		out = append(out, n)
	}
	return out, nil
}
