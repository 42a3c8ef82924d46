package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// testDir builds an in-memory directory: offices as "name" or "name=alias1,alias2", groups as
// group -> member names.
func testDir(unit string, offices []string, groups map[string][]string) *store.Directory {
	d := &store.Directory{Unit: store.Unit{ID: 1, Name: unit}}
	ids := map[string]int64{}
	for i, spec := range offices {
		name, al, _ := strings.Cut(spec, "=")
		o := store.Office{ID: int64(i + 1), UnitID: 1, Name: name}
		if al != "" {
			o.Aliases = strings.Split(al, ",")
		}
		ids[name] = o.ID
		d.Offices = append(d.Offices, o)
	}
	for g, ms := range groups {
		og := store.OfficeGroup{Name: g}
		for _, m := range ms {
			id, ok := ids[m]
			if !ok {
				panic("testDir: no office " + m)
			}
			og.OfficeIDs = append(og.OfficeIDs, id)
		}
		d.Groups = append(d.Groups, og)
	}
	return d
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// load reads and builds a file and fails the test on a read error.
func load(t testing.TB, name string, data []byte, dir *store.Directory, year int, bo BuildOptions) *Result {
	t.Helper()
	bo.Year = year
	res := Load(name, data, dir, Options{Build: bo})
	return res
}

func mustOK(t testing.TB, res *Result) {
	t.Helper()
	for _, e := range res.Errors {
		t.Errorf("unexpected error: %v", e)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func findItem(t testing.TB, res *Result, section, title string) Item {
	t.Helper()
	for _, it := range res.Items {
		if (section == "" || strings.Contains(it.Section, section)) && it.Title == title {
			return it
		}
	}
	t.Fatalf("no item %q in section %q", title, section)
	return Item{}
}

func officeNames(it Item) []string {
	var out []string
	for _, o := range it.Offices {
		out = append(out, o.Name+":"+o.Role)
	}
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "|") == strings.Join(b, "|")
}

// Directories of the three sample units.
func jinzhaiDir() *store.Directory {
	return testDir("金寨县文旅体育局",
		[]string{"办公室", "财务室", "执法大队", "政务服务窗口", "项目办", "政策法规股", "文化股", "体育股"},
		map[string][]string{
			"文件起草发布相关业务股室": {"政策法规股", "文化股"},
			"相关业务股室":       {"文化股", "体育股"},
		})
}

func zhangdianDir() *store.Directory {
	return testDir("张店区政务公开办",
		[]string{"区政府办公室", "司法局", "张店区财政局", "区发展和改革局=发改局", "区教育局"},
		nil)
}

func xuanchengDir() *store.Directory {
	return testDir("宣城市民政局",
		[]string{"办公室", "政策法规科", "社会救助科", "社会事务科", "未成年人保护和儿童福利科=儿童福利科", "养老服务和慈善事业促进科", "社会组织管理局"},
		map[string][]string{
			"各相关科室":           {"社会救助科", "社会事务科", "未成年人保护和儿童福利科", "养老服务和慈善事业促进科"},
			"各政策文件起草科室":       {"政策法规科", "社会救助科"},
			"各行政权力实施科室":       {"社会事务科", "社会组织管理局"},
			"各信息公开申请办理科室":     {"办公室"},
			"各直属机构":           {"社会组织管理局"},
			"政府开放日、线下宣传日承办科室": {"办公室"},
		})
}
