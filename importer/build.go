package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// BuildOptions tune Build.
type BuildOptions struct {
	// Year of the list: rules read 4月底 as the end of April of this year.
	Year int
	// Overrides set column roles by hand.
	Overrides Overrides
	// CreateOffices accepts office names the directory does not know: the commit creates them.
	CreateOffices bool
	// DefaultRule is wording (常态化, 年底前) for items whose row and requirement give none.
	DefaultRule string
	// Simplified shows titles, paths and requirements in Simplified characters.
	Simplified bool
	// Coordinator is the unit's coordinating office (default 办公室): it holds items that name
	// no office, or only a group of "the relevant offices" nobody has mapped yet, until the admin
	// assigns them (the item is flagged 待分派).
	Coordinator string
	// Corrections are the admin's fixes of a misread list (column roles, header and section
	// rows, merged or split rows, offices for groups, rules): see Corrections.
	Corrections *Corrections
}

// DefaultCoordinator is the coordinating office of a unit that names none.
const DefaultCoordinator = "办公室"

func (o BuildOptions) coordinator() string {
	if o.Coordinator != "" {
		return o.Coordinator
	}
	return DefaultCoordinator
}

// Result is a list read, checked and matched against a unit's directory: what the import
// preview shows and what Commit writes. Its JSON form is the document of `zwgk import
// --format json`.
type Result struct {
	File     string    `json:"file"`
	Format   Format    `json:"format"`
	Title    string    `json:"title,omitempty"`
	Unit     string    `json:"unit,omitempty"`
	UnitID   int64     `json:"unit_id,omitempty"`
	Year     int       `json:"year"`
	SHA256   string    `json:"sha256,omitempty"`
	Sections []Section `json:"sections"`
	Items    []Item    `json:"items"`
	// NewOffices are the unknown names accepted with CreateOffices.
	NewOffices []string `json:"new_offices,omitempty"`
	Errors     []Issue  `json:"errors"`
	Warnings   []Issue  `json:"warnings"`

	rowTexts map[int]string // first text of each row, when corrections were applied
}

// OK reports a result without errors: one that may be committed.
func (r *Result) OK() bool { return len(r.Errors) == 0 }

// Section is one table of the file.
type Section struct {
	Name  string `json:"name"`
	Where string `json:"where,omitempty"`
	Items int    `json:"items"`
	// Columns are the table's columns as read: the preview shows them and an admin re-maps a
	// misread one by its Name (Corrections.Map).
	Columns []SectionColumn `json:"columns,omitempty"`
}

// SectionColumn is one column of a table and the role it was given.
type SectionColumn struct {
	Name string `json:"name"` // the header text, or the column letter when the header is empty
	Role Role   `json:"role"`
}

// Item is one task of the list.
type Item struct {
	Seq         int         `json:"seq"`
	Number      string      `json:"number,omitempty"` // the list's own 序号
	Section     string      `json:"section"`
	Path        []string    `json:"path"`
	Title       string      `json:"title"`
	Requirement string      `json:"requirement"`
	Offices     []OfficeRef `json:"offices"`
	Groups      []GroupRef  `json:"groups"`
	// Rule is the item's primary obligation (kept for readers of the first format); Rules are
	// all of them, Rule first: 及时发布通报… 每年3月31日前公布年度报告 is a timely clock and a
	// deadline, each tracked as its own cycle stream and named by its Obligation.
	Rule  schedule.Rule   `json:"rule"`
	Rules []schedule.Rule `json:"rules"`
	// Score is the points the item is worth at the check (an assessment's 分值); Deduction the
	// rule the list gives for losing them (每发现一处扣0.5分).
	Score     *float64 `json:"score,omitempty"`
	Deduction string   `json:"deduction,omitempty"`
	// Fields are the columns kept as they are (公开依据, 公开渠道和载体, 公开对象, 备注, and the
	// 公开主体 when an office column exists), by header.
	Fields map[string]string `json:"fields,omitempty"`
	// Unassigned (待分派) marks an item whose owner the list does not settle: no office, or a
	// group of "the relevant offices" not mapped yet. The coordinating office holds it meanwhile.
	Unassigned       bool   `json:"unassigned,omitempty"`
	UnassignedReason string `json:"unassigned_reason,omitempty"`
	// RuleFrom names where the rule's wording (Rule.Text) was found: a column (完成时限, 更新频率,
	// 具体要求), 默认 for --default-rule, 标题 for the list's title, or "" when there was none.
	RuleFrom    string `json:"rule_from"`
	OfficesText string `json:"offices_text,omitempty"`
	Key         string `json:"key"`
	Source      Source `json:"source"`
}

// OfficeRef is an office responsible for an item.
type OfficeRef struct {
	Name string `json:"name"`
	Role string `json:"role"` // lead or co
	ID   int64  `json:"id,omitempty"`
	// New marks a name the directory does not know, accepted with CreateOffices.
	New bool `json:"new,omitempty"`
	// Via names the group the office came from.
	Via string `json:"via,omitempty"`
	// Written is the name as the list wrote it, when it differs.
	Written string `json:"written,omitempty"`
}

// GroupRef is a group named on an item.
type GroupRef struct {
	Name    string   `json:"name"`
	Role    string   `json:"role"`
	Offices []string `json:"offices"`
	// AllOffices: a group such as 各科室 with no assignment, taken as every office of the unit.
	AllOffices bool `json:"all_offices,omitempty"`
	// PerEvent: 谁承办谁更新, an office is chosen for each event.
	PerEvent bool `json:"per_event,omitempty"`
}

// Source is where an item came from.
type Source struct {
	File  string `json:"file"`
	Table string `json:"table,omitempty"`
	Row   int    `json:"row"`
}

// raw is a data row before titles, offices and rules are settled.
type raw struct {
	t             *Table
	section       string
	row           int
	labels        []string
	number        string
	requirement   string
	reqCol        string
	offices       []cellRef // offices, lead, co
	deadline      cellRef
	frequency     cellRef
	score         cellRef
	fields        [][2]string // header, text
	titleFromText bool
}

type cellRef struct {
	text string
	col  string // how messages name the column
	role Role
	row  int
}

type builder struct {
	doc   *Document
	opts  BuildOptions
	m     *matcher
	res   *Result
	raws  []raw
	dir   *store.Directory
	nohdr []*Table

	officeCache map[string][]Party
	ruleCache   map[string]schedule.Rule

	newCoordinator, warnedCoordinator bool

	columns map[*Table][]SectionColumn // as read, for the preview
}

// Build turns a read document into items: column roles from the header (or the overrides),
// merged hierarchy filled down, offices split and matched against dir (nil: an empty
// directory), rules from the schedule parser. Problems go to Errors (the result must not be
// committed) or Warnings; nothing is dropped silently.
func Build(doc *Document, dir *store.Directory, opts BuildOptions) *Result {
	if opts.Year == 0 {
		opts.Year = time.Now().Year()
	}
	if c := opts.Corrections; c != nil && c.HeaderRow != 0 && opts.Overrides.HeaderRow == 0 {
		opts.Overrides.HeaderRow = c.HeaderRow
	}
	b := &builder{doc: doc, opts: opts, m: newMatcher(dir), dir: dir, officeCache: map[string][]Party{}, columns: map[*Table][]SectionColumn{}, ruleCache: map[string]schedule.Rule{},
		res: &Result{File: doc.File, Format: doc.Format, Title: doc.Title, Year: opts.Year, Sections: []Section{}, Items: []Item{}, Errors: []Issue{}, Warnings: []Issue{}, rowTexts: map[int]string{}}}
	if dir != nil {
		b.res.Unit, b.res.UnitID = dir.Unit.Name, dir.Unit.ID
	}
	b.res.Errors = append(b.res.Errors, doc.Errors...)
	b.res.Warnings = append(b.res.Warnings, doc.Notes...)
	for _, t := range doc.Tables {
		for _, sub := range splitStacked(t) {
			b.table(sub)
		}
	}
	if len(b.raws) == 0 && len(b.res.Errors) == 0 {
		if len(b.nohdr) > 0 {
			t := b.nohdr[0]
			b.errorf(t, 0, "", "找不到表头：前30行中没有一行像“工作任务 | 具体要求 | 责任科室 | 完成时限”这样的表头。请检查文件，或用 --col-requirement、--col-offices 等参数指定列")
		} else {
			b.errorf(nil, 0, "", "文件中没有任务")
		}
	} else {
		for _, t := range b.nohdr {
			b.warnf(t, 0, "", "“%s”中没有找到表头，已跳过", t.Name)
		}
	}
	b.raws = b.opts.Corrections.splitRaws(b.opts.Corrections.mergeRaws(b.raws))
	b.items()
	b.checkYear()
	sortIssues(b.res.Errors)
	sortIssues(b.res.Warnings)
	return b.res
}

func (b *builder) issue(t *Table, row int, col, format string, args ...any) Issue {
	is := Issue{File: b.doc.File, Row: row, Column: col, Message: fmt.Sprintf(format, args...)}
	if t != nil && tableRelative(b.doc.Format) {
		is.Table = t.Where
	}
	return is
}

// tableRelative says whether row numbers count within a table (a sheet, a Word or HTML table)
// rather than within the file, so that messages must name the table.
func tableRelative(f Format) bool { return f == FormatXLSX || f == FormatDOCX || f == FormatHTML }

func (b *builder) errorf(t *Table, row int, col, format string, args ...any) {
	b.res.Errors = append(b.res.Errors, b.issue(t, row, col, format, args...))
}

func (b *builder) warnf(t *Table, row int, col, format string, args ...any) {
	b.res.Warnings = append(b.res.Warnings, b.issue(t, row, col, format, args...))
}

func sortIssues(is []Issue) {
	sort.SliceStable(is, func(i, j int) bool {
		if is[i].Table != is[j].Table {
			return false
		}
		return is[i].Row < is[j].Row
	})
}

func rowTexts(r []Cell) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = unneutralize(cleanCell(c.Text))
	}
	return out
}

// unneutralize undoes Neutralize, so that a list zwgk exported reads back as it was.
func unneutralize(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && rest != "" && Neutralize(rest) == s {
		return rest
	}
	return s
}

// colLabel names a column for messages: its letter or number and its header.
// tableColumns names the columns of a table as Corrections.Map names them.
func tableColumns(roles []Role, header []string) []SectionColumn {
	out := make([]SectionColumn, len(roles))
	for c, r := range roles {
		name := ""
		if c < len(header) {
			name = oneLine(header[c])
		}
		if name == "" {
			name = colName(c)
		}
		out[c] = SectionColumn{Name: name, Role: r}
	}
	return out
}

func colLabel(t *Table, c int, header []string) string {
	h := ""
	if c < len(header) {
		h = oneLine(header[c])
	}
	switch {
	case t.Letters && h != "":
		return colName(c) + "（" + h + "）"
	case t.Letters:
		return colName(c)
	case t.ColNumbers && h != "":
		return strconv.Itoa(c+1) + "（" + h + "）"
	case t.ColNumbers:
		return strconv.Itoa(c + 1)
	}
	return h
}

var formulaLike = regexp.MustCompile(`^=\s*[A-Za-z_]+[A-Za-z0-9_.]*\s*[(!]|^=\s*[A-Za-z]{1,3}\$?\d+`)

func (b *builder) table(t *Table) {
	var roles []Role
	var header []string
	first := 0 // first data row
	o := b.opts.Overrides
	section := t.Name
	if t.Columns != nil {
		roles = append([]Role(nil), t.Columns.Roles...)
		first = t.Columns.HeaderRows
		if first > 0 {
			header = rowTexts(t.Rows[first-1])
		} else {
			header = t.Columns.Names
		}
	} else {
		hi := -1
		switch {
		case o.HeaderRow > 0:
			for i, r := range t.Rows {
				if len(r) > 0 && r[0].Row == o.HeaderRow {
					hi = i
				}
			}
			if hi < 0 {
				b.errorf(t, o.HeaderRow, "", "--header-row %d 超出了表格范围", o.HeaderRow)
				return
			}
		case o.HeaderRow < 0:
		default:
			for i := 0; i < min(len(t.Rows), 30); i++ {
				if _, ok := headerScore(rowTexts(t.Rows[i])); ok {
					hi = i
					break
				}
			}
		}
		if hi < 0 && o.HeaderRow >= 0 && !o.any() && (b.opts.Corrections == nil || len(b.opts.Corrections.Map) == 0) {
			if !(t.Letters && (t.Name == instructionSheet || t.Name == officeListSheet)) {
				b.nohdr = append(b.nohdr, t)
			}
			return
		}
		var hdrRows [][]string
		if hi >= 0 {
			hdrRows = append(hdrRows, rowTexts(t.Rows[hi]))
			first = hi + 1
			if first < len(t.Rows) {
				next := rowTexts(t.Rows[first])
				if n, _ := headerScore(next); n >= 2 && !anySentence(next) {
					hdrRows = append(hdrRows, next)
					first++
				}
			}
			header = hdrRows[len(hdrRows)-1]
			roles = rolesFromHeader(hdrRows)
			// a title above the header (merged across the sheet) names the section
			for i := 0; i < hi; i++ {
				if s := singleText(rowTexts(t.Rows[i])); s != "" && runeLen(s) <= 60 {
					section = s
					break
				}
			}
		}
		var err error
		if roles, err = o.apply(roles, header); err != nil {
			b.errorf(t, 0, "", "%v", err)
			return
		}
	}
	{
		var err error
		if roles, err = b.opts.Corrections.applyMap(roles, header); err != nil {
			b.errorf(t, 0, "", "%v", err)
			return
		}
	}
	b.columns[t] = tableColumns(roles, header)
	sectionRows := b.opts.Corrections.rowSet(b.opts.Corrections.sectionRows())
	skipRows := b.opts.Corrections.rowSet(b.opts.Corrections.skipRows())
	has := func(rs ...Role) bool {
		for _, r := range roles {
			for _, x := range rs {
				if r == x {
					return true
				}
			}
		}
		return false
	}
	hdrRow := 0
	if first > 0 && first <= len(t.Rows) && len(t.Rows[first-1]) > 0 {
		hdrRow = t.Rows[first-1][0].Row
	}
	if !has(RoleLevel, RoleTask, RoleRequirement) {
		b.errorf(t, hdrRow, "", "表头中没有任务列（如 工作任务、具体要求、测评指标与考察点、一级指标）：请用 --col-requirement 或 --col-levels 指定")
		return
	}
	// A catalogue's 公开主体 owns its rows when no office column does; next to an office
	// column it is only a field. A table with neither (an assessment) is still imported: its
	// items go to the coordinating office, flagged 待分派.
	// an office column that is empty in every row (a stray 部门 above the header taken for one)
	// owns nothing: the 公开主体 does
	if has(RoleSubject) {
		for c, r := range roles {
			if r != RoleOffices && r != RoleLead && r != RoleCo {
				continue
			}
			empty := true
			for _, row := range t.Rows[first:] {
				if c < len(row) && strings.TrimSpace(row[c].Text) != "" {
					empty = false
					break
				}
			}
			if empty {
				roles[c] = RoleNone
			}
		}
	}
	for c, r := range roles {
		if r == RoleSubject {
			if has(RoleOffices, RoleLead, RoleCo) {
				roles[c] = RoleField
			} else {
				roles[c] = RoleOffices
			}
		}
	}
	if !has(RoleOffices, RoleLead, RoleCo) {
		b.warnf(t, hdrRow, "", "表头中没有责任科室列：事项暂由%s负责并标为“待分派”，可在预览中指定科室列或为事项分派科室", b.opts.coordinator())
	}
	for c, r := range roles {
		if r == RoleNone && c < len(header) && header[c] != "" {
			if _, known := headerRole(header[c]); !known {
				b.warnf(t, hdrRow, colLabel(t, c, header), "不认识这一列的表头，未导入这一列")
			}
		}
	}
	prev := make([]string, len(roles))
	var above []string
	heading := ""
	for i := first; i < len(t.Rows); i++ {
		row := t.Rows[i]
		texts := rowTexts(row)
		for len(texts) < len(roles) {
			texts = append(texts, "")
		}
		nonEmpty := 0
		for _, s := range texts {
			if s != "" {
				nonEmpty++
			}
		}
		if nonEmpty == 0 {
			continue
		}
		at := row[0].Row
		for _, c := range row {
			if !c.Merged && strings.TrimSpace(c.Text) != "" {
				at = c.Row // narrative rows start with their headings' lines
				break
			}
		}
		rowText := ""
		for _, x := range texts {
			if x != "" {
				rowText = oneLine(x)
				break
			}
		}
		if b.opts.Corrections != nil {
			b.res.rowTexts[at] = rowText
		}
		if header != nil && t.Columns == nil && sameTexts(texts, header) || namedRow(skipRows, b.opts.Corrections.skipTexts(), at, rowText) {
			continue
		}
		if namedRow(sectionRows, b.opts.Corrections.sectionTexts(), at, rowText) {
			for _, s := range texts {
				if s != "" {
					heading = oneLine(s)
					break
				}
			}
			prev = make([]string, len(roles))
			continue
		}
		// a heading across the whole table: 一、主动公开 merged over every column
		if s := singleText(texts); s != "" && nonEmpty >= 2 && nonEmpty == len(texts) && len(roles) > 2 {
			heading = s
			prev = make([]string, len(roles))
			continue
		}
		for c, s := range texts {
			if c < len(roles) && roles[c] != RoleNone && strings.HasPrefix(s, "=") && formulaLike.MatchString(s) && (c >= len(row) || row[c].Formula == "") {
				b.errorf(t, at, colLabel(t, c, header), "单元格内容“%s”像是公式：请改为普通文字", shorten(s, 30))
			}
		}
		// 同上 (ditto) repeats the cell above, as a reader of the list takes it
		for c := range texts {
			if isDitto(texts[c]) && c < len(above) {
				texts[c] = above[c]
			}
		}
		above = append(above[:0], texts...)
		r := raw{t: t, section: section, row: at, titleFromText: t.TitleFromText}
		own := false
		var reqs []string
		for c, role := range roles {
			s := ""
			if c < len(texts) {
				s = texts[c]
			}
			merged := c < len(row) && row[c].Merged
			ref := cellRef{text: s, col: colLabel(t, c, header), role: role, row: at}
			switch role {
			case RoleLevel:
				s = oneLine(s)
				switch {
				case s != "" && !merged:
					own = true
				case s == "" && !own:
					s = prev[c]
				}
				prev[c] = s
				if s != "" && (len(r.labels) == 0 || fold(r.labels[len(r.labels)-1]) != fold(s)) {
					r.labels = append(r.labels, s)
				}
			case RoleSeq:
				r.number = s
			case RoleTask, RoleRequirement:
				if s != "" && !(merged && role == RoleRequirement && len(reqs) > 0) {
					reqs = append(reqs, s)
					if r.reqCol == "" {
						r.reqCol = oneLine(headerAt(header, c))
					}
				}
			case RoleOffices, RoleLead, RoleCo:
				if s != "" {
					r.offices = append(r.offices, ref)
				}
			case RoleDeadline:
				if r.deadline.text == "" {
					r.deadline = ref
				}
			case RoleFrequency:
				if r.frequency.text == "" {
					r.frequency = ref
				}
			case RoleScore:
				if r.score.text == "" {
					r.score = ref
				}
			case RoleField:
				if s != "" && !merged {
					r.fields = append(r.fields, [2]string{oneLine(headerAt(header, c)), s})
				}
			}
		}
		if heading != "" {
			r.labels = append([]string{heading}, r.labels...)
		}
		r.requirement = strings.Join(dedupe(reqs), "\n")
		if r.requirement == "" && len(r.offices) == 0 && r.deadline.text == "" && r.frequency.text == "" && r.score.text == "" &&
			!b.opts.Corrections.mergedInto(at) {
			continue // a category row: its labels are filled down into the rows below
		}
		if r.requirement == "" && len(r.labels) == 0 {
			b.errorf(t, at, "", "这一行有责任科室或时限，但没有任务内容")
			continue
		}
		b.raws = append(b.raws, r)
	}
}

// splitStacked splits a sheet or table that holds several tables one under the other (a web
// page with two lists pasted into Excel): each new, different header row starts a table, with
// the title rows right above it.
func splitStacked(t *Table) []*Table {
	if t.Columns != nil {
		return []*Table{t}
	}
	var heads []int
	var prev []string
	for i, r := range t.Rows {
		texts := rowTexts(r)
		if _, ok := headerScore(texts); !ok {
			continue
		}
		if prev != nil && sameTexts(texts, prev) {
			continue // the header repeated at a page break
		}
		heads = append(heads, i)
		prev = texts
	}
	if len(heads) < 2 {
		return []*Table{t}
	}
	var out []*Table
	start := 0
	for k := 1; k <= len(heads); k++ {
		end := len(t.Rows)
		if k < len(heads) {
			end = heads[k]
			// title rows above the next header belong to the next table
			for end > heads[k-1]+1 && heads[k]-end < 2 {
				if s := singleText(rowTexts(t.Rows[end-1])); s == "" || runeLen(s) > 60 {
					break
				}
				end--
			}
		}
		sub := *t
		sub.Rows = t.Rows[start:end]
		if k > 1 {
			sub.Name = fmt.Sprintf("%s（表%d）", t.Name, k)
		}
		out = append(out, &sub)
		start = end
	}
	return out
}

func headerAt(h []string, c int) string {
	if c < len(h) {
		return h[c]
	}
	return ""
}

func anySentence(ss []string) bool {
	for _, s := range ss {
		if s != "" && sentenceLike(s) {
			return true
		}
	}
	return false
}

// singleText is the one text of a row whose non-empty cells all say the same thing.
func singleText(ss []string) string {
	v := ""
	for _, s := range ss {
		if s == "" {
			continue
		}
		if v != "" && s != v {
			return ""
		}
		v = s
	}
	return v
}

func sameTexts(a, b []string) bool {
	n := 0
	for i := range a {
		x, y := "", ""
		if i < len(b) {
			y = fold(b[i])
		}
		x = fold(a[i])
		if x != y {
			return false
		}
		if x != "" {
			n++
		}
	}
	return n >= 2
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}

var (
	sentenceEnd = regexp.MustCompile(`[。；;！？!?\n]`)
	leadingJunk = regexp.MustCompile(`^(考察点|考核点|要求)?[:：]?\s*[①②③④⑤⑥⑦⑧⑨⑩]?\s*`)
)

// headline is the first sentence of a requirement, short enough for a title.
func headline(s string) string {
	s = strings.TrimSpace(leadingJunk.ReplaceAllString(s, ""))
	if loc := sentenceEnd.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	rs := []rune(strings.TrimSpace(s))
	if len(rs) <= 40 {
		return string(rs)
	}
	for i := 40; i > 10; i-- {
		if strings.ContainsRune("，,、", rs[i]) {
			return string(rs[:i])
		}
	}
	return string(rs[:40]) + "…"
}

// Key derives an item's key from its section, hierarchy path and title: folded (Simplified,
// no spaces or width differences), hashed to 16 hex characters.
func Key(section string, path []string, title string) string {
	h := sha256.New()
	h.Write([]byte(fold(section)))
	for _, p := range path {
		h.Write([]byte{0x1f})
		h.Write([]byte(fold(p)))
	}
	h.Write([]byte{0x1e})
	h.Write([]byte(fold(title)))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

var yearInTitle = regexp.MustCompile(`(20\d\d)\s*年`)

func (b *builder) checkYear() {
	if m := yearInTitle.FindStringSubmatch(b.doc.Title); m != nil && m[1] != strconv.Itoa(b.opts.Year) {
		b.warnf(nil, 0, "", "文件标题“%s”写的是%s年，导入的年度是%d年：请确认 --year", b.doc.Title, m[1], b.opts.Year)
	}
}

// isDitto is a cell that says "the same as above": 同上, 同上。, 〃.
func isDitto(s string) bool {
	if len(s) > 24 {
		return false // longer than any ditto mark, spaces and all: no need to fold it
	}
	switch fold(s) {
	case "同上", "同上栏", "〃", "\"":
		return true
	}
	return false
}
