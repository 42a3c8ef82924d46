package notify

import (
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
)

// A monthly item overdue for two months is one line of the digest, which says the other
// period is open too; the earlier, longer overdue period is the one shown.
func TestDigestListsEachItemOnce(t *testing.T) {
	oct := Entry{ItemID: 7, Kind: Overdue, Title: "财政收支月报", Cycle: "2024-10", Due: calendar.D(2024, 10, 31), WorkdaysOverdue: 25}
	nov := Entry{ItemID: 7, Kind: Overdue, Title: "财政收支月报", Cycle: "2024-11", Due: calendar.D(2024, 11, 30), WorkdaysOverdue: 5}
	other := Entry{ItemID: 8, Kind: Reminder, Title: "部门预算公开", Cycle: "2024", Due: calendar.D(2024, 12, 31), WorkdaysLeft: 3}
	for _, in := range [][]Addressed{
		{{"person:1", nov}, {"person:1", oct}, {"person:1", other}},
		{{"person:1", oct}, {"person:1", other}, {"person:1", nov}},
	} {
		gs := GroupDigests(in)
		if len(gs) != 1 || len(gs[0].Entries) != 2 {
			t.Fatalf("groups %+v, want one digest of two entries", gs)
		}
		e := gs[0].Entries[0]
		if e.ItemID != 7 || e.Cycle != "2024-10" || e.OtherCycles != 1 {
			t.Errorf("first entry %+v, want October's with one other cycle", e)
		}
		if s := StatusText(e); !strings.Contains(s, "已逾期25个工作日") || !strings.Contains(s, "另有1期未办结") {
			t.Errorf("status %q", s)
		}
		if gs[0].Entries[1].OtherCycles != 0 || strings.Contains(StatusText(gs[0].Entries[1]), "另有") {
			t.Errorf("an item with one cycle says it has others: %+v", gs[0].Entries[1])
		}
	}
}
