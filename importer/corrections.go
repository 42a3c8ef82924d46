package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/zwgk/zwgk/schedule"
)

// Corrections are an admin's fixes of a list the importer misread, made in the web preview
// or written by hand for `zwgk import --corrections FILE`. They are saved with the list and
// applied again to its next revision: everything that names an item does so by its key,
// which a revision keeps, and rows are source rows of the file the corrections were made on.
//
//	{
//	  "map":          {"细化分工": "requirement", "D": "offices"},
//	  "header_row":   3,
//	  "section_rows": [12, 40],
//	  "skip_rows":    [7],
//	  "merge":        [[15, 16]],
//	  "split":        [22],
//	  "groups":       {"相关业务股室": ["政策法规股", "行政审批股"]},
//	  "offices":      {"3f9a…": ["办公室", "财务股"]},
//	  "rules":        {"3f9a…": "每季度结束后10个工作日内", "row:31": "6月底前"}
//	}
type Corrections struct {
	// Map sets column roles: a column named by header text, letter (C) or number (3) → a role
	// (seq, level, task, requirement, offices, lead, co, deadline, frequency, score, field, none).
	Map map[string]Role `json:"map,omitempty"`
	// HeaderRow is the source row of the header (-1: the table has none).
	HeaderRow int `json:"header_row,omitempty"`
	// SectionRows are rows that are headings: their text becomes the path of the rows below.
	SectionRows []int `json:"section_rows,omitempty"`
	// SkipRows are rows that are not items (a repeated header, a note, page furniture).
	SkipRows []int `json:"skip_rows,omitempty"`
	// Merge joins each group of rows into one item (a row the flattening broke in two); the
	// first row keeps its title, the texts of the others are appended.
	Merge [][]int `json:"merge,omitempty"`
	// Split makes one item of every line of these rows' requirement (several tasks in one cell).
	Split []int `json:"split,omitempty"`
	// Groups say which offices a group (相关业务股室, 各相关科室) means in this list.
	Groups map[string][]string `json:"groups,omitempty"`
	// Offices replace the owners of an item, by key.
	Offices map[string][]string `json:"offices,omitempty"`
	// Rules replace the rule of an item, by key or "row:N", with wording the rule reader
	// understands.
	Rules map[string]string `json:"rules,omitempty"`
	// SectionTexts and SkipTexts name heading and skipped rows by their text rather than their
	// row: what ForNextRevision keeps, as a revised file moves its rows.
	SectionTexts []string `json:"section_texts,omitempty"`
	SkipTexts    []string `json:"skip_texts,omitempty"`
}

// ForNextRevision turns corrections made on one file into corrections that read the next
// revision of the list the same way: rules named by row are named by the key of the item that
// row became, heading and skipped rows by their text. Merge and Split, which only the rows of
// this file can say, are not kept. res is the result the corrections were applied to.
func (c *Corrections) ForNextRevision(res *Result) *Corrections {
	if c.Empty() {
		return nil
	}
	n := *c
	n.HeaderRow, n.SectionRows, n.SkipRows, n.Merge, n.Split = 0, nil, nil, nil, nil
	if len(c.Rules) > 0 {
		n.Rules = map[string]string{}
		for k, v := range c.Rules {
			row, isRow := strings.CutPrefix(k, "row:")
			if !isRow {
				n.Rules[k] = v
				continue
			}
			for _, it := range res.Items {
				if fmt.Sprint(it.Source.Row) == row {
					n.Rules[it.Key] = v
				}
			}
		}
	}
	for _, r := range c.SectionRows {
		if t := res.rowTexts[r]; t != "" && !slices.Contains(n.SectionTexts, t) {
			n.SectionTexts = append(n.SectionTexts, t)
		}
	}
	for _, r := range c.SkipRows {
		if t := res.rowTexts[r]; t != "" && !slices.Contains(n.SkipTexts, t) {
			n.SkipTexts = append(n.SkipTexts, t)
		}
	}
	if n.Empty() {
		return nil
	}
	return &n
}

// namedRow reports whether a row is one of rows or its first text one of texts.
func namedRow(rows map[int]bool, texts []string, row int, text string) bool {
	return rows[row] || text != "" && slices.Contains(texts, text)
}

// ParseCorrections reads a corrections document, refusing unknown fields and roles so that a
// typo is not silently ignored.
func ParseCorrections(data []byte) (*Corrections, error) {
	var c Corrections
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("corrections: %w", err)
	}
	for col, r := range c.Map {
		if !validRole(r) {
			return nil, fmt.Errorf("corrections: map %q: unknown role %q (want one of %s)", col, r, strings.Join(roleNames(), ", "))
		}
	}
	return &c, nil
}

var allRoles = []Role{RoleSeq, RoleLevel, RoleTask, RoleRequirement, RoleOffices, RoleLead, RoleCo, RoleDeadline,
	RoleFrequency, RoleScore, RoleSubject, RoleField}

func validRole(r Role) bool {
	if r == RoleNone || r == "none" {
		return true
	}
	for _, x := range allRoles {
		if x == r {
			return true
		}
	}
	return false
}

func roleNames() []string {
	out := []string{"none"}
	for _, r := range allRoles {
		out = append(out, string(r))
	}
	return out
}

// ParseMap reads `--map 列名=role` values (several, comma- or repeat-separated) into a map.
func ParseMap(specs []string) (map[string]Role, error) {
	out := map[string]Role{}
	for _, spec := range specs {
		for _, kv := range strings.Split(spec, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			col, role, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(col) == "" {
				return nil, fmt.Errorf("--map %s: want 列名=role, e.g. 细化分工=requirement", kv)
			}
			r := Role(strings.TrimSpace(role))
			if !validRole(r) {
				return nil, fmt.Errorf("--map %s: unknown role %q (want one of %s)", kv, r, strings.Join(roleNames(), ", "))
			}
			out[strings.TrimSpace(col)] = r
		}
	}
	return out, nil
}

func (c *Corrections) rowSet(rows []int) map[int]bool {
	m := map[int]bool{}
	if c != nil {
		for _, r := range rows {
			m[r] = true
		}
	}
	return m
}

// applyMap sets the mapped column roles on top of the detected ones.
func (c *Corrections) applyMap(roles []Role, header []string) ([]Role, error) {
	if c == nil || len(c.Map) == 0 {
		return roles, nil
	}
	cols := make([]string, 0, len(c.Map))
	for k := range c.Map {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	for _, col := range cols {
		i, err := resolveColumn(col, header)
		if err != nil {
			return nil, fmt.Errorf("--map %s: %w", col, err)
		}
		for len(roles) <= i {
			roles = append(roles, RoleNone)
		}
		r := c.Map[col]
		if r == "none" {
			r = RoleNone
		}
		roles[i] = r
	}
	return roles, nil
}

// mergeRaws joins the rows the admin marked as one item.
// mergedInto reports a row the admin merged into the row above it: it is part of an item, not
// a category row, whatever it holds.
func (c *Corrections) mergedInto(row int) bool {
	if c == nil {
		return false
	}
	for _, g := range c.Merge {
		if slices.Contains(g[1:], row) {
			return true
		}
	}
	return false
}

func (c *Corrections) mergeRaws(raws []raw) []raw {
	if c == nil || len(c.Merge) == 0 {
		return raws
	}
	into := map[int]int{} // row -> first row of its group
	for _, g := range c.Merge {
		for _, r := range g[1:] {
			into[r] = g[0]
		}
	}
	idx := map[int]int{}
	var out []raw
	for _, r := range raws {
		first, ok := into[r.row]
		if j, seen := idx[first]; ok && seen {
			m := &out[j]
			// the rest of a broken row may sit in any column: its own labels are text too
			for _, l := range r.labels {
				if l != "" && !slices.Contains(m.labels, l) {
					m.requirement = strings.TrimSpace(m.requirement + "\n" + l)
				}
			}
			if r.requirement != "" {
				m.requirement = strings.TrimSpace(m.requirement + "\n" + r.requirement)
			}
			m.offices = append(m.offices, r.offices...)
			if m.deadline.text == "" {
				m.deadline = r.deadline
			}
			if m.frequency.text == "" {
				m.frequency = r.frequency
			}
			if m.score.text == "" {
				m.score = r.score
			}
			m.fields = append(m.fields, r.fields...)
			continue
		}
		idx[r.row] = len(out)
		out = append(out, r)
	}
	return out
}

// splitRaws makes an item of every line of the requirement of the rows marked for it.
func (c *Corrections) splitRaws(raws []raw) []raw {
	split := c.rowSet(c.splitRows())
	if len(split) == 0 {
		return raws
	}
	var out []raw
	for _, r := range raws {
		lines := strings.Split(r.requirement, "\n")
		if !split[r.row] || len(lines) < 2 {
			out = append(out, r)
			continue
		}
		for _, l := range lines {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			x := r
			x.requirement = l
			x.titleFromText = true
			out = append(out, x)
		}
	}
	return out
}

func (c *Corrections) splitRows() []int {
	if c == nil {
		return nil
	}
	return c.Split
}

// itemRule is the rule the admin set for an item, if any.
func (c *Corrections) itemRule(it *Item, year int) (schedule.Rule, string, bool) {
	if c == nil || len(c.Rules) == 0 {
		return schedule.Rule{}, "", false
	}
	text, ok := c.Rules[it.Key]
	if !ok {
		text, ok = c.Rules[fmt.Sprintf("row:%d", it.Source.Row)]
	}
	if !ok {
		return schedule.Rule{}, "", false
	}
	return parseRule(text, year), text, true
}

func (c *Corrections) sectionRows() []int {
	if c == nil {
		return nil
	}
	return c.SectionRows
}

func (c *Corrections) skipRows() []int {
	if c == nil {
		return nil
	}
	return c.SkipRows
}

// Empty reports corrections that change nothing.
func (c *Corrections) Empty() bool {
	return c == nil || len(c.Map) == 0 && c.HeaderRow == 0 && len(c.SectionRows) == 0 && len(c.SkipRows) == 0 &&
		len(c.Merge) == 0 && len(c.Split) == 0 && len(c.Groups) == 0 && len(c.Offices) == 0 && len(c.Rules) == 0 &&
		len(c.SectionTexts) == 0 && len(c.SkipTexts) == 0
}

func (c *Corrections) sectionTexts() []string {
	if c == nil {
		return nil
	}
	return c.SectionTexts
}

func (c *Corrections) skipTexts() []string {
	if c == nil {
		return nil
	}
	return c.SkipTexts
}
