package demo

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type recorder struct {
	mu    sync.Mutex
	calls []store.ListChanges
}

func (r *recorder) Sync(_ context.Context, ch store.ListChanges) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, ch)
	return nil
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	sy := &recorder{}
	if err := Seed(ctx, st, sy, 2026); err != nil {
		t.Fatal(err)
	}
	u, err := st.UnitByName(ctx, Unit)
	if err != nil {
		t.Fatal(err)
	}
	l, items, err := st.ListItems(ctx, u.ID, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if l.Revision != 1 || len(items) != 98 || len(sy.calls) != 1 || len(sy.calls[0].Added) != 98 {
		t.Fatalf("revision %d, %d items, sync calls %d", l.Revision, len(items), len(sy.calls))
	}
	kinds := map[string]int{}
	var city store.ListItem
	for _, it := range items {
		var r schedule.Rule
		if err := jsonUnmarshal(it.Rule, &r); err != nil {
			t.Fatal(err)
		}
		kinds[string(r.Kind)+"/"+string(r.Period)]++
		if len(it.Offices) == 0 && it.Title != "依申请公开受理" {
			t.Errorf("%s has no office", it.Title)
		}
		if r.Kind == schedule.KindDeadline && r.Due.Year != 2026 {
			t.Errorf("%s due %v", it.Title, r.Due)
		}
		if it.Title == "城乡低保" {
			city = it
		}
	}
	// monthly and quarterly cycles fall due within weeks in any year; the work plan by year end.
	// 动态更新…及时公开…按季度向社会公开 is quarterly first: a period says more than 及时
	if kinds["recurring/month"] != 2 || kinds["recurring/quarter"] != 5 || kinds["unparsed/"] != 0 || kinds["deadline/"] == 0 {
		t.Errorf("rule kinds %v", kinds)
	}
	if city.Section != "五、各栏目具体分工" || len(city.Offices) != 1 || city.Offices[0].Name != "社会救助科" {
		t.Errorf("城乡低保 (shown in Simplified): %+v", city)
	}
	// every later start finds the list and does nothing
	if err := Seed(ctx, st, sy, 2026); err != nil {
		t.Fatal(err)
	}
	if l2, _, _ := st.ListItems(ctx, u.ID, 2026); l2.Revision != 1 || len(sy.calls) != 1 {
		t.Errorf("second seed: revision %d, %d sync calls", l2.Revision, len(sy.calls))
	}
	// a new year gets its own list from the same directory
	if err := Seed(ctx, st, nil, 2027); err != nil {
		t.Fatal(err)
	}
	offices, err := st.Offices(ctx, u.ID)
	if err != nil || len(offices) != len(Offices) {
		t.Errorf("offices %v %v", offices, err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
