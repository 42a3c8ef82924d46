package importer

import (
	"regexp"
	"strings"
)

// Office roles on an item.
const (
	Lead = "lead" // 牵头: escalation targets it first
	Co   = "co"   // 配合, 具体落实: reminded too
)

// Party is one responsible name in an office cell: an office or a group, with its role.
type Party struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	Group bool   `json:"group,omitempty"`
	// PerEvent marks 谁承办谁更新: the office is chosen for each event, not at import.
	PerEvent bool `json:"per_event,omitempty"`
	// explicit says the cell gave the role (牵头, 配合…) rather than zwgk inferring it.
	explicit bool
}

var (
	clauseSep   = regexp.MustCompile(`[；;\n。，,]+`)
	listSep     = regexp.MustCompile(`[、/／]`)
	nameSep     = regexp.MustCompile(`以及|会同|及|和|与|会`) // 宣传处会办公室: 宣传处 together with 办公室
	roleLabel   = regexp.MustCompile(`^(牵头|配合|协办|协同|责任|负责|承办|实施|参与)(科室|单位|部门|股室|处室|主体)?[:：]`)
	roleMarker  = regexp.MustCompile(`[（(](牵头|配合|协办|协助|参与|具体落实)[）)]$`)
	parenMarker = regexp.MustCompile(`[（(](牵头|配合|协办|协助|参与|具体落实)[）)]`)
	// verbs that follow the subject of a responsibility clause, longest first
	roleVerbs = []struct {
		verb, role string
	}{
		{"牵头负责", Lead}, {"牵头", Lead}, {"具体落实", Co}, {"具体负责", Co}, {"配合", Co}, {"协助", Co}, {"协同", Co},
		{"参与", Co}, {"主办", Lead}, {"协办", Co}, {"负责", ""}, {"落实", ""}, {"承办", ""},
	}
	strongSuffix = regexp.MustCompile(`(局|科|室|股|办|队|中心|窗口|所|站|委|院|处|组|人民政府|部|厅|委会)$`)
	// parenthesisTail is an alternative or a remark after a name: 乡镇人民政府(街道办事处)
	parenthesisTail = regexp.MustCompile(`\s*[(（][^()（）]{1,20}[)）]$`)
	weakSuffix      = regexp.MustCompile(`(单位|部门|机构|主体)$`)
	nounAfterVerb   = regexp.MustCompile(`^(单位|科室|部门|股室|处室|人)`)
)

// Groups that mean every office of the unit unless the admin says otherwise.
var allOfficesGroups = map[string]bool{}

func init() {
	for _, g := range []string{"各科室", "各股室", "局机关各科室", "机关各科室", "各成员单位", "各处室", "各部室", "各部门", "全体科室", "所有科室",
		"各科室(单位)", "各科室、各单位", "各工作组", "局属各单位", "各科室及局属各单位", "机关各处室", "各处(室)", "各科(室)", "各股(室)", "局各科室", "各科室、局属各单位", "各组"} {
		allOfficesGroups[fold(g)] = true
	}
}

// isGroup tells a group name (各科室, 各相关科室, 文件起草发布相关业务股室, 谁承办谁更新…) from an
// office name.
func isGroup(name string) (group, perEvent bool) {
	f := fold(name)
	switch {
	case runeLen(f) > 25 || sentenceP.MatchString(f):
		return false, false
	case strings.Contains(f, "谁") && runeLen(f) <= 10:
		return true, true
	case !groupNoun.MatchString(f):
		return false, false
	case strings.Contains(f, "各"), strings.HasPrefix(f, "相关"), strings.HasPrefix(f, "有关"), strings.HasPrefix(f, "所有"),
		strings.HasPrefix(f, "全体"), strings.HasPrefix(f, "全部"), strings.Contains(f, "相关业务"), strings.Contains(f, "相关"),
		strings.Contains(f, "承办"), strings.Contains(f, "起草"), strings.Contains(f, "主办"), strings.Contains(f, "业务"),
		strings.Contains(f, "制定"), strings.Contains(f, "其他"):
		return true, false
	}
	return false, false
}

// bodyNoun is how the name of a kind of body ends (county governments, zone committees, towns),
// which a distributed 各 makes a group: 各县市区人民政府、功能区管委会. An office's noun (局, 科) does not:
// 各乡镇、财政局 names the 财政局.
var bodyNoun = regexp.MustCompile(`(政府|管委会|委员会|办事处|街道|乡镇|镇街|镇)(\([^()]{1,10}\))?$`)

// groupNoun is how a group name ends: a kind of office.
var groupNoun = regexp.MustCompile(`(科室|股室|处室|单位|部门|机构|主体|政府|办事处|街道|乡镇|镇街|镇|管委会|委员会|科|股|室|处|局|中心|站|所)(\([^()]{1,10}\))?$`)

// ParseOffices splits an office cell into the offices and groups it names and their roles:
//
//	辦公室、綜合科、財政科及相關科室         three offices and a group
//	区司法局牵头…，区各…主体具体落实；各成员单位负责…  a lead, and two groups that carry it out
//	牵头单位：办公室；配合单位：各科室          explicit roles
//
// Names keep the cell's spelling; matching against the directory comes later. A cell
// without explicit roles makes its first named office the lead (the convention of Chinese
// task lists: 排在第一位的为牵头单位) and the rest co-responsible.
func ParseOffices(cell string) []Party {
	// names are read (and reported) in Simplified form: the directory is matched by folded
	// names anyway, and an office created from a Traditional list is better in Simplified
	cell = strings.TrimSpace(ToSimplified(cleanCell(cell)))
	if cell == "" {
		return nil
	}
	var out []Party
	seen := map[string]bool{}
	distributed := false // the name being added is under a distributed 各
	add := func(name, role string, explicit bool) {
		name = tidyName(name)
		if name == "" || name == "等" {
			return
		}
		if m := roleMarker.FindStringSubmatch(name); m != nil {
			name = tidyName(strings.TrimSuffix(name, m[0]))
			if m[1] == "牵头" {
				role = Lead
			} else {
				role = Co
			}
			explicit = true
		}
		k := fold(name)
		if seen[k] {
			return
		}
		seen[k] = true
		g, pe := isGroup(name)
		g = g || distributed
		out = append(out, Party{Name: name, Role: role, Group: g, PerEvent: pe, explicit: explicit})
	}
	var addList func(s, role string, explicit bool)
	addList = func(s, role string, explicit bool) {
		// 区发展和改革局等有关部门单位: an office and a group
		if i := strings.Index(s, "等"); i > 0 {
			rest := s[i+len("等"):]
			if g, _ := isGroup(rest); g {
				addList(s[:i], role, explicit)
				add(rest, role, explicit)
				return
			}
			if rest == "" || strings.HasPrefix(rest, "部门") || strings.HasPrefix(rest, "单位") || strings.HasPrefix(rest, "科室") {
				s = s[:i]
			}
		}
		parts := splitNames(s)
		// 各县市区人民政府、功能区管委会: the 各 of a first name of bodies distributes over the list,
		// so the names after it that end in a body's noun are groups too
		lead := len(parts) > 1 && strings.HasPrefix(fold(parts[0]), "各") && bodyNoun.MatchString(fold(parts[0]))
		if g, _ := isGroup(parts[0]); !g {
			lead = false
		}
		defer func() { distributed = false }()
		for j, p := range parts {
			distributed = lead && j > 0 && !strings.Contains(p, "各") && bodyNoun.MatchString(fold(p))
			// 政府开放日、线下宣传日承办科室: the leading items qualify the group at the end
			if j < len(parts)-1 {
				// a name's own bracketed remark (市政府各部门(单位)) does not hide how it ends
				bare := parenthesisTail.ReplaceAllString(fold(p), "")
				if g, _ := isGroup(parts[len(parts)-1]); g && !strongSuffix.MatchString(bare) && !weakSuffix.MatchString(bare) {
					if pg, _ := isGroup(p); !pg {
						add(strings.Join(parts[j:len(parts)-1], "、")+"、"+parts[len(parts)-1], role, explicit)
						return
					}
				}
			}
			add(p, role, explicit)
		}
	}
	for _, clause := range clauseSep.Split(cell, -1) {
		clause = strings.TrimSpace(clause)
		if clause == "" {
			continue
		}
		role, explicit := "", false
		if m := roleLabel.FindStringSubmatch(clause); m != nil {
			switch m[1] {
			case "牵头":
				role, explicit = Lead, true
			case "配合", "协办", "协同", "参与":
				role, explicit = Co, true
			}
			clause = strings.TrimSpace(clause[len(m[0]):])
		}
		if _, pe := isGroup(clause); pe || parenMarker.MatchString(clause) {
			// 谁承办谁更新 is a name, not 谁 + 承办; 财务室（牵头） marks each name itself
			addList(clause, role, explicit)
			continue
		}
		subject, verbRole, found := splitVerb(clause)
		if found {
			if verbRole != "" {
				role, explicit = verbRole, true
			}
			addList(subject, role, explicit)
			continue
		}
		addList(clause, role, explicit)
	}
	settleRoles(out)
	return out
}

// splitVerb finds the subject of a clause such as 区司法局牵头区级规范性文件集中公开工作 or
// 区政府重大行政决策预公开工作由区司法局牵头.
func splitVerb(clause string) (subject, role string, found bool) {
	best := -1
	for _, v := range roleVerbs {
		for from := 0; from < len(clause); {
			i := strings.Index(clause[from:], v.verb)
			if i < 0 {
				break
			}
			i += from
			from = i + len(v.verb)
			// 承办单位, 负责科室: the verb is part of a noun here
			if nounAfterVerb.MatchString(clause[from:]) || i == 0 {
				continue
			}
			if best < 0 || i < best {
				best, role = i, v.role
			}
			break
		}
	}
	if best < 0 {
		return "", "", false
	}
	subject = clause[:best]
	if i := strings.LastIndex(subject, "由"); i >= 0 {
		subject = subject[i+len("由"):]
	}
	subject = strings.TrimPrefix(subject, "请")
	return subject, role, strings.TrimSpace(subject) != ""
}

func splitNames(s string) []string {
	// 和/及/与 inside a name (养老服务和慈善事业促进科, 未成年人保护和儿童福利科) must not split it:
	// split there only when both sides look like names of their own
	var out []string
	for _, p := range listSep.Split(s, -1) {
		out = append(out, splitConjunction(p)...)
	}
	return out
}

func splitConjunction(p string) []string {
	locs := nameSep.FindAllStringIndex(p, -1)
	for _, l := range locs {
		left, right := strings.TrimSpace(p[:l[0]]), strings.TrimSpace(p[l[1]:])
		if left == "" || right == "" {
			continue
		}
		lf, rf := fold(left), fold(right)
		lg, _ := isGroup(left)
		rg, _ := isGroup(right)
		if (strongSuffix.MatchString(lf) || lg) && (strongSuffix.MatchString(rf) || weakSuffix.MatchString(rf) || rg || len(splitConjunction(right)) > 1) {
			return append([]string{left}, splitConjunction(right)...)
		}
	}
	return []string{p}
}

// dutyTail is what follows the names in 应急处、疾控处等按职责分工落实: not part of a name.
var dutyTail = regexp.MustCompile(`(等)?(按照?|根据|依据?)(各自)?(职责|职能)(分工)?.*$`)

func tidyName(s string) string {
	s = strings.TrimSpace(dutyTail.ReplaceAllString(strings.TrimSpace(s), ""))
	s = strings.Trim(s, "。.，,；;:：、 \t")
	s = strings.TrimSuffix(s, "等")
	return strings.TrimSpace(s)
}

// settleRoles fills in the roles a cell left implicit: co when some party is the named lead,
// otherwise the first party leads.
func settleRoles(ps []Party) {
	hasLead := false
	for _, p := range ps {
		hasLead = hasLead || p.Role == Lead
	}
	for i := range ps {
		if ps[i].Role != "" {
			continue
		}
		if !hasLead {
			ps[i].Role = Lead
			hasLead = true
			continue
		}
		ps[i].Role = Co
	}
}

// Office strength of a cell of pasted text, for telling an office cell from a label.
const (
	notOffice = iota
	maybeOffice
	surelyOffice
)

// officeStrength judges whether a cell of pasted text names responsible offices.
func officeStrength(cell string, known map[string]bool) int {
	c := strings.TrimSpace(ToSimplified(cell))
	if c == "" {
		return notOffice
	}
	if known[fold(c)] {
		return surelyOffice
	}
	for _, cl := range clauseSep.Split(c, -1) {
		if roleLabel.MatchString(strings.TrimSpace(cl)) {
			return surelyOffice
		}
		if subj, _, ok := splitVerb(cl); ok && runeLen(subj) <= 25 {
			for _, n := range splitNames(subj) {
				n = tidyName(n)
				if g, _ := isGroup(n); g || strongSuffix.MatchString(fold(n)) || known[fold(n)] {
					return surelyOffice
				}
			}
		}
	}
	parts := splitNames(strings.Trim(c, "。."))
	allStrong, allNamed := true, true
	for _, p := range parts {
		p = tidyName(p)
		f := fold(p)
		if g, _ := isGroup(p); g || known[f] {
			return surelyOffice
		}
		f = parenthesisTail.ReplaceAllString(f, "")
		if !strongSuffix.MatchString(f) || runeLen(f) > 15 {
			allStrong = false
		}
		if !strongSuffix.MatchString(f) && !weakSuffix.MatchString(f) {
			allNamed = false
		}
	}
	switch {
	case allStrong:
		return surelyOffice
	case allNamed:
		return maybeOffice
	}
	return notOffice
}
