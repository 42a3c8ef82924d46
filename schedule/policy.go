package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zwgk/zwgk/calendar"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Policy is when zwgk reminds and escalates, as data an admin can change per unit and per item
// (JSON in units.policy and on items). The zero values mean "none": no reminders, no ladder, no
// repeats; DefaultPolicy is the starting point that overrides are merged onto.
type Policy struct {
	// Reminders are offsets in working days before the due day: 10, 5, 2 and 0 (on the day).
	Reminders []int `json:"reminders"`
	// SendWindow is a cron spec (minute hour * * *, read with github.com/robfig/cron/v3) giving
	// the time of day messages go out, in Asia/Shanghai; the first time it fires on a day is
	// used. Only working days are used, so the day fields must be '*' (the calendar, not cron,
	// decides the days). Empty means DefaultSendWindow. SendTimes, when set, replaces it.
	SendWindow string `json:"send_window"`
	// SendTimes are several send windows a working day, "09:00" and "14:30", ascending, at most
	// MaxSendTimes. Empty: the one time of SendWindow, which is what every policy stored before
	// there were several times says, so those keep their meaning unchanged. Merge keeps
	// SendWindow at the first of the times for readers that know only the one window.
	SendTimes []string `json:"send_times,omitempty"`
	// Escalation is the ladder after the due point, in increasing order.
	Escalation []Level `json:"escalation"`
	// Repeat is the working days between "still overdue" notices after the last level; 0 sends
	// none.
	Repeat int `json:"repeat"`
	// NightUrgent lets urgent hour-clock notices (舆情 5小时内) go out between 22:00 and 07:00;
	// by default they wait for 07:00.
	NightUrgent bool `json:"night_urgent,omitempty"`
	// NightSend lets the unit's send times fall in the quiet hours (a unit on duty round the
	// clock, 值班); without it the policy page and API refuse a send time between 22:00 and
	// 07:00. It only widens what an admin may enter: the windows themselves are the send times.
	NightSend bool `json:"night_send,omitempty"`
}

// Quiet hours: urgent notices planned between QuietFrom and QuietUntil (hours, Asia/Shanghai)
// wait for QuietUntil unless the policy sets NightUrgent.
const (
	QuietFrom  = 22
	QuietUntil = 7
)

// AfterQuiet is t, or the end of the quiet hours t falls in.
func AfterQuiet(t time.Time) time.Time {
	l := t.In(calendar.Shanghai)
	switch h := l.Hour(); {
	case h >= QuietFrom:
		d := calendar.DateOf(l).AddDays(1)
		return d.Start().Add(QuietUntil * time.Hour)
	case h < QuietUntil:
		return calendar.DateOf(l).Start().Add(QuietUntil * time.Hour)
	}
	return t
}

// Level is one rung of the escalation ladder.
type Level struct {
	Level  int    `json:"level"`  // 1, 2, 3…
	After  int    `json:"after"`  // working days after the due day, at least 1
	Target string `json:"target"` // TargetContact, TargetHead or TargetSupervisor
}

// Escalation targets.
const (
	TargetContact    = "contact"    // the office's contact person (科室联络员)
	TargetHead       = "head"       // the head of the office (科室负责人)
	TargetSupervisor = "supervisor" // the supervising leader and 政务公开办 (分管领导)
)

// DefaultSendWindow is 09:00 every (working) day.
const DefaultSendWindow = "0 9 * * *"

// MaxSendTimes bounds the send windows of a day: each window may mean a message to every
// recipient with something pending, and SMS quotas are per day.
const MaxSendTimes = 6

// DefaultPolicy reminds 10, 5 and 2 working days ahead and on the due day at 09:00; escalates to
// the office contact 1 working day after due, to the office head after 3 and to the supervising
// leader and 政务公开办 after 5; then repeats "still overdue" every 5 working days.
func DefaultPolicy() Policy {
	return Policy{
		Reminders:  []int{10, 5, 2, 0},
		SendWindow: DefaultSendWindow,
		Escalation: []Level{
			{Level: 1, After: 1, Target: TargetContact},
			{Level: 2, After: 3, Target: TargetHead},
			{Level: 3, After: 5, Target: TargetSupervisor},
		},
		Repeat: 5,
	}
}

// Validate reports the first problem of the policy, in words an admin can act on.
func (p Policy) Validate() error {
	_, err := p.check()
	return err
}

// Windows are the times of day (from midnight, Asia/Shanghai) of the policy's send windows on
// a working day, ascending; the policy is validated first.
func (p Policy) Windows() ([]time.Duration, error) {
	return p.check()
}

// FirstWindowOnly is the policy with only its first send time: what a policy of several times
// meant to the code before there were several (workflows that ran then replay with it).
func (p Policy) FirstWindowOnly() Policy {
	if len(p.SendTimes) > 1 {
		p.SendTimes = slices.Clone(p.SendTimes[:1])
	}
	return p
}

// defaultWindows is DefaultSendWindow's one time, shared: Plan runs once per cycle and must not
// allocate for the default.
var defaultWindows = []time.Duration{9 * time.Hour}

// check validates the policy and returns the times of day of its send windows, ascending
// (never empty). Callers must not modify the slice.
func (p Policy) check() ([]time.Duration, error) {
	for i, r := range p.Reminders {
		if r < 0 || r > 250 {
			return nil, fmt.Errorf("policy: reminder %d working days before due: want 0–250", r)
		}
		if slices.Contains(p.Reminders[:i], r) {
			return nil, fmt.Errorf("policy: reminder %d listed twice", r)
		}
	}
	at, err := sendTime(p.SendWindow)
	if err != nil {
		return nil, err
	}
	windows := defaultWindows
	if at != defaultWindows[0] {
		windows = []time.Duration{at}
	}
	if len(p.SendTimes) > 0 {
		if windows, err = clockTimes(p.SendTimes); err != nil {
			return nil, err
		}
	}
	for i, l := range p.Escalation {
		if l.Level != i+1 {
			return nil, fmt.Errorf("policy: escalation level %d at position %d: levels are numbered 1, 2, 3… in order", l.Level, i+1)
		}
		if l.After < 1 || l.After > 250 {
			return nil, fmt.Errorf("policy: level %d after %d working days: want 1–250", l.Level, l.After)
		}
		if i > 0 && l.After <= p.Escalation[i-1].After {
			return nil, fmt.Errorf("policy: level %d (after %d) must come after level %d (after %d)", l.Level, l.After, l.Level-1, p.Escalation[i-1].After)
		}
		switch l.Target {
		case TargetContact, TargetHead, TargetSupervisor:
		default:
			return nil, fmt.Errorf("policy: level %d target %q: want contact, head or supervisor", l.Level, l.Target)
		}
	}
	if p.Repeat < 0 || p.Repeat > 250 {
		return nil, fmt.Errorf("policy: repeat every %d working days: want 0–250", p.Repeat)
	}
	return windows, nil
}

// clockTimes reads send times as stored ("9:00", "14:30"): distinct, ascending, at most
// MaxSendTimes. ParseSendTimes reads the wordings admins type.
func clockTimes(ts []string) ([]time.Duration, error) {
	if len(ts) > MaxSendTimes {
		return nil, fmt.Errorf("policy: %d send times: at most %d a day", len(ts), MaxSendTimes)
	}
	out := make([]time.Duration, 0, len(ts))
	for _, t := range ts {
		d, ok := clockTime(t)
		if !ok {
			return nil, fmt.Errorf("policy: send time %q: want hh:mm, such as \"09:00\"", t)
		}
		if n := len(out); n > 0 && d <= out[n-1] {
			return nil, fmt.Errorf("policy: send times %v: want distinct times in increasing order", ts)
		}
		out = append(out, d)
	}
	return out, nil
}

// clockTime reads "9:00" or "09:00".
func clockTime(s string) (time.Duration, bool) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, false
	}
	h, m := 0, 0
	for _, c := range hs {
		if c < '0' || c > '9' {
			return 0, false
		}
		h = h*10 + int(c-'0')
	}
	for _, c := range ms {
		if c < '0' || c > '9' {
			return 0, false
		}
		m = m*10 + int(c-'0')
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// clockText is a time of day as send times are stored: "09:00".
func clockText(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d/time.Minute)%60)
}

// cronOf is the cron spec of one time of day.
func cronOf(d time.Duration) string {
	return fmt.Sprintf("%d %d * * *", int(d/time.Minute)%60, int(d/time.Hour))
}

// Merge applies a partial policy in JSON onto p: fields present in patch replace p's (lists are
// replaced whole, not merged), absent fields are kept, unknown fields are an error. An empty or
// "null" patch returns p. The result is not validated; MergePolicy does that.
func (p Policy) Merge(patch []byte) (Policy, error) {
	out := Policy{
		Reminders:   slices.Clone(p.Reminders),
		SendWindow:  p.SendWindow,
		SendTimes:   slices.Clone(p.SendTimes),
		Escalation:  slices.Clone(p.Escalation),
		Repeat:      p.Repeat,
		NightUrgent: p.NightUrgent,
		NightSend:   p.NightSend,
	}
	patch = bytes.TrimSpace(patch)
	if len(patch) == 0 || string(patch) == "null" {
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	if dec.More() {
		return Policy{}, errors.New("policy: trailing data after the JSON object")
	}
	// The two fields say one thing, when messages go out: the override that names either
	// decides it, so an item's send_window is not hidden by its unit's send_times.
	var named struct {
		SendWindow *string   `json:"send_window"`
		SendTimes  *[]string `json:"send_times"`
	}
	if err := json.Unmarshal(patch, &named); err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	switch {
	case named.SendTimes != nil && len(out.SendTimes) > 0:
		first, ok := clockTime(out.SendTimes[0])
		if !ok {
			break // Validate says what is wrong with it
		}
		if named.SendWindow != nil && strings.TrimSpace(*named.SendWindow) != "" {
			if at, err := sendTime(*named.SendWindow); err == nil && at != first {
				return Policy{}, fmt.Errorf("policy: send_window %q and send_times %v disagree: give send_times alone", *named.SendWindow, out.SendTimes)
			}
			break
		}
		out.SendWindow = cronOf(first)
	case named.SendWindow != nil && named.SendTimes == nil:
		out.SendTimes = nil
	}
	return out, nil
}

// MergePolicy is the policy of an item: DefaultPolicy, then the unit's override, then the
// item's (either may be nil or empty; json.RawMessage works as is), validated.
func MergePolicy(overrides ...[]byte) (Policy, error) {
	p := DefaultPolicy()
	for i, o := range overrides {
		var err error
		if p, err = p.Merge(o); err != nil {
			return Policy{}, fmt.Errorf("override %d: %w", i+1, err)
		}
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// sendTime reads the send window and returns the time of day (from midnight) of its first
// firing. It never consults the system's zones: CRON_TZ/TZ prefixes are refused because reading
// a zone is I/O and the zone is always Asia/Shanghai.
func sendTime(spec string) (time.Duration, error) {
	if strings.TrimSpace(spec) == "" || spec == DefaultSendWindow {
		// The default needs no parsing (Plan runs once per cycle; cron's parser allocates).
		// TestDefaultSendWindow checks that cron reads it the same way.
		return 9 * time.Hour, nil
	}
	ss, err := dailySpec(spec)
	if err != nil {
		return 0, err
	}
	// The schedule fires at the same times every day; find the first firing after a midnight.
	// UTC has no daylight saving, so the offset from midnight is the time of day in Shanghai too.
	next := ss.Next(cronMidnight.Add(-time.Second))
	return next.Sub(cronMidnight), nil
}

// cronMidnight is a midnight in UTC, where a daily cron spec's firings are the times of day.
var cronMidnight = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// dailySpec parses a send-window cron spec, whose day fields must be '*', in UTC.
func dailySpec(spec string) (*cron.SpecSchedule, error) {
	if s := strings.TrimSpace(spec); strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, fmt.Errorf("policy: send window %q: no time zone, it is always Asia/Shanghai", spec)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("policy: send window %q: %w", spec, err)
	}
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("policy: send window %q: want a time of day such as \"0 9 * * *\"", spec)
	}
	const star = 1 << 63 // cron's mark for '*' in a field
	if ss.Dom&star == 0 || ss.Month&star == 0 || ss.Dow&star == 0 {
		return nil, fmt.Errorf("policy: send window %q: day, month and weekday must be '*': messages go out on working days, which the calendar decides", spec)
	}
	ss.Location = time.UTC
	return ss, nil
}

// cronTimes lists the times of day at which a send-window spec fires, up to limit+1 of them
// (enough to tell that there are too many).
func cronTimes(spec string, limit int) ([]time.Duration, error) {
	ss, err := dailySpec(spec)
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	end := cronMidnight.Add(24 * time.Hour)
	for t := ss.Next(cronMidnight.Add(-time.Second)); t.Before(end) && len(out) <= limit; t = ss.Next(t) {
		out = append(out, t.Sub(cronMidnight))
	}
	return out, nil
}
