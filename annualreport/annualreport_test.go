package annualreport_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/annualreport"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type outcome struct {
	typ    application.ReplyType
	reason application.Reason
}

func outcomes() []outcome {
	var out []outcome
	for _, k := range application.Kinds {
		if len(k.Reasons) == 0 {
			out = append(out, outcome{k.Type, ""})
		}
		for _, r := range k.Reasons {
			out = append(out, outcome{k.Type, r.Code})
		}
	}
	return out
}

// register makes n applications received over 2025–2027, some answered (with every type and
// reason), some still open, from a fixed seed.
func register(n int) []store.Application {
	rng := rand.New(rand.NewPCG(13, 2026))
	outs := outcomes()
	var apps []store.Application
	for i := range n {
		received := calendar.D(2025, 1, 1).AddDays(rng.IntN(3 * 365))
		a := store.Application{ID: int64(i + 1), ApplicantType: string(application.Applicants[rng.IntN(len(application.Applicants))]), Received: received}
		if rng.IntN(5) > 0 {
			o := outs[rng.IntN(len(outs))]
			a.ReplyType, a.ReplyReason = string(o.typ), string(o.reason)
			a.FinishedOn = received.AddDays(rng.IntN(60))
		}
		apps = append(apps, a)
	}
	return apps
}

// The table reconciles with the register it was computed from: the form's arithmetic holds, and
// each section equals what a plain count of the register gives.
func TestPart3Reconciles(t *testing.T) {
	apps := register(600)
	for _, year := range []int{2025, 2026, 2027} {
		tab, err := annualreport.ComputePart3("测试局", year, apps)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.Check(); err != nil {
			t.Fatalf("%d: %v", year, err)
		}
		first, last := calendar.D(year, 1, 1), calendar.D(year, 12, 31)
		var newN, carried, done, open int
		byType := map[string]int{}
		for _, a := range apps {
			in := !a.Received.Before(first) && !a.Received.After(last)
			before := a.Received.Before(first) && (a.FinishedOn.IsZero() || !a.FinishedOn.Before(first))
			if in {
				newN++
			}
			if before {
				carried++
			}
			if !in && !before {
				continue
			}
			if !a.FinishedOn.IsZero() && !a.FinishedOn.After(last) {
				done++
				byType[a.ReplyType]++
			} else {
				open++
			}
		}
		for code, want := range map[string]int{annualreport.CodeNew: newN, annualreport.CodeCarriedIn: carried,
			annualreport.CodeTotal: done, annualreport.CodeCarriedOut: open} {
			if r, _ := tab.Row(code); r.Counts[annualreport.Total] != want {
				t.Errorf("%d %s: %d, the register has %d", year, r.Label, r.Counts[annualreport.Total], want)
			}
		}
		for typ, want := range byType {
			if r, _ := tab.Row(typ); r.Counts[annualreport.Total] != want {
				t.Errorf("%d %s: %d, the register has %d", year, r.Label, r.Counts[annualreport.Total], want)
			}
		}
		if newN == 0 || carried == 0 && year > 2025 || done == 0 {
			t.Fatalf("%d: the register does not exercise the table (new %d, carried %d, done %d)", year, newN, carried, done)
		}
	}
}

func TestPart3CheckCatchesBrokenArithmetic(t *testing.T) {
	tab, err := annualreport.ComputePart3("测试局", 2026, register(200))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range tab.Rows {
		if r.Code != string(application.NotHeld) {
			continue
		}
		tab.Rows[i].Counts[0]++
		tab.Rows[i].Counts[annualreport.Total]++
	}
	if tab.Check() == nil {
		t.Error("a reason counted without its type passed the check")
	}
	if _, err := annualreport.ComputePart3("x", 2026, []store.Application{{ApplicantType: "alien", Received: calendar.D(2026, 3, 1)}}); err == nil {
		t.Error("an unknown applicant type was counted")
	}
}

// The layout is the national form's: 一、二、三 with (一)–(七), 8/3/5/3 reasons, 四.
func TestPart3Layout(t *testing.T) {
	tab, _ := annualreport.ComputePart3("x", 2026, nil)
	want := 3 + 6 + 8 + 3 + 5 + 3 + 2
	if len(tab.Rows) != want {
		t.Fatalf("%d rows, want %d", len(tab.Rows), want)
	}
	if tab.Rows[0].Label != "一、本年新收政府信息公开申请数量" || tab.Rows[len(tab.Rows)-1].Label != "四、结转下年度继续办理" {
		t.Errorf("first %q, last %q", tab.Rows[0].Label, tab.Rows[len(tab.Rows)-1].Label)
	}
	if r, _ := tab.Row(string(application.NoCorrection)); r.Label != "1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" {
		t.Errorf("其他处理 1: %q", r.Label)
	}
}

// The xlsx holds the same numbers as the table, under the form's header.
func TestPart3XLSX(t *testing.T) {
	tab, err := annualreport.ComputePart3("测试局", 2026, register(300))
	if err != nil {
		t.Fatal(err)
	}
	b, err := tab.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("第三部分")
	if err != nil {
		t.Fatal(err)
	}
	if rows[3][2] != "法人或其他组织" || rows[4][2] != "商业企业" || rows[3][7] != "总计" {
		t.Errorf("header %q / %q", rows[3], rows[4])
	}
	for i, r := range tab.Rows {
		got := rows[5+i]
		if got[0] != r.Label {
			t.Errorf("row %d label %q, want %q", i, got[0], r.Label)
		}
		if r.Code == annualreport.CodeResults {
			continue
		}
		for c, n := range r.Counts {
			if got[1+c] != strconv.Itoa(n) {
				t.Errorf("%s %s: %q, want %d", r.Label, annualreport.Columns[c], got[1+c], n)
			}
		}
	}
}

// From PostgreSQL: applications registered and answered through the store come out in the
// report of their unit and year.
func TestPart3FromStore(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	u, err := st.CreateUnit(ctx, "测试局")
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.CreateOffice(ctx, u.ID, "办公室", nil)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(kind string, received calendar.Date, typ, reason string, finished calendar.Date) {
		id, err := st.CreateApplication(ctx, store.ApplicationNew{UnitID: u.ID, OfficeID: o.ID, ApplicantType: kind,
			ApplicantName: "申请人", Channel: "online", Confirmed: received, Received: received, Content: "某信息"})
		if err != nil {
			t.Fatal(err)
		}
		state := "open"
		if !finished.IsZero() {
			state = "closed"
		}
		if _, err := st.SyncApplication(ctx, store.ApplicationSync{ApplicationID: id, WorkflowID: "application-" + strconv.FormatInt(id, 10), Seq: 1,
			State: store.ApplicationState{State: state, ClockStart: received, ReplyType: typ, ReplyReason: reason, FinishedOn: finished,
				ClosedAt: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("person", calendar.D(2025, 12, 20), "disclose", "", calendar.D(2026, 1, 10)) // carried in, answered
	mk("legal", calendar.D(2025, 12, 22), "", "", calendar.Date{})                  // carried in and out
	mk("business", calendar.D(2026, 3, 2), "refuse", "process_information", calendar.D(2026, 3, 20))
	mk("person", calendar.D(2026, 12, 28), "", "", calendar.Date{})               // carried out
	mk("person", calendar.D(2025, 5, 1), "disclose", "", calendar.D(2025, 5, 20)) // last year's only
	apps, err := st.ApplicationsOfYear(ctx, u.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := annualreport.ComputePart3(u.Name, 2026, apps)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]int{annualreport.CodeNew: 2, annualreport.CodeCarriedIn: 2,
		annualreport.CodeTotal: 2, annualreport.CodeCarriedOut: 2, "process_information": 1, "refuse": 1, "disclose": 1} {
		if r, _ := tab.Row(code); r.Counts[annualreport.Total] != want {
			t.Errorf("%s: %d, want %d", r.Label, r.Counts[annualreport.Total], want)
		}
	}
	if r, _ := tab.Row(annualreport.CodeCarriedIn); r.Counts[4] != 1 {
		t.Errorf("法律服务机构 carried in: %v", r.Counts)
	}
}
