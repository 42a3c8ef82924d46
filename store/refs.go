package store

// ItemRef names an item and its workflow.
type ItemRef struct {
	ID         int64
	WorkflowID string
}

// ListChanges is what a committed list revision did to its items, for the workflow syncer.
type ListChanges struct {
	ListID, UnitID          int64
	Year, Revision          int
	Added, Changed, Removed []ItemRef
}
