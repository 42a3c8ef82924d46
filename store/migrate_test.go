package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMigrateEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.EmptyDatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// Several processes start at once in a deployment (serve and N workers); the advisory lock
	// must let exactly one apply each migration.
	var wg sync.WaitGroup
	results := make([][]string, 3)
	errs := make([]error, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = st.Migrate(ctx)
		}()
	}
	wg.Wait()
	total := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("migrate %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	status, err := st.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(status) || total == 0 {
		t.Fatalf("applied %d migrations across concurrent runs, want each of the %d exactly once", total, len(status))
	}
	for _, s := range status {
		if !strings.HasPrefix(s, "applied") {
			t.Errorf("not applied: %s", s)
		}
	}
	again, err := st.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, err %v", again, err)
	}
	// The tables every part of zwgk relies on exist.
	for _, table := range []string{"units", "offices", "lists", "items", "item_state", "item_cycles", "item_events", "notices"} {
		var ok bool
		if err := st.Pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing (err %v)", table, err)
		}
	}
}
