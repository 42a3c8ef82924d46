package importer

import (
	"github.com/zwgk/zwgk/schedule"

	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Pasted text comes in the shapes a web page or a Word table leaves when copied:
//
//   - one cell per line (a web table flattened; merged cells appear once, so rows have fewer
//     cells than the header): the Jinzhai list;
//   - pipe tables (cells end with " |", a cell's text may wrap onto the next line, the header
//     repeats at each page break): the Zhangdian list;
//   - whitespace-separated columns, one row per line, merged hierarchy cells left out: the
//     Xuancheng column table;
//   - narrative tasks with (责任科室:…) annotations: the Xuancheng work plan.
//
// Flattened tables lose the column of each cell. The reader puts them back from the header
// and the shape of each cell: hierarchy labels are short, a requirement is a sentence, an
// office cell names offices (科, 室, 局…, 各科室, 牵头…), a deadline or frequency cell is rule
// wording the schedule parser understands. A left-out cell is a merged one: it takes the value
// above it, as a reader of the original table would.

type tok struct {
	Text string
	Line int
	// Row marks the first cell of a row in pipe text whose rows the pipes delimit (a line of
	// cells, a line starting with |, the cells after a line of pipes only).
	Row bool
	// Cut marks a cell after a line of pipes only: whatever the style, a row ended before it.
	Cut bool
}

type textReader struct {
	opts  ReadOptions
	year  int
	known map[string]bool
	notes []Issue
	name  string
	// noOwner is set while reading a table with no owner column (no 责任科室, no 公开主体): an
	// office-like cell there (内设科室, 办公室) is a level or a title, not an owner.
	noOwner bool
}

func readText(name, text string, opts ReadOptions) (*Document, error) {
	if err := capText(name, text, maxTextLines); err != nil {
		return nil, err
	}
	raw := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	var lines []line
	for i, l := range raw {
		if c := tidy(l); c != "" {
			lines = append(lines, line{Text: c, No: i + 1})
		}
	}
	if len(lines) == 0 {
		return nil, Issue{File: name, Message: "文件是空的（只有空白）"}
	}
	if len(lines) > opts.maxRows()*4 {
		return nil, Issue{File: name, Message: fmt.Sprintf("文本太长（%d 行）", len(lines))}
	}
	tr := &textReader{opts: opts, year: opts.Year, known: map[string]bool{}, name: name}
	if tr.year == 0 {
		tr.year = 2024
	}
	for _, k := range opts.KnownOffices {
		tr.known[fold(k)] = true
	}
	doc := &Document{File: name, Format: FormatText, Title: findTitle(lines), Clock: findClock(lines, tr.year)}
	used := make([]bool, len(lines))
	type placed struct {
		t     *Table
		first int
	}
	var tables []placed

	// well-formed pipe tables (markdown): every line of a run has the same cells
	for i := 0; i < len(lines); {
		t, n := pipeGrid(lines[i:])
		if t == nil {
			i++
			continue
		}
		t.Name = tr.sectionName(lines[:i], len(tables)+1)
		t.Where = fmt.Sprintf("第%d–%d行", lines[i].No, lines[i+n-1].No)
		for k := i; k < i+n; k++ {
			used[k] = true
		}
		tables = append(tables, placed{t, lines[i].No})
		i += n
	}

	// whitespace-separated column tables: a header line of header words
	for i := 0; i < len(lines); i++ {
		hdr := strings.Fields(lines[i].Text)
		if !allHeaderWords(hdr) {
			continue
		}
		t, n := tr.columnsTable(lines[i:], hdr)
		if t == nil {
			continue
		}
		t.Name = tr.sectionName(lines[:i], len(tables)+1)
		for k := i; k < i+n; k++ {
			used[k] = true
		}
		tables = append(tables, placed{t, lines[i].No})
		i += n - 1
	}

	// one-cell-per-line and pipe tables
	toks, pipe := tokenize(lines, used)
	for i := 0; i < len(toks); {
		run := tr.headerRunAt(toks, i)
		if run == 0 {
			i++
			continue
		}
		t, end := tr.tokenTable(toks, i, run, pipe)
		if t != nil {
			var before []line
			for _, x := range toks[:i] {
				before = append(before, line{Text: x.Text, No: x.Line})
			}
			t.Name = tr.sectionName(before, len(tables)+1)
			tables = append(tables, placed{t, toks[i].Line})
			lastLine := toks[end-1].Line
			for k, l := range lines {
				if l.No >= toks[i].Line && l.No <= lastLine {
					used[k] = true
				}
			}
		}
		i = max(end, i+1)
	}

	// numbered tasks with annotations, in the text no table took
	var rest []line
	for k, l := range lines {
		if !used[k] {
			rest = append(rest, line{Text: cleanCell(l.Text), No: l.No})
		}
	}
	nt := proseTable(rest, opts, tr.year, len(tables) > 0)
	if nt != nil {
		nt.Name = doc.Title
		if nt.Name == "" {
			nt.Name = "正文"
		}
		nt.Where = fmt.Sprintf("第%d–%d行", nt.Rows[0][2].Row, nt.Rows[len(nt.Rows)-1][2].Row)
		tables = append(tables, placed{nt, nt.Rows[0][2].Row})
	}
	// document order
	for i := 1; i < len(tables); i++ {
		for j := i; j > 0 && tables[j].first < tables[j-1].first; j-- {
			tables[j], tables[j-1] = tables[j-1], tables[j]
		}
	}
	for _, p := range tables {
		doc.Tables = append(doc.Tables, p.t)
	}
	doc.Notes = append(doc.Notes, tr.notes...)
	return doc, nil
}

// sectionName names a table after the line before it when that line reads like a title.
func (tr *textReader) sectionName(before []line, n int) string {
	if len(before) > 0 {
		s := before[len(before)-1].Text
		if runeLen(s) <= 40 && regexp.MustCompile(`清单|表|要点|分工|方案|目录|任务`).MatchString(ToSimplified(s)) && !strings.ContainsAny(s, "。，,;；") {
			return s
		}
	}
	return fmt.Sprintf("表%d", n)
}

func allHeaderWords(ws []string) bool {
	if len(ws) < 3 {
		return false
	}
	for _, w := range ws {
		if _, known := headerRole(w); !known {
			return false
		}
	}
	_, ok := headerScore(ws)
	return ok
}

var (
	numberTok   = regexp.MustCompile(`^\d{1,5}[.、]?$`)
	sentenceP   = regexp.MustCompile(`[，。；：,;:！？!?]`)
	reqOpener   = regexp.MustCompile(`^(考察点|考核点|要求|[①②③④⑤⑥⑦⑧⑨⑩]|\d+[.、．](\D|$))`)
	markdownSep = regexp.MustCompile(`^[-:\s]+$`)
)

func sentenceLike(s string) bool {
	return runeLen(s) > 25 || sentenceP.MatchString(s) || reqOpener.MatchString(s)
}

func (tr *textReader) isRule(s string) bool {
	if runeLen(s) > 40 {
		return false
	}
	return parseRule(s, tr.year).Kind != kindUnparsed
}

var pageFurniture = regexp.MustCompile(`^(责任编辑|编辑|来源|相关稿件|相关链接|相关阅读|相关文章|打印本页|关闭窗口|【打印】|【关闭】|分享到|扫一扫|附件下载|上一篇|下一篇)[:：]?\s*$|^(标准目录要素说明|目录要素说明|填表说明|编制说明)[:：]`)

// otherFieldTakes reports that a kept column after column c claims s by its content (政府网站 in
// a 公开形式 column that follows the 公开主体 one): then s is not c's.
func (tr *textReader) otherFieldTakes(hdr []string, roles []Role, c int, s string) bool {
	for k := c + 1; k < len(roles) && k < len(hdr); k++ {
		if roles[k] == RoleField && tr.fieldText(hdr[k], s) && !fieldMark.MatchString(s) {
			return true
		}
	}
	for k := 0; k < c && k < len(hdr); k++ {
		if roles[k] == RoleField && tr.fieldText(hdr[k], s) && !fieldMark.MatchString(s) {
			return true
		}
	}
	return false
}

// leadsWithRule is a clock cell that says more after its clock (信息产生、变更之日起20个工作日内
// 公开,保持长期公开(相关政策法规另有规定的应从其规定)): too long for isRule, but a clock first.
func (tr *textReader) leadsWithRule(s string) bool {
	if runeLen(s) > 100 {
		return false
	}
	_, ok := leadingRule(s, tr.year)
	return ok
}

// clockCell is a cell a clock column takes: rule wording, whole or leading.
func (tr *textReader) clockCell(s string) bool { return tr.isRule(s) || tr.leadsWithRule(s) }

// leadingRule is the clock a text starts with (within its first few bytes, after a 1、 or a
// bracket), whatever follows it.
func leadingRule(s string, year int) (schedule.Rule, bool) {
	r, m, ok := schedule.Find(s, year)
	return r, ok && r.Kind != kindUnparsed && strings.Index(s, m) <= 3
}

// isLabel is a hierarchy label: short, no sentence, no rule, no office.
func (tr *textReader) isLabel(s string) bool {
	if sectionHead.MatchString(s) && runeLen(s) <= 40 {
		return true // 一、做好财政信息公开。 is a heading even with its full stop
	}
	return runeLen(s) <= 30 && !sentenceLike(s) && !tr.isRule(s) && (tr.noOwner || officeStrength(s, tr.known) != surelyOffice) &&
		!scoreLike.MatchString(s) && !fieldMark.MatchString(s) && !isDitto(s) && !enumeration(s)
}

// enumeration reports content that lists things (事项名称、办理部门、办理进展等): a heading names
// one thing.
func enumeration(s string) bool {
	return strings.Count(s, "、") >= 2 || strings.HasSuffix(s, "等") && strings.Contains(s, "、")
}

// fieldText decides whether a cell belongs in a kept column by what the column's header says it
// holds: a 公开依据 cites a law (《…》, 条例), a 公开渠道 names a channel, a 公开对象 or 公开方式 is a
// tick or its words. Other kept columns (备注) take what no other column would.
func (tr *textReader) fieldText(header, s string) bool {
	if fieldMark.MatchString(s) {
		return true
	}
	h := fold(header)
	// the patterns are Simplified: a Traditional list's cells are read as they mean
	f := ToSimplified(s)
	switch {
	case strings.Contains(h, "依据") || strings.Contains(h, "条款"):
		// 法规科 names an office, not a law
		return fieldLaw.MatchString(f) && (strings.Contains(f, "《") || officeStrength(s, tr.known) != surelyOffice)
	case strings.Contains(h, "渠道") || strings.Contains(h, "载体") || strings.Contains(h, "方式") || strings.Contains(h, "形式"):
		return fieldChannel.MatchString(f) && !tr.isRule(s)
	case strings.Contains(h, "对象") || strings.Contains(h, "范围"):
		return fieldAudience.MatchString(f)
	case strings.Contains(h, "完成情况") || strings.Contains(h, "进展") || strings.Contains(h, "进度"):
		return fieldStatus.MatchString(f)
	case strings.Contains(h, "备注") || strings.Contains(h, "说明"):
		// a remark: short, and no office or heading of the next row
		return runeLen(s) <= 40 && !tr.isLabel(s) && officeStrength(s, tr.known) == notOffice || tr.isRule(s) || ruleWords.MatchString(s) && runeLen(s) <= 30
	}
	return false
}

// subjectLike is a 公开主体: the body that publishes, often not an office (镇人民政府, 街道办事处,
// 村委会, 区卫生健康行政部门).
var subjectLike = regexp.MustCompile(`(政府|办事处|委员会|村委会|居委会|部门|单位|机关|社区|行政村|村|局|委|办)(\(.*\))?$`)

var (
	fieldLaw      = regexp.MustCompile(`^[《〈<]|条例|办法|规定|意见|通知|法》|法律|法规|规章|细则|《`)
	fieldChannel  = regexp.MustCompile(`网站|公报|媒体|平台|公开栏|公示栏|新媒体|两微一端|服务中心|便民|查阅|电子屏|广播|微信|微博|报纸|报刊|发布会|听证会|座谈会|咨询会|论坛|公告栏|宣传栏|热线|APP|app|客户端|公众号|主动公开|依申请`)
	fieldAudience = regexp.MustCompile(`^(全社会|特定群体|特定群众|特定对象|社会公众|公众|群众)`)
	fieldStatus   = regexp.MustCompile(`^(已完成|未完成|完成|推进中|进行中|正在推进|持续推进|已启动|未启动|按时完成|正常推进)$`)
)

// officeLike decides whether the cell after a requirement is its office cell or the first
// label of the next row, looking at the cell after it.
func (tr *textReader) officeLike(u tok, next *tok, ruleAfter bool) bool {
	switch officeStrength(u.Text, tr.known) {
	case surelyOffice:
		return true
	case maybeOffice:
		if next != nil && tr.isRule(next.Text) {
			return true
		}
		return next == nil || !sentenceLike(next.Text)
	}
	if sentenceLike(u.Text) {
		return false
	}
	return ruleAfter && next != nil && tr.isRule(next.Text)
}

// columnsTable reads a whitespace-separated table starting at its header line; it returns the
// table and how many lines it took.
func (tr *textReader) columnsTable(lines []line, hdr []string) (*Table, int) {
	roles := rolesFromHeader([][]string{hdr})
	var mid []int
	for c, r := range roles {
		if r == RoleLevel {
			mid = append(mid, c)
		}
	}
	if len(mid) == 0 {
		for c, r := range roles {
			if r == RoleTask || r == RoleRequirement {
				mid = []int{c}
				break
			}
		}
	}
	if len(mid) == 0 {
		return nil, 0
	}
	left, right := mid[0], len(roles)-1-mid[len(mid)-1]
	t := &Table{Where: fmt.Sprintf("第%d行起的表格", lines[0].No), Columns: &Columns{Roles: roles, HeaderRows: 1}}
	head := make([]Cell, len(hdr))
	for c, h := range hdr {
		head[c] = Cell{Text: h, Row: lines[0].No}
	}
	t.Rows = append(t.Rows, head)
	var prev []Cell
	n := 1
	for _, l := range lines[1:] {
		f := strings.Fields(l.Text)
		if allHeaderWords(f) {
			if strings.Join(f, " ") == strings.Join(hdr, " ") {
				n++
				continue
			}
			break
		}
		if len(f) < left+right+1 || (roles[0] == RoleSeq && !numberTok.MatchString(f[0])) {
			break
		}
		for x := range f {
			f[x] = cleanCell(f[x])
		}
		row := make([]Cell, len(roles))
		for c := 0; c < left; c++ {
			row[c] = Cell{Text: f[c], Row: l.No}
		}
		for k := 0; k < right; k++ {
			c := len(roles) - right + k
			row[c] = Cell{Text: f[len(f)-right+k], Row: l.No}
		}
		labels := f[left : len(f)-right]
		if len(mid) == 1 {
			labels = []string{dropHanSpaces(strings.Join(labels, " "))}
		}
		if len(labels) > len(mid) {
			tr.notes = append(tr.notes, Issue{File: tr.name, Row: l.No, Message: fmt.Sprintf("这一行的栏目比表头多（%d 个，表头 %d 级）：已把相邻的短栏目合并", len(labels), len(mid))})
			labels = mergeLabels(labels, len(mid))
		}
		off := len(mid) - len(labels)
		for k, c := range mid {
			if k < off {
				row[c] = Cell{Row: l.No, Merged: true}
				if prev != nil {
					row[c].Text = prev[c].Text
				}
				continue
			}
			row[c] = Cell{Text: labels[k-off], Row: l.No}
		}
		t.Rows = append(t.Rows, row)
		prev = row
		n++
	}
	if len(t.Rows) < 2 {
		return nil, 0
	}
	return t, n
}

// mergeLabels joins adjacent labels, shortest pair first, until n remain: the flattening
// split a cell that held a line break.
func mergeLabels(ls []string, n int) []string {
	ls = append([]string(nil), ls...)
	for len(ls) > n && len(ls) > 1 {
		best := 0
		for i := 1; i < len(ls)-1; i++ {
			if runeLen(ls[i])+runeLen(ls[i+1]) < runeLen(ls[best])+runeLen(ls[best+1]) {
				best = i
			}
		}
		ls[best] += ls[best+1]
		ls = append(ls[:best+1], ls[best+2:]...)
	}
	return ls
}

// pipeCells splits a line of a pipe table (| a | b |) into its cells; ok is false for a line
// that is not one.
func pipeCells(l string) ([]string, bool) {
	l = strings.TrimSpace(l)
	if !strings.HasPrefix(l, "|") || !strings.HasSuffix(l, "|") || len(l) < 3 {
		return nil, false
	}
	parts := strings.Split(l[1:len(l)-1], "|")
	for k := range parts {
		parts[k] = strings.TrimSpace(parts[k])
	}
	return parts, true
}

// pipeGrid reads a well-formed pipe table starting at lines[0]: at least three lines (the
// markdown separator not counted) of at least three cells each, all of the same width, the
// first of them a header (alone or over a second header row). Anything less regular is left
// to the tokenizer, which aligns cells by what they hold. Empty cells of the header rows
// continue the header cell to their left (row 1, a colspan) or above (row 2, a rowspan).
func pipeGrid(lines []line) (*Table, int) {
	first, ok := pipeCells(lines[0].Text)
	if !ok || len(first) < 3 {
		return nil, 0
	}
	if _, ok := headerScore(first); !ok {
		return nil, 0
	}
	width := len(first)
	var rows [][]string
	var nos []int
	n := 0
	for ; n < len(lines); n++ {
		cells, ok := pipeCells(lines[n].Text)
		if !ok || len(cells) != width {
			break
		}
		if markdownSep.MatchString(strings.Join(cells, "")) {
			continue
		}
		rows = append(rows, cells)
		nos = append(nos, lines[n].No)
	}
	if len(rows) < 3 {
		return nil, 0
	}
	// a second header row: its cells are header words or empty
	hdrRows := 1
	second := true
	for _, c := range rows[1] {
		if _, known := headerRole(c); c != "" && !known {
			second = false
		}
	}
	if second {
		hdrRows = 2
		levels, firstCell := 0, -1
		for c, x := range rows[1] {
			if x == "" {
				continue
			}
			if firstCell < 0 {
				firstCell = c
			}
			if r, _ := headerRole(x); r == RoleLevel {
				levels++
			}
		}
		umbrella := -1
		for c, x := range rows[0] {
			if r, _ := headerRole(x); r == RoleTask || r == RoleLevel {
				umbrella = c
				break
			}
		}
		switch {
		case levels == 0:
			// 全社会 / 特定群体 / 主动 / 依申请 under the tick columns, pushed left by the
			// flattening: sub-columns that add nothing to read
			rows = append(rows[:1], rows[2:]...)
			nos = append(nos[:1], nos[2:]...)
			hdrRows = 1
		case umbrella > firstCell:
			// 一级事项 / 二级事项 pushed left: they belong under 公开事项
			shifted := make([]string, width)
			for c, x := range rows[1] {
				if c+umbrella-firstCell < width {
					shifted[c+umbrella-firstCell] = x
				}
			}
			rows[1] = shifted
		}
	}
	t := &Table{}
	for r, cells := range rows {
		row := make([]Cell, width)
		for c, x := range cells {
			row[c] = Cell{Text: cleanCell(x), Row: nos[r], Col: c + 1}
			if r < hdrRows && x == "" {
				switch {
				case r == 0 && c > 0 && rows[0][c-1] != "":
					row[c].Text, row[c].Merged = cleanCell(rows[0][c-1]), true
				case r == 1:
					row[c].Text, row[c].Merged = cleanCell(rows[0][c]), true
					if rows[0][c] == "" && c > 0 {
						row[c].Text = cleanCell(rows[0][c-1])
					}
				}
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t, n
}

// tokenize turns the lines no table took into cells: one per line, or, in pipe text, the
// text between pipes (a cell's text may wrap: 基础信息公开⏎|).
// pipeHeaderLine reports a line whose pipe-separated cells are a header (工作要求 | 一级要点 |
// 二级要点 | 责任科室 |): a short excerpt of a pipe table is a pipe table, however few its rows.
func pipeHeaderLine(lines []line, used []bool) bool {
	for k, l := range lines {
		if used[k] || strings.Count(l.Text, "|") < 2 {
			continue
		}
		var cells []string
		for _, p := range strings.Split(l.Text, "|") {
			if p = strings.TrimSpace(p); p != "" {
				cells = append(cells, p)
			}
		}
		if len(cells) >= 2 && allKnownHeaders(cells) {
			if _, ok := headerScore(cells); ok {
				return true
			}
		}
	}
	return false
}

func allKnownHeaders(cells []string) bool {
	for _, c := range cells {
		if _, known := headerRole(c); !known {
			return false
		}
	}
	return true
}

func tokenize(lines []line, used []bool) ([]tok, bool) {
	withPipe, total := 0, 0
	for k, l := range lines {
		if used[k] {
			continue
		}
		total++
		if strings.Contains(l.Text, "|") {
			withPipe++
		}
	}
	pipe := withPipe >= 5 && withPipe*5 >= total || withPipe >= 2 && pipeHeaderLine(lines, used)
	var toks []tok
	if !pipe {
		for k, l := range lines {
			if !used[k] {
				toks = append(toks, tok{Text: cleanCell(l.Text), Line: l.No})
			}
		}
		return toks, false
	}
	// Rows are explicit when lines start with a pipe (markdown, copied grids) or hold several
	// cells each; then a row starts at such a line and after a line of pipes only. In
	// one-cell-per-line pipe text only the pipe-only lines end rows.
	leading := 0
	for k, l := range lines {
		// tick marks wrapped onto a line of their own (| √ |) say nothing of the style
		if !used[k] && strings.HasPrefix(l.Text, "|") && !pipeOnly.MatchString(l.Text) &&
			!tickCell.MatchString(strings.ReplaceAll(l.Text, "|", "")) &&
			(strings.HasSuffix(strings.TrimSpace(l.Text), "|") || strings.Count(l.Text, "|") >= 3) {
			leading++
		}
	}
	leadingStyle := leading*3 >= withPipe
	multi := 0
	for k, l := range lines {
		if used[k] {
			continue
		}
		cells := 0
		for _, p := range strings.Split(l.Text, "|") {
			if strings.TrimSpace(p) != "" {
				cells++
			}
		}
		if cells >= 2 {
			multi++
		}
	}
	rowStyle := leadingStyle && leading >= 3 || multi >= 3 && multi*2 >= withPipe
	// Rows wrapped over several lines of cells (1 | 機構信息 | … |⏎√ | |): a row starts only
	// at a line that starts with its 序号; the lines between continue it.
	seqLines, otherLines := 0, 0
	for k, l := range lines {
		if used[k] || !strings.Contains(l.Text, "|") || pipeOnly.MatchString(l.Text) {
			continue
		}
		if seqLine.MatchString(l.Text) {
			seqLines++
		} else {
			otherLines++
		}
	}
	wrapped := rowStyle && !leadingStyle && seqLines >= 2 && otherLines*2 >= seqLines*3
	// Cells closed by a lone pipe (类别⏎|⏎公开内容⏎|⏎咨询会⏎座谈会⏎|): when every run of lines
	// without pipes ends at one, a run is one cell, however many lines it wraps over.
	runs, closed, inRun := 0, 0, false
	for k, l := range lines {
		switch {
		case used[k]:
			inRun = false
		case !strings.Contains(l.Text, "|"):
			if !inRun {
				runs++
			}
			inRun = true
		default:
			if inRun && strings.TrimSpace(l.Text) == "|" {
				closed++
			}
			inRun = false
		}
	}
	closedCells := runs >= 5 && closed*10 >= runs*9
	afterPipe, bufAfterPipe := false, false
	var buf []string
	bufLine := 0
	newRow, cut := true, false
	flush := func() {
		t := cleanCell(strings.Join(buf, "\n"))
		if t != "" && !markdownSep.MatchString(t) {
			toks = append(toks, tok{Text: oneLine(t), Line: bufLine, Row: newRow, Cut: cut})
			newRow, cut = false, false
		}
		buf, bufLine = nil, 0
	}
	for k, l := range lines {
		if used[k] {
			flush()
			newRow = true
			continue
		}
		if pipeOnly.MatchString(l.Text) || markdownSep.MatchString(strings.ReplaceAll(l.Text, "|", "")) {
			// a lone pipe closes a wrapped cell (基础信息公开⏎|); two or more end the row
			flush()
			if strings.Count(l.Text, "|") >= 2 {
				newRow, cut = true, true
			}
			afterPipe = true
			continue
		}
		if !strings.Contains(l.Text, "|") {
			// a run is joined only from a pipe on: a title line before the table is no cell
			if closedCells && len(buf) > 0 && bufAfterPipe {
				buf = append(buf, l.Text)
				continue
			}
			flush()
			buf, bufLine = []string{l.Text}, l.No
			bufAfterPipe, afterPipe = afterPipe, false
			continue
		}
		afterPipe = true
		cells := 0
		for _, p := range strings.Split(l.Text, "|") {
			if strings.TrimSpace(p) != "" {
				cells++
			}
		}
		startsRow := leadingStyle && strings.HasPrefix(l.Text, "|") && (cells >= 2 || strings.HasSuffix(strings.TrimSpace(l.Text), "|")) || !leadingStyle && cells >= 2
		if wrapped {
			startsRow = seqLine.MatchString(l.Text)
		}
		if len(buf) > 0 && (!strings.HasPrefix(l.Text, "|") || startsRow) {
			flush()
		}
		if startsRow {
			newRow = true
		}
		for i, p := range strings.Split(l.Text, "|") {
			if i > 0 {
				flush()
			}
			if p = strings.TrimSpace(p); p != "" {
				if len(buf) == 0 {
					bufLine = l.No
				}
				buf = append(buf, p)
			}
		}
		if !leadingStyle && cells >= 2 {
			flush()
			newRow = !wrapped
		}
	}
	flush()
	if !rowStyle {
		for k := range toks {
			toks[k].Row = false
		}
	}
	return toks, true
}

var pipeOnly = regexp.MustCompile(`^[|\s]+$`)

// seqLine is a line of cells that starts with a 序号: 12 | 機構信息 |.
var seqLine = regexp.MustCompile(`^\s*[0-9]{1,3}\s*\|`)

// truncatedHeader is a header word that lost its end when the page was copied (全社 for 全社会):
// the start, two characters or more, of a tick column's header word.
func truncatedHeader(s string) bool {
	f := fold(s)
	if runeLen(f) < 2 {
		return false
	}
	for w, r := range headerWords {
		if r == RoleField && len(w) > len(f) && strings.HasPrefix(w, f) {
			return true
		}
	}
	return false
}

// splitGluedScore takes a score off the end of a cell that a copy ran into its text: an
// unclosed bracket (养老服务(2, 相关政策(0.25) or a decimal right after the text (处理信息等0.5).
func splitGluedScore(s string) (text, score string) {
	if m := unclosedScore.FindStringSubmatch(s); m != nil && !strings.ContainsAny(m[2], ")）") {
		return strings.TrimSpace(m[1]), m[2]
	}
	if m := decimalTail.FindStringSubmatch(s); m != nil && runeLen(m[1]) >= 6 {
		// a criterion's text, not a short name with a version (版本2.0)
		return m[1], m[2]
	}
	return s, ""
}

var (
	unclosedScore = regexp.MustCompile(`^(\S.+?)[（(](\d{1,3}(?:\.\d{1,2})?)\s*分?$`)
	decimalTail   = regexp.MustCompile(`^(.+\p{Han})(\d{1,2}\.\d{1,2})\s*分?$`)
)

// closedCell is how a cell that ends its sentence ends: a full stop, a bracket, a score.
var closedCell = regexp.MustCompile(`[。；;！!？?)）」”\d]$`)

// headerGoesOn reports that a header-like cell after the header cells ws still belongs to the
// header. One cell per line, the first data cells may read like headers (主动公开, 重点领域信息
// after 一级…五级指标 | 责任科室): a level after the columns that follow the levels is data
// unless it is a numbered level of a second header row (一级事项 under 公开事项), and a tick
// column's word (主动, 全社会, 县级) belongs to the header only under the column it divides.
func headerGoesOn(ws []string, r Role, s string) bool {
	f := fold(oneLine(s))
	past := false
	for _, w := range ws {
		wr, _ := headerRole(w)
		past = past || wr != RoleLevel && wr != RoleSeq && wr != RoleTask
	}
	if r == RoleLevel && past && !numberedLevel.MatchString(f) {
		return false
	}
	for umbrella, words := range tickWords {
		if !words.MatchString(f) {
			continue
		}
		for _, w := range ws {
			if strings.Contains(fold(w), umbrella) || words.MatchString(fold(w)) {
				return true
			}
		}
		return false
	}
	return true
}

// tickWords are the second-header words of tick columns, by what the column they divide says.
var tickWords = map[string]*regexp.Regexp{
	"对象": regexp.MustCompile(`^(全社会|特定群体|特定群众|特定对象|全社)$`),
	"方式": regexp.MustCompile(`^(主动|主动公开|依申请|依申请公开)$`),
	"层级": regexp.MustCompile(`^(县级|乡级|村级|乡、村级|乡村级|市级|区级|镇级|街道级|乡镇级|街镇级|省级|社区级)$`),
}

// subHeaderWord is a cell of a second header row: a header word as lists write it (全社会, 主动,
// 公开对象), a numbered level (一级事项, 二级 事项) or such a word cut short. A cell that only
// reads like a header (重点领域信息, a 二级指标's value under 一级…五级指标) is data.
func subHeaderWord(s string) bool {
	f := strings.Trim(fold(oneLine(s)), "*＊:：")
	if _, ok := headerWords[f]; ok {
		return true
	}
	return numberedLevel.MatchString(f) && runeLen(f) <= 6 || truncatedHeader(s)
}

var numberedLevel = regexp.MustCompile(`^[一二三四五六七1-7]级`)

// subHeaderRunAt returns the length of a second header row starting at i (一级事项 / 二级事项 /
// 全社会 / 特定群体): header words to the end of the row, with no office or time among them
// needed, as they subdivide the row above.
func subHeaderRunAt(toks []tok, i int) int {
	j := i
	for j < len(toks) && runeLen(toks[j].Text) <= 12 && (j == i || !toks[j].Row && !toks[j].Cut) {
		if !subHeaderWord(toks[j].Text) {
			return 0
		}
		j++
	}
	if j-i < 2 {
		return 0
	}
	return j - i
}

// headerRunAt returns the length of a run of header cells starting at i (0 if none).
func (tr *textReader) headerRunAt(toks []tok, i int) int {
	j := i
	var ws []string
	for j < len(toks) && (j == i || !toks[j].Row && !toks[j].Cut || wrappedHeaderRow(toks, j)) {
		// a long cell counts only when it is a header with a remark (公开渠道和载体(在标注范围内…))
		r, known := headerRole(toks[j].Text)
		if !known || len(ws) > 0 && !headerGoesOn(ws, r, toks[j].Text) {
			break
		}
		ws = append(ws, toks[j].Text)
		j++
	}
	if len(ws) < 2 {
		return 0
	}
	if _, ok := headerScore(ws); !ok {
		return 0
	}
	return j - i
}

// lawText is a 公开依据 cell: a law in 《》, perhaps after its kind (【条例】《…》).
func lawText(s string) bool {
	s = lawTag.ReplaceAllString(s, "")
	return strings.HasPrefix(s, "《") && fieldLaw.MatchString(ToSimplified(s))
}

// lawTag is the kind of law written before it: 【条例】, 【规章】.
var lawTag = regexp.MustCompile(`^【[^【】]{1,4}】\s*`)

// elementCell is elements of a 内容标准 written in brackets: 【联系方式】, 【标题】【内容】.
var elementCell = regexp.MustCompile(`^(【[^【】]{1,16}】\s*)+$`)

// ticksOnly reports cells that are nothing but tick marks (√, ■, ●): the 公开对象 / 公开方式
// columns of a row, never an item of their own.
func ticksOnly(ts []tok) bool {
	for _, t := range ts {
		if !tickCell.MatchString(t.Text) {
			return false
		}
	}
	return len(ts) > 0
}

var tickCell = regexp.MustCompile(`^[■□√☑✓✔×☐▲●○\s]+$`)

// levelNoun is what a level header counts (一级事项: 事项, 二级指标: 指标), "" when it is no
// numbered level.
func levelNoun(h string) string {
	m := levelWord.FindStringSubmatch(fold(h))
	if m == nil {
		return ""
	}
	return m[1]
}

var levelWord = regexp.MustCompile(`^[一二三四五六七八九1-9]级(.{1,4})$`)

// wrappedHeaderRow reports a row starting at toks[j] that continues the header row before it:
// a header wrapped over several lines of cells (序號 | 公開事項 | 公開內容 |⏎公開依據 | 公開時限 |⏎
// 公開主體 |) has rows of header words only. A row of levels (一级事项 / 二级事项) or of tick
// sub-headers (全社会 / 特定群体) is a second header row, not a continuation.
func wrappedHeaderRow(toks []tok, j int) bool {
	if !toks[j].Row || toks[j].Cut {
		return false
	}
	k := j
	for ; k < len(toks) && (k == j || !toks[k].Row && !toks[k].Cut); k++ {
		r, known := headerRole(toks[k].Text)
		if !known || r == RoleLevel || r == RoleField && !catalogueField.MatchString(fold(toks[k].Text)) {
			return false
		}
	}
	return k > j
}

type trow struct {
	seq    *tok
	labels []tok
	cells  map[int]tok
}

// enumStart is the number a point of an enumerated cell starts with (1、 or 1. or （1）), 0 when
// the text does not start with one. A bare number is a 序号, not a point.
func enumStart(s string) int {
	m := enumPoint.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1] + m[2])
	return n
}

var enumPoint = regexp.MustCompile(`^(?:(\d{1,2})[、.．]|[（(](\d{1,2})[）)]) ?\S`)

// seqNumber is the row's 序号 as a number, 0 when it has none.
func seqNumber(r trow) int {
	if r.seq == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimRight(r.seq.Text, ".、"))
	if err != nil {
		return 0
	}
	return n
}

// inRunLevels finds, in a header run, the hierarchy levels of a second header row that a
// one-cell-per-line flattening appended to the first: level cells that come after an umbrella
// task column (公开事项) and after other columns. It returns where they start and how many there
// are (0: none).
func inRunLevels(hdr []string, roles []Role) (start, n int) {
	umbrella := -1
	for c, r := range roles {
		if (r == RoleTask || r == RoleLevel) && umbrella < 0 {
			umbrella = c
			continue
		}
		if r == RoleLevel && umbrella >= 0 && c > umbrella+1 && roles[c-1] != RoleLevel {
			for c+n < len(roles) && roles[c+n] == RoleLevel {
				n++
			}
			return c, n
		}
	}
	return 0, 0
}

// tokenTable reads the rows of a flattened table whose header run of n cells starts at
// toks[start]; it returns the table and the index of the first token after it.
func (tr *textReader) tokenTable(toks []tok, start, n int, pipe bool) (*Table, int) {
	hdr := make([]string, n)
	for k := range hdr {
		hdr[k] = toks[start+k].Text
	}
	roles := rolesFromHeader([][]string{hdr})
	skip := 0
	// a second header row under the first (公开事项 over 一级/二级/三级事项, 公开对象 over
	// 全社会/特定群体): its levels replace the column they subdivide; its other cells subdivide
	// tick columns whose empty cells the flattening dropped, so they add no column
	// the header row may end in cells no header word names (a 政府网站 over tick columns):
	// the second header row starts at the next row
	at := start + n
	for at < len(toks) && at < start+n+4 && !toks[at].Row && !toks[at].Cut && runeLen(toks[at].Text) <= 12 {
		at++
	}
	if at >= len(toks) || !toks[at].Row && !toks[at].Cut {
		at = start + n
	}
	// a second header row starts a row: an explicit one, or one after a line of pipes only
	if m := subHeaderRunAt(toks, at); m > 0 && (toks[at].Row || toks[at].Cut) {
		var lv []string
		for k := 0; k < m; k++ {
			if r, _ := headerRole(toks[at+k].Text); r == RoleLevel {
				lv = append(lv, toks[at+k].Text)
			}
		}
		if len(lv) > 0 {
			for c, r := range roles {
				if r == RoleTask || r == RoleLevel {
					var h2 []string
					h2 = append(h2, hdr[:c]...)
					h2 = append(h2, lv...)
					h2 = append(h2, hdr[c+1:]...)
					hdr = h2
					break
				}
			}
			roles = rolesFromHeader([][]string{hdr})
			for c := range roles {
				if c < len(lv)+1 && roles[c] == RoleTask {
					roles[c] = RoleLevel
				}
			}
		}
		skip = at - (start + n) + m
	} else if k, lv := inRunLevels(hdr, roles); lv > 0 {
		// one cell per line: the second header row (一级事项 / 二级事项 under 公开事项, then
		// 全社会 / 特定群体 under 公开对象) runs on in the same run of header cells
		// the levels subdivide the column their noun names (一级目录 | 公开事项 over 一级/二级/
		// 三级事项: 公开事项); without one, the first level or task column
		umbrella := -1
		if noun := levelNoun(hdr[k]); noun != "" {
			for c := 0; c < k; c++ {
				if (roles[c] == RoleTask || roles[c] == RoleLevel) && strings.HasSuffix(fold(hdr[c]), noun) {
					umbrella = c
				}
			}
		}
		for c := 0; c < k && umbrella < 0; c++ {
			if roles[c] == RoleTask || roles[c] == RoleLevel {
				umbrella = c
			}
		}
		var h2 []string
		for c := 0; c < k; c++ {
			if c == umbrella {
				h2 = append(h2, hdr[k:k+lv]...)
				continue
			}
			h2 = append(h2, hdr[c])
		}
		hdr = h2
		roles = rolesFromHeader([][]string{hdr})
		for c := range roles {
			if roles[c] == RoleTask && c < k+lv {
				roles[c] = RoleLevel
			}
		}
	}
	owner := false
	for _, r := range roles {
		owner = owner || r == RoleOffices || r == RoleLead || r == RoleCo || r == RoleSubject
	}
	tr.noOwner = !owner
	defer func() { tr.noOwner = false }()
	var levels []int
	seqCol := -1
	for c, r := range roles {
		switch r {
		case RoleLevel:
			levels = append(levels, c)
		case RoleSeq:
			if seqCol < 0 {
				seqCol = c
			}
		}
	}
	lastLevel := -1
	if len(levels) > 0 {
		lastLevel = levels[len(levels)-1]
	}
	var trailing []int
	hasWhoWhen := false
	for c := lastLevel + 1; c < len(roles); c++ {
		switch roles[c] {
		case RoleRequirement, RoleTask, RoleOffices, RoleLead, RoleCo, RoleDeadline, RoleFrequency, RoleScore, RoleSubject, RoleField:
			trailing = append(trailing, c)
			hasWhoWhen = hasWhoWhen || roles[c] != RoleRequirement && roles[c] != RoleTask && roles[c] != RoleField
		}
	}
	hasScore, hasText, catalogueCols := false, false, false
	for _, c := range trailing {
		hasScore = hasScore || roles[c] == RoleScore
		hasText = hasText || roles[c] == RoleRequirement || roles[c] == RoleTask
		// a catalogue's columns (公开形式, 公开依据): its one level is the 事项, the next cell its 内容
		catalogueCols = catalogueCols || roles[c] == RoleField && catalogueField.MatchString(fold(hdr[c]))
	}
	explicit := false
	for k := start + n; k < len(toks) && k < start+n+40; k++ {
		explicit = explicit || toks[k].Row
	}
	ruleAfter := func(from int) bool {
		for _, c := range trailing {
			if c > from && (roles[c] == RoleDeadline || roles[c] == RoleFrequency) {
				return true
			}
		}
		return false
	}
	// a web page's furniture (责任编辑:, 相关稿件, 打印本页) ends the table, even inside a row
	for k := start + n; k < len(toks); k++ {
		if pageFurniture.MatchString(ToSimplified(toks[k].Text)) {
			toks = toks[:k]
			break
		}
	}
	var rows []trow
	// lastStart is where the last explicit row's cells start; clockCol the table's clock column
	lastStart, clockCol := -1, firstRole(roles, RoleDeadline, RoleFrequency)
	firstContent := -1
	for _, c := range trailing {
		if roles[c] == RoleRequirement || roles[c] == RoleTask {
			firstContent = c
			break
		}
	}
	i := start + n + skip
	for i < len(toks) {
		if i+n <= len(toks) && sameWords(toks[i:i+n], hdr) {
			i += n // the header repeated at a page break
			continue
		}
		if tr.headerRunAt(toks, i) > 0 {
			break
		}
		if explicit {
			rowEnd := i + 1
			for rowEnd < len(toks) && !toks[rowEnd].Row {
				rowEnd++
			}
			if e := rowEnd - 1; e > i && rowEnd < len(toks) && sectionHead.MatchString(toks[e].Text) && runeLen(toks[e].Text) <= 40 &&
				(rowEnd+n <= len(toks) && sameWords(toks[rowEnd:rowEnd+n], hdr) || tr.headerRunAt(toks, rowEnd) > 0) {
				// the title of the next table ((二)公共资源交易领域…目录 |) before its header: a
				// section of its own, not the end of this row
				toks[e].Row = true
				rowEnd = e
			}
			if ticksOnly(toks[i:rowEnd]) && len(rows) > 0 {
				// | √ | on a line of its own: the tick columns of the row above, wrapped
				i = rowEnd
				continue
			}
			if len(rows) > 0 && lastStart >= 0 && clockCol >= 0 && lawText(toks[i].Text) {
				if _, has := rows[len(rows)-1].cells[clockCol]; !has {
					// a row that broke after its 内容 (政策解读 | 含文字解读… |⏎《条例》 | 时限 | …):
					// the line that starts with the law is the rest of it
					if r, ok := tr.explicitRow(toks[lastStart:rowEnd], hdr, roles, trailing, seqCol); ok {
						rows[len(rows)-1] = r
						i = rowEnd
						continue
					}
				}
			}
			if r, ok := tr.explicitRow(toks[i:rowEnd], hdr, roles, trailing, seqCol); ok {
				rows = append(rows, r)
				lastStart = i
				i = rowEnd
				continue
			}
			break
		}
		r := trow{cells: map[int]tok{}}
		j := i
		// a line of pipes only ended the row, whatever else the row looks like
		limit := i + 1
		for limit < len(toks) && !toks[limit].Cut {
			limit++
		}
		if seqCol >= 0 && numberTok.MatchString(toks[j].Text) {
			r.seq = &toks[j]
			j++
		}
		forced := tr.labelsBeforeClock(toks[j:limit], roles, lastLevel, clockCol, len(levels), seqCol >= 0)
		for j < limit && tr.headerRunAt(toks, j) == 0 {
			u := toks[j].Text
			if len(r.labels) < forced {
				// counted back from the clock: 国家和地方层面…法律、法规、政策文件 is a 事项 here,
				// however much it reads like content
				r.labels = append(r.labels, toks[j])
				j++
				continue
			}
			if scoreLike.MatchString(u) && !hasScore {
				j++ // a score glued into a table that has no score column (23, 0.75): not a label
				continue
			}
			if len(r.labels) < len(levels) && tr.labelBeforeContent(toks[j+1:limit], roles, seqCol >= 0, u) {
				// 班子成员及各委员会 or 居民小组 where a 事项 is due: it reads like an office, but the
				// row's content, clock and owner all follow it
				r.labels = append(r.labels, toks[j])
				j++
				continue
			}
			if len(r.labels) > 0 && hasText && j+1 < limit && tr.contentBeforeClock(toks[:limit], j, roles, hdr) {
				break // 监督委员会成员、职责和监督电话 before its clock is the 内容, not a level
			}
			if tr.isLabel(u) && !(pipe && hasText && (len(levels) > 1 || len(levels) == 1 && catalogueCols) && len(r.labels) >= len(levels)) {
				// with pipes a cell is whole: a short 公开内容 after as many labels as there are
				// levels is content (without pipes, extra labels are fragments joined later)
				r.labels = append(r.labels, toks[j])
				j++
				continue
			}
			if !hasText && !tr.isRule(u) && officeStrength(u, tr.known) == notOffice {
				// no requirement column: the deepest level holds the item's text, a sentence
				t := toks[j]
				j++
				for j+1 < limit && runeLen(t.Text) > 25 && !closedCell.MatchString(t.Text) && officeStrength(toks[j].Text, tr.known) == notOffice &&
					!tr.isRule(toks[j].Text) && officeStrength(toks[j+1].Text, tr.known) != notOffice {
					// the sentence wrapped mid-word before its office (…检查结⏎果及处理信息⏎科室)
					t.Text += toks[j].Text
					j++
				}
				r.labels = append(r.labels, t)
			}
			if hasText && len(levels) > 0 && itemStart.MatchString(u) && runeLen(u) <= 30 && j+1 < limit &&
				!tr.isRule(u) && officeStrength(u, tr.known) == notOffice && sentenceLike(toks[j+1].Text) {
				// a numbered task title before its requirement (1.行政规范性文件集中公开 then 1.开展…):
				// the task column, however much it reads like a sentence
				r.labels = append(r.labels, toks[j])
				j++
			}
			break
		}
		matched := false
		for _, c := range trailing {
			if j >= limit || tr.headerRunAt(toks, j) > 0 {
				break
			}
			u := toks[j]
			var next *tok
			if j+1 < limit {
				next = &toks[j+1]
			}
			ok := false
			switch roles[c] {
			case RoleRequirement, RoleTask:
				ok = !tr.isRule(u.Text) && !scoreLike.MatchString(u.Text) && (sentenceLike(u.Text) || officeStrength(u.Text, tr.known) == notOffice)
				// a table without a clock column keeps its clock in the requirement after the
				// content (内容说明 | 具体要求: 及时更新): there a bare clock is that requirement
				ok = ok || clockCol < 0 && c > firstContent && firstContent >= 0 && tr.isRule(u.Text)
			case RoleOffices, RoleLead, RoleCo:
				ok = !tr.isRule(u.Text) && !fieldMark.MatchString(u.Text) && tr.officeLike(u, next, ruleAfter(c))
			case RoleDeadline, RoleFrequency:
				ok = tr.clockCell(u.Text)
			case RoleScore:
				ok = scoreLike.MatchString(u.Text)
			case RoleSubject:
				ok = !fieldMark.MatchString(u.Text) && (officeStrength(u.Text, tr.known) != notOffice || subjectLike.MatchString(fold(u.Text)))
			case RoleField:
				ok = tr.fieldText(hdr[c], u.Text)
			}
			if isDitto(u.Text) {
				// 同上 repeats the cell above: it stands in the next rule column
				ok = roles[c] == RoleDeadline || roles[c] == RoleFrequency
			}
			if ok {
				j++
				if (roles[c] == RoleRequirement || roles[c] == RoleTask) && !pipe {
					// 1、每月不低于40条。 then 2、… and 3、… on their own lines: one cell's points
					// (with pipes, each point closed by its own | is a cell of its own)
					e := j
					for n := enumStart(u.Text); n > 0 && e < limit && enumStart(toks[e].Text) == n+1 && tr.headerRunAt(toks, e) == 0; n++ {
						e++
					}
					// unless the points are rows of their own: then an office or a clock follows
					// them (a list of numbered tasks whose first office was merged away)
					if e > j && (e >= limit || officeStrength(toks[e].Text, tr.known) == notOffice && !tr.isRule(toks[e].Text)) {
						for ; j < e; j++ {
							u.Text += "\n" + toks[j].Text
						}
					}
				}
				r.cells[c] = u
				matched = true
			}
		}
		if !matched {
			if len(r.labels) > 0 && pipe && j == limit && limit < len(toks) {
				// a section row ended by its pipes (一、年底前专项工作任务 | then |||||): a path for
				// the rows below, not the end of the table
				rows = append(rows, r)
				i = j
				continue
			}
			break
		}
		if n := len(trailing); n > 0 {
			// an office cell wrapped over lines (医政医管与疾控监督科⏎区卫生健康监督执法大队):
			// with the owner column last, the office names after it are its own
			c := trailing[n-1]
			if u, ok := r.cells[c]; ok && (roles[c] == RoleOffices || roles[c] == RoleLead || roles[c] == RoleCo) {
				for j < limit && tr.headerRunAt(toks, j) == 0 && officeStrength(toks[j].Text, tr.known) == surelyOffice && !sentenceLike(toks[j].Text) {
					u.Text += "、" + toks[j].Text
					j++
				}
				r.cells[c] = u
			}
		}
		if j+1 < limit && seqCol >= 0 && numberTok.MatchString(toks[j+1].Text) {
			// a second owner after the channels, just before the next 序号 (…■政务服务中心⏎项目单位⏎3):
			// the owner column's, not a level of the next row
			for _, c := range trailing {
				u, ok := r.cells[c]
				if !ok || roles[c] != RoleOffices && roles[c] != RoleLead && roles[c] != RoleSubject {
					continue
				}
				if x := toks[j].Text; !tr.isRule(x) && !sentenceLike(x) && (officeStrength(x, tr.known) != notOffice || roles[c] == RoleSubject && subjectLike.MatchString(fold(x))) {
					u.Text += "、" + x
					r.cells[c] = u
					j++
				}
				break
			}
		}
		rows = append(rows, r)
		i = j
	}
	end := i
	cut := false
	// A web page goes on after its table (文件下载, 相关推荐…). Past the last row that has a
	// cell of its own in an office, deadline or frequency column, rows that merely continue the
	// item above (a requirement under the same labels) are real; a row with labels of its own
	// and nothing else is the page going on.
	if hasWhoWhen {
		last := -1
		for k, r := range rows {
			for c := range r.cells {
				if roles[c] != RoleRequirement && roles[c] != RoleTask {
					last = k
				}
			}
		}
		prevSeq := 0
		for _, r := range rows[:last+1] {
			if n := seqNumber(r); n > 0 {
				prevSeq = n
			}
		}
		for k := last + 1; k < len(rows); k++ {
			if n := seqNumber(rows[k]); n > 0 && prevSeq > 0 && n == prevSeq+1 {
				// the next 序号: a row whose office and clock are merged with the row above
				// (肇庆: 2 | 机构领导 | 领导职务…), not the page going on
				prevSeq = n
				continue
			}
			if len(rows[k].labels) > 0 {
				first := rows[k].labels[0]
				after := toks[start].Line // the header, when no row has an office or a time
				if k > 0 {
					after = rowLine(rows[k-1])
				}
				tr.notes = append(tr.notes, Issue{File: tr.name, Row: first.Line,
					Message: fmt.Sprintf("表格在第%d行后结束：从“%s”起的内容没有责任科室或时限，不像任务，未导入", after, shorten(first.Text, 20))})
				// the tokens of the dropped rows are not part of the table
				for e := start; e < len(toks); e++ {
					if toks[e].Line >= first.Line {
						end = e
						break
					}
				}
				rows = rows[:k]
				cut = true
				break
			}
		}
	}
	// a row of 【…】 elements only (【联系方式】 | |||||| under 【机构名称】) lists more of the
	// 内容 of the row above: its elements, not an item
	for k := 1; k < len(rows); k++ {
		r := rows[k]
		if r.seq != nil || len(r.labels)+len(r.cells) == 0 {
			continue
		}
		var parts []string
		only := true
		for _, u := range r.labels {
			only = only && elementCell.MatchString(u.Text)
			parts = append(parts, u.Text)
		}
		for _, u := range r.cells {
			only = only && elementCell.MatchString(u.Text)
			parts = append(parts, u.Text)
		}
		if !only {
			continue
		}
		content := -1
		for c, x := range roles {
			if x == RoleRequirement || x == RoleTask {
				content = c
				break
			}
		}
		prev := rows[k-1]
		u, ok := prev.cells[content]
		if content < 0 || !ok || !elementCell.MatchString(strings.Fields(u.Text + " x")[0]) && !strings.HasPrefix(u.Text, "【") {
			continue
		}
		u.Text += strings.Join(parts, "")
		prev.cells[content] = u
		rows = append(rows[:k], rows[k+1:]...)
		k--
	}
	// a row that broke after its 内容 (3 | 政务公开 | 领导简历 | 【基本信息】… |⏎时限 | 形式 |):
	// a line of the clock and what follows it, none of which the row above has, ends that row
	for k := 1; k < len(rows); k++ {
		r, prev := rows[k], rows[k-1]
		if len(r.labels) > 0 || r.seq != nil || len(r.cells) == 0 || clockCol < 0 {
			continue
		}
		if _, ok := r.cells[clockCol]; !ok {
			continue
		}
		rest := true
		for c := range r.cells {
			_, taken := prev.cells[c]
			rest = rest && !taken && c >= clockCol
		}
		if !rest {
			continue
		}
		for c, u := range r.cells {
			prev.cells[c] = u
		}
		rows = append(rows[:k], rows[k+1:]...)
		k--
	}
	// a row of kept-column cells only (■投资项目在线审批监管平台 on a line of its own) is the
	// rest of the row above, wrapped
	for k := 1; k < len(rows); k++ {
		r := rows[k]
		if len(r.labels) > 0 || r.seq != nil || len(r.cells) == 0 {
			continue
		}
		// tick marks (√) wherever they landed are the tick columns of the row above
		onlyFields := true
		for c, u := range r.cells {
			onlyFields = onlyFields && (roles[c] == RoleField || tickCell.MatchString(u.Text))
		}
		if !onlyFields {
			continue
		}
		prev := rows[k-1]
		for c, u := range r.cells {
			if roles[c] != RoleField {
				continue
			}
			if p, ok := prev.cells[c]; ok {
				p.Text += " " + u.Text
				prev.cells[c] = p
			} else {
				prev.cells[c] = u
			}
		}
		rows = append(rows[:k], rows[k+1:]...)
		k--
	}
	if len(rows) == 0 {
		return nil, start + n + skip
	}
	if !cut && end < len(toks) && tr.headerRunAt(toks, end) == 0 {
		tr.notes = append(tr.notes, Issue{File: tr.name, Row: toks[end].Line,
			Message: fmt.Sprintf("第%d行起的文字（“%s”…）不是表格内容，未导入", toks[end].Line, shorten(toks[end].Text, 20))})
	}

	// labels split by a line break inside their cell (上级政策⏎解读, 监督⏎保障) come back together
	if !pipe {
		for k := range rows {
			rows[k].labels = joinFragments(rows[k].labels)
		}
	}
	depth := len(levels)
	expand := len(levels) == 1
	if expand {
		for _, r := range rows {
			depth = max(depth, len(r.labels))
		}
	}
	for k := range rows {
		if len(rows[k].labels) > depth {
			texts := make([]string, len(rows[k].labels))
			for x, l := range rows[k].labels {
				texts[x] = l.Text
			}
			merged := mergeLabels(texts, depth)
			line := rows[k].labels[0].Line
			rows[k].labels = rows[k].labels[:0]
			for _, m := range merged {
				rows[k].labels = append(rows[k].labels, tok{Text: m, Line: line})
			}
		}
	}

	// scores glued to the cells of a table without a score column (养老服务(2, …相关政策(0.25,
	// …处理信息等0.5): the text without them, and the leaf's score as the item's
	leafScore := map[int]string{}
	if !hasScore {
		for k := range rows {
			for x := range rows[k].labels {
				text, score := splitGluedScore(rows[k].labels[x].Text)
				rows[k].labels[x].Text = text
				if score != "" && x == len(rows[k].labels)-1 {
					leafScore[k] = score
				}
			}
		}
	}

	// the grid: the header with an expanded level column repeated, then the rows
	var gridRoles []Role
	var gridHdr []string
	colOf := map[int]int{} // header column -> first grid column
	for c, r := range roles {
		colOf[c] = len(gridRoles)
		k := 1
		if expand && r == RoleLevel {
			k = depth
		}
		for x := 0; x < k; x++ {
			gridRoles = append(gridRoles, r)
			gridHdr = append(gridHdr, hdr[c])
		}
	}
	scoreCol := -1
	if len(leafScore) > 0 {
		scoreCol = len(gridRoles)
		gridRoles = append(gridRoles, RoleScore)
		gridHdr = append(gridHdr, "分值")
	}
	var levelCols []int
	for c, r := range gridRoles {
		if r == RoleLevel {
			levelCols = append(levelCols, c)
		}
	}
	t := &Table{Where: fmt.Sprintf("第%d–%d行", toks[start].Line, toks[end-1].Line), Columns: &Columns{Roles: gridRoles, HeaderRows: 1}}
	head := make([]Cell, len(gridRoles))
	for c := range head {
		head[c] = Cell{Text: gridHdr[c], Row: toks[start].Line}
	}
	t.Rows = append(t.Rows, head)
	var prev []Cell
	for k, r := range rows {
		at := rowLine(r)
		row := make([]Cell, len(gridRoles))
		for c := range row {
			row[c] = Cell{Row: at}
		}
		if scoreCol >= 0 {
			row[scoreCol].Text = leafScore[k]
		}
		if r.seq != nil && seqCol >= 0 {
			row[colOf[seqCol]] = Cell{Text: strings.TrimRight(r.seq.Text, ".、"), Row: r.seq.Line}
		}
		off := len(levelCols) - len(r.labels)
		for k, c := range levelCols {
			if k < off {
				row[c].Merged = true
				if prev != nil {
					row[c].Text = prev[c].Text
				}
				continue
			}
			l := r.labels[k-off]
			row[c] = Cell{Text: l.Text, Row: l.Line}
		}
		for _, c := range trailing {
			g := colOf[c]
			if u, ok := r.cells[c]; ok {
				row[g] = Cell{Text: u.Text, Row: u.Line}
				continue
			}
			if roles[c] != RoleRequirement && roles[c] != RoleTask && prev != nil {
				row[g] = Cell{Text: prev[g].Text, Row: at, Merged: true}
			}
		}
		t.Rows = append(t.Rows, row)
		prev = row
	}
	return t, end
}

// labelBeforeContent reports that u, a short cell that reads like an office, is a hierarchy
// label because what follows it in the row is the row's content, then its clock, then an
// office: in a table whose owner column comes after its content and clock, an office cell
// cannot come first. Only the cells up to the next 序号 (with one) count as the row.
func (tr *textReader) labelBeforeContent(after []tok, roles []Role, seqs bool, u string) bool {
	if runeLen(u) > 30 || sentenceLike(u) || tr.isRule(u) || scoreLike.MatchString(u) || fieldMark.MatchString(u) ||
		isDitto(u) || enumeration(u) || officeStrength(u, tr.known) == notOffice || len(after) < 3 {
		return false
	}
	content := firstRole(roles, RoleRequirement, RoleTask)
	clock := firstRole(roles, RoleDeadline, RoleFrequency)
	owner := firstRole(roles, RoleOffices, RoleLead, RoleSubject)
	if content < 0 || clock < 0 || owner < 0 || !(content < clock && clock < owner) {
		return false
	}
	// what follows is content: not a clock, and no office unless the clock comes right after it
	first := after[0].Text
	if tr.isRule(first) || officeStrength(first, tr.known) != notOffice && !sentenceLike(first) && !tr.clockCell(after[1].Text) {
		return false
	}
	sawClock := false
	for _, t := range after[1:] {
		if seqs && numberTok.MatchString(t.Text) {
			break
		}
		switch {
		case !sawClock && tr.clockCell(t.Text):
			sawClock = true
		case sawClock && (officeStrength(t.Text, tr.known) != notOffice || roles[owner] == RoleSubject && subjectLike.MatchString(fold(t.Text))):
			return true
		}
	}
	return false
}

// labelsBeforeClock counts the level cells of a row by aligning it on its clock: the header's
// columns between the last level and the clock column (the 内容, a 公开依据) take the cells just
// before the clock, so the cells before those are levels. It gives 0 unless the row has more
// cells before its clock than those columns, and never more than the levels.
func (tr *textReader) labelsBeforeClock(row []tok, roles []Role, lastLevel, clockCol, levels int, seqs bool) int {
	if lastLevel < 0 || clockCol <= lastLevel+1 {
		return 0
	}
	for c := lastLevel + 1; c < clockCol; c++ {
		if roles[c] != RoleRequirement && roles[c] != RoleField {
			return 0
		}
	}
	between := clockCol - lastLevel - 1
	for q, t := range row {
		if seqs && q > 0 && numberTok.MatchString(t.Text) {
			return 0
		}
		if tr.clockCell(t.Text) {
			n := min(q-between, levels)
			for _, x := range row[:max(n, 0)] {
				if officeStrength(x.Text, tr.known) == surelyOffice || fieldMark.MatchString(x.Text) {
					return 0
				}
			}
			return max(n, 0)
		}
	}
	return 0
}

// describes is text that says what is published (本部门…制度性文件, 按照…执行, a list with 、)
// rather than naming a 事项 (办事指南, 来信来访地址和电话).
func describes(s string) bool {
	return strings.Contains(s, "、") || runeLen(s) > 12 || contentOpener.MatchString(s)
}

var contentOpener = regexp.MustCompile(`^(本|各|按照|依照|依据|根据|包括|包含)`)

// contentBeforeClock reports that cells[j] is the row's 内容 rather than one more level: the
// cell after it belongs to the column that follows the 内容 column in the header (its clock, or
// the law of a 公开依据 column).
func (tr *textReader) contentBeforeClock(cells []tok, j int, roles []Role, hdr []string) bool {
	// a name (办事指南) is a level even there, with its 内容 merged away: content describes
	if j+1 >= len(cells) || tr.isRule(cells[j].Text) || !describes(cells[j].Text) {
		return false
	}
	next := cells[j+1].Text
	for c := 0; c+1 < len(roles); c++ {
		if roles[c] != RoleRequirement {
			continue
		}
		// the kept columns between the 内容 and the clock may have been merged away
		for n := c + 1; n < len(roles); n++ {
			switch {
			case roles[n] == RoleDeadline || roles[n] == RoleFrequency:
				return tr.clockCell(next)
			case roles[n] == RoleField && n < len(hdr) && strings.Contains(fold(hdr[n]), "依据"):
				if lawText(next) {
					return true
				}
			case roles[n] != RoleField:
				return false
			}
		}
		return false
	}
	return false
}

// firstRole is the first column with one of the roles, -1 when there is none.
func firstRole(roles []Role, rs ...Role) int {
	for c, r := range roles {
		if slices.Contains(rs, r) {
			return c
		}
	}
	return -1
}

func rowLine(r trow) int {
	if r.seq != nil {
		return r.seq.Line
	}
	if len(r.labels) > 0 {
		return r.labels[0].Line
	}
	best := 0
	for _, c := range r.cells {
		if best == 0 || c.Line < best {
			best = c.Line
		}
	}
	return best
}

func sameWords(ts []tok, ws []string) bool {
	if len(ts) != len(ws) {
		return false
	}
	for i := range ts {
		if fold(ts[i].Text) != fold(ws[i]) {
			return false
		}
	}
	return true
}

// joinFragments puts back together labels of at most two characters that a line break in
// their cell split off: 监督⏎保障 is 监督保障, 上级政策⏎解读 is 上级政策解读.
// conjunctionStart is a line that continues the one before it (及解读, 和管理).
var conjunctionStart = regexp.MustCompile(`^(及|和|与|以及|或|并|暨)[^\s]`)

func joinFragments(ls []tok) []tok {
	var out []tok
	joined := map[int]bool{}
	for k := 0; k < len(ls); k++ {
		short := runeLen(ls[k].Text) <= 2
		switch {
		case short && k+1 < len(ls) && runeLen(ls[k+1].Text) <= 2:
			out = append(out, tok{Text: ls[k].Text + ls[k+1].Text, Line: ls[k].Line})
			joined[len(out)-1] = true
			k++
		case (short || conjunctionStart.MatchString(ls[k].Text)) && len(out) > 0 && !joined[len(out)-1]:
			// 及解读 after 规范性文件: no heading starts with a conjunction
			out[len(out)-1].Text += ls[k].Text
			joined[len(out)-1] = true
		default:
			out = append(out, ls[k])
		}
	}
	return out
}

var (
	scoreLike = regexp.MustCompile(`^[(（]?\d{1,3}(\.\d{1,2})?\s*分?[)）]?$`)
	// fieldMark is a cell of a catalogue's tick columns (公开渠道 ■政府网站, 公开对象 √)
	fieldMark = regexp.MustCompile(`^[■□√☑✓✔×☐▲●○]|[■□√☑✓✔]$`)
	// sectionHead is a heading numbered as a section: 一、…, （一）…, 第一部分
	sectionHead = regexp.MustCompile(`^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}[部分章节条项])`)
)

// explicitRow reads one row of pipe text whose row the pipes delimit. A row with a cell for
// every column is read by position; a shorter one lost merged cells, and its cells are put
// back by what they hold (a number, a label, a sentence, offices, rule wording, a score), in
// column order. A row of labels only is a category row: its labels are the path of the rows
// below it.
func (tr *textReader) explicitRow(cells []tok, hdr []string, roles []Role, trailing []int, seqCol int) (trow, bool) {
	r := trow{cells: map[int]tok{}}
	// a bare number first where the header has no 序号 (its level cells were merged away: 2 |
	// 开设… | 责任单位 | 时限) is the row's number, not its task: the cells are read by content
	lostSeq := seqCol < 0 && len(cells) > 0 && numberTok.MatchString(cells[0].Text) && len(roles) > 0 && roles[0] != RoleSeq
	// as many cells as columns is a row cell for column, unless a level column would take a
	// cell no label reads like: the row lost a level to a merge and tick cells the header
	// does not count (全社会 / 主动 / 县级) made up the number
	positional := len(cells) == len(roles) && !lostSeq
	// the clock in the clock column is a row that kept its width: a level may then hold a
	// sentence (a merged 具体职责 written out in full on the row that has it)
	clockInPlace := false
	for c := 0; positional && c < len(cells); c++ {
		if (roles[c] == RoleDeadline || roles[c] == RoleFrequency) && cells[c].Text != "" {
			clockInPlace = tr.clockCell(cells[c].Text)
			break
		}
	}
	for c := 0; positional && c < len(cells); c++ {
		u := cells[c].Text
		switch roles[c] {
		case RoleLevel:
			positional = u == "" || tr.isLabel(u) || clockInPlace && !tr.isRule(u) && officeStrength(u, tr.known) != surelyOffice
		case RoleDeadline, RoleFrequency:
			// nor may the clock column take an office (乡镇人民政府): the cells moved
			positional = u == "" || officeStrength(u, tr.known) != surelyOffice || tr.isRule(u)
		}
	}
	if positional {
		for c, u := range cells {
			switch roles[c] {
			case RoleSeq:
				x := u
				r.seq = &x
			case RoleLevel:
				r.labels = append(r.labels, u)
			case RoleNone:
			default:
				r.cells[c] = u
			}
		}
		return r, true
	}
	j := 0
	if (seqCol >= 0 || lostSeq) && j < len(cells) && numberTok.MatchString(cells[j].Text) {
		x := cells[j]
		r.seq = &x
		j++
	}
	nLevels := 0
	for _, x := range roles {
		nLevels += b2i(x == RoleLevel)
	}
	hasLevel := nLevels > 0
	// labels fill level columns; without one (序号 | 公开事项 | 责任股室 | 公开时限) a short first
	// cell is the task itself and goes to its column below. A short 公开内容 after as many
	// labels as there are levels is content, not a third level.
	hasLaw := false
	for c, x := range roles {
		hasLaw = hasLaw || x == RoleField && c < len(hdr) && strings.Contains(fold(hdr[c]), "依据")
	}
	// a law in 《》 where the table has a 公开依据 column is that column's, not a level: the
	// row lost its 公开内容 cell (政府信息公开指南 | 《条例》 | …)
	lawCell := func(s string) bool { return hasLaw && lawText(s) }
	hasContent := false
	for _, x := range roles {
		hasContent = hasContent || x == RoleRequirement
	}
	for hasLevel && j < len(cells) && tr.isLabel(cells[j].Text) && !lawCell(cells[j].Text) && len(cells)-j > 1 && (len(r.labels) < nLevels || nLevels == 1) &&
		!(hasContent && elementCell.MatchString(cells[j].Text)) && !(hasContent && len(r.labels) > 0 && tr.contentBeforeClock(cells, j, roles, hdr)) {
		// 【机构名称】 is an element of the 内容标准, never a level of its own
		r.labels = append(r.labels, cells[j])
		j++
	}
	if r.seq == nil && j < len(cells)-1 && numberTok.MatchString(cells[j].Text) && len(cells) > len(roles) {
		// the header lost its 序号 cell (怀远: only 具 体 要 求 | 责任科室 survive) but the row is
		// wider than the header and numbered: the bare number is the row's 序号, not its text
		x := cells[j]
		r.seq = &x
		j++
	}
	if r.seq != nil && len(r.labels) == 0 && hasLevel && j < len(cells)-1 && !tr.isRule(cells[j].Text) &&
		officeStrength(cells[j].Text, tr.known) != surelyOffice {
		// a numbered row starts a task of its own: its first cell is the task (the deepest
		// level), even when it reads like a sentence, and nothing is filled down into it
		r.labels = append(r.labels, cells[j])
		j++
	}
	if j == len(cells)-1 && len(r.labels) == 0 && sectionHead.MatchString(cells[j].Text) {
		r.labels = append(r.labels, cells[j])
		return r, true
	}
	fits := func(c, j int) bool {
		u := cells[j]
		var next *tok
		if j+1 < len(cells) {
			next = &cells[j+1]
		}
		switch roles[c] {
		case RoleRequirement, RoleTask:
			return !tr.isRule(u.Text) && !scoreLike.MatchString(u.Text) && !lawCell(u.Text) && (sentenceLike(u.Text) || officeStrength(u.Text, tr.known) == notOffice)
		case RoleOffices, RoleLead, RoleCo, RoleSubject:
			if tr.isRule(u.Text) || fieldMark.MatchString(u.Text) || c < len(hdr) && tr.otherFieldTakes(hdr, roles, c, u.Text) {
				return false
			}
			if officeStrength(u.Text, tr.known) != notOffice || tr.officeLike(u, next, false) {
				return true
			}
			// a short name between the clock and the channels it precedes is the owner, even cut
			// short (自然资源 for 县自然资源局): the directory match reports what it does not know
			return runeLen(u.Text) <= 12 && !sentenceLike(u.Text) && next != nil && c+1 < len(roles) && c+1 < len(hdr) &&
				roles[c+1] == RoleField && tr.fieldText(hdr[c+1], next.Text)
		case RoleDeadline, RoleFrequency:
			return tr.isRule(u.Text) || ruleWords.MatchString(u.Text) && runeLen(u.Text) <= 30 || tr.leadsWithRule(u.Text)
		case RoleScore:
			return scoreLike.MatchString(u.Text)
		case RoleField:
			return fieldMark.MatchString(u.Text) || c < len(hdr) && tr.fieldText(hdr[c], u.Text)
		}
		return false
	}
	for _, c := range trailing {
		if j >= len(cells) {
			break
		}
		if fits(c, j) {
			r.cells[c] = cells[j]
			j++
			continue
		}
		if (roles[c] == RoleDeadline || roles[c] == RoleFrequency) && j+1 < len(cells) && fits(c, j+1) && sentenceLike(cells[j].Text) {
			// a note cell the header has no column for (培训情况需包含…) before the clock: it
			// belongs with the requirement, and the clock is the next cell
			for _, rc := range trailing {
				if roles[rc] == RoleRequirement || roles[rc] == RoleTask {
					if u, ok := r.cells[rc]; ok {
						u.Text += "\n" + cells[j].Text
						r.cells[rc] = u
					}
					break
				}
			}
			r.cells[c] = cells[j+1]
			j += 2
		}
	}
	for ; j < len(cells); j++ {
		// a cell nothing claimed: keep its text with the requirement rather than lose it
		for _, c := range trailing {
			if roles[c] == RoleRequirement || roles[c] == RoleTask {
				u := r.cells[c]
				if u.Text == "" {
					u = cells[j]
				} else {
					u.Text += "\n" + cells[j].Text
				}
				r.cells[c] = u
				break
			}
		}
	}
	return r, len(r.cells) > 0 || len(r.labels) > 0
}

// ruleWords is wording that belongs in a deadline or frequency cell even when the rule reader
// cannot read it (2021年8月前, 长期推进): it is kept there and reported as unparsed.
var ruleWords = regexp.MustCompile(`\d+月|[年月日]底|[年月]前|长期|持续|常态|每[年月周季]|及时|工作日|小时|同步|^全年$|^[一二三四1-4]季度(前|末|底)?$|^年内$`)
