// Package application holds the statutory clocks of a 政府信息公开申请 (《政府信息公开条例》 2019):
// the receipt date by channel (第三十一条), the 20-working-day reply clock (第三十三条) with its one
// extension, the 补正 request and restart (第三十条), third-party consultation pauses (第三十二条),
// and the reply types and reasons of 第三十六条 as the annual report form counts them. It is pure:
// workflows call it on a calendar they rebuilt from data, and the web and the report call it on
// rows from PostgreSQL, so that every screen and every timer agree on a day.
package application

import (
	"errors"
	"fmt"

	"github.com/zwgk/zwgk/calendar"
)

// Statutory periods, in working days.
const (
	ReplyDays        = 20 // 第三十三条第二款: reply within 20 working days of receipt
	MaxExtensionDays = 20 // extension once, by at most 20 working days
	CorrectionDays   = 7  // 第三十条: ask for 补正 once, within 7 working days of receipt
	ThirdPartyDays   = 15 // 第三十二条: the third party answers within 15 working days
)

// Channel is how an application arrived; it decides which date is the receipt date.
type Channel string

// Channels of 第三十一条.
const (
	InPerson   Channel = "in_person"   // 当面提交: the day it is handed in
	PostSigned Channel = "post_signed" // 邮寄（需签收）: the day it is signed for
	Letter     Channel = "letter"      // 平常信函: the day receipt is confirmed with the applicant
	Online     Channel = "online"      // 互联网渠道: the day both sides confirm
	Fax        Channel = "fax"         // 传真: the day both sides confirm
)

// Channels lists the channels in the order forms offer them.
var Channels = []Channel{InPerson, PostSigned, Letter, Online, Fax}

// Label is the channel's Chinese name.
func (c Channel) Label() string {
	switch c {
	case InPerson:
		return "当面提交"
	case PostSigned:
		return "邮寄（需签收）"
	case Letter:
		return "平常信函"
	case Online:
		return "互联网渠道"
	case Fax:
		return "传真"
	}
	return string(c)
}

// Valid reports a known channel.
func (c Channel) Valid() bool {
	for _, k := range Channels {
		if k == c {
			return true
		}
	}
	return false
}

// Arrival holds the dates a handler may know about an application. Which one is the receipt date
// depends on the channel; the others are kept for the case file only.
type Arrival struct {
	Channel Channel
	// HandedIn is the day an applicant handed it in (in person).
	HandedIn calendar.Date
	// SignedFor is the day the office signed for a registered letter or parcel.
	SignedFor calendar.Date
	// Confirmed is the day receipt was confirmed with the applicant (ordinary letter) or both
	// sides confirmed (online, fax).
	Confirmed calendar.Date
}

// Errors of the receipt rule, so that forms can name the field that is missing.
var (
	ErrChannel      = errors.New("unknown channel")
	ErrNoHandedIn   = errors.New("in person: the day it was handed in is required")
	ErrNoSignedFor  = errors.New("signed post: the day it was signed for is required")
	ErrNoConfirmed  = errors.New("the day receipt was confirmed is required")
	ErrBeforeArrive = errors.New("confirmation before the letter was signed for")
)

// ReceiptDate is the day the application counts as received, by 第三十一条. A date that only
// some channels use is ignored by the others: a letter's confirmation date, not the postmark,
// starts its clock.
func ReceiptDate(a Arrival) (calendar.Date, error) {
	switch a.Channel {
	case InPerson:
		if a.HandedIn.IsZero() {
			return calendar.Date{}, ErrNoHandedIn
		}
		return a.HandedIn, nil
	case PostSigned:
		if a.SignedFor.IsZero() {
			return calendar.Date{}, ErrNoSignedFor
		}
		return a.SignedFor, nil
	case Letter, Online, Fax:
		if a.Confirmed.IsZero() {
			return calendar.Date{}, ErrNoConfirmed
		}
		if !a.SignedFor.IsZero() && a.Confirmed.Before(a.SignedFor) {
			return calendar.Date{}, ErrBeforeArrive
		}
		return a.Confirmed, nil
	}
	return calendar.Date{}, fmt.Errorf("%w %q", ErrChannel, a.Channel)
}

// Pause is a consultation of a third party or another body (第三十二条): the days after From up
// to and including To are not counted in the reply clock. To zero means it is still running.
type Pause struct {
	From calendar.Date `json:"from"`
	To   calendar.Date `json:"to,omitzero"`
	// Other is a consultation of another body (其他机关) rather than a third party: the law
	// caps only the third party's 15 working days, so its whole time is left out.
	Other bool `json:"other,omitempty"`
}

// Clock is what the reply deadline depends on. Start is the receipt date, or the day a completed
// (补正) application was received, from which the clock starts again in full.
type Clock struct {
	Start         calendar.Date `json:"start"`
	Pauses        []Pause       `json:"pauses,omitempty"`
	ExtensionDays int           `json:"extension_days,omitempty"`
}

// Excluded is how many working days of p are left out of the clock, counted as if it ended on
// today when it is still running. A third party's silence beyond its 15 working days counts
// again: the office may then decide without its opinion.
func Excluded(cal *calendar.Calendar, p Pause, today calendar.Date) (int, bool) {
	to := p.To
	if to.IsZero() {
		to = today
	}
	if !to.After(p.From) {
		return 0, false
	}
	n, prov := cal.WorkingDaysBetween(p.From, to)
	if !p.Other && n > ThirdPartyDays {
		n = ThirdPartyDays
	}
	return n, prov
}

// Due is the last day of the reply clock: ReplyDays working days after Start (Start itself not
// counted, as a period counted from an event starts the next day), plus the extension, plus the
// working days of every pause. A running pause counts up to today, so that Due is "the day it
// would be if the third party answered today". provisional says a year without a loaded
// schedule was crossed.
func (c Clock) Due(cal *calendar.Calendar, today calendar.Date) (calendar.Date, bool) {
	n := ReplyDays + c.ExtensionDays
	provisional := false
	for _, p := range c.Pauses {
		if p.From.Before(c.Start) {
			continue // a consultation before a 补正 restart is part of the old clock
		}
		k, prov := Excluded(cal, p, today)
		n += k
		provisional = provisional || prov
	}
	d, prov := cal.AddWorkingDays(c.Start, n)
	return d, provisional || prov
}

// DaysLeft is the working days from today to due: positive before, 0 on the due day, negative
// (working days overdue) after.
func DaysLeft(cal *calendar.Calendar, today, due calendar.Date) int {
	n, _ := cal.WorkingDaysBetween(today, due)
	return n
}

// CorrectionDeadline is the last day on which 补正 may be asked for (第三十条: within 7 working
// days of receipt).
func CorrectionDeadline(cal *calendar.Calendar, received calendar.Date) calendar.Date {
	d, _ := cal.AddWorkingDays(received, CorrectionDays)
	return d
}

// ThirdPartyDeadline is the day the third party consulted on from is due to answer.
func ThirdPartyDeadline(cal *calendar.Calendar, from calendar.Date) calendar.Date {
	d, _ := cal.AddWorkingDays(from, ThirdPartyDays)
	return d
}

// CheckExtension reports whether an extension of days is allowed for a clock that has none.
func CheckExtension(c Clock, days int) error {
	if c.ExtensionDays > 0 {
		return errors.New("the reply period was already extended once")
	}
	if days < 1 || days > MaxExtensionDays {
		return fmt.Errorf("extension of %d working days: want 1 to %d", days, MaxExtensionDays)
	}
	return nil
}
