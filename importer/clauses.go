package importer

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zwgk/zwgk/schedule"
)

// A website regulation (网站信息发布管理制度, 栏目更新管理办法…) often writes its real column
// duties as running clauses inside one article: 机构简介、领导分工要及时更新，部门动态、图片新闻每周
// 更新一条，… Each clause is a list of short column names, perhaps a modal (要, 应当, 须), and the
// clock the names share. The clauses are found by that grammar, the clocks by the schedule
// package; the words below only mark where a name list ends and the clock begins.
var (
	// 第七条 starts an article; the item's path is the article, as a reader cites it
	articleHead = regexp.MustCompile(`^第[一二三四五六七八九十百零〇0-9]{1,4}条`)
	// 1. / 2、 / (一) before a clause line: numbering, not part of the first name
	clauseNumber = regexp.MustCompile(`^(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、.．])\s*`)
	sentenceSep  = regexp.MustCompile(`[。；;！!？?]`)
	clausePart   = regexp.MustCompile(`[，,：:]`)
	// words that lead into a list without being part of its first name: 请将工作动态、…
	// (not a bare 对: 对外交流 is a column)
	leadIn = regexp.MustCompile(`^(?:请将|请把|其中|此外|另外|同时|对于|凡是|将|把)`)
	// the last name of a list is joined by 和 / 及 / 以及 (A、B和C)
	lastJoin = regexp.MustCompile(`以及|和|及`)
	// what stands between the names and their clock: 要, 应当, 须, 均应, 都要进行…
	// (等栏目 closes a list: 论坛、留言板等栏目每季度更新)
	modalTail = regexp.MustCompile(`(?:等(?:栏目|板块|专栏|频道)?|栏目|板块|专栏|频道|要|应当|应该|应|必须|须|需要|需|均|都|也|务必|一律|原则上|进行|予以)+$`)
	// the verb of a column duty whose clock the schedule package does not read as written
	// (半年要进行更新): the clause is kept with its wording, and the rule is left unread
	updateVerb = regexp.MustCompile(`更新|发布|公开|公布|上传|维护`)
	// a subject that is an event, not a column: 会议信息, 重要活动 are reported per event by an
	// office, they are not columns kept up to date
	eventNoun = regexp.MustCompile(`(?:会议|活动|会|事件|事故|培训|检查|调研|视察|演练|仪式)(?:信息)?$`)
	// a modal with a preposition inside a "name" is the sentence going on: 专项活动要在结束后
	modalInside = regexp.MustCompile(`(?:要|应|须|需)(?:在|于|从|自|按|对|将|由)`)
)

const (
	// a clause longer than this is a sentence, not a column list with its clock
	maxClauseRunes = 120
	// a column name is short: 机构简介, 通知公告, 政府信息公开年报
	minNameRunes, maxNameRunes = 2, 12
	// a list of columns: at least this many names, in at least this many clauses with a clock
	// the schedule package reads, in one run of clauses
	minClauseNames, minClockClauses = 4, 2
	// a time word before an update verb is short: 半年, 每季度, 每半年度
	maxPeriodRunes = 5
)

// columnClause is one clause: the columns it names and the clock they share.
type columnClause struct {
	names []string
	text  string // the clause as written: the items' requirement
	clock string // the clock's wording: the items' rule
	read  bool   // the schedule package read the clock as it is written in the clause
}

// clauseRun is the clauses of one paragraph, or of consecutive lines of one article.
type clauseRun struct {
	path    line
	clauses []columnClause
	rows    []int
	// group numbers the runs of consecutive articles: a regulation may give each column an
	// article of its own (第三条 工作动态每周更新… 第四条 政策文件及时更新…), and the threshold
	// counts the group
	group int
}

// clauseTable reads the text no table took as a run of column clauses (机构简介、领导分工要及时
// 更新，部门动态、图片新闻每周更新一条…): each clause names columns and the clock they share.
// It gives nil unless the text reads as such a list.
func clauseTable(lines []line, name string, year int) *Table {
	if len(lines) > maxOutlineLines {
		return nil
	}
	var runs []*clauseRun
	var path line
	var cur *clauseRun
	group := 0
	for _, l := range lines {
		s := strings.TrimSpace(l.Text)
		if s == "" {
			continue
		}
		body := s
		switch {
		case articleHead.MatchString(ToSimplified(s)):
			simp := ToSimplified(s)
			at := origOffset(s, simp, len(articleHead.FindString(simp)))
			path, body = line{Text: s[:at], No: l.No}, strings.TrimSpace(s[at:])
			cur = nil
		case headingL1.MatchString(s) || headingL2.MatchString(s):
			if !strings.ContainsAny(s, "，,。；;") {
				path, cur = line{Text: s, No: l.No}, nil // a section title of its own
				continue
			}
		}
		cs := lineClauses(body, year)
		if len(cs) == 0 {
			cur = nil
			group++
			continue
		}
		if cur == nil {
			cur = &clauseRun{path: path, group: group}
			runs = append(runs, cur)
		}
		for range cs {
			cur.rows = append(cur.rows, l.No)
		}
		cur.clauses = append(cur.clauses, cs...)
	}
	t := &Table{
		Name:  name,
		Where: name,
		Columns: &Columns{Roles: []Role{RoleLevel, RoleLevel, RoleRequirement, RoleFrequency},
			Names: []string{"条款", "栏目", "更新要求", "更新频率"}},
	}
	groups := map[int]*clauseRun{}
	for _, r := range runs {
		g := groups[r.group]
		if g == nil {
			g = &clauseRun{}
			groups[r.group] = g
		}
		g.clauses = append(g.clauses, r.clauses...)
	}
	for _, r := range runs {
		if !groups[r.group].columnList() {
			continue
		}
		for k, c := range r.clauses {
			for _, n := range c.names {
				t.Rows = append(t.Rows, []Cell{
					{Text: r.path.Text, Row: r.path.No, Merged: true},
					{Text: n, Row: r.rows[k]},
					{Text: c.text, Row: r.rows[k]},
					{Text: c.clock, Row: r.rows[k]},
				})
			}
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// columnList reports whether the run names enough columns with clocks to be a column-duty
// list rather than a sentence of a notice that happens to name two things and a clock.
func (r *clauseRun) columnList() bool {
	names, clocks := 0, 0
	for _, c := range r.clauses {
		if c.read {
			names += len(c.names)
			clocks++
		}
	}
	return names >= minClauseNames && clocks >= minClockClauses
}

// lineClauses gives the column clauses of one paragraph, in order.
func lineClauses(body string, year int) []columnClause {
	body = clauseNumber.ReplaceAllString(body, "")
	var out []columnClause
	for _, sent := range sentenceSep.Split(body, -1) {
		for _, part := range clausePart.Split(sent, -1) {
			if c, ok := readClause(strings.TrimSpace(part), year); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// readClause reads one clause as [names][modal][clock]. A clause with a clock the schedule
// package reads names one column or more; one whose clock is not read as written (半年要进行
// 更新) must name a list of two or more and end in an update verb, and keeps its wording as
// the rule, so that the import asks for it rather than guessing.
func readClause(s string, year int) (columnClause, bool) {
	if s == "" || utf8.RuneCountInString(s) > maxClauseRunes {
		return columnClause{}, false
	}
	if ms := schedule.FindAll(s, year); len(ms) > 0 {
		m := ms[0]
		if m.Rule.Kind == kindUnparsed || utf8.RuneCountInString(s[m.End:]) > 4 {
			return columnClause{}, false
		}
		names, ok := columnNames(s[:m.Start])
		if !ok {
			return columnClause{}, false
		}
		return columnClause{names: names, text: s, clock: m.Text, read: true}, true
	}
	simp := ToSimplified(s)
	loc := updateVerb.FindStringIndex(simp)
	if loc == nil || utf8.RuneCountInString(simp[loc[1]:]) > 4 {
		return columnClause{}, false
	}
	head := trimModal(s[:origOffset(s, simp, loc[0])])
	head = head[:periodStart(head, year)]
	names, ok := columnNames(head)
	if !ok || len(names) < 2 {
		return columnClause{}, false
	}
	return columnClause{names: names, text: s, clock: strings.TrimSpace(s[len(head):])}, true
}

// periodStart gives where a time word at the end of head begins (资料下载半年 → 资料下载): the
// longest tail the schedule package reads as a whole cell with 更新 after it (半年更新), grown
// one character at a time so that a noun before it (信息) is not taken as filler. It gives
// len(head) when head ends in no time word.
func periodStart(head string, year int) int {
	start := len(head)
	rs := []rune(head)
	at := len(head)
	for k := len(rs) - 1; k >= max(minNameRunes, len(rs)-maxPeriodRunes); k-- {
		at -= utf8.RuneLen(rs[k])
		if parseRule(head[at:]+"更新", year).Kind == kindUnparsed {
			if start < len(head) {
				break
			}
			continue
		}
		start = at
	}
	return start
}

// columnNames splits the text before a clause's clock into column names: 机构简介、领导分工要
// → 机构简介, 领导分工. It refuses a subject that is no list of names: a sentence (一般的会议
// (活动)要在会议(活动)开展后), an event, an office.
func columnNames(head string) ([]string, bool) {
	head = trimModal(strings.TrimSpace(head))
	if simp := ToSimplified(head); leadIn.MatchString(simp) {
		head = head[origOffset(head, simp, len(leadIn.FindString(simp))):]
	}
	if head == "" {
		return nil, false
	}
	parts := strings.Split(head, "、")
	last := parts[len(parts)-1]
	if loc := lastJoin.FindAllStringIndex(last, -1); len(loc) > 0 {
		l := loc[len(loc)-1]
		parts = append(parts[:len(parts)-1], last[:l[0]], last[l[1]:])
	}
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if !columnName(p) {
			return nil, false
		}
		names = append(names, p)
	}
	return names, true
}

// columnName is a short run of letters without 的 or a bracket that is neither an event, nor
// an office, nor a clock.
func columnName(p string) bool {
	n := utf8.RuneCountInString(p)
	if n < minNameRunes || n > maxNameRunes || strings.Contains(p, "的") {
		return false
	}
	for _, r := range p {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	simp := ToSimplified(p)
	return !eventNoun.MatchString(simp) && !modalInside.MatchString(simp) && officeStrength(simp, nil) != surelyOffice && !hasClock(simp, 0)
}

// trimModal drops the modal between a name list and its clock (领导分工要 → 领导分工), in
// Traditional text as well: the Simplified form is one character for one.
func trimModal(s string) string {
	simp := ToSimplified(s)
	loc := modalTail.FindStringIndex(simp)
	if loc == nil {
		return s
	}
	return s[:origOffset(s, simp, loc[0])]
}

// origOffset gives the byte offset in s of the offset at in simp, its Simplified form: the
// forms have the same characters one for one, not always of the same length in bytes.
func origOffset(s, simp string, at int) int {
	n := utf8.RuneCountInString(simp[:at])
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// proseTable reads the text no table took: numbered tasks with (责任科室：…) annotations; in a
// file with no table at all, else a numbered outline, else a regulation's column clauses. Every
// reader of text, Word and web pages tries them in this order.
func proseTable(lines []line, opts ReadOptions, year int, haveTables bool) *Table {
	if nt := narrativeTable(lines, "正文", opts); nt != nil || haveTables {
		return nt
	}
	if nt := outlineTable(lines, "正文", year); nt != nil {
		return nt
	}
	return clauseTable(lines, "正文", year)
}
