package notify

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Addressed is an entry meant for one recipient, as the dispatcher collects them from the
// notices due in a send window.
type Addressed struct {
	Recipient string `json:"recipient"` // recipient key
	Entry     Entry  `json:"entry"`
}

// Group is what one recipient gets in one send window: one digest.
type Group struct {
	Recipient string  `json:"recipient"`
	Entries   []Entry `json:"entries"`
}

// severity orders kinds from the most pressing.
func severity(k Kind) int {
	switch k {
	case Escalation:
		return 4
	case Overdue:
		return 3
	case Due:
		return 2
	case Reminder:
		return 1
	}
	return 0
}

// GroupDigests coalesces entries per recipient: one group per recipient, ordered by recipient
// key; within a group one entry per item (the most pressing of its cycles and kinds wins, then
// the highest escalation level; OtherCycles counts the item's other cycles in the window, so a
// monthly item overdue for October and November is listed once), ordered by SortEntries. It is
// pure and deterministic, so a workflow may call it; the same input in any order gives the
// same groups.
func GroupDigests(in []Addressed) []Group {
	type key struct {
		recipient string
		item      int64
		link      string // entries that are not items (通报) are told apart by their page
	}
	best := make(map[key]Entry, len(in))
	cycles := make(map[key]map[string]bool, len(in))
	for _, a := range in {
		k := key{a.Recipient, a.Entry.ItemID, a.Entry.Link}
		if cycles[k] == nil {
			cycles[k] = map[string]bool{}
		}
		cycles[k][a.Entry.Cycle] = true
		if cur, ok := best[k]; !ok || morePressing(a.Entry, cur) {
			best[k] = a.Entry
		}
	}
	byRecipient := map[string][]Entry{}
	for k, e := range best {
		e.OtherCycles = len(cycles[k]) - 1
		byRecipient[k.recipient] = append(byRecipient[k.recipient], e)
	}
	out := make([]Group, 0, len(byRecipient))
	for r, es := range byRecipient {
		SortEntries(es)
		out = append(out, Group{Recipient: r, Entries: es})
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Recipient, b.Recipient) })
	return out
}

// morePressing decides which of two entries about the same item a digest keeps; it
// is a total order on the fields that differ so that the choice never depends on input order.
func morePressing(a, b Entry) bool {
	if c := cmp.Compare(severity(a.Kind), severity(b.Kind)); c != 0 {
		return c > 0
	}
	if a.Level != b.Level {
		return a.Level > b.Level
	}
	if a.WorkdaysOverdue != b.WorkdaysOverdue {
		return a.WorkdaysOverdue > b.WorkdaysOverdue
	}
	if a.WorkdaysLeft != b.WorkdaysLeft {
		return a.WorkdaysLeft < b.WorkdaysLeft
	}
	if a.Urgent != b.Urgent {
		return a.Urgent
	}
	if a.Title != b.Title {
		return a.Title < b.Title
	}
	return a.Cycle < b.Cycle // the earlier period of the same item
}

// SortEntries orders entries from the most pressing: escalations, overdue (longest overdue
// first), due today, reminders by due date; items without a due date last; ties by item id
// and cycle.
func SortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		if c := cmp.Compare(severity(b.Kind), severity(a.Kind)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.WorkdaysOverdue, a.WorkdaysOverdue); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		if a.Due.IsZero() != b.Due.IsZero() {
			if a.Due.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ItemID, b.ItemID); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Link, b.Link); c != 0 {
			return c
		}
		return cmp.Compare(a.Cycle, b.Cycle)
	})
}

// WindowKey is the idempotency key of one recipient's digest in one send window: however
// often the dispatcher retries, the window's digest is one delivery. It names the window's
// instant to the second, never only its date: a unit sending at 09:00 and 14:30 has two
// windows a day, and the afternoon's digest must not be taken for the morning's, already sent.
func WindowKey(recipient string, window time.Time) string {
	return "digest/" + recipient + "/" + window.UTC().Format("20060102T150405Z")
}

// DigestNotice builds the digest of a group. A group of one entry still is a digest (its key
// is the window's), and is rendered like that entry's kind.
func DigestNotice(g Group, window time.Time) Notice {
	n := Notice{Key: WindowKey(g.Recipient, window), Kind: Digest, At: window, Entries: g.Entries}
	for _, e := range g.Entries {
		n.Urgent = n.Urgent || e.Urgent
	}
	return n
}

// UrgentKey is the idempotency key of an urgent entry that bypasses the window (hour clocks of
// public-opinion events): one message per item, cycle, kind, level and recipient.
func UrgentKey(recipient string, e Entry) string {
	return "urgent/" + recipient + "/" + strconv.FormatInt(e.ItemID, 10) + "/" + e.Cycle + "/" +
		string(e.Kind) + "/" + strconv.Itoa(e.Level)
}
