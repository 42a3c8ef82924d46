package activities_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// A unit's 通报 reaches each supervisor once, inside the digest of the send window with their
// other notices, and links to the 通报 page of the unit and month; planning it again, or a
// second dispatch, sends nothing more. A supervisor of two levels gets one message.
func TestTongbaoGoesOutOncePerSupervisor(t *testing.T) {
	f := newDispatchFixture(t)
	window := time.Date(2024, 6, 3, 9, 0, 0, 0, calendar.Shanghai)
	unit, _ := f.unitOffice(t)
	// the first two on levels 2 and 3 get the item's level-3 reminder too; the third, on
	// level 2 only, gets the 通报 alone
	var people []int64
	for i, name := range []string{"分管领导", "公开办主任", "办公室主任"} {
		id, _, err := f.st.UpsertPerson(f.ctx, store.Person{Name: name, Email: "sup" + strconv.Itoa(i) + "@example.gov.cn", Channels: []string{"email"}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		levels := []int{2, 3}
		if i == 2 {
			levels = []int{2}
		}
		for _, level := range levels {
			if err := f.st.AttachSupervisor(f.ctx, unit, id, level, store.RoleGKB); err != nil {
				t.Fatal(err)
			}
		}
		people = append(people, id)
	}
	// an item reminder to the supervisors in the same window: the 通报 joins that digest
	f.plan(t, "2024-12-31", store.NoticePlan{Kind: "reminder", Offset: 10, Target: store.TargetSupervisor, Level: 3, At: window})

	units, err := f.acts.TongbaoUnits(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 1 || units[0].ID != unit || !slices.Equal(units[0].Supervisors, people) {
		t.Fatalf("units %+v, want %d with supervisors %v", units, unit, people)
	}
	req := activities.TongbaoRequest{Unit: units[0], Month: "2024-05", At: window.Add(-30 * time.Minute)}
	for i, want := range []int{len(people), 0} {
		res, err := f.acts.SendTongbao(f.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Planned != want {
			t.Errorf("planning #%d: %d notices, want %d", i+1, res.Planned, want)
		}
	}

	res := f.dispatch(t, "run/1", window)
	if res.Messages != len(people) || res.Recipients != len(people) {
		t.Fatalf("%+v, want one message to each of %d supervisors", res, len(people))
	}
	msgs := f.smtp.Messages()
	if len(msgs) != len(people) {
		t.Fatalf("%d messages, want %d", len(msgs), len(people))
	}
	link := "https://gk.example.gov.cn/tongbao?unit=" + strconv.FormatInt(unit, 10) + "&month=2024-05"
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
		text := decodedBody(t, m.Data)
		wants := []string{"派发测试局2024年5月政务公开工作通报", link, "到期", "查看通报"}
		if m.To[0] == "sup2@example.gov.cn" {
			wants = append(wants, "【政务公开通报】", "上月政务公开工作通报已生成")
			if strings.Contains(text, "部门预算公开") {
				t.Errorf("the level-2 supervisor got the level-3 reminder:\n%s", text)
			}
		} else {
			wants = append(wants, "部门预算公开", "您有1项事项需要办理", "另附通报")
		}
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("the message to %v lacks %q:\n%s", m.To, want, text)
			}
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []string{"sup0@example.gov.cn", "sup1@example.gov.cn", "sup2@example.gov.cn"}) {
		t.Errorf("sent to %v", to)
	}
	if res := f.dispatch(t, "run/2", window.Add(time.Hour)); res.Messages != 0 {
		t.Errorf("a second dispatch: %+v", res)
	}
	var sent int
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT count(*) FROM notices WHERE kind = 'tongbao' AND status = 'sent'`).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if sent != len(people) {
		t.Errorf("%d 通报 notices sent, want %d", sent, len(people))
	}
}

// The 通报 line states the month's figures with the page's rates and the office most overdue.
func TestTongbaoNote(t *testing.T) {
	m := store.MonthFigures{Month: "2024-05", Due: 8, Closed: 6, Done: 5, OnTime: 3, Overdue: 1}
	got := activities.TongbaoNote(m, []store.OfficeOverdue{{Office: "办公室", Overdue: 4}, {Office: "财务科", Overdue: 1}})
	want := "到期8项，已完成5项，完成率83%，按时完成率50%，仍逾期1项；目前逾期最多的是办公室（4项）"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := activities.TongbaoNote(store.MonthFigures{}, nil); got != "到期0项，已完成0项；目前无逾期事项" {
		t.Errorf("an empty month: %s", got)
	}
}

// A quarter's 通报 goes out beside its last month's in the same digest, titled by the quarter,
// with the quarter's figures summed and a link the 通报 page reads as the quarter; each once.
func TestTongbaoQuarterBesideMonth(t *testing.T) {
	f := newDispatchFixture(t)
	window := time.Date(2024, 7, 1, 9, 0, 0, 0, calendar.Shanghai)
	unit, _ := f.unitOffice(t)
	id, _, err := f.st.UpsertPerson(f.ctx, store.Person{Name: "分管领导", Email: "lead@example.gov.cn", Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AttachSupervisor(f.ctx, unit, id, 3, store.RoleLeader); err != nil {
		t.Fatal(err)
	}
	units, err := f.acts.TongbaoUnits(f.ctx)
	if err != nil || len(units) != 1 {
		t.Fatalf("units %+v, %v", units, err)
	}
	for i, c := range []struct {
		period string
		want   int
	}{{"2024-06", 1}, {"2024Q2", 1}, {"2024Q2", 0}} {
		res, err := f.acts.SendTongbao(f.ctx, activities.TongbaoRequest{Unit: units[0], Month: c.period, At: window.Add(-30 * time.Minute)})
		if err != nil || res.Planned != c.want {
			t.Errorf("planning #%d (%s): %+v, %v; want %d", i+1, c.period, res, err, c.want)
		}
	}
	// the quarter's note is the sum of its months' figures
	first, next, err := store.TongbaoPeriod("2024Q2")
	if err != nil {
		t.Fatal(err)
	}
	months, err := f.st.MonthlyFigures(f.ctx, store.ReportFilter{Scope: store.Scope{All: true}, Unit: unit, From: first, To: next})
	if err != nil {
		t.Fatal(err)
	}
	sum := store.SumMonths(months)
	var note string
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT note FROM notices WHERE kind = 'tongbao' AND cycle_key = '2024Q2'`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(note, "到期"+strconv.Itoa(sum.Due)+"项，已完成"+strconv.Itoa(sum.Done)+"项") {
		t.Errorf("quarter note %q, want the summed %+v", note, sum)
	}

	if res := f.dispatch(t, "run/q", window); res.Messages != 1 {
		t.Fatalf("%+v, want one message with both 通报", res)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	text := decodedBody(t, msgs[0].Data)
	link := "https://gk.example.gov.cn/tongbao?unit=" + strconv.FormatInt(unit, 10) + "&month="
	for _, want := range []string{"派发测试局2024年6月政务公开工作通报", "派发测试局2024年第二季度政务公开工作通报", link + "2024-06", link + "2024Q2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the message lacks %q:\n%s", want, text)
		}
	}
}
