package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/testenv"
)

// cli runs zwgk with the given environment and returns its output and exit code.
func cli(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), args, e)
	return out.String(), errb.String(), code
}

// noDB points zwgk at a port where nothing listens.
var noDB = map[string]string{"ZWGK_DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?sslmode=disable"}

func TestCalendarAddCLI(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"calendar", "add", "2024-09-10", "20"}, "2024-10-14 周一\n"},
		{[]string{"calendar", "add", "2024-04-25", "3"}, "2024-04-29 周一\n"},
		{[]string{"calendar", "add", "2024-10-14", "-20"}, "2024-09-10 周二\n"},
		{[]string{"calendar", "add", "2027-02-04", "1"}, "2027-02-14 周日\n"}, // official 2027 (lunar-go v1.4.7): 春节 2/5–2/13
		{[]string{"calendar", "add", "2028-01-03", "5"}, "2028-01-10 周一 provisional: no holiday schedule for 2028"},
	}
	for _, c := range cases {
		out, errOut, code := cli(t, noDB, c.args...)
		if code != 0 || !strings.HasPrefix(out, c.want) {
			t.Errorf("%v: %q (exit %d, stderr %q), want %q", c.args, out, code, errOut, c.want)
		}
		if !strings.Contains(errOut, "using the official data alone") {
			t.Errorf("%v: without a database the command must say it uses the official data alone: %q", c.args, errOut)
		}
	}
	if out, errOut, code := cli(t, nil, "calendar", "add", "--official", "2024-09-10", "20"); code != 0 || out != "2024-10-14 周一\n" || errOut != "" {
		t.Errorf("--official: %q %q %d", out, errOut, code)
	}
	if _, errOut, code := cli(t, nil, "calendar", "add", "--official", "2024-02-30", "1"); code != 1 || !strings.Contains(errOut, "day out of range") {
		t.Errorf("bad date: %q %d", errOut, code)
	}
	if _, _, code := cli(t, nil, "calendar", "add", "2024-02-01"); code != 2 {
		t.Errorf("missing N: exit %d, want usage (2)", code)
	}
}

func TestCalendarShowCLI(t *testing.T) {
	out, _, code := cli(t, nil, "calendar", "show", "--official", "2024")
	for _, want := range []string{
		"source: official: 国务院办公厅节假日安排 via github.com/6tail/lunar-go",
		"班 2024-09-29 周日 国庆节（调休上班）",
		"休 2024-10-07 周一 国庆节",
		"8 make-up working days; 251 working days in 2024",
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("calendar show 2024: missing %q in\n%s", want, out)
		}
	}
	out, _, _ = cli(t, nil, "calendar", "show", "--official", "2028")
	if !strings.Contains(out, "2028: no holiday schedule") || !strings.Contains(out, "provisional") {
		t.Errorf("calendar show 2028: %s", out)
	}
}

// TestCalendarLoadCLI loads a year into a real PostgreSQL database and checks that add and show
// use it.
func TestCalendarLoadCLI(t *testing.T) {
	db := map[string]string{"ZWGK_DATABASE_URL": testenv.DatabaseURL(t), "ZWGK_DATA_DIR": t.TempDir()}
	dir := t.TempDir()
	good := filepath.Join(dir, "2027.csv")
	if err := os.WriteFile(good, []byte("# 2027 (test)\n日期,类型,名称\n2027-01-01,休,元旦\n2027-02-05,休,春节\n2027-02-06,休,春节\n2027-02-07,休,春节\n2027-02-08,休,春节\n2027-02-13,班,春节\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := cli(t, db, "calendar", "load", good, "--source", "国办发明电〔2026〕测试")
	if code != 0 || !strings.Contains(out, "loaded 2027: 5 days off, 1 make-up working days") {
		t.Fatalf("load: %q %q %d", out, errOut, code)
	}
	out, errOut, code = cli(t, db, "calendar", "add", "2027-02-12", "1")
	if code != 0 || out != "2027-02-13 周六\n" {
		t.Errorf("add with the loaded year: %q %q %d, want 2027-02-13 not provisional", out, errOut, code)
	}
	out, _, _ = cli(t, db, "calendar", "show", "2027")
	for _, want := range []string{"source: admin: 国办发明电〔2026〕测试 (2027.csv)", "loaded by cli", "班 2027-02-13 周六 春节（调休上班）"} {
		if !strings.Contains(out, want) {
			t.Errorf("show 2027 after load: missing %q in\n%s", want, out)
		}
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("2028-01-01,休\n2028-01-01,休\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli(t, db, "calendar", "load", bad); code != 1 || !strings.Contains(errOut, "bad.csv line 2: 2028-01-01 listed twice (first on line 1)") {
		t.Errorf("duplicate day: %q %d", errOut, code)
	}
	if err := os.WriteFile(bad, []byte("2028-02-30,休\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := cli(t, db, "calendar", "load", bad); code != 1 || !strings.Contains(errOut, "bad.csv line 1 column 1") {
		t.Errorf("impossible date: %q %d", errOut, code)
	}

	if out, _, code := cli(t, db, "calendar", "remove", "2027"); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("remove: %q %d", out, code)
	}
	// the official 2027 applies again: February 13 is off, Sunday the 14th a make-up day
	if out, _, _ := cli(t, db, "calendar", "add", "2027-02-12", "1"); out != "2027-02-14 周日\n" {
		t.Errorf("after remove: %q, want the official 2027-02-14", out)
	}
}

func TestRuleParseCLI(t *testing.T) {
	out, errOut, code := cli(t, nil, "rule", "parse", "每月更新", "--year", "2024")
	if code != 0 {
		t.Fatalf("rule parse: %q %d", errOut, code)
	}
	var r schedule.Rule
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Kind != schedule.KindRecurring || r.Period != schedule.Month || r.Text != "每月更新" {
		t.Errorf("rule parse 每月更新 = %s (%v)", out, err)
	}
	out, _, code = cli(t, nil, "rule", "parse", "--year", "2024", "4月底")
	if code != 0 || !strings.Contains(out, `"due": "2024-04-30"`) {
		t.Errorf("rule parse 4月底: %s", out)
	}
	out, errOut, code = cli(t, nil, "rule", "parse", "尽快") // 每月10日前 is a rule since due points (schedule.PeriodPoint)
	if code != 1 || !strings.Contains(out, `"kind": "unparsed"`) || !strings.Contains(errOut, "未能识别") {
		t.Errorf("unparsed: %q %q %d", out, errOut, code)
	}
	out, _, code = cli(t, nil, "rule", "parse", "--year", "2024", "--cycles", "季度更新")
	var withCycles struct {
		Cycles []struct {
			Key  string           `json:"key"`
			Plan []schedule.Point `json:"plan"`
		} `json:"cycles"`
	}
	if err := json.Unmarshal([]byte(out), &withCycles); err != nil || code != 0 || len(withCycles.Cycles) != 4 ||
		withCycles.Cycles[2].Key != "2024-Q3" || len(withCycles.Cycles[2].Plan) != 8 {
		t.Errorf("--cycles: %v %d\n%s", err, code, out)
	}
	out, _, code = cli(t, nil, "rule", "parse", "--find", "要在5个小时内发布权威信息，在24小时内举行新闻发布会")
	if code != 0 || strings.Count(out, `"text": "`) != 4 { // two matches, each with its rule's text
		t.Errorf("--find: %s", out)
	}
}
