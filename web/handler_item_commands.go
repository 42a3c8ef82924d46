package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// The item commands: each reads a form (pages) or JSON (API), sends the update to the item's
// workflow, records the change in the audit log and answers with the workflow's new state.

// The inputs of the item commands: the fields of the workflows' command types a caller sets.
// Each embeds serverSet, so that an API body echoing a state's by or audit is still accepted, as
// it was when these commands decoded straight into the workflows' types; both are the server's.
type (
	completionInput struct {
		Cycle       string `form:"cycle" json:"cycle,omitempty"`
		EvidenceURL string `form:"evidence_url" json:"evidence_url"`
		Note        string `form:"note" json:"note,omitempty"`
		serverSet
	}
	reopenInput struct {
		Cycle  string `form:"cycle" json:"cycle,omitempty"`
		Reason string `form:"reason" json:"reason"`
		serverSet
	}
	extensionInput struct {
		Cycle      string        `form:"cycle" json:"cycle,omitempty"`
		Due        calendar.Date `form:"due" label:"新的截止日期" json:"due"`
		Reason     string        `form:"reason" json:"reason"`
		ApprovedBy string        `form:"approved_by" json:"approved_by"`
		serverSet
	}
	actorInput struct {
		Reason string `form:"reason" json:"reason,omitempty"`
		serverSet
	}
)

// serverSet are the keys of a workflows command that the server fills in: accepted, ignored.
type serverSet struct {
	By    string            `json:"by"`
	Audit *store.EventAudit `json:"audit,omitempty"`
}

func (s *Server) itemComplete(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	// An API call with a file sends its fields beside it, as the page's form does.
	var in completionInput
	if err := decodeBody(r, rc.api && r.MultipartForm == nil, &in); err != nil {
		return err
	}
	c := workflows.Completion{Cycle: in.Cycle, EvidenceURL: in.EvidenceURL, Note: in.Note}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	up, err := readEvidence(r)
	if err != nil {
		return err
	}
	if err := checkCompletionWith(&c, up != nil, true); err != nil {
		return err
	}
	c.By, c.Audit = rc.login(), nil
	if up == nil {
		return s.command(w, r, rc, "item.complete", c, "已标记完成。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
			c.Audit = audit
			return s.opt.Items.Complete(ctx, wf, c)
		})
	}
	return s.completeWithFile(w, r, rc, c, up)
}

// completeWithFile stores the file for the cycle being completed, then completes it with the
// file's download URL as its evidence (or, beside a published page's URL, named in the note);
// a completion the workflow refuses takes its file away again.
func (s *Server) completeWithFile(w http.ResponseWriter, r *http.Request, rc *reqCtx, c workflows.Completion, up *evidenceUpload) error {
	ctx := r.Context()
	if err := s.scanEvidence(ctx, up); err != nil {
		return err
	}
	// The file belongs to one cycle: "the current one" is pinned to the cycle the item page
	// showed, so that the workflow completes the cycle the file is filed under.
	if c.Cycle == "" {
		key, err := s.st.CurrentCycleKey(ctx, rc.item.ItemID)
		if err != nil {
			return err
		}
		if key == "" {
			return &httpError{status: http.StatusConflict, msg: "该事项目前没有待完成的周期，不能登记完成，文件未保存。"}
		}
		c.Cycle = key
	}
	uploadedBy := int64(0)
	if rc.user != nil {
		uploadedBy = rc.user.ID
	}
	ev, err := s.st.AddEvidence(ctx, store.Evidence{ItemID: rc.item.ItemID, CycleKey: c.Cycle, Name: up.name,
		ContentType: up.kind.contentType, Content: up.data, UploadedBy: uploadedBy, Uploader: rc.login(), UploadedAt: s.now()})
	if err != nil {
		return err
	}
	link := s.evidenceURL(rc.item.ItemID, ev.ID)
	if c.EvidenceURL == "" {
		c.EvidenceURL = link
	} else {
		// the published page stays the evidence inspectors open; the file is named beside it
		c.Note = strings.TrimSpace(c.Note + "\n佐证文件：" + ev.Name + " " + link)
	}
	detail := completionAudit{Cycle: c.Cycle, EvidenceURL: c.EvidenceURL, Note: c.Note, By: c.By,
		File: &evidenceRef{ID: ev.ID, Name: ev.Name, Type: ev.ContentType, Size: ev.Size, SHA256: ev.SHA256}}
	accepted := false
	err = s.command(w, r, rc, "item.complete", detail, "已标记完成，佐证文件已保存。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		c.Audit = audit
		st, err := s.opt.Items.Complete(ctx, wf, c)
		accepted = err == nil
		return st, err
	})
	if err != nil && !accepted {
		if derr := s.st.DeleteEvidence(context.WithoutCancel(ctx), rc.item.ItemID, ev.ID); derr != nil {
			s.log.Error("web: remove the file of a refused completion", "item", rc.item.ItemID, "evidence", ev.ID, "err", derr)
		}
	}
	return err
}

// checkCompletion requires evidence: the URL of the published page, which inspectors check.
func checkCompletion(c *workflows.Completion) error { return checkCompletionWith(c, false, false) }

// checkCompletionWith checks a completion from a form that takes files (uploads), which may
// carry one (file) that stands in for the URL.
func checkCompletionWith(c *workflows.Completion, file, uploads bool) error {
	c.EvidenceURL, c.Note, c.Cycle = strings.TrimSpace(c.EvidenceURL), strings.TrimSpace(c.Note), strings.TrimSpace(c.Cycle)
	switch {
	case c.EvidenceURL == "" && !file && uploads:
		return badRequest("请填写佐证链接（公开页面的网址），或上传佐证文件（%s，20 MB 以内）。", evidenceKindsText)
	case c.EvidenceURL == "" && !file:
		return badRequest("请填写佐证链接（公开页面的网址）。")
	}
	if c.EvidenceURL != "" {
		u, err := url.Parse(c.EvidenceURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("佐证链接应是以 http:// 或 https:// 开头的网址：%s", c.EvidenceURL)
		}
	}
	if len([]rune(c.Note)) > 2000 {
		return badRequest("说明最多 2000 字。")
	}
	return nil
}

// eventInput is the API body of a recorded event; At may be a date or an RFC 3339 instant.
type eventInput struct {
	At     string `form:"at" json:"at"`
	Title  string `form:"title" json:"title"`
	Office int64  `form:"office" label:"承办科室" json:"office,omitempty"`
}

func (s *Server) itemEvent(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in eventInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	ev := workflows.Event{Title: strings.TrimSpace(in.Title), Office: in.Office, By: rc.login()}
	if ev.Title == "" {
		return badRequest("请填写事项名称，例如“印发《××实施办法》”。")
	}
	at, err := parseInstant(in.At, s.now())
	if err != nil {
		return err
	}
	if at.After(s.now().Add(time.Hour)) {
		return badRequest("信息形成时间不能晚于现在：%s", fmtTime(at))
	}
	ev.At = at
	rules, err := s.st.ItemEventRulesOf(r.Context(), rc.item.ItemID)
	if err != nil {
		return err
	}
	// An event dated outside the list's year would open a cycle due years ago, which pages the
	// office and its leaders at once; it belongs to that year's list, if any.
	if y := calendar.DateOf(at).Year; y != rules.Year {
		return badRequest("信息形成时间 %s 不在本清单的年度（%d年）内；请填写%d年内的日期，其他年度的事件请在该年度的清单中登记。",
			fmtDateInput(at), rules.Year, rules.Year)
	}
	if err := s.checkEventOffice(r.Context(), rc, rules, ev.Office); err != nil {
		return err
	}
	if err := s.reserveEvent(r.Context(), rc); err != nil {
		return err
	}
	return s.command(w, r, rc, "item.event", ev, "已登记，时限开始计算。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		ev.Audit = audit
		return s.opt.Items.RecordEvent(ctx, wf, ev)
	})
}

// checkEventOffice decides who may name which office as the handler of an event. The office an
// event names gets the cycle's reminders and, when it is late, its head and the leaders get
// 督办 notices, so an office user names only an office of their own that handles the item: one
// of the item's offices, or any office of the unit when the item is handled by whoever handles
// the case (谁承办谁更新). Admins may name any office of the item's unit.
func (s *Server) checkEventOffice(ctx context.Context, rc *reqCtx, rules store.ItemEventRules, office int64) error {
	if office == 0 {
		// the item's own offices; canItem already placed an office user among them
		return nil
	}
	unit, err := s.st.OfficeUnitOf(ctx, office)
	if errors.Is(err, store.ErrNotFound) || (err == nil && unit != rc.item.UnitID) {
		return badRequest("承办科室 %d 不属于该事项的单位。", office)
	}
	if err != nil {
		return err
	}
	if rc.scope.All {
		return nil
	}
	name := s.officeName(ctx, rc.item.UnitID, office)
	if !slices.Contains(rc.scope.Offices, office) {
		return &httpError{status: http.StatusForbidden, msg: fmt.Sprintf("只能为本科室登记事件：%s不是您所在的科室。如需由其他科室承办，请联系政务公开办。", name)}
	}
	if !slices.Contains(rc.item.Offices, office) && !rules.PerEvent {
		return &httpError{status: http.StatusForbidden, msg: fmt.Sprintf("%s不是该事项的责任科室，不能作为承办科室登记事件。", name)}
	}
	return nil
}

// officeName is an office's name for a message, or its number when it cannot be read.
func (s *Server) officeName(ctx context.Context, unit, office int64) string {
	offices, err := s.st.OfficesInScope(ctx, store.Scope{Units: []int64{unit}})
	if err == nil {
		for _, o := range offices {
			if o.ID == office {
				return "“" + o.Name + "”"
			}
		}
	}
	return fmt.Sprintf("科室 %d ", office)
}

// Events an hour: a busy office records a handful of documents a day; more than this on one item
// is a mistake or an attack, and each event may page the office, its head and the leaders.
var eventLimit = store.EventLimit{PerItem: 20, PerUser: 60, Window: time.Hour}

func (s *Server) reserveEvent(ctx context.Context, rc *reqCtx) error {
	if rc.user == nil {
		return errUnauthenticated
	}
	got, err := s.st.ReserveItemEvent(ctx, rc.item.ItemID, rc.user.ID, s.now(), eventLimit)
	if !errors.Is(err, store.ErrRateLimited) {
		return err
	}
	if got.Item >= eventLimit.PerItem {
		return &httpError{status: http.StatusTooManyRequests, msg: fmt.Sprintf("该事项一小时内已登记 %d 次事件，达到上限，请一小时后再登记。如确有这么多信息需要登记，请联系政务公开办。", got.Item)}
	}
	return &httpError{status: http.StatusTooManyRequests, msg: fmt.Sprintf("您一小时内已登记 %d 次事件，达到上限，请一小时后再登记。如确有这么多信息需要登记，请联系政务公开办。", got.User)}
}

// parseInstant reads 2024-05-06, 2024-05-06T09:30 (an HTML datetime-local, Shanghai time) or
// RFC 3339; empty means now.
func parseInstant(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", v, calendar.Shanghai); err == nil {
		return t, nil
	}
	if d, err := calendar.ParseDate(v); err == nil {
		// A date alone: the information was formed that day; clocks in working days start the
		// next day whatever the hour, so noon is as good as any.
		return d.At(12, 0), nil
	}
	return time.Time{}, badRequest("时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM：%s", v)
}

func (s *Server) itemReopen(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in reopenInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	ro := workflows.Reopen{Reason: strings.TrimSpace(in.Reason), Cycle: strings.TrimSpace(in.Cycle), By: rc.login()}
	if ro.Reason == "" {
		return badRequest("请填写撤销原因。")
	}
	return s.command(w, r, rc, "item.reopen", ro, "已撤销完成标记。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		ro.Audit = audit
		return s.opt.Items.Reopen(ctx, wf, ro)
	})
}

func (s *Server) itemExtend(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in extensionInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	x := workflows.Extension{Due: in.Due, Reason: strings.TrimSpace(in.Reason), Cycle: strings.TrimSpace(in.Cycle), ApprovedBy: strings.TrimSpace(in.ApprovedBy)}
	if x.Due.IsZero() {
		return badRequest("请填写新的截止日期。")
	}
	if x.Due.Before(calendar.DateOf(s.now())) {
		return badRequest("新的截止日期 %s 已经过去。", x.Due)
	}
	if x.Reason == "" {
		return badRequest("请填写延期原因。")
	}
	if x.ApprovedBy == "" {
		x.ApprovedBy = displayName(rc.user)
	}
	x.By = rc.login()
	return s.command(w, r, rc, "item.extend", x, "已延期至 "+fmtDate(x.Due)+"。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		x.Audit = audit
		return s.opt.Items.Extend(ctx, wf, x)
	})
}

func displayName(u *store.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Login
}

func (s *Server) actor(r *http.Request, rc *reqCtx) (workflows.Actor, error) {
	// An API call without a body pauses or resumes without a reason.
	var in actorInput
	if !rc.api || r.ContentLength != 0 {
		if err := decodeInput(r, rc, &in); err != nil {
			return workflows.Actor{}, err
		}
	}
	return workflows.Actor{Reason: strings.TrimSpace(in.Reason), By: rc.login()}, nil
}

func (s *Server) itemPause(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	a, err := s.actor(r, rc)
	if err != nil {
		return err
	}
	return s.command(w, r, rc, "item.pause", a, "已暂停：不再提醒和升级。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		a.Audit = audit
		return s.opt.Items.Pause(ctx, wf, a)
	})
}

func (s *Server) itemResume(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	a, err := s.actor(r, rc)
	if err != nil {
		return err
	}
	return s.command(w, r, rc, "item.resume", a, "已恢复跟踪。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		a.Audit = audit
		return s.opt.Items.Resume(ctx, wf, a)
	})
}

// reassignInput is the body of a reassignment: the API lists the offices with their roles, the
// page's form picks a lead and co-operating offices.
type reassignInput struct {
	Offices []workflows.OfficeRef `json:"offices"`
	Reason  string                `form:"reason" json:"reason,omitempty"`
	Lead    int64                 `form:"lead" label:"牵头科室" json:"-"`
	Co      []int64               `form:"co" label:"配合科室编号" json:"-"`
}

func (s *Server) itemReassign(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in reassignInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if in.Lead != 0 {
		in.Offices = append(in.Offices, workflows.OfficeRef{ID: in.Lead, Role: "lead"})
	}
	for _, id := range in.Co {
		if id != in.Lead {
			in.Offices = append(in.Offices, workflows.OfficeRef{ID: id, Role: "co"})
		}
	}
	if len(in.Offices) == 0 {
		return badRequest("请至少选择一个责任科室。")
	}
	unitOffices, err := s.st.OfficesInScope(r.Context(), store.Scope{Units: []int64{rc.item.UnitID}})
	if err != nil {
		return err
	}
	var seen []int64
	for i, o := range in.Offices {
		if o.Role != "lead" && o.Role != "co" {
			return badRequest("科室 %d 的角色应为 lead 或 co：%q", o.ID, o.Role)
		}
		if slices.Contains(seen, o.ID) {
			return badRequest("科室 %d 重复。", o.ID)
		}
		seen = append(seen, o.ID)
		j := slices.IndexFunc(unitOffices, func(u store.OfficeRow) bool { return u.ID == o.ID })
		if j < 0 {
			return badRequest("科室 %d 不属于该事项的单位。", o.ID)
		}
		in.Offices[i].Name = unitOffices[j].Name
	}
	re := workflows.Reassignment{Offices: in.Offices, Reason: strings.TrimSpace(in.Reason), By: rc.login()}
	return s.command(w, r, rc, "item.reassign", re, "已调整责任科室。", func(ctx context.Context, wf string, audit *store.EventAudit) (workflows.State, error) {
		re.Audit = audit
		return s.opt.Items.Reassign(ctx, wf, re)
	})
}

// command sends one update to the item's workflow, which writes its audit entry (action,
// detail) with the history row of the change: an entry written here after the update answered
// would be lost with a crash in between. A workflow that rejects the update (its validator said
// no: the cycle is already done, the item is paused…) gives the user a 409 with the workflow's
// reason.
func (s *Server) command(w http.ResponseWriter, r *http.Request, rc *reqCtx, action string, detail any, flash string,
	send func(context.Context, string, *store.EventAudit) (workflows.State, error)) error {
	audit, err := eventAudit(rc.audit(), action, detail)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	state, err := send(ctx, rc.item.WorkflowID, audit)
	if err != nil {
		return commandError(err)
	}
	return s.done(w, r, rc, fmt.Sprintf("/items/%d", rc.item.ItemID), flash, state)
}

// eventAudit is the audit entry a command carries to its item's workflow. The detail is the
// command as the web read it, before it carries the entry itself.
func eventAudit(a store.Audit, action string, detail any) (*store.EventAudit, error) {
	b, err := json.Marshal(detail)
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", action, err)
	}
	return &store.EventAudit{UserID: a.UserID, Actor: a.Actor, IP: a.IP, Action: action, Detail: b}, nil
}

func commandError(err error) error {
	if errors.Is(err, workflows.ErrRejected) {
		// workflows.Client words it "NAME ID: rejected: REASON"; the user needs the reason.
		msg := err.Error()
		if i := strings.Index(msg, workflows.ErrRejected.Error()+": "); i >= 0 {
			msg = msg[i+len(workflows.ErrRejected.Error())+2:]
		}
		return &httpError{status: http.StatusConflict, msg: "操作未被接受：" + msg}
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Type() == "Rejected" {
		return &httpError{status: http.StatusConflict, msg: "操作未被接受：" + ae.Message()}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &httpError{status: http.StatusGatewayTimeout, msg: "工作流暂时没有响应，请稍后刷新查看是否已生效。"}
	}
	return fmt.Errorf("item command: %w", err)
}

func fmtDateInput(t time.Time) string { return calendar.DateOf(t).String() }
