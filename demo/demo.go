// Package demo seeds the first start of `zwgk dev` with a real list, so that a new user sees
// reminders, due dates and escalations at once instead of an empty page.
//
// The list is the Xuancheng civil affairs bureau's 2024 work plan and column duties (a real
// page, in Traditional characters with converter noise, as lists arrive). Its column table has
// 及时/月度/季度/年度 frequencies, which repeat every year, so in any current year monthly and
// quarterly cycles fall due within weeks; the Jinzhai list's 4月底/6月底 deadlines would be
// long past for most of the year.
package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

//go:embed xuancheng-2024-column-duties.txt
var list []byte

// Unit is the name of the demo unit.
const Unit = "宣城市民政局（演示）"

// Offices of the demo unit, with aliases; names the list uses that differ are matched by
// their Traditional or full forms.
var Offices = []struct {
	Name    string
	Aliases []string
}{
	{"办公室", nil},
	{"政策法规科", []string{"法规科"}},
	{"社会救助科", nil},
	{"社会事务科", nil},
	{"未成年人保护和儿童福利科", []string{"儿童福利科"}},
	{"养老服务和慈善事业促进科", []string{"养老科"}},
	{"社会组织管理局", nil},
}

// Groups of the demo unit: the groups the list names and the offices they mean. 各科室 is
// left unassigned: it means every office.
var Groups = map[string][]string{
	"各相关科室":           {"社会救助科", "社会事务科", "未成年人保护和儿童福利科", "养老服务和慈善事业促进科"},
	"各政策文件起草科室":       {"政策法规科", "社会救助科", "养老服务和慈善事业促进科"},
	"各行政权力实施科室":       {"社会事务科", "社会组织管理局"},
	"各信息公开申请办理科室":     {"办公室", "政策法规科"},
	"各直属机构":           {"社会组织管理局"},
	"政府开放日、线下宣传日承办科室": {"办公室"},
}

// DefaultRule is the rule of the work plan's narrative tasks, which give none: an annual work
// plan is due by the end of its year.
const DefaultRule = "年底前"

// Seed creates the demo unit, its directory and its list for year, commits the list and hands
// the changes to the syncer (nil: the workflows start when a worker reconciles). It does nothing
// when the demo unit already has a list for that year, so every start of `zwgk dev` may call it.
func Seed(ctx context.Context, st *store.Store, syncer importer.Syncer, year int) error {
	u, _, err := st.EnsureUnit(ctx, Unit)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := st.ListByUnitYear(ctx, u.ID, year); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("demo: %w", err)
	}
	ids := map[string]int64{}
	for _, o := range Offices {
		created, err := st.CreateOffice(ctx, u.ID, o.Name, o.Aliases)
		if errors.Is(err, store.ErrExists) {
			created, err = st.FindOffice(ctx, u.ID, o.Name)
		}
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		ids[o.Name] = created.ID
	}
	for g, members := range Groups {
		var gids []int64
		for _, m := range members {
			gids = append(gids, ids[m])
		}
		if err := st.AddGroupMembers(ctx, u.ID, g, gids...); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	dir, err := st.LoadDirectory(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	res := importer.Load("xuancheng-2024-column-duties.txt", list, dir, importer.Options{
		Build: importer.BuildOptions{Year: year, DefaultRule: DefaultRule, Simplified: true},
	})
	if !res.OK() {
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("demo: the embedded list does not import: %s", strings.Join(msgs, "; "))
	}
	if _, err := importer.Commit(ctx, st, res, importer.CommitOptions{ImportedBy: "zwgk dev", BaseRevision: -1}, syncer); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}
