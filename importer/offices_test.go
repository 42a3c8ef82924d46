package importer

import (
	"slices"
	"strings"
	"testing"
)

func parties(ps []Party) string {
	var out []string
	for _, p := range ps {
		s := p.Name + ":" + p.Role
		if p.Group {
			s += ":group"
		}
		if p.PerEvent {
			s += ":event"
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

func TestParseOffices(t *testing.T) {
	for _, c := range []struct{ cell, want string }{
		{"办公室", "办公室:lead"},
		{"辦公室、綜合科、財政科及相關科室", "办公室:lead | 综合科:co | 财政科:co | 相关科室:co:group"},
		{"办公室，财务室,执法大队；项目办\n政务服务窗口", "办公室:lead | 财务室:co | 执法大队:co | 项目办:co | 政务服务窗口:co"},
		{"办公室和财务室", "办公室:lead | 财务室:co"},
		// 和 inside a name does not split it
		{"养老服务和慈善事业促进科", "养老服务和慈善事业促进科:lead"},
		{"未成年人保護和兒童福利科", "未成年人保护和儿童福利科:lead"},
		{"各科室", "各科室:lead:group"},
		{"局机关各科室", "局机关各科室:lead:group"},
		{"文件起草发布相关业务股室。", "文件起草发布相关业务股室:lead:group"},
		{"誰承辦誰更新", "谁承办谁更新:lead:group:event"},
		{"区司法局牵头区级规范性文件集中公开工作,区各行政规范性文件制定主体具体落实;各成员单位负责做好本单位行政规范性文件集中公开工作",
			"区司法局:lead | 区各行政规范性文件制定主体:co:group | 各成员单位:co:group"},
		{"区政府重大行政决策预公开工作由区司法局牵头,区政府重大行政决策各承办单位具体落实;区政府各部门单位负责做好本单位重大行政决策预公开工作;",
			"区司法局:lead | 区政府重大行政决策各承办单位:co:group | 区政府各部门单位:co:group"},
		{"区发展和改革局等有关部门单位", "区发展和改革局:lead | 有关部门单位:co:group"},
		{"牵头单位：办公室；配合单位：财务室、执法大队", "办公室:lead | 财务室:co | 执法大队:co"},
		{"财务室（牵头）、办公室", "财务室:lead | 办公室:co"},
		{"办公室、财务室（牵头）", "办公室:co | 财务室:lead"},
		{"責任科室:辦公室、各相關科室", "办公室:lead | 各相关科室:co:group"},
		{"政府開放日、線下宣傳日承辦科室", "政府开放日、线下宣传日承办科室:lead:group"},
		{"办公室配合，财务室牵头", "办公室:co | 财务室:lead"},
		{"", ""},
	} {
		if got := parties(ParseOffices(c.cell)); got != c.want {
			t.Errorf("ParseOffices(%q)\n got %s\nwant %s", c.cell, got, c.want)
		}
	}
}

func TestOfficeStrength(t *testing.T) {
	known := map[string]bool{fold("政务服务窗口"): true}
	for s, want := range map[string]int{
		"办公室":    surelyOffice,
		"各股室":    surelyOffice,
		"区财政局":   surelyOffice,
		"政务服务窗口": surelyOffice,
		"区司法局牵头区级规范性文件集中公开工作": surelyOffice,
		"内设机构及下属单位":           maybeOffice,
		"机构简介":                notOffice,
		"新闻发布会及其他发布实录":        notOffice,
		"相关推荐":                notOffice,
		"各单位对上政府常务会议的相关议题开展解读,于会议召开后3个工作日内公开发布并关联相关媒体解读内容。": notOffice,
	} {
		if got := officeStrength(s, known); got != want {
			t.Errorf("officeStrength(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher(testDir("测试", []string{"区司法局", "张店区财政局", "淄川区财政局", "办公室", "社会组织管理局", "未成年人保护和儿童福利科=儿童福利科", "市场监管局"}, nil))
	for name, want := range map[string]string{
		"区司法局":    "区司法局",
		"司法局":     "区司法局",
		"张店区司法局":  "区司法局",
		"辦公室":     "办公室",
		"办 公 室":   "办公室",
		"兒童福利科":   "未成年人保护和儿童福利科",
		"社會組織管理局": "社会组织管理局",
		"张店区财政局":  "张店区财政局",
		"市场监管局":   "市场监管局",
		"宣传科":     "",
	} {
		o, _ := m.find(name)
		got := ""
		if o != nil {
			got = o.Name
		}
		if got != want {
			t.Errorf("find(%q) = %q, want %q", name, got, want)
		}
	}
	if o, amb := m.find("财政局"); o != nil || !equalStrings(amb, []string{"张店区财政局", "淄川区财政局"}) {
		t.Errorf("财政局: %v %v", o, amb)
	}
}

func TestHeadersTraditionalAndOverrides(t *testing.T) {
	roles := rolesFromHeader([][]string{{"序號", "一級欄目", "二級欄目", "工作任務", "具體要求", "責任單位", "完成時限", "更新頻率", "備註"}})
	want := []Role{RoleSeq, RoleLevel, RoleLevel, RoleLevel, RoleRequirement, RoleOffices, RoleDeadline, RoleFrequency, RoleField}
	if !slices.Equal(roles, want) {
		t.Errorf("roles %v", roles)
	}
	// a task column alone is the requirement
	if r := rolesFromHeader([][]string{{"序号", "工作任务", "牵头单位", "配合单位", "时限要求"}}); !slices.Equal(r, []Role{RoleSeq, RoleTask, RoleLead, RoleCo, RoleDeadline}) {
		t.Errorf("roles %v", r)
	}
	// an unknown header left of the requirement is a level of the hierarchy
	if r := rolesFromHeader([][]string{{"板块名称", "考核内容", "负责科室"}}); !slices.Equal(r, []Role{RoleLevel, RoleRequirement, RoleOffices}) {
		t.Errorf("roles %v", r)
	}
	hdr := []string{"A列", "B列", "说明文字", "谁来办"}
	roles, err := Overrides{Levels: "A,2", Requirement: "说明文字", Offices: "D"}.apply(make([]Role, 4), hdr)
	if err != nil || !slices.Equal(roles, []Role{RoleLevel, RoleLevel, RoleRequirement, RoleOffices}) {
		t.Errorf("overrides: %v %v", roles, err)
	}
	if _, err := (Overrides{Offices: "没有这列"}).apply(make([]Role, 4), hdr); err == nil || !strings.Contains(err.Error(), "--col-offices") {
		t.Errorf("bad override: %v", err)
	}
}

// A sheet whose header detection fails imports with the columns named by hand.
func TestOverrideFlags(t *testing.T) {
	data := xlsxOf(t, [][]string{
		{"类", "事", "谁", "何时"},
		{"财政资金", "本部门预算", "财务室", "6月底"},
		{"", "本部门决算", "财务室", "6月底"},
	})
	res := Load("x.xlsx", data, jinzhaiDir(), Options{Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Message, "找不到表头") {
		t.Fatalf("without overrides: %v", res.Errors)
	}
	res = Load("x.xlsx", data, jinzhaiDir(), Options{Build: BuildOptions{Year: 2024, Overrides: Overrides{HeaderRow: 1, Levels: "A", Title: "B", Offices: "谁", Deadline: "D"}}})
	mustOK(t, res)
	if len(res.Items) != 2 || res.Items[1].Title != "本部门决算" || !equalStrings(res.Items[1].Path, []string{"财政资金"}) || res.Items[1].Rule.Due.String() != "2024-06-30" {
		t.Errorf("items %+v", res.Items)
	}
}

// The 各 of a first name of bodies distributes over the 、 list (各乡镇人民政府、街道办事处 is every
// town and every sub-district office), but not over an office named after it.
func TestDistributedGe(t *testing.T) {
	for cell, want := range map[string]string{
		"各县市区人民政府、功能区管委会负责落实": "各县市区人民政府:group|功能区管委会:group",
		"各乡镇人民政府、街道办事处":       "各乡镇人民政府:group|街道办事处:group",
		"各乡镇、财政局":             "各乡镇:group|财政局:office",
		"各科室、办公室":             "各科室:group|办公室:office",
		"县政府办、街道办事处":          "县政府办:office|街道办事处:office",
	} {
		var got []string
		for _, p := range ParseOffices(cell) {
			kind := "office"
			if p.Group {
				kind = "group"
			}
			got = append(got, p.Name+":"+kind)
		}
		if strings.Join(got, "|") != want {
			t.Errorf("%s: %s, want %s", cell, strings.Join(got, "|"), want)
		}
	}
}
