package importer

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/schedule"
)

// items settles the rows into items: titles and keys, offices, rules, duplicates.
func (b *builder) items() {
	count := map[string]int{}
	for _, r := range b.raws {
		count[fold(r.section)+"\x1f"+foldJoin(r.labels)]++
	}
	unknown := map[string][]int{} // office name -> rows
	unknownCol := map[string]string{}
	unknownTable := map[string]string{}
	ambiguous := map[string][]string{}
	ambRows := map[string][]int{}
	unassigned := map[string][]int{} // group -> rows where other offices remain
	allGroups := map[string]int{}
	noReach := map[string][]int{} // groups without offices -> rows of items left with no office
	var noOffice []int
	var allGroupItems []int // items naming a group of every office
	newOffices := map[string]bool{}
	sections := map[string]*Section{}
	var order []string
	byKey := map[string][]int{}

	for _, r := range b.raws {
		it := Item{Seq: len(b.res.Items) + 1, Number: r.number, Section: r.section, Requirement: r.requirement, Offices: []OfficeRef{}, Groups: []GroupRef{}}
		it.Source = Source{File: b.doc.File, Row: r.row}
		if tableRelative(b.doc.Format) {
			it.Source.Table = r.t.Where
		}
		if r.titleFromText || len(r.labels) == 0 || count[fold(r.section)+"\x1f"+foldJoin(r.labels)] > 1 ||
			r.requirement != "" && sectionHead.MatchString(r.labels[len(r.labels)-1]) {
			it.Title = headline(r.requirement)
			it.Path = append([]string{}, r.labels...)
		} else {
			it.Title = r.labels[len(r.labels)-1]
			it.Path = append([]string{}, r.labels[:len(r.labels)-1]...)
		}
		it.Key = Key(it.Section, it.Path, it.Title)
		byKey[it.Key] = append(byKey[it.Key], len(b.res.Items))
		for _, s := range append(append([]string{}, r.labels...), r.requirement) {
			if suspicious(s) {
				b.warnf(r.t, r.row, "", "文字里有乱码（“%s”）：请核对原文", shorten(s, 30))
				break
			}
		}

		// offices
		var texts []string
		officeCol := ""
		for _, c := range r.offices {
			texts = append(texts, c.text)
			if officeCol == "" {
				officeCol = c.col
			}
			parties := b.parties(c.text)
			for _, p := range parties {
				role := p.Role
				switch c.role {
				case RoleLead:
					role = Lead
				case RoleCo:
					role = Co
				}
				switch {
				case p.PerEvent:
					it.Groups = append(it.Groups, GroupRef{Name: p.Name, Role: role, Offices: []string{}, PerEvent: true})
				case p.Group && b.correctedGroup(p.Name) != nil:
					g := GroupRef{Name: p.Name, Role: role, Offices: []string{}}
					for _, n := range b.correctedGroup(p.Name) {
						if ref, ok := b.correctedOffice(r, n, role, p.Name); ok {
							g.Offices = append(g.Offices, ref.Name)
							addOffice(&it, ref)
							if ref.New {
								newOffices[ref.Name] = true
							}
						}
					}
					it.Groups = append(it.Groups, g)
				case p.Group:
					g := GroupRef{Name: p.Name, Role: role, Offices: []string{}}
					ids, all := b.m.groupMembers(p.Name)
					g.AllOffices = all
					if all {
						allGroups[p.Name] = len(ids)
						allGroupItems = append(allGroupItems, len(b.res.Items))
					}
					for _, id := range ids {
						if o := b.m.byID(id); o != nil {
							g.Offices = append(g.Offices, o.Name)
							addOffice(&it, OfficeRef{Name: o.Name, Role: role, ID: o.ID, Via: p.Name})
						}
					}
					it.Groups = append(it.Groups, g)
				default:
					o, amb := b.m.find(p.Name)
					switch {
					case o != nil:
						ref := OfficeRef{Name: o.Name, Role: role, ID: o.ID}
						if fold(o.Name) != fold(p.Name) {
							ref.Written = p.Name
						}
						addOffice(&it, ref)
					case amb != nil:
						ambiguous[p.Name] = amb
						ambRows[p.Name] = append(ambRows[p.Name], r.row)
					case b.opts.CreateOffices:
						newOffices[p.Name] = true
						addOffice(&it, OfficeRef{Name: p.Name, Role: role, New: true})
					default:
						unknown[p.Name] = append(unknown[p.Name], r.row)
						if unknownCol[p.Name] == "" {
							unknownCol[p.Name] = c.col
							unknownTable[p.Name] = it.Source.Table
						}
					}
				}
			}
		}
		it.OfficesText = strings.Join(texts, "\n")
		switch {
		case len(r.offices) == 0:
			b.assignCoordinator(&it, "清单未写责任科室")
			noOffice = append(noOffice, r.row)
		case len(it.Offices) == 0:
			resolvable := false
			for _, g := range it.Groups {
				resolvable = resolvable || g.PerEvent || g.AllOffices
			}
			for _, c := range r.offices {
				for _, p := range b.parties(c.text) {
					if !p.Group {
						resolvable = true // an unknown or ambiguous office: reported by name below
					}
				}
			}
			if !resolvable {
				var names []string
				for _, g := range it.Groups {
					names = append(names, g.Name)
				}
				k := strings.Join(names, "、")
				noReach[k] = append(noReach[k], r.row)
				b.assignCoordinator(&it, "“"+k+"”尚未指定科室")
			}
		default:
			for _, g := range it.Groups {
				if len(g.Offices) == 0 && !g.PerEvent && !g.AllOffices {
					unassigned[g.Name] = append(unassigned[g.Name], r.row)
					it.Unassigned = true
					if it.UnassignedReason == "" {
						it.UnassignedReason = "“" + g.Name + "”尚未指定科室"
					}
				}
			}
		}
		if names, ok := b.correctedOffices(it.Key); ok {
			it.Offices, it.Unassigned, it.UnassignedReason = []OfficeRef{}, false, ""
			for i, n := range names {
				role := Co
				if i == 0 {
					role = Lead
				}
				if ref, ok := b.correctedOffice(r, n, role, ""); ok {
					addOffice(&it, ref)
					if ref.New {
						newOffices[ref.Name] = true
					}
				}
			}
		}
		b.score(&it, r)
		for _, f := range r.fields {
			if it.Fields == nil {
				it.Fields = map[string]string{}
			}
			if prev, ok := it.Fields[f[0]]; ok && prev != f[1] {
				f[1] = prev + "；" + f[1]
			}
			it.Fields[f[0]] = f[1]
		}
		fixLead(&it)

		// the rule
		b.rule(&it, r)

		b.res.Items = append(b.res.Items, it)
		sec := sections[r.section]
		if sec == nil {
			sec = &Section{Name: r.section, Where: r.t.Where, Columns: b.columns[r.t]}
			sections[r.section] = sec
			order = append(order, r.section)
		}
		sec.Items++
	}

	for _, name := range sortedKeys(unknown) {
		is := b.issue(nil, 0, unknownCol[name], "未知科室“%s”：科室目录中没有这个名称或别名。请先添加科室（zwgk office add）或别名（zwgk office alias），或确认后用 --create-offices 新建", name)
		is.Rows = uniqueInts(unknown[name])
		is.Row = is.Rows[0]
		is.Table = unknownTable[name]
		b.res.Errors = append(b.res.Errors, is)
	}
	for _, name := range sortedKeys(ambRows) {
		is := b.issue(nil, 0, "", "科室“%s”可能是 %s 中的任何一个：请给正确的科室添加别名“%s”", name, strings.Join(ambiguous[name], "、"), name)
		is.Rows = uniqueInts(ambRows[name])
		is.Row = is.Rows[0]
		b.res.Errors = append(b.res.Errors, is)
	}
	coord := b.opts.coordinator()
	for _, name := range sortedKeys(noReach) {
		is := b.issue(nil, 0, "", "待分派：“%s”还没有指定包括哪些科室，这些事项暂由%s负责，请为该组指定科室或为事项分派科室", name, coord)
		is.Rows = uniqueInts(noReach[name])
		is.Row = is.Rows[0]
		b.res.Warnings = append(b.res.Warnings, is)
	}
	if len(noOffice) > 0 {
		is := b.issue(nil, 0, "", "待分派：%d 个事项没有写责任科室，暂由%s负责，请为事项分派科室", len(noOffice), coord)
		is.Rows = uniqueInts(noOffice)
		is.Row = is.Rows[0]
		b.res.Warnings = append(b.res.Warnings, is)
	}
	for _, name := range sortedKeys(unassigned) {
		is := b.issue(nil, 0, "", "待分派：“%s”还没有指定包括哪些科室，这些事项暂时只提醒其他责任科室", name)
		is.Rows = uniqueInts(unassigned[name])
		is.Row = is.Rows[0]
		b.res.Warnings = append(b.res.Warnings, is)
	}
	for _, name := range sortedKeys(allGroups) {
		b.warnf(nil, 0, "", "“%s”没有单独指定科室，按本单位全部 %d 个科室处理", name, allGroups[name]+len(newOffices))
	}
	for name := range newOffices {
		b.res.NewOffices = append(b.res.NewOffices, name)
	}
	sort.Strings(b.res.NewOffices)
	b.widenAllGroups(allGroupItems)
	for _, k := range sortedKeys(byKey) {
		idx := byKey[k]
		if len(idx) < 2 {
			continue
		}
		var rows []int
		for _, i := range idx {
			rows = append(rows, b.res.Items[i].Source.Row)
		}
		it := b.res.Items[idx[0]]
		is := b.issue(nil, 0, "", "重复的事项“%s”（%s）：同一层级下标题相同，无法区分；请合并或改名", it.Title, strings.Join(append(it.Path, it.Title), " / "))
		is.Rows = rows
		is.Row = rows[0]
		is.Table = it.Source.Table
		b.res.Errors = append(b.res.Errors, is)
	}
	for _, name := range order {
		b.res.Sections = append(b.res.Sections, *sections[name])
	}
	if b.opts.Simplified {
		b.simplify()
	}
}

// parties parses an office cell once per distinct text: lists repeat their office cells.
func (b *builder) parties(cell string) []Party {
	if ps, ok := b.officeCache[cell]; ok {
		return ps
	}
	ps := ParseOffices(cell)
	b.officeCache[cell] = ps
	return ps
}

// parseRule parses a rule cell once per distinct text.
func (b *builder) parseRule(cell string) schedule.Rule {
	if r, ok := b.ruleCache[cell]; ok {
		return r
	}
	r := parseRule(cell, b.opts.Year)
	b.ruleCache[cell] = r
	return r
}

// addOffice adds an office once; named directly beats named through a group, lead beats co.
func addOffice(it *Item, ref OfficeRef) {
	for i := range it.Offices {
		o := &it.Offices[i]
		same := ref.ID != 0 && o.ID == ref.ID || ref.ID == 0 && o.ID == 0 && o.Name == ref.Name
		if !same {
			continue
		}
		if ref.Role == Lead {
			o.Role = Lead
		}
		if ref.Via == "" {
			o.Via = ""
		}
		return
	}
	it.Offices = append(it.Offices, ref)
}

// fixLead makes sure an item with offices has a lead: when the list named none (only groups
// as co, say), the first office leads.
func fixLead(it *Item) {
	for _, o := range it.Offices {
		if o.Role == Lead {
			return
		}
	}
	if len(it.Offices) > 0 {
		it.Offices[0].Role = Lead
	}
}

// rule settles the item's obligations: the admin's correction, else its rule cell, else the
// wording of its requirement, else the default; then any further clocks its requirement
// states (及时发布… 每年3月31日前公布…) are added to Rules, each tracked on its own.
func (b *builder) rule(it *Item, r raw) {
	if rule, text, ok := b.opts.Corrections.itemRule(it, b.opts.Year); ok {
		it.Rule, it.RuleFrom = rule, "更正"
		if rule.Kind == kindUnparsed {
			b.errorf(r.t, r.row, "", "更正中的时限“%s”无法识别（%s）", text, rule.Reason)
		}
	} else {
		b.primaryRule(it, r)
	}
	if len(it.Rules) == 0 {
		it.Rules = []schedule.Rule{it.Rule}
		if it.Rule.Kind != kindUnparsed {
			// every obligation the text states, 持续/常态化 ones too (持续做好…，及时公开…)
			for _, m := range schedule.FindAll(r.requirement, b.opts.Year) {
				if m.Rule.Kind != kindUnparsed && !hasRule(it.Rules, m.Rule) {
					it.Rules = append(it.Rules, m.Rule)
				}
			}
		}
	}
}

// reasonSeveral starts the reason of a cell that holds several different clocks.
const reasonSeveral = "含多个不同的时限"

// preciseRules keeps the matches that set a clock (not 持续/常态化), each once.
func preciseRules(ms []schedule.Match) []schedule.Rule {
	var out []schedule.Rule
	for _, m := range ms {
		if m.Rule.Kind != schedule.KindOngoing && m.Rule.Kind != kindUnparsed && !hasRule(out, m.Rule) {
			out = append(out, m.Rule)
		}
	}
	return out
}

func hasRule(rs []schedule.Rule, x schedule.Rule) bool {
	for _, r := range rs {
		if schedule.Same(r, x) {
			return true
		}
	}
	return false
}

func (b *builder) primaryRule(it *Item, r raw) {
	year := b.opts.Year
	for _, c := range []cellRef{r.deadline, r.frequency} {
		if c.text == "" {
			continue
		}
		// A date that does not exist (2月30日) is a typo to fix in the list, not a rule to set
		// by hand later: refuse the import with the parser's reason.
		if p := b.parseRule(oneLine(c.text)); p.Kind == kindUnparsed && strings.HasPrefix(p.Reason, schedule.ReasonNoSuchDate) {
			b.errorf(r.t, r.row, c.col, "%s", p.Reason)
		}
	}
	var cell cellRef
	var rule schedule.Rule
	for _, c := range []cellRef{r.frequency, r.deadline} {
		if c.text == "" {
			continue
		}
		p := b.parseRule(oneLine(c.text))
		if cell.text == "" || rule.Kind == kindUnparsed && p.Kind != kindUnparsed {
			cell, rule = c, p
		}
	}
	header := func(c cellRef) string {
		h := c.col
		if i := strings.Index(h, "（"); i >= 0 {
			h = strings.TrimSuffix(h[i+len("（"):], "）")
		}
		return h
	}
	if cell.text != "" && rule.Kind != kindUnparsed {
		it.Rule, it.RuleFrom = rule, header(cell)
		return
	}
	if cell.text != "" && (strings.HasPrefix(rule.Reason, reasonSeveral) || strings.HasPrefix(rule.Reason, "无法理解")) {
		// a cell with several dated obligations (2021年2月公布预算信息，2021年8月公布上年度决算
		// 信息): each is tracked; the first is the primary rule. The words around them (预算信息)
		// name the obligations, they do not make the cell unreadable.
		if rs := preciseRules(schedule.FindAll(oneLine(cell.text), year)); len(rs) > 1 {
			it.Rule, it.Rules, it.RuleFrom = rs[0], rs, header(cell)
			return
		}
	}
	if cell.text != "" {
		// a clock cell that says more after its clock (…之日起20个工作日内公开,保持长期公开(另有
		// 规定的从其规定)): the clock it starts with is the rule
		t := oneLine(cell.text)
		if fr, ok := leadingRule(t, year); ok {
			it.Rule, it.RuleFrom = fr, header(cell)
			return
		}
	}
	for _, f := range r.fields {
		if cell.text != "" {
			break
		}
		// a ledger without a deadline column writes it in 备注 (11月底前完成)
		if !strings.Contains(f[0], "备注") && !strings.Contains(f[0], "说明") {
			continue
		}
		if fr, _, ok := schedule.Find(f[1], year); ok && fr.Kind != kindUnparsed {
			it.Rule, it.RuleFrom = fr, header(cellRef{col: f[0]})
			return
		}
	}
	if fr, m, ok := schedule.Find(r.requirement, year); ok {
		it.Rule, it.RuleFrom = fr, r.reqCol
		if it.RuleFrom == "" {
			it.RuleFrom = "具体要求"
		}
		if cell.text != "" {
			b.warnf(r.t, r.row, cell.col, "“%s”无法识别（%s），已按要求中的“%s”设置", cell.text, rule.Reason, m)
		}
		return
	}
	if r.requirement == "" && cell.text == "" && (sentenceLike(it.Title) || runeLen(it.Title) > 12) {
		// a table without a requirement column writes the task in its deepest level
		// (是否按月度公开本区域各项老年人补贴…): its clock is there
		if fr, _, ok := schedule.Find(it.Title, year); ok && fr.Kind != kindUnparsed {
			it.Rule, it.RuleFrom = fr, "事项"
			return
		}
	}
	if cell.text != "" {
		it.Rule, it.RuleFrom = rule, header(cell)
		b.warnf(r.t, r.row, cell.col, "“%s”无法识别（%s）：该事项不会自动提醒，请修改后重新导入，或在网页上设置时限", cell.text, rule.Reason)
		return
	}
	if b.doc.Clock != "" {
		// the list's own statement for all its items comes before the admin's fallback
		if p := parseRule(b.doc.Clock, year); p.Kind != kindUnparsed {
			it.Rule, it.RuleFrom = p, "公开时限（文件说明）"
			return
		}
	}
	if b.opts.DefaultRule != "" {
		if p := parseRule(b.opts.DefaultRule, year); p.Kind != kindUnparsed {
			it.Rule, it.RuleFrom = p, "默认"
			return
		}
	}
	if fr, _, ok := schedule.Find(b.doc.Title, year); ok && fr.Kind == schedule.KindOngoing {
		it.Rule, it.RuleFrom = fr, "标题"
		return
	}
	it.Rule = schedule.Rule{Kind: kindUnparsed, Reason: "没有完成时限或更新频率"}
	b.warnf(r.t, r.row, "", "“%s”没有完成时限或更新频率：该事项不会自动提醒（可用 --default-rule 指定，如 年底前、常态化）", shorten(it.Title, 30))
}

func (b *builder) simplify() {
	for i := range b.res.Items {
		it := &b.res.Items[i]
		it.Section = ToSimplified(it.Section)
		it.Title = ToSimplified(it.Title)
		it.Requirement = ToSimplified(it.Requirement)
		for k := range it.Path {
			it.Path[k] = ToSimplified(it.Path[k])
		}
	}
	for i := range b.res.Sections {
		b.res.Sections[i].Name = ToSimplified(b.res.Sections[i].Name)
	}
	b.res.Title = ToSimplified(b.res.Title)
}

func foldJoin(ss []string) string {
	f := make([]string, len(ss))
	for i, s := range ss {
		f[i] = fold(s)
	}
	return strings.Join(f, "\x1f")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func uniqueInts(xs []int) []int {
	var out []int
	seen := map[int]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Ints(out)
	return out
}

// String is a one-line description of an item for the text output.
func (it Item) String() string {
	var os []string
	for _, o := range it.Offices {
		s := o.Name
		if o.Role == Lead {
			s += "(牵头)"
		}
		os = append(os, s)
	}
	return fmt.Sprintf("%d. %s | %s | %s", it.Seq, strings.Join(append(append([]string{}, it.Path...), it.Title), " / "), strings.Join(os, "、"), it.Rule.Kind)
}

// assignCoordinator gives an item that names no reachable office to the unit's coordinating
// office, flagged 待分派 with the reason, so that it is tracked from the first day and the
// admin sees what to assign. A coordinator missing from the directory is created with
// CreateOffices, else the item stays without an office (and without reminders) until assigned.
func (b *builder) assignCoordinator(it *Item, reason string) {
	it.Unassigned = true
	if it.UnassignedReason == "" {
		it.UnassignedReason = reason
	}
	name := b.opts.coordinator()
	if o, _ := b.m.find(name); o != nil {
		addOffice(it, OfficeRef{Name: o.Name, Role: Lead, ID: o.ID, Via: "待分派"})
		return
	}
	if b.opts.CreateOffices {
		b.newCoordinator = true
		addOffice(it, OfficeRef{Name: name, Role: Lead, New: true, Via: "待分派"})
		return
	}
	if !b.warnedCoordinator {
		b.warnedCoordinator = true
		b.warnf(nil, 0, "", "科室目录中没有协调科室“%s”：待分派事项在指定科室前不会提醒任何人（请添加该科室，或在单位设置中指定协调科室）", name)
	}
}

// widenAllGroups adds to the items naming 各科室 (and the other groups of every office) the
// offices this import creates: a new unit's 各科室 is every office its first list names.
func (b *builder) widenAllGroups(idx []int) {
	newNames := append([]string(nil), b.res.NewOffices...)
	if b.newCoordinator && !containsFold(newNames, b.opts.coordinator()) {
		newNames = append(newNames, b.opts.coordinator())
		b.res.NewOffices = append(b.res.NewOffices, b.opts.coordinator())
		sort.Strings(b.res.NewOffices)
	}
	for _, i := range idx {
		it := &b.res.Items[i]
		for gi := range it.Groups {
			g := &it.Groups[gi]
			if !g.AllOffices {
				continue
			}
			for _, n := range newNames {
				if !containsFold(g.Offices, n) {
					g.Offices = append(g.Offices, n)
				}
				addOffice(it, OfficeRef{Name: n, Role: Co, New: true, Via: g.Name})
			}
		}
		if len(it.Offices) == 0 {
			b.assignCoordinator(it, "本单位还没有科室")
		}
		fixLead(it)
	}
}

func containsFold(ss []string, s string) bool {
	f := fold(s)
	for _, x := range ss {
		if fold(x) == f {
			return true
		}
	}
	return false
}

var (
	scoreNum  = regexp.MustCompile(`^\(?(\d+(?:\.\d+)?)\s*分?\)?$`)
	deduction = regexp.MustCompile(`[^。；;，,]*扣\s*\d+(?:\.\d+)?\s*分[^。；;]*`)
)

// score reads the item's 分值 and the deduction rule its criterion states.
func (b *builder) score(it *Item, r raw) {
	if t := strings.TrimSpace(oneLine(r.score.text)); t != "" {
		if m := scoreNum.FindStringSubmatch(strings.ReplaceAll(t, " ", "")); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err == nil {
				it.Score = &v
			}
		} else {
			b.warnf(r.t, r.row, r.score.col, "分值“%s”不是数字，未导入分值", shorten(t, 20))
		}
	}
	if m := deduction.FindString(r.requirement); m != "" {
		it.Deduction = strings.TrimSpace(m)
	}
}

func (b *builder) correctedGroup(name string) []string {
	c := b.opts.Corrections
	if c == nil {
		return nil
	}
	for k, v := range c.Groups {
		if fold(k) == fold(name) && len(v) > 0 {
			return v
		}
	}
	return nil
}

func (b *builder) correctedOffices(key string) ([]string, bool) {
	c := b.opts.Corrections
	if c == nil {
		return nil, false
	}
	v, ok := c.Offices[key]
	return v, ok && len(v) > 0
}

// correctedOffice resolves an office the admin named in the corrections: it must exist, or be
// created with CreateOffices, like an office the list names.
func (b *builder) correctedOffice(r raw, name, role, via string) (OfficeRef, bool) {
	o, amb := b.m.find(name)
	switch {
	case o != nil:
		return OfficeRef{Name: o.Name, Role: role, ID: o.ID, Via: via}, true
	case amb != nil:
		b.errorf(r.t, r.row, "", "更正中的科室“%s”可能是 %s 中的任何一个：请写全称", name, strings.Join(amb, "、"))
	case b.opts.CreateOffices:
		return OfficeRef{Name: name, Role: role, New: true, Via: via}, true
	default:
		b.errorf(r.t, r.row, "", "更正中的科室“%s”不在科室目录中", name)
	}
	return OfficeRef{}, false
}
