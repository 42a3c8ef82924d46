package importer

import (
	"github.com/zwgk/zwgk/schedule"

	"regexp"
	"strings"
	"unicode/utf8"
)

// line is one line of text (or one paragraph of a Word or HTML document) with its number.
type line struct {
	Text string
	No   int
}

var (
	headingL1 = regexp.MustCompile(`^[一二三四五六七八九十]+[、.．]`)
	headingL2 = regexp.MustCompile(`^[（(][一二三四五六七八九十]+[）)]`)
	itemStart = regexp.MustCompile(`^(\d{1,3})[.．、](\D|$)`)
	// annotation is matched on Simplified text: (责任科室:办公室、各相关科室), （牵头单位：…；配合单位：…）
	annotation = regexp.MustCompile(`[（(]\s*((?:责任|牵头|配合|负责|承办|实施|协办)(?:科室|单位|部门|股室|处室|主体)?\s*[:：](?:[^（）()]|[（(][^（）()]*[）)])*)[）)]`)
	titleWords = regexp.MustCompile(`20\d\d\s*年.*(清单|要点|分工|方案|任务|计划|安排)`)
	bookTitle  = regexp.MustCompile(`《([^《》]+)》`)
)

// narrativeTable reads numbered tasks with responsibility annotations, as work plans
// (工作要点和分工) write them:
//
//	一、围绕中心工作抓好主动公开
//	（一）以公开保障和改善民生
//	1.著力解决群众急难愁盼问题……。（责任科室：办公室、各相关科室）
//
// Headings become the hierarchy, a numbered paragraph and the paragraphs after it until its
// annotation become one task. Text with fewer than two annotations is not a task list and
// gives nil.
func narrativeTable(lines []line, name string, opts ReadOptions) *Table {
	n, numbered := 0, 0
	for _, l := range lines {
		s := ToSimplified(l.Text)
		if annotation.MatchString(s) {
			n++
		}
		if m := itemStart.FindStringSubmatch(strings.TrimSpace(l.Text)); m != nil && runeLen(l.Text) > 30 {
			numbered++
		}
	}
	// a 工作要点 of numbered paragraphs names no owners at all: its points are still tasks (the
	// coordinating office holds them, 待分派)
	points := n == 0 && numbered >= 3 && findTitle(lines) != ""
	if n < 2 && !points {
		return nil
	}
	t := &Table{
		Name:  name,
		Where: name,
		Columns: &Columns{Roles: []Role{RoleLevel, RoleLevel, RoleSeq, RoleTask, RoleOffices},
			Names: []string{"一级标题", "二级标题", "序号", "工作任务", "责任科室"}},
		TitleFromText: true,
	}
	var h1, h2 line
	var cur []line
	num := ""
	closed := true
	flush := func() {
		if len(cur) == 0 {
			return
		}
		var texts []string
		offices := ""
		for _, l := range cur {
			text, ann := cutAnnotation(l.Text)
			if ann != "" {
				offices = ann
			}
			if text != "" {
				texts = append(texts, text)
			}
		}
		first := cur[0].No
		t.Rows = append(t.Rows, []Cell{
			{Text: h1.Text, Row: h1.No, Merged: true},
			{Text: h2.Text, Row: h2.No, Merged: true},
			{Text: num, Row: first},
			{Text: strings.Join(texts, "\n"), Row: first},
			{Text: offices, Row: first},
		})
		cur = nil
	}
	for _, l := range lines {
		s := strings.TrimSpace(l.Text)
		switch {
		case headingL1.MatchString(s):
			flush()
			h1, h2, closed = line{Text: s, No: l.No}, line{}, true
		case headingL2.MatchString(s) && (annotation.MatchString(ToSimplified(s)) || runeLen(s) > 60) && h1.Text != "":
			// (一)完善权力配置信息公开。…(责任处室:…): a paragraph with its owner is a task,
			// numbered by its (一), not a heading
			flush()
			m := headingL2.FindString(s)
			num = strings.Trim(m, "（()）")
			cur = []line{{Text: strings.TrimSpace(s[len(m):]), No: l.No}}
			closed = annotation.MatchString(ToSimplified(s))
		case headingL2.MatchString(s):
			flush()
			h2, closed = line{Text: s, No: l.No}, true
		case itemStart.MatchString(s) && (h1.Text != "" || h2.Text != "" || points && runeLen(s) > 30):
			flush()
			m := itemStart.FindStringSubmatch(s)
			num = m[1]
			sep := len(m[0]) - len(m[1]) - len(m[2]) // the 。/./、 after the number
			cur = []line{{Text: strings.TrimSpace(s[len(m[1])+sep:]), No: l.No}}
			closed = points || annotation.MatchString(ToSimplified(s))
		case !closed && len(cur) > 0:
			cur = append(cur, l)
			closed = annotation.MatchString(ToSimplified(s))
		}
	}
	flush()
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// cutAnnotation removes the last responsibility annotation from a paragraph and returns it.
func cutAnnotation(s string) (text, ann string) {
	simp := ToSimplified(s)
	locs := annotation.FindAllStringSubmatchIndex(simp, -1)
	if len(locs) == 0 {
		return strings.TrimSpace(s), ""
	}
	loc := locs[len(locs)-1]
	// ToSimplified maps rune for rune, so rune offsets carry over to the original text
	rs := []rune(s)
	a, b := utf8.RuneCountInString(simp[:loc[0]]), utf8.RuneCountInString(simp[:loc[1]])
	ia, ib := utf8.RuneCountInString(simp[:loc[2]]), utf8.RuneCountInString(simp[:loc[3]])
	text = strings.TrimSpace(string(rs[:a]) + string(rs[b:]))
	return text, string(rs[ia:ib])
}

// findTitle picks the list's title from the first lines: a line naming a year and a kind of
// list (…2024年政务公开…清单), the name inside 《》 when the line is a notice about it.
// documentClock is a preamble line stating one clock for the whole list: 【公开时限】政府信息形成或者
// 变更之日起20个工作日内, （二）公开时限：…, 更新时限：….
var documentClock = regexp.MustCompile(`^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、.．])?\s*[【\[]?(?:公开时限|更新时限|公开时间|更新频率|公开频率)[】\]]?\s*[:：]?\s*(.+)$`)

// findClock finds, before the list's first table row, the one clock a list states for all its
// items (Guangdong 主动公开基本目录 put it in the preamble, not in the table). It returns the
// wording, "" when there is none or it cannot be read.
func findClock(lines []line, year int) string {
	for i, l := range lines {
		if i >= 60 || strings.Count(l.Text, "|") >= 2 {
			break // the table has started: a clock column there is the rows' own
		}
		m := documentClock.FindStringSubmatch(ToSimplified(l.Text))
		if m == nil {
			continue
		}
		if r, matched, ok := schedule.Find(m[1], year); ok && r.Kind != kindUnparsed {
			return matched // without the 另有规定的从其规定 that follows
		}
	}
	return ""
}

func findTitle(lines []line) string {
	best := ""
	for i, l := range lines {
		if i >= 30 {
			break
		}
		s := ToSimplified(l.Text)
		if !titleWords.MatchString(s) || runeLen(l.Text) > 80 {
			continue
		}
		t := l.Text
		if m := bookTitle.FindStringSubmatchIndex(t); m != nil {
			t = t[m[2]:m[3]]
		}
		t = strings.TrimSpace(dropHanSpaces(strings.Trim(t, "| ")))
		if !strings.ContainsAny(t, ":：|") {
			return t
		}
		if best == "" {
			if _, after, ok := strings.Cut(t, ":"); ok {
				t = after
			}
			best = strings.TrimSpace(strings.Trim(t, "| "))
		}
	}
	return best
}
