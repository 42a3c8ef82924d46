package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// eventPath is the API route that records an event on an item.
func eventPath(item int64) string { return fmt.Sprintf("/api/items/%d/events", item) }

// wantRefused checks that a request was refused with status and a Chinese message containing
// want, and that no workflow heard of it.
func (f *fixture) wantRefused(t *testing.T, resp *http.Response, body string, status int, want string, calls int) {
	t.Helper()
	wantStatus(t, resp, body, status)
	if !strings.Contains(body, want) {
		t.Errorf("status %d: %s, want a message saying %q", status, body, want)
	}
	if _, n := f.cmd.last(); n != calls {
		t.Errorf("the workflow got %d commands, want %d: a refused event reached it", n, calls)
	}
}

// The attack of issue 12: an office user (法规科, item A3's office) names another office of the
// unit (办公室) as the handler of an event dated 2000-01-01. Today that was accepted, opened a
// cycle 24 years overdue and paged 办公室, its head and the leaders at once. Office users name
// only their own offices that handle the item; every event lies in the list's year.
func TestEventOfficeUserCannotPageAnotherOffice(t *testing.T) {
	f := newFixture(t, false)
	office2, admin := f.as(t, "office2"), f.as(t, "admin")

	resp, body := office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-05-06", "office": f.officeA1})
	f.wantRefused(t, resp, body, http.StatusForbidden, "只能为本科室登记事件：“办公室”不是您所在的科室", 0)
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2000-01-01", "office": f.officeA1})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "不在本清单的年度（2024年）内", 0)
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2000-01-01"})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "不在本清单的年度（2024年）内", 0)
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2023-12-31"})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "请填写2024年内的日期", 0)
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-05-09"})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "不能晚于现在", 0)

	// their own office, which handles the item: accepted, and the workflow hears of that office
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-01-02", "office": f.officeA2})
	wantStatus(t, resp, body, http.StatusOK)
	c, n := f.cmd.last()
	if ev := c.arg.(workflows.Event); n != 1 || ev.Office != f.officeA2 || ev.By != "fagui" || !ev.At.Equal(calendar.D(2024, 1, 2).At(12, 0)) {
		t.Fatalf("event %+v", c)
	}
	// no office named: the item's own offices
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《另一办法》", "at": "2024-05-07T09:30"})
	wantStatus(t, resp, body, http.StatusOK)

	// an admin may name any office of the item's unit, but no other unit's, and not another year
	resp, body = admin.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-05-06", "office": f.officeA1})
	wantStatus(t, resp, body, http.StatusOK)
	if c, _ := f.cmd.last(); c.arg.(workflows.Event).Office != f.officeA1 {
		t.Fatalf("admin event %+v", c)
	}
	resp, body = admin.json("POST", eventPath(f.itemA3), map[string]any{"title": "x", "at": "2024-05-06", "office": f.officeB})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "不属于该事项的单位", 3)
	resp, body = admin.json("POST", eventPath(f.itemA3), map[string]any{"title": "x", "at": "2000-01-01", "office": f.officeA1})
	f.wantRefused(t, resp, body, http.StatusBadRequest, "不在本清单的年度（2024年）内", 3)
}

// An office user who belongs to two offices names only one that handles the item, unless the
// item is handled by whoever handles the case (谁承办谁更新): then any office of theirs in the unit.
func TestEventOfficeOfTheUserMustHandleTheItem(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	u, _, err := CreateUser(ctx, f.st, "liangke", "两科", store.RoleOffice, "password-liangke", []int64{f.officeA1, f.officeA2}, nil, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.users["both"] = u
	both := f.as(t, "both")

	resp, body := both.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-05-06", "office": f.officeA1})
	f.wantRefused(t, resp, body, http.StatusForbidden, "“办公室”不是该事项的责任科室", 0)

	if _, err := f.st.Pool.Exec(ctx, `UPDATE items SET groups = '{谁承办谁更新}' WHERE id = $1`, f.itemA3); err != nil {
		t.Fatal(err)
	}
	resp, body = both.json("POST", eventPath(f.itemA3), map[string]any{"title": "印发《实施办法》", "at": "2024-05-06", "office": f.officeA1})
	wantStatus(t, resp, body, http.StatusOK)
	if c, n := f.cmd.last(); n != 1 || c.arg.(workflows.Event).Office != f.officeA1 {
		t.Fatalf("谁承办谁更新 event %+v", c)
	}
	// still only their own: 法规科's colleague cannot hand the case to 办公室
	resp, body = f.as(t, "office2").json("POST", eventPath(f.itemA3), map[string]any{"title": "x", "at": "2024-05-06", "office": f.officeA1})
	f.wantRefused(t, resp, body, http.StatusForbidden, "不是您所在的科室", 1)
}

// eventClock is a settable "now" for the server.
type eventClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *eventClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *eventClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// Twenty events an hour on one item, whoever records them; the next is a 429 in Chinese until
// the hour has passed. The count lives in PostgreSQL, so every web replica sees it.
func TestEventRateLimitPerItem(t *testing.T) {
	f := newFixture(t, false)
	clk := &eventClock{t: testNow}
	f.srv.now = clk.Now
	office2, admin := f.as(t, "office2"), f.as(t, "admin")
	for i := range eventLimit.PerItem {
		who := office2
		if i%2 == 1 {
			who = admin // the limit is the item's: both count
		}
		resp, body := who.json("POST", eventPath(f.itemA3), map[string]any{"title": fmt.Sprintf("印发第%d号文件", i+1), "at": "2024-05-06"})
		wantStatus(t, resp, body, http.StatusOK)
	}
	resp, body := office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "再一份", "at": "2024-05-06"})
	f.wantRefused(t, resp, body, http.StatusTooManyRequests, "该事项一小时内已登记 20 次事件，达到上限", eventLimit.PerItem)
	// another item of the same office is not held up by this one
	resp, body = office2.json("POST", eventPath(f.itemA2), map[string]any{"title": "另一事项", "at": "2024-05-06"})
	wantStatus(t, resp, body, http.StatusOK)

	clk.Set(testNow.Add(time.Hour + time.Minute))
	resp, body = office2.json("POST", eventPath(f.itemA3), map[string]any{"title": "一小时后", "at": "2024-05-06"})
	wantStatus(t, resp, body, http.StatusOK)
}

// A user's events over all items are bounded too; the store counts them under locks, so that
// requests at once cannot both take the last slot.
func TestEventRateLimitPerUser(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	user := f.users["office2"].ID
	lim := store.EventLimit{PerItem: 100, PerUser: 5, Window: time.Hour}
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item := f.itemA2
			if i%2 == 1 {
				item = f.itemA3
			}
			_, err := f.st.ReserveItemEvent(ctx, item, user, testNow, lim)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok, limited := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrRateLimited):
			limited++
		default:
			t.Fatal(err)
		}
	}
	if ok != lim.PerUser || limited != 12-lim.PerUser {
		t.Errorf("%d reserved and %d refused of 12 at once, want %d and %d", ok, limited, lim.PerUser, 12-lim.PerUser)
	}
	got, err := f.st.ReserveItemEvent(ctx, f.itemA2, user, testNow, lim)
	if err == nil || got.User != lim.PerUser {
		t.Errorf("a sixth event: %+v %v, want refused at %d", got, err, lim.PerUser)
	}
	if _, err := f.st.ReserveItemEvent(ctx, f.itemA2, user, testNow.Add(time.Hour), lim); err != nil {
		t.Errorf("an hour later: %v", err)
	}
	var rows int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM item_event_requests WHERE user_id = $1`, user).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d counter rows after the window, want the expired ones deleted", rows)
	}
}
