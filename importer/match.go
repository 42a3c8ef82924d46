package importer

import (
	"regexp"
	"sort"
	"strings"

	"github.com/zwgk/zwgk/store"
)

// matcher finds directory offices by the names lists use for them: the name or an alias, in
// Simplified or Traditional, with or without the administrative prefix (区司法局, 司法局,
// 张店区司法局 are one office).
type matcher struct {
	offices []store.Office
	exact   map[string][]int // folded name or alias -> offices
	short   map[string][]int // short form -> offices
	groups  map[string][]int64
}

func newMatcher(dir *store.Directory) *matcher {
	m := &matcher{exact: map[string][]int{}, short: map[string][]int{}, groups: map[string][]int64{}}
	if dir == nil {
		return m
	}
	m.offices = dir.Offices
	for i, o := range dir.Offices {
		for _, n := range append([]string{o.Name}, o.Aliases...) {
			f := fold(n)
			m.exact[f] = appendOnce(m.exact[f], i)
			for _, s := range shortForms(f) {
				m.short[s] = appendOnce(m.short[s], i)
			}
		}
	}
	for _, g := range dir.Groups {
		m.groups[fold(g.Name)] = g.OfficeIDs
	}
	return m
}

func appendOnce(xs []int, x int) []int {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// regionPrefix is a place name before an office name: 张店区, 宣城市, 金寨县, 区, 市, 县.
var regionPrefix = regexp.MustCompile(`^(?:\p{Han}{1,5}?(?:省|市|区|县|旗|州|镇|乡|街道))?(?:区|县|市)?`)

// shortForms are the forms of a folded name without its place prefix; a form must keep at
// least two characters and the office noun it ends with.
func shortForms(f string) []string {
	var out []string
	if loc := regionPrefix.FindStringIndex(f); loc != nil && loc[1] > 0 {
		rest := f[loc[1]:]
		if runeLen(rest) >= 2 && strongSuffix.MatchString(rest) {
			out = append(out, rest)
		}
	}
	for _, p := range []string{"区", "县", "市", "本局", "局机关", "机关"} {
		if rest, ok := strings.CutPrefix(f, p); ok && runeLen(rest) >= 2 && strongSuffix.MatchString(rest) {
			out = append(out, rest)
		}
	}
	return out
}

// find returns the office a name means. Several candidates make it ambiguous (the admin adds
// an alias to settle it); none makes it unknown.
func (m *matcher) find(name string) (o *store.Office, ambiguous []string) {
	f := fold(name)
	pick := func(idx []int) (*store.Office, []string) {
		if len(idx) == 1 {
			return &m.offices[idx[0]], nil
		}
		var names []string
		for _, i := range idx {
			names = append(names, m.offices[i].Name)
		}
		sort.Strings(names)
		return nil, names
	}
	if idx := m.exact[f]; len(idx) > 0 {
		return pick(idx)
	}
	var cand []int
	for _, s := range append([]string{f}, shortForms(f)...) {
		for _, i := range m.short[s] {
			cand = appendOnce(cand, i)
		}
		for _, i := range m.exact[s] {
			cand = appendOnce(cand, i)
		}
	}
	if len(cand) > 0 {
		return pick(cand)
	}
	return nil, nil
}

// groupMembers resolves a group to the offices the admin assigned it; the groups that mean
// every office (各科室, 各股室, 各成员单位…) resolve to all offices while none are assigned.
func (m *matcher) groupMembers(name string) (ids []int64, all bool) {
	f := fold(name)
	if ids, ok := m.groups[f]; ok && len(ids) > 0 {
		return ids, false
	}
	if allOfficesGroups[f] {
		// also with no office yet: the offices the same import creates join it (widenAllGroups)
		for _, o := range m.offices {
			ids = append(ids, o.ID)
		}
		return ids, true
	}
	return nil, false
}

func (m *matcher) byID(id int64) *store.Office {
	for i := range m.offices {
		if m.offices[i].ID == id {
			return &m.offices[i]
		}
	}
	return nil
}
