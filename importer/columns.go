package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Role is what a column of a task list holds.
type Role string

// Column roles. A list names its columns in many ways (see headerWords); every reader and the
// override flags speak in these roles.
const (
	RoleNone        Role = ""            // a column zwgk does not read (备注, 分值…)
	RoleSeq         Role = "seq"         // 序号
	RoleLevel       Role = "level"       // one level of the hierarchy: 一级指标, 二级栏目…
	RoleTask        Role = "task"        // 工作任务 / 工作内容: the requirement, or the last hierarchy level when a requirement column exists too
	RoleRequirement Role = "requirement" // 具体要求, 测评指标与考察点…
	RoleOffices     Role = "offices"     // 责任科室, 责任单位…
	RoleLead        Role = "lead"        // 牵头单位
	RoleCo          Role = "co"          // 配合单位
	RoleDeadline    Role = "deadline"    // 完成时限
	RoleFrequency   Role = "frequency"   // 更新频率
	RoleScore       Role = "score"       // 分值, 分数, 权重: the points the item is worth at the check
	RoleSubject     Role = "subject"     // 公开主体: the owner when the table has no office column
	RoleField       Role = "field"       // 公开依据, 公开渠道和载体, 公开对象, 备注: kept on the item as a named field
)

// headerWords maps the folded (Simplified, no spaces) header text to a role.
var headerWords = map[string]Role{}

func init() {
	add := func(r Role, words ...string) {
		for _, w := range words {
			headerWords[fold(w)] = r
		}
	}
	add(RoleSeq, "序号", "编号", "序", "序次", "No", "No.", "#", "条目")
	add(RoleLevel, "过程", "类别", "分类", "类型", "板块", "版块", "领域", "栏目", "栏目名称", "指标", "指标名称",
		"具体职责", "主要职责", "工作职责", "部门职责", "职责", "重点领域", "工作类别", "事项类别", "公开类别", "公开领域", "大类", "小类", "主要方面", "任务类别", "考核项目", "评估项目", "项目")
	add(RoleTask, "工作任务", "任务", "工作内容", "内容", "任务内容", "工作事项", "事项", "公开事项",
		"重点任务", "主要任务", "任务名称", "事项名称", "工作项目", "工作目标", "任务事项", "信息名称", "考核内容明细")
	add(RoleRequirement, "具体要求", "工作要求", "测评指标与考察点", "考察点", "考核要点", "考核内容", "要求", "公开要求",
		"公开标准", "任务要求", "工作措施", "具体措施", "具体内容", "主要内容", "评估要点", "评分标准", "工作标准", "具体任务", "公开内容及要求", "公开内容", "公开内容(要素)", "内容说明", "内容描述", "内容简介", "考评细项", "细化分工")
	add(RoleOffices, "责任科室", "责任单位", "负责科室", "责任部门", "责任股室", "承办科室", "承办单位", "负责单位",
		"责任处室", "实施科室", "责任主体", "负责部门", "责任人", "责任科室(单位)", "责任单位(科室)", "责任股室(单位)")
	add(RoleLead, "牵头单位", "牵头科室", "牵头部门", "牵头股室", "牵头处室")
	add(RoleCo, "配合单位", "配合科室", "配合部门", "协办单位", "协同单位", "参与单位", "配合股室", "配合处室", "协办科室")
	add(RoleDeadline, "完成时限", "时限要求", "公开时限", "完成时间", "时限", "截止时间", "办结时限", "时间节点",
		"完成期限", "时间要求", "完成时限要求", "时间安排", "进度安排")
	add(RoleScore, "分值", "分数", "权重", "标准分值", "分值(分)")
	add(RoleSubject, "公开主体", "发布主体", "信息公开主体")
	add(RoleField, "备注", "说明", "完成情况", "落实情况", "佐证材料", "得分", "扣分", "考核方式", "公开方式", "公开渠道",
		"公开载体", "依据", "公开依据", "政策依据", "公开渠道和载体", "公开对象", "公开形式", "全社会", "特定群体", "特定", "特定群众", "公开层级", "公开范围", "特定对象", "主动", "依申请", "依申请公开", "主动公开", "县级", "乡级", "村级", "乡、村级", "乡村级", "市级", "区级", "镇级", "街道级", "乡镇级", "街镇级", "省级", "社区级", "社区", "评分方法")
	add(RoleFrequency, "更新频率", "更新标准", "更新周期", "频次", "公开频率", "更新频次", "更新要求", "更新时限", "公开频次")
}

// headerMeaning classifies a header cell no list of words names, by the words inside it, so
// that 细化分工, 责任处室（单位）, 公开渠道和载体 or 考评细项 read without a new entry. The order
// matters: the more specific meaning first (牵头 before 责任, 时限 before 内容).
var headerMeaning = []struct {
	re   *regexp.Regexp
	role Role
}{
	{regexp.MustCompile(`^(序号?|编号|序次|no\.?|#)$`), RoleSeq},
	{regexp.MustCompile(`^[一二三四五六七1-7]级`), RoleLevel},
	{regexp.MustCompile(`分值|分数|权重|标准分|满分|^分$`), RoleScore},
	{regexp.MustCompile(`牵头|主办|主责`), RoleLead},
	{regexp.MustCompile(`配合|协办|协同|参与|协助`), RoleCo},
	{regexp.MustCompile(`^(公开|发布|信息)?主体$|^公开单位$|^发布机关$`), RoleSubject},
	{regexp.MustCompile(`(责任|负责|承办|实施|落实|归口|经办|主管)(科室|处室|股室|部门|单位|主体|机构|科|处|股|室|人|领导|中心)|^(科室|处室|股室|部门|责任方|承办|责任)$|^(公开|发布|落实|工作)责任$|单位$|科室$|处室$|股室$`), RoleOffices},
	{regexp.MustCompile(`频率|频次|频度|周期|更新(标准|要求|时限|时间)`), RoleFrequency},
	{regexp.MustCompile(`时限|期限|截止|时间节点|时间安排|时间要求|完成时间|进度|节点|时间$|日期$`), RoleDeadline},
	{regexp.MustCompile(`依据|条款|渠道|载体|对象|方式|时长|范围|保存|形式|备注|说明|佐证|完成情况|落实情况|得分|扣分|考核方式|评分方法|链接|网址|类型$`), RoleField},
	{regexp.MustCompile(`要求|措施|细化|分工|考察点|考评细项|细则|评分|标准|要点|要素|公开内容|具体内容|主要内容|考核内容|说明`), RoleRequirement},
	{regexp.MustCompile(`项目|类别|分类|领域|板块|版块|栏目|指标|方面`), RoleLevel},
	{regexp.MustCompile(`任务|事项|内容|名称|目标|工作`), RoleTask},
}

// listTitle is how the title of a list ends.
var listTitle = regexp.MustCompile(`(目录|清单|一览表|分解表|任务表|台账|细则|方案)(\(试行\)|\(暂行\))?$`)

// headerRole reads one header cell: a known header word, else its meaning from the words in
// it. known is false for text that is no header (too long, or no header word in it).
func headerRole(text string) (r Role, known bool) {
	f := fold(oneLine(text))
	f = strings.Trim(f, "*＊:：")
	if f == "" {
		return RoleNone, false
	}
	if r, ok := headerWords[f]; ok {
		return r, true
	}
	if runeLen(f) >= 7 && listTitle.MatchString(f) {
		// 基层政务公开标准目录, 重点任务分解表: the list's title above its header, no column
		return RoleNone, false
	}
	if runeLen(f) > 12 {
		// 公开渠道和载体(在标注范围内至少选择其一公开…): the remark in brackets is not the header
		if i := strings.IndexAny(f, "(（"); i > 0 && runeLen(f[:i]) <= 12 {
			return headerRole(f[:i])
		}
	}
	if runeLen(f) > 12 || sentenceP.MatchString(strings.NewReplacer("(", "", ")", "", "（", "", "）", "").Replace(f)) {
		return RoleNone, false
	}
	for _, m := range headerMeaning {
		if m.re.MatchString(f) {
			return m.role, true
		}
	}
	return RoleNone, false
}

// Columns maps the columns of one table to roles.
type Columns struct {
	Roles []Role `json:"roles"`
	// HeaderRows is how many rows at the top of the table are header rows.
	HeaderRows int `json:"header_rows"`
	// Names name the columns in messages when the table has no header row.
	Names []string `json:"names,omitempty"`
}

// headerScore rates a row as a header: how many cells are header words, and whether the
// roles make a list (something to do and someone or some time to do it).
var catalogueField = regexp.MustCompile(`依据|范围|渠道|载体|对象|形式`)

// loneScore is a 得分 header: the points, when the table has no 分值 column.
func loneScore(h string) bool { return fold(h) == "得分" }

func headerScore(cells []string) (score int, ok bool) {
	roles := map[Role]bool{}
	unknownLong := 0
	for _, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if _, known := headerWords[c]; !known && (runeLen(c) > 40 || numberTok.MatchString(strings.TrimSpace(c))) {
			// a data row: nothing it holds can make it a header (and most rows are data rows,
			// so this keeps a 10,000-row sheet from classifying every cell)
			return score, false
		}
		r, known := headerRole(c)
		if known {
			score++
			roles[r] = true
		} else if runeLen(c) > 12 || numberTok.MatchString(strings.TrimSpace(c)) {
			// a long text or a number is a data cell: a row with one is no header, however
			// many of its short cells read like header words (工作推进, 办公室)
			unknownLong++
		}
	}
	if !roles[RoleScore] && slices.ContainsFunc(cells, loneScore) {
		roles[RoleScore] = true
	}
	what := roles[RoleTask] || roles[RoleRequirement] || roles[RoleLevel]
	// an assessment table (考核项目 / 考评细项 / 分值) names no office and no time: its score
	// makes it a list all the same
	whoWhen := roles[RoleOffices] || roles[RoleLead] || roles[RoleDeadline] || roles[RoleFrequency] || roles[RoleScore] || roles[RoleSubject]
	// a 主动公开事项目录 that names neither owner nor clock (公开事项 / 公开内容 / 公开依据 /
	// 公开范围) is a catalogue all the same: its items are 待分派 until an admin assigns them
	catalogue := false
	for _, c := range cells {
		// a named catalogue column, not a tick sub-header (主动公开, 全社会) in a row of labels
		if r, _ := headerRole(c); r == RoleField && catalogueField.MatchString(fold(c)) {
			catalogue = score >= 3
		}
	}
	// a website's column framework (一级栏目 / 二级栏目 / 具体要求) keeps its clock in the
	// requirement text, and its owner is the office that runs the site: its columns are a list
	framework := false
	for _, c := range cells {
		if r, _ := headerRole(c); r == RoleLevel && strings.Contains(fold(c), "栏目") {
			framework = roles[RoleRequirement] && score >= 3
		}
	}
	return score, what && (whoWhen || catalogue || framework) && score >= 2 && unknownLong == 0
}

// rolesFromHeader assigns roles to the header cells of a table (one or two header rows,
// merged cells already repeated across their span).
//
// Two rules make the many real layouts work: a task column (工作任务, 工作内容) is the last
// level of the hierarchy when the table also has a requirement column (具体要求), and an
// unrecognised column between the sequence number and the requirement is a hierarchy level
// (lists invent their own names for categories).
func rolesFromHeader(rows [][]string) []Role {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	roles := make([]Role, width)
	known := make([]bool, width)
	for c := 0; c < width; c++ {
		// the lower header row is the more specific one (工作任务 above 一级/二级/三级)
		for i := len(rows) - 1; i >= 0; i-- {
			if c >= len(rows[i]) {
				continue
			}
			if r, ok := headerRole(rows[i][c]); ok {
				roles[c], known[c] = r, true
				break
			}
		}
	}
	// 得分 is the points an item is worth where no 分值 column says so (考核内容 | 得分 | 合计得分);
	// beside a 分值 it is the score obtained, a field
	if !slices.Contains(roles, RoleScore) {
		for c := 0; c < width; c++ {
			for _, r := range rows {
				if c < len(r) && loneScore(r[c]) {
					roles[c], known[c] = RoleScore, true
				}
			}
		}
	}
	// the hierarchy reads left to right: a requirement header (工作要求) left of level columns
	// (一级要点 / 二级要点) with no requirement or task after them is the top level, and the
	// last level is the task (中山医保: 工作要求 | 一级要点 | 二级要点 | 责任科室)
	for c, r := range roles {
		if r != RoleRequirement {
			continue
		}
		levels, what := 0, false
		for _, x := range roles[c+1:] {
			levels += b2i(x == RoleLevel)
			what = what || x == RoleRequirement || x == RoleTask
		}
		// only levels right after it: level cells further on are a second header row that a
		// flattening ran on (公开内容 … 公开方式 一级事项 二级事项), see inRunLevels
		if levels > 0 && !what && c+1 < len(roles) && roles[c+1] == RoleLevel {
			roles[c] = RoleLevel
			for k := len(roles) - 1; k > c; k-- {
				if roles[k] == RoleLevel {
					roles[k] = RoleTask
					break
				}
			}
		}
		break
	}
	hasReq := false
	taskCols := 0
	for _, r := range roles {
		hasReq = hasReq || r == RoleRequirement
		if r == RoleTask {
			taskCols++
		}
	}
	if !hasReq && taskCols > 1 {
		// a task header spanning several columns over no requirement column: the spanned
		// columns are the hierarchy and the last one is the task itself
		last := -1
		for c, r := range roles {
			if r == RoleTask {
				last = c
			}
		}
		for c, r := range roles {
			if r == RoleTask && c != last {
				roles[c] = RoleLevel
			}
		}
	}
	if hasReq {
		for c, r := range roles {
			if r == RoleTask {
				roles[c] = RoleLevel
			}
		}
	}
	// unknown header cells before the requirement become levels
	firstWhat := -1
	for c, r := range roles {
		if r == RoleRequirement || r == RoleTask || r == RoleOffices || r == RoleLead || r == RoleDeadline || r == RoleFrequency || r == RoleScore || r == RoleSubject {
			firstWhat = c
			break
		}
	}
	for c := 0; c < firstWhat; c++ {
		if !known[c] && headerText(rows, c) != "" {
			roles[c] = RoleLevel
		}
	}
	return roles
}

func headerText(rows [][]string, c int) string {
	for i := len(rows) - 1; i >= 0; i-- {
		if c < len(rows[i]) && strings.TrimSpace(rows[i][c]) != "" {
			return strings.TrimSpace(rows[i][c])
		}
	}
	return ""
}

// Overrides set column roles by hand when detection fails or guesses wrong. Each value names
// a column by letter (C), by number (3) or by its header text (责任科室); Levels takes several,
// comma-separated, from the top level down.
type Overrides struct {
	HeaderRow   int    `json:"header_row,omitempty"` // 1-based row of the header in the sheet or table; -1: the table has no header row
	Seq         string `json:"seq,omitempty"`
	Levels      string `json:"levels,omitempty"`
	Title       string `json:"title,omitempty"` // the column whose text is the item's title (the last level)
	Requirement string `json:"requirement,omitempty"`
	Offices     string `json:"offices,omitempty"`
	Lead        string `json:"lead,omitempty"`
	Co          string `json:"co,omitempty"`
	Deadline    string `json:"deadline,omitempty"`
	Frequency   string `json:"frequency,omitempty"`
}

func (o Overrides) any() bool {
	return o.Seq != "" || o.Levels != "" || o.Title != "" || o.Requirement != "" || o.Offices != "" ||
		o.Lead != "" || o.Co != "" || o.Deadline != "" || o.Frequency != ""
}

var colLetters = regexp.MustCompile(`^[A-Za-z]{1,3}$`)

// resolveColumn turns an override value into a 0-based column index of a table whose header
// row is header (nil when the table has none).
func resolveColumn(spec string, header []string) (int, error) {
	spec = strings.TrimSpace(spec)
	if n, err := strconv.Atoi(spec); err == nil {
		if n < 1 {
			return 0, fmt.Errorf("列号 %d 无效：从 1 开始", n)
		}
		return n - 1, nil
	}
	if colLetters.MatchString(spec) {
		n := 0
		for _, r := range strings.ToUpper(spec) {
			n = n*26 + int(r-'A'+1)
		}
		return n - 1, nil
	}
	want := fold(spec)
	for i, h := range header {
		if fold(oneLine(h)) == want {
			return i, nil
		}
	}
	return 0, fmt.Errorf("表头中没有“%s”列", spec)
}

// apply puts the overridden roles on top of the detected ones.
func (o Overrides) apply(roles []Role, header []string) ([]Role, error) {
	set := func(spec string, r Role) error {
		if spec == "" {
			return nil
		}
		// a role set by hand replaces the detected columns of that role
		for i := range roles {
			if roles[i] == r {
				roles[i] = RoleNone
			}
		}
		for _, s := range strings.Split(spec, ",") {
			c, err := resolveColumn(s, header)
			if err != nil {
				return fmt.Errorf("--col-%s %s: %w", r, spec, err)
			}
			for len(roles) <= c {
				roles = append(roles, RoleNone)
			}
			roles[c] = r
		}
		return nil
	}
	for _, x := range []struct {
		spec string
		r    Role
	}{{o.Seq, RoleSeq}, {o.Levels, RoleLevel}, {o.Requirement, RoleRequirement}, {o.Offices, RoleOffices},
		{o.Lead, RoleLead}, {o.Co, RoleCo}, {o.Deadline, RoleDeadline}, {o.Frequency, RoleFrequency}} {
		if err := set(x.spec, x.r); err != nil {
			return nil, err
		}
	}
	if o.Title != "" {
		c, err := resolveColumn(o.Title, header)
		if err != nil {
			return nil, fmt.Errorf("--col-title %s: %w", o.Title, err)
		}
		for len(roles) <= c {
			roles = append(roles, RoleNone)
		}
		// the title is the deepest level: levels to its right stop being levels
		for i := c + 1; i < len(roles); i++ {
			if roles[i] == RoleLevel {
				roles[i] = RoleNone
			}
		}
		roles[c] = RoleLevel
	}
	return roles, nil
}

// colName names a 0-based column as a spreadsheet does (A, B, … AA).
func colName(c int) string {
	s := ""
	for c++; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
