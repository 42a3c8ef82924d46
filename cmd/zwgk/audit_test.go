package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// TestCLIChangesAudited runs every zwgk command that changes data and asserts that each leaves
// its audit entry, with the action the web uses for the same change, the OS account as
// "cli:<user>" and no IP; a command that changes nothing (a dry run, a listing) leaves none.
func TestCLIChangesAudited(t *testing.T) {
	ctx, url, st := commandStore(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	actor := "cli:" + me.Username
	// Temporal is not running here: policy set saves and then says the workflows were not told.
	vars := map[string]string{"ZWGK_DATABASE_URL": url, "ZWGK_TEMPORAL_ADDRESS": "127.0.0.1:1"}
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var last int64
	// step runs one command and returns the actions of the entries it wrote, oldest first.
	step := func(t *testing.T, wantCode int, args ...string) []string {
		t.Helper()
		code, out, errOut := runWith(t, vars, args...)
		if code != wantCode {
			t.Fatalf("zwgk %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), code, wantCode, out, errOut)
		}
		entries, err := st.AuditLog(ctx, store.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			if e.ID <= last {
				continue
			}
			last = e.ID
			if e.Actor != actor || e.IP != "" || e.UserID != nil {
				t.Errorf("%s: actor %q, ip %q, user %v; want %q, no IP, no user", e.Action, e.Actor, e.IP, e.UserID, actor)
			}
			actions = append(actions, e.Action)
		}
		return actions
	}
	expect := func(t *testing.T, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("audited %v, want %v", got, want)
		}
	}
	objectID := func(t *testing.T, action string) string {
		t.Helper()
		es, err := st.AuditLog(ctx, store.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Action == action {
				return e.ObjectID
			}
		}
		t.Fatalf("no %s entry", action)
		return ""
	}

	t.Run("office", func(t *testing.T) {
		expect(t, step(t, 0, "office", "add", "--unit", "甲局", "办公室", "预算股"), "unit.create", "office.create", "office.create")
		expect(t, step(t, 0, "office", "add", "--unit", "甲局", "办公室")) // 已有: no change
		expect(t, step(t, 0, "office", "alias", "--unit", "甲局", "办公室", "綜合科"), "office.update")
		expect(t, step(t, 0, "office", "group", "--unit", "甲局", "各相关科室", "办公室", "预算股"), "group.set")
		expect(t, step(t, 0, "office", "group", "--unit", "甲局", "各相关科室", "预算股", "--remove"), "group.set")
		expect(t, step(t, 0, "office", "list", "--unit", "甲局"))
	})
	t.Run("people", func(t *testing.T) {
		expect(t, step(t, 0, "people", "add", "--name", "张三", "--email", "zs@example.gov.cn", "--unit", "甲局", "--office", "办公室", "--role", "contact"),
			"person.create")
		expect(t, step(t, 1, "people", "add", "--name", "无科室", "--email", "no@example.gov.cn", "--unit", "甲局", "--office", "宣传股", "--role", "contact"))
		if _, err := st.PersonByAddress(ctx, "no@example.gov.cn"); err == nil {
			t.Fatal("a person was created although their office does not exist")
		}
		expect(t, step(t, 0, "people", "attach", "--person", "zs@example.gov.cn", "--unit", "甲局", "--role", "leader", "--level", "2"), "person.attach")
		expect(t, step(t, 0, "people", "attach", "--person", "zs@example.gov.cn", "--unit", "甲局", "--role", "leader", "--level", "2"))
		expect(t, step(t, 0, "people", "attach", "--person", "zs@example.gov.cn", "--unit", "甲局", "--role", "leader", "--level", "2", "--detach"),
			"person.detach")
		roster := writeRoster(t, [][]any{{"姓名", "手机（必填）", "邮箱", "接收方式", "科室", "角色", "级别", "接收告警"},
			{"李四", "13800138000", "", "", "预算股", "联系人", "", ""}})
		expect(t, step(t, 0, "people", "import", roster, "--unit", "甲局", "--dry-run"))
		expect(t, step(t, 0, "people", "import", roster, "--unit", "甲局"), "roster.import")
		expect(t, step(t, 0, "people", "remove", "--person", "13800138000"), "person.delete")
		expect(t, step(t, 0, "people", "robot", "add", "--unit", "甲局", "--office", "办公室", "--kind", "dingtalk",
			"--webhook", "https://oapi.dingtalk.com/robot/send?access_token=abc"), "robot.add")
		expect(t, step(t, 0, "people", "robot", "remove", objectID(t, "robot.add")), "robot.remove")
	})
	t.Run("import", func(t *testing.T) {
		list := file("清单.csv", "序号,工作任务,责任科室,完成时限\n1,公开部门预算,办公室,6月底\n2,公开部门决算,预算股,8月底\n")
		expect(t, step(t, 0, "import", list, "--unit", "甲局", "--year", "2024", "--dry-run"))
		expect(t, step(t, 0, "import", list, "--unit", "甲局", "--year", "2024", "--no-workflows"), "list.import")
		expect(t, step(t, 0, "import", list, "--unit", "乙局", "--year", "2024", "--no-workflows", "--create-offices"),
			"unit.create", "list.import")
	})
	t.Run("policy", func(t *testing.T) {
		policy := file("policy.json", `{"reminders":[5,2,0]}`)
		expect(t, step(t, 0, "policy", "show", "--unit", "甲局"))
		expect(t, step(t, 1, "policy", "set", "--unit", "甲局", policy), "unit.policy")
		items, err := st.Items(ctx, store.ItemFilter{Scope: store.Scope{All: true}, Limit: 10})
		if err != nil || len(items) == 0 {
			t.Fatalf("items %d, %v", len(items), err)
		}
		expect(t, step(t, 1, "policy", "set", "--unit", items[0].Unit, "--item", strconv.FormatInt(items[0].ID, 10), policy), "item.policy")
	})
	t.Run("user", func(t *testing.T) {
		expect(t, step(t, 0, "user", "add", "--login", "gkb", "--role", "admin"), "user.create")
		expect(t, step(t, 0, "user", "list"))
	})
	t.Run("calendar", func(t *testing.T) {
		year := file("2031.csv", "2031-01-01,休,元旦\n")
		expect(t, step(t, 0, "calendar", "load", year), "calendar.load")
		expect(t, step(t, 0, "calendar", "remove", "2031"), "calendar.delete")
	})
}
