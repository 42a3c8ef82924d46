package importer

import (
	"fmt"
	"sort"
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
	noReachCol := map[string]string{}
	noReachFirst := map[string]string{}
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
		if r.titleFromText || len(r.labels) == 0 || count[fold(r.section)+"\x1f"+foldJoin(r.labels)] > 1 {
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
				case p.Group:
					g := GroupRef{Name: p.Name, Role: role, Offices: []string{}}
					ids, all := b.m.groupMembers(p.Name)
					g.AllOffices = all
					if all {
						allGroups[p.Name] = len(ids)
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
			b.errorf(r.t, r.row, officeCol, "“%s”没有责任科室", shorten(it.Title, 30))
		case len(it.Offices) == 0:
			resolvable := false
			for _, g := range it.Groups {
				resolvable = resolvable || g.PerEvent
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
				noReachCol[k] = officeCol
				noReachFirst[k] = names[0]
			}
		default:
			for _, g := range it.Groups {
				if len(g.Offices) == 0 && !g.PerEvent {
					unassigned[g.Name] = append(unassigned[g.Name], r.row)
				}
			}
		}
		fixLead(&it)

		// the rule
		b.rule(&it, r)

		b.res.Items = append(b.res.Items, it)
		sec := sections[r.section]
		if sec == nil {
			sec = &Section{Name: r.section, Where: r.t.Where}
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
	for _, name := range sortedKeys(noReach) {
		is := b.issue(nil, 0, noReachCol[name], "没有可以提醒的科室：“%s”还没有指定包括哪些科室（zwgk office group “%s” 科室…）", name, noReachFirst[name])
		is.Rows = uniqueInts(noReach[name])
		is.Row = is.Rows[0]
		b.res.Errors = append(b.res.Errors, is)
	}
	for _, name := range sortedKeys(unassigned) {
		is := b.issue(nil, 0, "", "“%s”还没有指定包括哪些科室，这些事项暂时只提醒其他责任科室（zwgk office group %s 科室…）", name, name)
		is.Rows = uniqueInts(unassigned[name])
		is.Row = is.Rows[0]
		b.res.Warnings = append(b.res.Warnings, is)
	}
	for _, name := range sortedKeys(allGroups) {
		b.warnf(nil, 0, "", "“%s”没有单独指定科室，按本单位全部 %d 个科室处理", name, allGroups[name])
	}
	for name := range newOffices {
		b.res.NewOffices = append(b.res.NewOffices, name)
	}
	sort.Strings(b.res.NewOffices)
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

// rule reads the item's rule from its frequency or deadline cell, else from wording in its
// requirement, else from the default; what cannot be read is kept as unparsed and reported.
func (b *builder) rule(it *Item, r raw) {
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
	if cell.text != "" {
		it.Rule, it.RuleFrom = rule, header(cell)
		b.warnf(r.t, r.row, cell.col, "“%s”无法识别（%s）：该事项不会自动提醒，请修改后重新导入，或在网页上设置时限", cell.text, rule.Reason)
		return
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
