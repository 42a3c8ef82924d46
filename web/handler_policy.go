package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

type policyData struct {
	Units   []policyUnit    `json:"units"`
	Default json.RawMessage `json:"default"`
	Targets []string        `json:"-"`
	Error   string          `json:"-"`
	Unit    int64           `json:"-"`
	Input   string          `json:"-"`
}

type policyUnit struct {
	store.UnitRow
	Effective schedule.Policy  `json:"effective"`
	Reminders string           `json:"-"` // the form's "10,5,2,0"
	SendTimes string           `json:"-"` // the form's "09:00、14:30"
	Levels    []schedule.Level `json:"-"` // the ladder padded with empty rungs for the form
	Invalid   string           `json:"invalid,omitempty"`
}

// policyPage shows each unit's reminder and escalation policy, as a form and as JSON.
func (s *Server) policyPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.policies(r)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "policy", "提醒与督办策略", d)
}

func (s *Server) policies(r *http.Request) (*policyData, error) {
	units, err := s.st.UnitsInScope(r.Context(), store.Scope{All: true})
	if err != nil {
		return nil, err
	}
	def, err := defaultPolicyJSON()
	if err != nil {
		return nil, err
	}
	d := &policyData{Default: def, Targets: []string{schedule.TargetContact, schedule.TargetHead, schedule.TargetSupervisor}}
	for _, u := range units {
		pu := policyUnit{UnitRow: u}
		p, err := schedule.MergePolicy(u.Policy)
		if err != nil {
			// A stored override that no longer validates: the workflows fall back to the
			// default, and the page says so.
			pu.Invalid = err.Error()
			p = schedule.DefaultPolicy()
		}
		pu.Effective = p
		var rem []string
		for _, n := range p.Reminders {
			rem = append(rem, strconv.Itoa(n))
		}
		pu.Reminders = strings.Join(rem, ",")
		pu.SendTimes = schedule.SendTimesText(p)
		pu.Levels = append(append([]schedule.Level(nil), p.Escalation...), make([]schedule.Level, max(0, 4-len(p.Escalation)))...)
		d.Units = append(d.Units, pu)
	}
	return d, nil
}

// policySave replaces a unit's policy. The API body is the policy as JSON (schedule.Policy,
// whole or partial: absent fields follow the default); an empty body, null or {} restores the
// default. The page sends either the form's fields or the JSON textarea.
func (s *Server) policySave(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var raw []byte
	var err error
	switch {
	case rc.api:
		if raw, err = io.ReadAll(io.LimitReader(r.Body, maxJSONBody)); err != nil {
			return err
		}
	case r.PostFormValue("reset") != "":
		raw = nil
	case r.PostFormValue("mode") == "json":
		raw = []byte(r.PostFormValue("policy"))
	default:
		p, ferr := policyFromForm(r)
		if ferr != nil {
			return s.policyError(w, r, rc, ferr, "")
		}
		if raw, err = json.Marshal(p); err != nil {
			return err
		}
	}
	raw = bytes.TrimSpace(raw)
	var policy json.RawMessage
	if len(raw) > 0 && string(raw) != "null" && string(raw) != "{}" {
		p, err := validatePolicy(raw)
		if err != nil {
			if rc.api {
				return badRequest("策略无效：%v", err)
			}
			return s.policyError(w, r, rc, err, string(raw))
		}
		policy = p
	}
	if err := s.st.SetUnitPolicy(r.Context(), rc.unit, policy, rc.audit()); err != nil {
		return err
	}
	msg := "策略已保存；之后的提醒和升级按新策略执行。"
	// Running item workflows hold the policy they loaded; tell them to reload it.
	if s.opt.Syncer != nil {
		refs, err := s.st.ActiveItemsOfUnit(r.Context(), rc.unit)
		if err != nil {
			return err
		}
		if err := s.opt.Syncer.Sync(r.Context(), store.ListChanges{UnitID: rc.unit, Changed: refs}); err != nil {
			s.log.Error("policy: reload item workflows", "unit", rc.unit, "err", err)
			msg = "策略已保存，但部分事项尚未载入新策略（工作流暂时无法访问），请稍后重新保存。"
		}
	}
	if policy == nil {
		msg = "已恢复默认策略。"
	}
	return s.done(w, r, rc, "/admin/policy", msg, map[string]any{"unit_id": rc.unit, "policy": policy})
}

func (s *Server) policyError(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error, input string) error {
	d, derr := s.policies(r)
	if derr != nil {
		return derr
	}
	d.Error, d.Unit, d.Input = "策略无效："+err.Error(), rc.unit, input
	return s.render(w, r, rc, http.StatusBadRequest, "policy", "提醒与督办策略", d)
}

// policyFromForm reads the form's fields into a whole policy.
func policyFromForm(r *http.Request) (schedule.Policy, error) {
	var p schedule.Policy
	for _, f := range strings.FieldsFunc(r.PostFormValue("reminders"), func(c rune) bool { return c == ',' || c == '，' || c == ' ' || c == '、' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return p, fmt.Errorf("提醒时点应为工作日数，用逗号分隔：%q", f)
		}
		p.Reminders = append(p.Reminders, n)
	}
	// 发送时间 as times of day (9:00、14:30, 上午9点) or a cron spec; send_window is the old
	// field's name
	t := r.PostFormValue("send_time")
	if t == "" {
		t = r.PostFormValue("send_window")
	}
	// a form without a box unticks it: the form is the whole policy
	p.NightUrgent = r.PostFormValue("night_urgent") != ""
	p.NightSend = r.PostFormValue("night_send") != ""
	window, times, err := schedule.ParseSendTimes(t, p.NightSend)
	if err != nil {
		return p, err
	}
	p.SendWindow, p.SendTimes = window, times
	for i := 1; i <= 9; i++ {
		after := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("after%d", i)))
		if after == "" {
			continue
		}
		n, err := strconv.Atoi(after)
		if err != nil {
			return p, fmt.Errorf("第 %d 级的延迟应为工作日数：%q", i, after)
		}
		p.Escalation = append(p.Escalation, schedule.Level{Level: len(p.Escalation) + 1, After: n, Target: r.PostFormValue(fmt.Sprintf("target%d", i))})
	}
	if v := strings.TrimSpace(r.PostFormValue("repeat")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, fmt.Errorf("重复提醒间隔应为工作日数：%q", v)
		}
		p.Repeat = n
	}
	return p, p.Validate()
}

func compactJSON(b []byte) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return json.RawMessage(buf.Bytes()), nil
}
