package importer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/schedule"
)

// The outline reader takes the lists that are written as a numbered outline rather than a
// table, and that name their owners and clocks neither in a column nor in （责任科室：…）
// brackets: a 工作方案 whose points carry their own deadlines (1.2020年9月底前制定工作方案), a
// plan whose paragraphs are followed by lines of their own (责任单位：… / 完成时间：…), a scoring
// rule whose criteria run together inside one paragraph ((1)…；(2)…；(3)…).
var (
	// 1.落实… / 2、… / 3．…; the number may run straight into a year (1.2020年9月底前…)
	outlinePoint = regexp.MustCompile(`^(\d{1,2})(?:[.．、]\s*|[.．](?:19|20)\d\d年)`)
	// (1)… at the start of a line, or inside a paragraph
	outlineSub = regexp.MustCompile(`[（(](\d{1,2})[）)]`)
	// 责任单位：市政府办公室，… on a line of its own (主办单位 is the website's, never a task's)
	outlineOwner = regexp.MustCompile(`^(?:责任|牵头|配合|协办|承办|实施)(?:科室|单位|部门|股室|处室|主体)\s*[:：]\s*(.+)$`)
	// 完成时间：2008年3月20日前。 / 完成时限： / 时间节点：
	outlineTime = regexp.MustCompile(`^(?:完成|办结)?(?:时间|时限|期限)(?:要求|节点|安排)?\s*[:：]\s*(.+)$`)
	// the website around the text: once it starts, the outline is over
	outlineFurniture = regexp.MustCompile(`^(?:主办单位|承办单位|版权所有|网站标识码|地址|邮编|联系电话|联系我们|网站监督|Email|建议使用)\s*[:：]?|ICP备|公网安备|分辨率`)
	scoreWording     = regexp.MustCompile(`[得扣]\d+(?:\.\d+)?分`)
)

// maxOutlineLines bounds the text read as an outline: a plan written as prose runs to a few
// hundred paragraphs, and a file of half a million is refused as having no table rather than
// having every paragraph folded and matched once more.
const maxOutlineLines = 20_000

// startsWithSub is a line that starts with a (1) point.
func startsWithSub(s string) bool {
	loc := outlineSub.FindStringIndex(s)
	return loc != nil && loc[0] == 0
}

type outlineItem struct {
	h1, h2, point line
	num           string
	text          []string
	row           int
	offices, due  string
	owned         bool // an owner or time line of its own follows it
}

// outlineTable reads the text no table took as a numbered outline. It is the last reader
// tried, and only for a file with no table at all: it gives nil unless the outline reads as a
// task list — at least two points followed by their owner or time lines, or at least three
// points carrying a clock or a score — so that a notice or a regulation is still refused as
// having no task table.
func outlineTable(lines []line, name string, year int) *Table {
	if len(lines) > maxOutlineLines {
		return nil
	}
	var items []*outlineItem
	var h1, h2 line
	var cur *outlineItem
	// a heading is held as a candidate: it becomes an item when owner or time lines follow it
	// before any point does ((三)验收总结阶段 … 责任单位：… 完成时间：…)
	var cand *outlineItem
	annotated := false
	headings := 0
	// a heading no point follows is a task when it has owner lines or a clock of its own:
	// (二)2022年6月底前，制定完成…标准和规范
	closeCur := func() {
		if cand != nil && (cand.owned || hasClock(strings.Join(cand.text, ""), year)) {
			items = append(items, cand)
			h2 = line{}
		}
		cand = nil
		if cur != nil {
			items = append(items, cur)
		}
		cur = nil
	}
	for _, l := range lines {
		s := strings.TrimSpace(l.Text)
		simp := ToSimplified(s)
		if s == "" {
			continue
		}
		if outlineFurniture.MatchString(simp) {
			closeCur()
			break
		}
		open := cur
		if open == nil {
			open = cand
		}
		switch {
		case headingL1.MatchString(s):
			closeCur()
			h1, h2 = line{Text: s, No: l.No}, line{}
			headings++
		case headingL2.MatchString(s):
			closeCur()
			h2 = line{Text: s, No: l.No}
			headings++
			m := headingL2.FindString(s)
			cand = &outlineItem{h1: h1, num: strings.Trim(m, "（()）"), text: []string{strings.TrimSpace(s[len(m):])}, row: l.No}
		case outlinePoint.MatchString(s):
			if cand != nil && !cand.owned {
				cand = nil // the heading of the points below it
			}
			closeCur()
			m := outlinePoint.FindStringSubmatch(s)
			rest := strings.TrimSpace(strings.TrimLeft(s[len(m[1]):], ".．、 "))
			cur = &outlineItem{h1: h1, h2: h2, num: m[1], text: []string{rest}, row: l.No}
		case cur != nil && startsWithSub(s):
			// (1)… on its own line under a point: the point is a path, this a criterion
			p := cur.point
			if p.Text == "" {
				p = line{Text: cur.num + "、" + strings.Join(cur.text, ""), No: cur.row}
			} else {
				items = append(items, cur)
			}
			m := outlineSub.FindStringSubmatch(s)
			cur = &outlineItem{h1: h1, h2: h2, point: p, num: m[1], text: []string{strings.TrimSpace(s[len(m[0]):])}, row: l.No}
		case outlineOwner.MatchString(simp):
			if open != nil {
				owner := outlineOwner.FindStringSubmatch(simp)[1]
				owner = strings.TrimRight(owner, "。. ")
				if open.offices != "" {
					owner = open.offices + "、" + owner
				}
				open.offices, open.owned, annotated = owner, true, true
			}
		case outlineTime.MatchString(simp):
			if open != nil {
				open.due, open.owned, annotated = strings.TrimRight(outlineTime.FindStringSubmatch(simp)[1], "。. "), true, true
			}
		default:
			// a paragraph broken over lines goes on until its owner line; prose after an
			// owned item, or under a heading with nothing owned, is the plan's commentary
			if open != nil && !open.owned {
				open.text = append(open.text, s)
			}
		}
	}
	closeCur()
	items = splitCriteria(items)

	owned, signals := 0, 0
	for _, it := range items {
		text := strings.Join(it.text, "")
		switch {
		case it.owned:
			owned++
			signals++
		case scoreWording.MatchString(text):
			signals++
		case hasClock(text, year):
			signals++
		}
	}
	// a numbered outline has headings (一、 （一）): numbered lines without any are the
	// numbered parts of table cells (1.及时更新 2.…) that a table reader left
	if headings == 0 || !(owned >= 2 || signals >= 3 && len(items) >= 3) {
		return nil
	}
	// in a plan that writes owner lines, a point without one is commentary, not a task
	if annotated {
		kept := items[:0]
		for _, it := range items {
			if it.owned {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	t := &Table{
		Name:  name,
		Where: name,
		Columns: &Columns{Roles: []Role{RoleLevel, RoleLevel, RoleSeq, RoleLevel, RoleTask, RoleOffices, RoleDeadline},
			Names: []string{"一级标题", "二级标题", "序号", "三级标题", "工作任务", "责任单位", "完成时间"}},
		TitleFromText: true,
	}
	for _, it := range items {
		t.Rows = append(t.Rows, []Cell{
			{Text: it.h1.Text, Row: it.h1.No, Merged: true},
			{Text: it.h2.Text, Row: it.h2.No, Merged: true},
			{Text: it.num, Row: it.row},
			{Text: it.point.Text, Row: it.point.No, Merged: true},
			{Text: strings.Join(it.text, "\n"), Row: it.row},
			{Text: it.offices, Row: it.row},
			{Text: it.due, Row: it.row},
		})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// splitCriteria splits a point whose paragraph runs its criteria together — 1、制度建设情况
// (计30分)。(1)是否建立…；(2)是否制定…；(3)是否上会部署… — into one item per criterion
// under the point. The markers must count up from (1), or a (2) inside a sentence would cut it.
func splitCriteria(items []*outlineItem) []*outlineItem {
	var out []*outlineItem
	for _, it := range items {
		text := strings.Join(it.text, "")
		locs := outlineSub.FindAllStringSubmatchIndex(text, -1)
		var cuts []int
		want := 1
		for _, loc := range locs {
			if text[loc[2]:loc[3]] == strconv.Itoa(want) {
				cuts = append(cuts, loc[0])
				want++
			}
		}
		if len(cuts) < 2 || it.point.Text != "" {
			out = append(out, it)
			continue
		}
		head := strings.TrimSpace(text[:cuts[0]])
		point := line{Text: it.num + "、" + head, No: it.row}
		for k, at := range cuts {
			end := len(text)
			if k+1 < len(cuts) {
				end = cuts[k+1]
			}
			seg := text[at:end]
			m := outlineSub.FindString(seg)
			body := strings.TrimRight(strings.TrimSpace(seg[len(m):]), "；;。")
			out = append(out, &outlineItem{h1: it.h1, h2: it.h2, point: point, num: strconv.Itoa(k + 1), text: []string{body},
				row: it.row, offices: it.offices, due: it.due, owned: it.owned})
		}
	}
	return out
}

func hasClock(text string, year int) bool {
	r, _, ok := schedule.Find(text, year)
	return ok && r.Kind != kindUnparsed
}
