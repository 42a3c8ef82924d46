package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// unitPolicy is unit A's stored override, decoded.
func (f *fixture) unitPolicy(t *testing.T) (schedule.Policy, string) {
	t.Helper()
	units, err := f.st.UnitsInScope(context.Background(), store.Scope{Units: []int64{f.unitA}})
	if err != nil || len(units) != 1 {
		t.Fatalf("unit A: %v %v", units, err)
	}
	p, err := schedule.MergePolicy(units[0].Policy)
	if err != nil {
		t.Fatalf("stored policy %s: %v", units[0].Policy, err)
	}
	return p, string(units[0].Policy)
}

// The 发送时间 field takes several times as admins write them, stores them as send_times, shows
// them back in the same words, and refuses what it cannot read in Chinese naming the field.
func TestPolicySendTimesForm(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	path := fmt.Sprintf("/admin/units/%d/policy", f.unitA)
	form := func(sendTime string, extra ...string) url.Values {
		v := url.Values{"reminders": {"5,1,0"}, "send_time": {sendTime}, "after1": {"1"}, "target1": {"contact"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, in := range []string{"9:00、14:30", "上午9点,下午2点半", "14:30，9:00"} {
		resp, body := admin.post(path, form(in))
		wantStatus(t, resp, body, http.StatusSeeOther)
		p, raw := f.unitPolicy(t)
		if strings.Join(p.SendTimes, ",") != "09:00,14:30" || p.SendWindow != "0 9 * * *" {
			t.Errorf("%q stored as %s", in, raw)
		}
		resp, body = admin.get("/admin/policy")
		wantStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(body, `name="send_time" value="09:00、14:30"`) {
			t.Errorf("%q not shown back as 09:00、14:30", in)
		}
	}
	// the page's words read back to the same policy when saved again unchanged
	resp, body := admin.post(path, form("09:00、14:30"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, raw := f.unitPolicy(t); strings.Join(p.SendTimes, ",") != "09:00,14:30" {
		t.Errorf("the shown value stored as %s", raw)
	}
	// a cron spec firing twice a day, the advanced form, is two send times
	resp, body = admin.post(path, form("30 8,16 * * *"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, raw := f.unitPolicy(t); strings.Join(p.SendTimes, ",") != "08:30,16:30" {
		t.Errorf("30 8,16 * * * stored as %s", raw)
	}
	// one time is stored as before, as send_window alone
	resp, body = admin.post(path, form("上午8点30分"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, raw := f.unitPolicy(t); p.SendWindow != "30 8 * * *" || p.SendTimes != nil || strings.Contains(raw, "send_times") {
		t.Errorf("one time stored as %s", raw)
	}
	for in, want := range map[string]string{
		"9:00、明天":    "看不懂",
		"9:00、25:00": "不存在",
		"9:00、9点":    "同一时刻",
		"9:00、23:00": "夜间",
		"7:00、8:00、9:00、10:00、11:00、12:00、13:00": "最多 6 个",
	} {
		resp, body := admin.post(path, form(in))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, "发送时间") {
			t.Errorf("send_time %q: %d, want 400 saying %q and naming 发送时间\n%s", in, resp.StatusCode, want, body)
		}
	}
	if p, _ := f.unitPolicy(t); p.SendWindow != "30 8 * * *" {
		t.Errorf("a refused form changed the policy: %+v", p)
	}
	// night_urgent is on the form, so saving the form keeps or clears it as ticked
	resp, body = admin.post(path, form("9:00", "night_urgent", "1"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, _ := f.unitPolicy(t); !p.NightUrgent {
		t.Error("night_urgent not stored")
	}
	_, body = admin.get("/admin/policy")
	if !strings.Contains(body, `name="night_urgent" value="1" checked`) {
		t.Error("night_urgent not shown ticked")
	}
	resp, body = admin.post(path, form("9:00"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, _ := f.unitPolicy(t); p.NightUrgent {
		t.Error("night_urgent kept after the box was unticked")
	}
	// a unit on duty round the clock opts in to night send times (night_send); the box is
	// what lets them in, on the form and in the JSON
	resp, body = admin.post(path, form("9:00、23:00", "night_send", "1"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, raw := f.unitPolicy(t); !p.NightSend || strings.Join(p.SendTimes, ",") != "09:00,23:00" {
		t.Errorf("night send times with night_send stored as %s", raw)
	}
	_, body = admin.get("/admin/policy")
	if !strings.Contains(body, `name="night_send" value="1" checked`) || !strings.Contains(body, `value="09:00、23:00"`) {
		t.Error("night_send not shown ticked with its night time")
	}
	resp, body = admin.post(path, form("23:00"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "夜间") {
		t.Errorf("a night time without night_send: %d, want 400 saying 夜间", resp.StatusCode)
	}
	resp, body = admin.post(path, url.Values{"mode": {"json"}, "policy": {`{"send_times":["9:00","22:30"]}`}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "夜间") {
		t.Errorf("JSON night time without night_send: %d, want 400 saying 夜间", resp.StatusCode)
	}
	resp, body = admin.post(path, url.Values{"mode": {"json"}, "policy": {`{"night_send":true,"send_times":["9:00","22:30"]}`}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if p, raw := f.unitPolicy(t); !p.NightSend || strings.Join(p.SendTimes, ",") != "09:00,22:30" {
		t.Errorf("JSON night_send stored as %s", raw)
	}
}

// The JSON form and the API take send_times as a list or as one string of times, and a
// send_window of several times; what they store is the stored form ("09:00").
func TestPolicySendTimesJSON(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	path := fmt.Sprintf("/admin/units/%d/policy", f.unitA)
	for in, want := range map[string]string{
		`{"send_times":["9:00","下午2点半"]}`:                      "09:00,14:30",
		`{"send_times":"9:00、14:30"}`:                          "09:00,14:30",
		`{"send_window":"上午9点、下午2点半"}`:                         "09:00,14:30",
		`{"send_window":"9:00","send_times":["9:00","14:30"]}`: "09:00,14:30",
		`{"send_times":["16:00"]}`:                             "16:00",
	} {
		resp, body := admin.post(path, url.Values{"mode": {"json"}, "policy": {in}})
		wantStatus(t, resp, body, http.StatusSeeOther)
		if p, raw := f.unitPolicy(t); strings.Join(p.SendTimes, ",") != want {
			t.Errorf("%s stored as %s, want send_times %s", in, raw, want)
		}
	}
	for in, want := range map[string]string{
		`{"send_times":[9]}`:                                   "send_times",
		`{"send_times":["9:00","明天"]}`:                         "看不懂",
		`{"send_times":["0 9 * * *"]}`:                         "cron",
		`{"send_window":"8:00","send_times":["9:00","14:30"]}`: "不一致",
		`{"send_window":"9:00、14:30","send_times":["9:00"]}`:   "只写 send_times",
		`{"send_window":"0 9 * * 1"}`:                          "发送时间",
	} {
		resp, body := admin.post(path, url.Values{"mode": {"json"}, "policy": {in}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 saying %q\n%s", in, resp.StatusCode, want, body)
		}
	}
	api := "/api/units/" + fmt.Sprint(f.unitA) + "/policy"
	resp, body := admin.json("PUT", api, map[string]any{"send_times": []string{"8:30", "12:00", "17:00"}})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = admin.json("PUT", api, map[string]any{"send_times": []string{"8:30", "8:30"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "同一时刻") {
		t.Errorf("duplicate send times by the API: %d %s", resp.StatusCode, body)
	}
	resp, body = admin.get("/api/policy")
	wantStatus(t, resp, body, http.StatusOK)
	var got struct {
		Units []struct {
			ID        int64           `json:"id"`
			Effective schedule.Policy `json:"effective"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /api/policy: %v\n%s", err, body)
	}
	found := false
	for _, u := range got.Units {
		if u.ID == f.unitA {
			found = true
			if strings.Join(u.Effective.SendTimes, ",") != "08:30,12:00,17:00" || u.Effective.SendWindow != "30 8 * * *" {
				t.Errorf("effective policy %+v", u.Effective)
			}
		}
	}
	if !found {
		t.Fatalf("unit A not in %s", body)
	}
}

// A policy stored before there were several times (send_window only) keeps working and shows
// its one time.
func TestPolicyStoredSendWindowStillShown(t *testing.T) {
	f := newFixture(t, false)
	if err := f.st.SetUnitPolicy(context.Background(), f.unitA, json.RawMessage(`{"reminders":[5,1,0],"send_window":"30 8 * * *"}`), store.Audit{Actor: "test", IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	resp, body := f.as(t, "admin").get("/admin/policy")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `name="send_time" value="08:30"`) || strings.Contains(body, "已保存的策略无效") {
		t.Errorf("the stored send_window is not shown as 08:30")
	}
	if p, _ := f.unitPolicy(t); p.SendTimes != nil || p.SendWindow != "30 8 * * *" {
		t.Errorf("stored policy reads as %+v", p)
	}
}
