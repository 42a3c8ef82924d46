package schedule

import (
	"strings"
	"testing"
	"time"
)

func twoTimes(times ...string) Policy {
	p := DefaultPolicy()
	p.SendWindow, p.SendTimes = "", times
	return p
}

// NextWindow with several times a day, over 2024's holidays and 调休 days: the next time of the
// same working day, else the first time of the next working day.
func TestNextWindowSeveralTimes(t *testing.T) {
	p := twoTimes("09:00", "14:30")
	for _, c := range []struct {
		name     string
		from     time.Time
		want     time.Time
		isWindow bool
	}{
		{"before the first", sh(2024, 3, 5, 7, 12, 0), sh(2024, 3, 5, 9, 0, 0), false},
		{"at the first", sh(2024, 3, 5, 9, 0, 0), sh(2024, 3, 5, 9, 0, 0), true},
		{"a second after the first", sh(2024, 3, 5, 9, 0, 1), sh(2024, 3, 5, 14, 30, 0), false},
		{"between", sh(2024, 3, 5, 10, 12, 0), sh(2024, 3, 5, 14, 30, 0), false},
		{"at the second", sh(2024, 3, 5, 14, 30, 0), sh(2024, 3, 5, 14, 30, 0), true},
		{"after the last", sh(2024, 3, 5, 16, 0, 0), sh(2024, 3, 6, 9, 0, 0), false},
		{"Friday evening to Monday", sh(2024, 3, 8, 15, 0, 0), sh(2024, 3, 11, 9, 0, 0), false},
		// 春节 2024-02-10…17 off; Sunday 02-04 and Sunday 02-18 are 调休 working days
		{"调休 Sunday before 春节", sh(2024, 2, 4, 11, 0, 0), sh(2024, 2, 4, 14, 30, 0), false},
		{"into 春节", sh(2024, 2, 9, 15, 0, 0), sh(2024, 2, 18, 9, 0, 0), false},
		{"holiday afternoon", sh(2024, 2, 12, 14, 30, 0), sh(2024, 2, 18, 9, 0, 0), false},
		// 国庆 2024-10-01…07 off; Sunday 09-29 and Saturday 10-12 worked
		{"调休 Sunday before 国庆", sh(2024, 9, 29, 14, 29, 0), sh(2024, 9, 29, 14, 30, 0), false},
		{"国庆 eve", sh(2024, 9, 30, 14, 31, 0), sh(2024, 10, 8, 9, 0, 0), false},
		{"调休 Saturday after 国庆", sh(2024, 10, 12, 14, 30, 0), sh(2024, 10, 12, 14, 30, 0), true},
		{"an ordinary Saturday", sh(2024, 10, 19, 9, 0, 0), sh(2024, 10, 21, 9, 0, 0), false},
		{"New Year's Eve to 2025", sh(2024, 12, 31, 18, 0, 0), sh(2025, 1, 2, 9, 0, 0), false},
	} {
		got, ok := NextWindow(p, c.from, cal)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: NextWindow(%s) = %s %v, want %s", c.name, c.from, got, ok, c.want)
		}
		if IsWindow(p, c.from, cal) != c.isWindow {
			t.Errorf("%s: IsWindow(%s) = %v", c.name, c.from, !c.isWindow)
		}
	}
	three := twoTimes("08:30", "12:00", "16:45")
	if got, _ := NextWindow(three, sh(2024, 5, 11, 12, 1, 0), cal); !got.Equal(sh(2024, 5, 11, 16, 45, 0)) { // 劳动节调休 Saturday
		t.Errorf("three times on 2024-05-11: %s", got)
	}
	if got, _ := NextWindow(three, sh(2024, 4, 30, 17, 0, 0), cal); !got.Equal(sh(2024, 5, 6, 8, 30, 0)) { // 劳动节 5/1–5/5
		t.Errorf("three times over 劳动节: %s", got)
	}
}

// The default single 09:00, written as the old send_window, as one send time or as nothing,
// plans the same instants: stored policies keep their schedule.
func TestOneSendTimeIsTheOldWindow(t *testing.T) {
	forms := []Policy{DefaultPolicy(), twoTimes("09:00"), twoTimes("9:00")}
	old := DefaultPolicy()
	old.SendWindow = ""
	forms = append(forms, old)
	c, err := Cycles(Parse("每月更新", 2024), 2024, cal)
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for i, p := range forms {
		var b strings.Builder
		for _, cy := range c {
			ps, err := Plan(p, cy, cal)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(planString(ps) + "\n")
		}
		for from := sh(2024, 9, 27, 0, 0, 0); from.Before(sh(2024, 10, 14, 0, 0, 0)); from = from.Add(97 * time.Minute) {
			next, _ := NextWindow(p, from, cal)
			rep, _ := NextRepeat(p, from, cal)
			b.WriteString(next.String() + rep.String())
		}
		if i == 0 {
			want = b.String()
		} else if b.String() != want {
			t.Errorf("policy %+v plans differently from the default", p)
		}
	}
}

// Plan and NextRepeat put reminders, levels and repeats at the first time of the day; the later
// times are for what falls due during the day.
func TestPlanSeveralTimesUsesTheFirst(t *testing.T) {
	p := twoTimes("08:30", "14:30")
	c, err := Cycles(Parse("6月底", 2024), 2024, cal)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Plan(p, c[0], cal)
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range ps {
		if pt.Kind == PointDue {
			continue
		}
		if l := pt.At.In(pt.At.Location()); l.Hour() != 8 || l.Minute() != 30 {
			t.Errorf("%s %d at %s, want the first window 08:30", pt.Kind, pt.Offset, pt.At)
		}
	}
	if next, ok := NextRepeat(p, sh(2024, 9, 27, 14, 30, 0), cal); !ok || !next.Equal(sh(2024, 10, 10, 8, 30, 0)) {
		t.Errorf("NextRepeat over 国庆 = %s %v", next, ok)
	}
	if got := p.FirstWindowOnly(); len(got.SendTimes) != 1 || len(p.SendTimes) != 2 {
		t.Errorf("FirstWindowOnly = %v (original %v)", got.SendTimes, p.SendTimes)
	}
}

func TestSendTimesValidate(t *testing.T) {
	for _, c := range []struct {
		times []string
		want  string
	}{
		{[]string{"14:30", "09:00"}, "increasing order"},
		{[]string{"09:00", "9:00"}, "distinct"},
		{[]string{"9点"}, "want hh:mm"},
		{[]string{"24:00"}, "want hh:mm"},
		{[]string{"09:60"}, "want hh:mm"},
		{[]string{"9:5"}, "want hh:mm"},
		{[]string{"07:00", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00"}, "at most 6"},
	} {
		if err := twoTimes(c.times...).Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("send times %v: %v, want %q", c.times, err, c.want)
		}
	}
	if ws, err := twoTimes("0:00", "09:05", "23:59").Windows(); err != nil || len(ws) != 3 || ws[1] != 9*time.Hour+5*time.Minute {
		t.Errorf("Windows = %v %v", ws, err)
	}
}

// Stored policies with only send_window keep it; send_times replaces it; the override that
// names either field decides; night_urgent survives a later override.
func TestMergeSendTimes(t *testing.T) {
	p, err := MergePolicy([]byte(`{"send_window":"30 8 * * *"}`))
	if err != nil || p.SendWindow != "30 8 * * *" || p.SendTimes != nil {
		t.Fatalf("old stored policy: %+v %v", p, err)
	}
	p, err = MergePolicy([]byte(`{"send_times":["09:00","14:30"],"night_urgent":true}`), []byte(`{"repeat":2}`))
	if err != nil || p.SendWindow != "0 9 * * *" || strings.Join(p.SendTimes, ",") != "09:00,14:30" || !p.NightUrgent || p.Repeat != 2 {
		t.Fatalf("unit send_times under an item override: %+v %v", p, err)
	}
	// the activities merge the unit's override and the item's, usually none: night_urgent was
	// lost there before
	if p, err := MergePolicy([]byte(`{"night_urgent":true}`), nil); err != nil || !p.NightUrgent {
		t.Errorf("unit night_urgent with no item override: %+v %v", p, err)
	}
	// an item's send_window is its own, not hidden by the unit's times
	p, err = MergePolicy([]byte(`{"send_times":["09:00","14:30"]}`), []byte(`{"send_window":"0 16 * * *"}`))
	if ws, _ := p.Windows(); err != nil || p.SendTimes != nil || len(ws) != 1 || ws[0] != 16*time.Hour {
		t.Fatalf("item send_window over unit send_times: %+v %v", p, err)
	}
	p, err = MergePolicy([]byte(`{"send_window":"0 16 * * *"}`), []byte(`{"send_times":["10:00","15:00"]}`))
	if ws, _ := p.Windows(); err != nil || p.SendWindow != "0 10 * * *" || len(ws) != 2 {
		t.Fatalf("item send_times over unit send_window: %+v %v", p, err)
	}
	// both in one override must agree
	if _, err := MergePolicy([]byte(`{"send_window":"0 8 * * *","send_times":["09:00","14:30"]}`)); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Errorf("disagreeing fields: %v", err)
	}
	if _, err := MergePolicy([]byte(`{"send_window":"0 9 * * *","send_times":["09:00","14:30"]}`)); err != nil {
		t.Errorf("agreeing fields: %v", err)
	}
	if _, err := MergePolicy([]byte(`{"send_times":["14:30","09:00"]}`)); err == nil {
		t.Error("unsorted send times accepted")
	}
	// an explicit empty list goes back to the one window
	if p, err := MergePolicy([]byte(`{"send_times":["09:00","14:30"]}`), []byte(`{"send_times":[]}`)); err != nil || len(p.SendTimes) != 0 || p.SendWindow != "0 9 * * *" {
		t.Errorf("empty send_times: %+v %v", p, err)
	}
}

// BenchmarkNextWindow is the window lookup a workflow makes for each late notice, with the
// default one window and with three a day, from instants spread over 2024.
func BenchmarkNextWindow(b *testing.B) {
	for name, p := range map[string]Policy{"default": DefaultPolicy(), "three": twoTimes("08:30", "12:00", "16:45")} {
		b.Run(name, func(b *testing.B) {
			from := sh(2024, 1, 1, 0, 0, 0)
			i := 0
			for b.Loop() {
				if _, ok := NextWindow(p, from.Add(time.Duration(i%8760)*time.Hour), cal); !ok {
					b.Fatal("no window")
				}
				i++
			}
		})
	}
}
