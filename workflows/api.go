package workflows

import (
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// Names of the item workflow's messages. Updates answer the caller (and their validators reject
// a bad request before it reaches history); the query reads the state without changing it.
const (
	ItemWorkflowName = "ItemWorkflow"

	UpdateComplete    = "complete"
	UpdateReopen      = "reopen"
	UpdateExtend      = "extend"
	UpdateReassign    = "reassign"
	UpdateRecordEvent = "record-event"
	UpdatePause       = "pause"
	UpdateResume      = "resume"
	UpdateCancel      = "cancel"
	// UpdateRevise tells the workflow that a revised list changed its item's definition
	// (requirement, rule, offices); it reloads the item and keeps its completions.
	UpdateRevise = "revise"
	// PolicyChanged is the reason of a revise sent because the unit's policy changed, not its
	// list: the item's history says 策略变更.
	PolicyChanged = "policy changed"

	QueryState = "state"
)

// Completion marks a cycle done. Cycle empty means the current cycle.
type Completion struct {
	Cycle       string            `json:"cycle,omitempty"`
	EvidenceURL string            `json:"evidence_url"`
	Note        string            `json:"note,omitempty"`
	By          string            `json:"by"`
	Audit       *store.EventAudit `json:"audit,omitempty"`
}

// Reopen undoes a completion, for example when the evidence turns out wrong.
type Reopen struct {
	Cycle  string            `json:"cycle,omitempty"`
	Reason string            `json:"reason"`
	By     string            `json:"by"`
	Audit  *store.EventAudit `json:"audit,omitempty"`
}

// Extension moves a cycle's due date, with who approved it.
type Extension struct {
	Cycle      string            `json:"cycle,omitempty"`
	Due        calendar.Date     `json:"due"`
	Reason     string            `json:"reason"`
	ApprovedBy string            `json:"approved_by"`
	By         string            `json:"by"`
	Audit      *store.EventAudit `json:"audit,omitempty"`
}

// OfficeRef names an office responsible for an item.
type OfficeRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"` // lead or co
}

// Reassignment replaces the offices of an item.
type Reassignment struct {
	Offices []OfficeRef       `json:"offices"`
	Reason  string            `json:"reason,omitempty"`
	By      string            `json:"by"`
	Audit   *store.EventAudit `json:"audit,omitempty"`
}

// Event is something that starts a clock of a timely item: "a normative document was issued
// on 2024-05-06". At is the moment the information was formed; hour clocks count from it.
type Event struct {
	At     time.Time         `json:"at"`
	Title  string            `json:"title"`
	Office int64             `json:"office,omitempty"` // who handles it (谁承办谁更新); 0 keeps the item's offices
	By     string            `json:"by"`
	Audit  *store.EventAudit `json:"audit,omitempty"`
}

// Actor is who paused, resumed or cancelled, and why.
//
// Each command's Audit, when set, is written to the audit log with the history row of the
// change, in the transaction that records it: the web sets it, instead of auditing after the
// update answered, when a crash would leave the change unaudited.
type Actor struct {
	Reason string            `json:"reason,omitempty"`
	By     string            `json:"by"`
	Audit  *store.EventAudit `json:"audit,omitempty"`
}

// Item statuses, in PostgreSQL's item_state.status and the ZwgkStatus search attribute.
const (
	StatusWaiting   = "waiting"   // nothing due: before a window opens, or a timely item with no open event
	StatusUpcoming  = "upcoming"  // a cycle is open and not yet due
	StatusOverdue   = "overdue"   // a cycle passed its due point undone
	StatusDone      = "done"      // every cycle of the year is done
	StatusPaused    = "paused"    // clocks stopped by an admin
	StatusCancelled = "cancelled" // removed by a list revision or an admin
	StatusUnparsed  = "unparsed"  // the rule could not be read; nothing is scheduled until an admin fixes it
)

// CycleState is one cycle as the query and the updates report it.
type CycleState struct {
	Key         string    `json:"key"`
	Status      string    `json:"status"` // pending, open, overdue, done, skipped, cancelled
	Start       time.Time `json:"start"`
	Due         time.Time `json:"due"`
	OriginalDue time.Time `json:"original_due"`
	Required    int       `json:"required"`
	Completions int       `json:"completions"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	Late        bool      `json:"late"`
	Level       int       `json:"level"` // escalation level reached
	Event       string    `json:"event,omitempty"`
}

// State is the item as its workflow sees it.
type State struct {
	ItemID      int64        `json:"item_id"`
	Status      string       `json:"status"`
	Paused      bool         `json:"paused"`
	Provisional bool         `json:"provisional"` // a clock crossed a year with no official holiday data
	Offices     []OfficeRef  `json:"offices"`
	Current     string       `json:"current,omitempty"` // key of the cycle the clocks run for
	Cycles      []CycleState `json:"cycles"`
	NextWake    time.Time    `json:"next_wake,omitzero"`
}
