package activities

import (
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// ItemDefinition is what LoadItem gives an item workflow: the item, its merged policy and the
// calendar data, so that every computation the workflow replays sees the same inputs.
type ItemDefinition struct {
	ItemID      int64              `json:"item_id"`
	UnitID      int64              `json:"unit_id"`
	Unit        string             `json:"unit"`
	Year        int                `json:"year"`
	Title       string             `json:"title"`
	Status      string             `json:"status"`
	Rule        schedule.Rule      `json:"rule"`
	Policy      schedule.Policy    `json:"policy"`
	Offices     []store.ItemOffice `json:"offices"`
	Calendar    []calendar.Year    `json:"calendar"`
	PolicyError string             `json:"policy_error,omitempty"` // an override that failed validation; the default applies
	// Prior is what PostgreSQL recorded of earlier runs, for a run started without carried state.
	Prior ItemProgress `json:"prior"`
	// GraceUntil: the item came with a late import tracked from that day; a cycle already
	// overdue then starts its escalation ladder at GraceUntil, not at its due date.
	GraceUntil time.Time `json:"grace_until,omitzero"`
}

// ItemProgress is what PostgreSQL recorded of an item's earlier runs. It is recorded in every
// item history (LoadItem's result), so its JSON keys are part of the histories: they are the
// keys store.ItemProgress had by Go's default (the field names) when it was recorded there, and
// are written out so that renaming a field cannot change how an old history decodes.
type ItemProgress struct {
	Seq           int64           `json:"Seq"`
	TrackingStart time.Time       `json:"TrackingStart"`
	Cycles        []CycleProgress `json:"Cycles"`
	Paused        bool            `json:"Paused"`
}

// CycleProgress is one recorded cycle of ItemProgress, with store.CycleRow's keys of that time.
type CycleProgress struct {
	Key         string    `json:"Key"`
	Start       time.Time `json:"Start"`
	Due         time.Time `json:"Due"`
	OriginalDue time.Time `json:"OriginalDue"`
	Status      string    `json:"Status"`
	Required    int       `json:"Required"`
	Completions int       `json:"Completions"`
	DoneAt      time.Time `json:"DoneAt"`
	Late        bool      `json:"Late"`
	Level       int       `json:"Level"`
	EventTitle  string    `json:"EventTitle"`
	EvidenceURL string    `json:"EvidenceURL"`
	Note        string    `json:"Note"`
	DoneBy      string    `json:"DoneBy"`
}

// progressOf copies the store's reading into the type histories record.
func progressOf(p store.ItemProgress) ItemProgress {
	out := ItemProgress{Seq: p.Seq, TrackingStart: p.TrackingStart, Paused: p.Paused}
	if p.Cycles != nil {
		out.Cycles = make([]CycleProgress, len(p.Cycles))
	}
	for i, c := range p.Cycles {
		out.Cycles[i] = CycleProgress{
			Key: c.Key, Start: c.Start, Due: c.Due, OriginalDue: c.OriginalDue, Status: c.Status,
			Required: c.Required, Completions: c.Completions, DoneAt: c.DoneAt, Late: c.Late, Level: c.Level,
			EventTitle: c.EventTitle, EvidenceURL: c.EvidenceURL, Note: c.Note, DoneBy: c.DoneBy,
		}
	}
	return out
}

// SyncResult says what SyncItem did.
type SyncResult struct {
	// WokeDispatcher is set when a newly planned notice was earlier than the dispatcher's
	// wake-up and the dispatcher was signalled.
	WokeDispatcher time.Time `json:"woke_dispatcher,omitzero"`
}

// NextNotice is the dispatcher's next wake-up.
type NextNotice struct {
	At time.Time `json:"at,omitzero"`
	OK bool      `json:"ok"`
}

// DispatchRequest asks for every notice due by Cutoff to be sent; Key names the dispatch so that
// a retry works on the same notices and sends nothing twice.
type DispatchRequest struct {
	Key    string    `json:"key"`
	Cutoff time.Time `json:"cutoff"`
}

// DispatchResult counts what a dispatch did.
type DispatchResult struct {
	Notices    int `json:"notices"`
	Dropped    int `json:"dropped"`
	Recipients int `json:"recipients"`
	Messages   int `json:"messages"`
	Failed     int `json:"failed"`
}
