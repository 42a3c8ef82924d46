package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/annualreport"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/application/ledger"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/internal/yearreport"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// 依申请公开: the register of 政府信息公开申请, the case pages whose forms are the application
// workflow's updates, and the annual report's part 3. An application belongs to a unit and is
// handled by one of its offices; the applicant's name and contact are personal data, so only
// admins and the users of the handling office see them (supervisors of the unit see the case
// without them).

// ApplicationCommands starts application workflows and sends them updates; workflows.Client
// satisfies it. The web reaches it through Options.Items, which is the same client.
type ApplicationCommands interface {
	StartApplication(ctx context.Context, id int64) error
	UpdateApplication(ctx context.Context, id int64, name string, arg any) (workflows.ApplicationState, error)
	QueryApplication(ctx context.Context, id int64) (workflows.ApplicationState, error)
}

func (s *Server) applicationCommands() (ApplicationCommands, error) {
	a, ok := s.opt.Items.(ApplicationCommands)
	if !ok {
		return nil, &httpError{status: http.StatusServiceUnavailable, msg: "依申请公开的工作流未接入，请联系管理员。"}
	}
	return a, nil
}

var applicationStateLabels = map[string]string{
	application.StateOpen:       "办理中",
	application.StateCorrection: "待补正",
	application.StateConsulting: "征求意见中",
	application.StateReplied:    "已答复",
	application.StateClosed:     "已办结",
	application.StateWithdrawn:  "视为放弃",
}

var applicationEventLabels = map[string]string{
	"registered":           "登记",
	"correction-requested": "告知补正",
	"correction-completed": "收到补正",
	"withdrawn":            "逾期未补正，视为放弃",
	"consultation-started": "开始征求意见",
	"consultation-ended":   "征求意见结束",
	"consultation-lapsed":  "第三方逾期未答复，恢复计时",
	"extended":             "延期答复",
	"overdue":              "答复逾期",
	"escalated":            "督办升级",
	"replied":              "答复",
	"closed":               "办结签发",
}

// applicationView is one register row as the pages show it.
type applicationView struct {
	store.Application
	StateLabel     string `json:"state_label"`
	ChannelLabel   string `json:"channel_label"`
	ApplicantLabel string `json:"applicant_label"`
	ReplyLabel     string `json:"reply_label,omitempty"`
	DaysLeft       int    `json:"days_left"`
	Overdue        bool   `json:"overdue"`
	Open           bool   `json:"open"`
	// Personal is whether this reader may see the applicant.
	Personal bool `json:"-"`
}

func (s *Server) applicationView(ctx context.Context, rc *reqCtx, a store.Application) applicationView {
	v := applicationView{Application: a, StateLabel: label(applicationStateLabels, a.State),
		ChannelLabel: application.Channel(a.Channel).Label(), ApplicantLabel: application.Applicant(a.ApplicantType).Label(),
		Open: a.FinishedOn.IsZero(), Personal: s.seesApplicant(rc, a)}
	if a.ReplyType != "" {
		v.ReplyLabel = application.ReplyType(a.ReplyType).Label()
		if a.ReplyReason != "" {
			v.ReplyLabel += "：" + application.ReasonLabel(application.Reason(a.ReplyReason))
		}
	}
	// during a consultation the clock stands still: the due day moves with every working day
	if v.Open && !a.Due.IsZero() && a.State != application.StateConsulting {
		today := calendar.DateOf(s.now())
		v.DaysLeft = application.DaysLeft(s.cal.get(ctx), today, a.Due)
		v.Overdue = today.After(a.Due)
	}
	if !v.Personal {
		v.ApplicantName, v.ApplicantContact = "（仅经办科室可见）", ""
	}
	return v
}

// seesApplicant: admins and the handling office's users.
func (s *Server) seesApplicant(rc *reqCtx, a store.Application) bool {
	return rc.user != nil && (rc.scope.All || slices.Contains(rc.scope.Offices, a.OfficeID))
}

// canApplication: admins, the unit's supervisors and the handling office's users.
func (s *Server) canApplication(rc *reqCtx, a store.Application) bool {
	return rc.user != nil && (rc.scope.All || slices.Contains(rc.scope.Units, a.UnitID) || slices.Contains(rc.scope.Offices, a.OfficeID))
}

// loadApplication reads the {app} of the path and checks the caller may see it.
func (s *Server) loadApplication(r *http.Request, rc *reqCtx) (store.Application, error) {
	id, err := pathID(r, "app")
	if err != nil {
		return store.Application{}, err
	}
	a, err := s.st.Application(r.Context(), id)
	if err != nil {
		return store.Application{}, err
	}
	if !s.canApplication(rc, a) {
		return store.Application{}, errForbidden
	}
	return a, nil
}

type applicationsData struct {
	Rows       []applicationView       `json:"applications"`
	Units      []store.UnitRow         `json:"-"`
	Offices    []store.Office          `json:"-"`
	Unit       int64                   `json:"-"`
	State      string                  `json:"-"`
	Year       int                     `json:"-"`
	OnlyLate   bool                    `json:"-"`
	Overdue    int                     `json:"overdue"`
	DueSoon    int                     `json:"due_soon"`
	CanCreate  bool                    `json:"-"`
	CanReport  bool                    `json:"-"`
	Today      string                  `json:"-"`
	Channels   []application.Channel   `json:"-"`
	Applicants []application.Applicant `json:"-"`
	States     [][2]string             `json:"-"`
}

// applicationsPage is the register: filters in the URL (unit, state, year, overdue), overdue
// first, then by due day.
func (s *Server) applicationsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := applicationsData{Unit: rc.unit, State: q.Get("state"), OnlyLate: q.Get("overdue") == "1",
		Today: calendar.DateOf(s.now()).String(), Channels: application.Channels, Applicants: application.Applicants,
		CanCreate: rc.user.Role != store.RoleSupervisor, CanReport: rc.user.Role != store.RoleOffice}
	if d.State != "" && d.State != "active" && applicationStateLabels[d.State] == "" {
		return badRequest("“状态”无效：%s", d.State)
	}
	var err error
	if d.Year, err = yearParam(r, 0, 2200); err != nil {
		return err
	}
	f := store.ApplicationFilter{UnitID: rc.unit, State: d.State, Year: d.Year, Overdue: d.OnlyLate, Today: calendar.DateOf(s.now())}
	if !rc.scope.All {
		f.UnitIDs, f.OfficeIDs = rc.scope.Units, rc.scope.Offices
		if rc.user.Role == store.RoleSupervisor {
			f.OfficeIDs = nil
		} else {
			f.UnitIDs = nil
		}
	}
	rows, err := s.st.Applications(ctx, f)
	if err != nil {
		return err
	}
	for _, a := range rows {
		v := s.applicationView(ctx, rc, a)
		if v.Overdue {
			d.Overdue++
		} else if v.Open && !a.Due.IsZero() && v.DaysLeft <= 5 {
			d.DueSoon++
		}
		d.Rows = append(d.Rows, v)
	}
	if d.Units, err = s.st.UnitsInScope(ctx, rc.scope); err != nil {
		return err
	}
	for _, u := range d.Units {
		os, err := s.st.Offices(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, o := range os {
			if rc.scope.All || slices.Contains(rc.scope.Offices, o.ID) {
				d.Offices = append(d.Offices, o)
			}
		}
	}
	for _, st := range []string{application.StateOpen, application.StateCorrection, application.StateConsulting,
		application.StateReplied, application.StateClosed, application.StateWithdrawn} {
		d.States = append(d.States, [2]string{st, applicationStateLabels[st]})
	}
	return s.render(w, r, rc, http.StatusOK, "applications", "依申请公开登记", d)
}

// applicationForm is a new application as the form or the API sends it.
type applicationForm struct {
	Unit             int64  `json:"unit"`
	Office           int64  `form:"office" label:"经办科室" json:"office"`
	Ref              string `form:"ref" json:"ref"`
	ApplicantType    string `form:"applicant_type" json:"applicant_type"`
	ApplicantName    string `form:"applicant_name" json:"applicant_name"`
	ApplicantContact string `form:"applicant_contact" json:"applicant_contact"`
	Channel          string `form:"channel" json:"channel"`
	HandedIn         string `form:"handed_in" json:"handed_in"`
	SignedFor        string `form:"signed_for" json:"signed_for"`
	Confirmed        string `form:"confirmed" json:"confirmed"`
	Content          string `form:"content" json:"content"`
}

func formDate(v, control string) (calendar.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return calendar.Date{}, nil
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		return calendar.Date{}, badRequest("“%s”不是有效的日期（年-月-日）：%s", control, v)
	}
	return d, nil
}

// applicationCreate registers an application and starts its workflow.
func (s *Server) applicationCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in applicationForm
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if in.Office <= 0 {
		return badRequest("请选择“经办科室”。")
	}
	unit, err := s.st.OfficeUnitOf(ctx, in.Office)
	if errors.Is(err, store.ErrNotFound) {
		return badRequest("“经办科室”不存在。")
	}
	if err != nil {
		return err
	}
	if in.Unit != 0 && in.Unit != unit {
		return badRequest("“经办科室”不属于所选单位。")
	}
	if !rc.scope.All && !slices.Contains(rc.scope.Offices, in.Office) {
		return errForbidden
	}
	if !application.Applicant(in.ApplicantType).Valid() {
		return badRequest("请选择“申请人类型”。")
	}
	if strings.TrimSpace(in.ApplicantName) == "" {
		return badRequest("“申请人姓名/名称”不能为空。")
	}
	if strings.TrimSpace(in.Content) == "" {
		return badRequest("“申请内容”不能为空。")
	}
	if len([]rune(in.Content)) > 4000 || len([]rune(in.ApplicantName)) > 200 || len([]rune(in.ApplicantContact)) > 200 || len([]rune(in.Ref)) > 100 {
		return badRequest("“申请内容”“申请人”或“登记编号”过长。")
	}
	arr := application.Arrival{Channel: application.Channel(in.Channel)}
	if !arr.Channel.Valid() {
		return badRequest("请选择“申请方式”。")
	}
	if arr.HandedIn, err = formDate(in.HandedIn, "当面提交日期"); err != nil {
		return err
	}
	if arr.SignedFor, err = formDate(in.SignedFor, "签收日期"); err != nil {
		return err
	}
	if arr.Confirmed, err = formDate(in.Confirmed, "确认收到日期"); err != nil {
		return err
	}
	received, err := application.ReceiptDate(arr)
	switch {
	case errors.Is(err, application.ErrNoHandedIn):
		return badRequest("当面提交的申请须填写“当面提交日期”（第三十一条：以提交之日为收到之日）。")
	case errors.Is(err, application.ErrNoSignedFor):
		return badRequest("邮寄的申请须填写“签收日期”（第三十一条：以签收之日为收到之日）。")
	case errors.Is(err, application.ErrNoConfirmed):
		return badRequest("该申请方式须填写“确认收到日期”（第三十一条：以与申请人确认之日或双方确认之日为收到之日）。")
	case errors.Is(err, application.ErrBeforeArrive):
		return badRequest("“确认收到日期”早于“签收日期”。")
	case err != nil:
		return badRequest("“申请方式”无效。")
	}
	if received.After(calendar.DateOf(s.now())) {
		return badRequest("收到日期 %s 在今天之后，请检查日期。", received)
	}
	due, _ := application.Clock{Start: received}.Due(s.cal.get(ctx), received)
	cmds, err := s.applicationCommands()
	if err != nil {
		return err
	}
	id, err := s.st.CreateApplication(ctx, store.ApplicationNew{UnitID: unit, OfficeID: in.Office, Ref: in.Ref,
		ApplicantType: in.ApplicantType, ApplicantName: in.ApplicantName, ApplicantContact: in.ApplicantContact,
		Channel: in.Channel, HandedIn: arr.HandedIn, SignedFor: arr.SignedFor, Confirmed: arr.Confirmed,
		Received: received, Content: in.Content, Due: due, CreatedBy: rc.login()})
	if err != nil {
		return err
	}
	a := rc.audit()
	a.Action, a.ObjectType, a.ObjectID = "application.create", "application", itoa(id)
	a.Detail = map[string]any{"office": in.Office, "received": received.String(), "channel": in.Channel}
	if err := s.st.RecordAudit(ctx, a); err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cmds.StartApplication(sctx, id); err != nil {
		s.log.Error("web: start application workflow", "application", id, "err", err)
		return &httpError{status: http.StatusServiceUnavailable, msg: fmt.Sprintf("申请已登记（第%d号），但计时工作流未能启动；工作进程重启后会自动补上，请稍后刷新。", id)}
	}
	if rc.api {
		app, err := s.st.Application(ctx, id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, s.applicationView(ctx, rc, app))
	}
	return s.done(w, r, rc, fmt.Sprintf("/applications/%d", id), fmt.Sprintf("已登记，答复期限 %s。", due), nil)
}

type timelineEntry struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Label  string    `json:"label"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail,omitempty"`
}

type applicationPageData struct {
	App           applicationView         `json:"application"`
	Timeline      []timelineEntry         `json:"timeline"`
	Kinds         []application.ReplyKind `json:"-"`
	CorrectionBy  string                  `json:"correction_deadline,omitempty"`
	CanAct        bool                    `json:"-"`
	CanClose      bool                    `json:"-"`
	Extended      bool                    `json:"-"`
	CorrectionAsk bool                    `json:"-"`
}

func eventDetail(e store.EventRow) string {
	var parts []string
	add := func(label, key string) {
		if v, ok := e.Detail[key]; ok && fmt.Sprint(v) != "" {
			parts = append(parts, label+fmt.Sprint(v))
		}
	}
	switch e.Kind {
	case "registered":
		add("收到日期 ", "received")
	case "correction-requested":
		add("补正期限 ", "until")
		add("", "note")
	case "correction-completed":
		add("补正收到 ", "on")
	case "consultation-started":
		add("征求意见对象：", "party")
	case "consultation-ended", "consultation-lapsed":
		add("自 ", "from")
		add("至 ", "to")
		add("不计入期限的工作日 ", "excluded_days")
	case "extended":
		add("延长工作日 ", "days")
		add("批准人：", "approved_by")
		add("理由：", "reason")
		add("新期限 ", "to")
	case "escalated":
		add("级别 ", "level")
	case "overdue":
		add("期限 ", "due")
	case "replied":
		if t, ok := e.Detail["type"].(string); ok {
			l := application.ReplyType(t).Label()
			if r, _ := e.Detail["reason"].(string); r != "" {
				l += "：" + application.ReasonLabel(application.Reason(r))
			}
			parts = append(parts, l)
		}
		if late, _ := e.Detail["late"].(bool); late {
			parts = append(parts, "逾期答复")
		}
		add("", "note")
	case "closed":
		add("", "note")
	}
	return strings.Join(parts, "；")
}

// applicationPage is the case page: the application, its days left, the case file as a
// timeline and the forms of the next steps.
func (s *Server) applicationPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	a, err := s.loadApplication(r, rc)
	if err != nil {
		return err
	}
	evs, err := s.st.ApplicationEvents(ctx, a.ID)
	if err != nil {
		return err
	}
	d := applicationPageData{App: s.applicationView(ctx, rc, a), Kinds: application.Kinds,
		CorrectionBy: application.CorrectionDeadline(s.cal.get(ctx), a.Received).String(),
		CanAct:       s.seesApplicant(rc, a), CanClose: rc.user.Role != store.RoleOffice, Extended: a.ExtensionDays > 0}
	for _, e := range evs {
		d.Timeline = append(d.Timeline, timelineEntry{At: e.At, Kind: e.Kind, Label: label(applicationEventLabels, e.Kind), Actor: e.Actor, Detail: eventDetail(e)})
		if e.Kind == "correction-requested" {
			d.CorrectionAsk = true
		}
	}
	title := "依申请公开 第" + itoa(a.ID) + "号"
	if a.Ref != "" {
		title = "依申请公开 " + a.Ref
	}
	return s.render(w, r, rc, http.StatusOK, "application", title, d)
}

// applicationAction sends one of the case's updates. read returns the update (a pointer to one
// of the workflows' command types) and its Audit field, which is set once the audit entry has
// been made from the update without it.
func (s *Server) applicationAction(name, action, flash string, read func(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
		a, err := s.loadApplication(r, rc)
		if err != nil {
			return err
		}
		if name != workflows.UpdateCloseApplication && !s.seesApplicant(rc, a) {
			return errForbidden // the handling office acts; the unit's supervisors sign off
		}
		cmds, err := s.applicationCommands()
		if err != nil {
			return err
		}
		arg, auditField, err := read(r, rc)
		if err != nil {
			return err
		}
		audit, err := eventAudit(rc.audit(), action, arg)
		if err != nil {
			return err
		}
		*auditField = audit
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		st, err := cmds.UpdateApplication(ctx, a.ID, name, arg)
		if err != nil {
			return applicationError(err)
		}
		return s.done(w, r, rc, fmt.Sprintf("/applications/%d", a.ID), flash, st)
	}
}

// applicationRejections words the workflow's refusals for the user.
var applicationRejections = []struct{ has, say string }{
	{"only once", "补正只能告知一次。"},
	{"within 7 working days", "补正须在收到申请之日起7个工作日内一次性告知，已超过期限。"},
	{"during a consultation", "征求意见期间不能告知补正。"},
	{"must end after today", "“补正期限”须晚于今天。"},
	{"no 补正 is awaited", "该申请没有待补正事项。"},
	{"cannot be received on", "“补正收到日期”无效。"},
	{"after the time given", "补正已超过给定期限。"},
	{"running reply clock", "只有计时中的申请才能开始征求意见。"},
	{"party consulted", "“征求意见对象”不能为空。"},
	{"already overdue", "答复已逾期，不能再延期或征求意见。"},
	{"no consultation", "没有正在进行的征求意见。"},
	{"waits for 补正", "申请正在等待补正，答复期限未开始计算。"},
	{"approver", "延期须填写“批准人”（政府信息公开工作机构负责人）。"},
	{"reason for the extension", "“延期理由”不能为空。"},
	{"extended once", "答复期限只能延长一次。"},
	{"want 1 to 20", "“延长工作日数”须为1至20。"},
	{"needs a reason", "该答复类型须选择“理由”。"},
	{"takes no reason", "该答复类型不需要选择理由。"},
	{"does not belong", "所选理由不属于该答复类型。"},
	{"unknown reply type", "请选择“答复类型”。"},
	{"is answered", "该申请已答复。"},
	{"is closed", "该申请已办结。"},
	{"is withdrawn", "该申请已视为放弃。"},
	{"only an answered", "答复后才能办结签发。"},
	{"who made the change", "缺少操作人。"},
}

func applicationError(err error) error {
	if !errors.Is(err, workflows.ErrRejected) {
		return commandError(err)
	}
	for _, r := range applicationRejections {
		if strings.Contains(err.Error(), r.has) {
			return &httpError{status: http.StatusConflict, msg: "操作未被接受：" + r.say}
		}
	}
	return commandError(err)
}

// The inputs of the case's updates, from the form's controls or the API's JSON; like the item
// commands' inputs they embed serverSet, since the API once decoded straight into the
// workflows' types and a body echoing by or audit is still accepted.
type (
	correctionInput struct {
		Until calendar.Date `form:"until" label:"补正期限" json:"until"`
		Note  string        `form:"note" json:"note,omitempty"`
		serverSet
	}
	correctedInput struct {
		On calendar.Date `form:"on" label:"补正收到日期" json:"on,omitzero"`
		serverSet
	}
	consultationInput struct {
		Party string `form:"party" json:"party,omitempty"`
		Other bool   `form:"other" json:"other,omitempty"`
		serverSet
	}
	// days is read by readForm: the form's empty or bad number is refused in its own words.
	replyExtensionInput struct {
		Days       int    `json:"days"`
		Reason     string `form:"reason" json:"reason"`
		ApprovedBy string `form:"approved_by" json:"approved_by"`
		serverSet
	}
	// The form's one select names type and reason as type/reason (readForm), so that a reason
	// cannot be sent with a type it does not belong to by mistake.
	replyInput struct {
		Type   application.ReplyType `json:"type"`
		Reason application.Reason    `json:"reason,omitempty"`
		Note   string                `form:"note" json:"note,omitempty"`
		serverSet
	}
	closeInput struct {
		Note string `form:"note" json:"note,omitempty"`
		serverSet
	}
)

func (in *replyExtensionInput) readForm(form url.Values) error {
	days, err := strconv.Atoi(strings.TrimSpace(form.Get("days")))
	if err != nil {
		return badRequest("“延长工作日数”须为1至20的整数。")
	}
	in.Days = days
	return nil
}

func (in *replyInput) readForm(form url.Values) error {
	typ, reason, _ := strings.Cut(form.Get("result"), "/")
	in.Type, in.Reason = application.ReplyType(typ), application.Reason(reason)
	return nil
}

func (s *Server) readCorrection(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in correctionInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	if in.Until.IsZero() {
		return nil, nil, badRequest("请填写“补正期限”（给申请人的合理期限）。")
	}
	v := workflows.CorrectionRequest{Until: in.Until, Note: in.Note, By: rc.login()}
	return &v, &v.Audit, nil
}

func (s *Server) readCorrected(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in correctedInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	v := workflows.CorrectionDone{On: in.On, By: rc.login()}
	return &v, &v.Audit, nil
}

func (s *Server) readConsultation(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in consultationInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	v := workflows.Consultation{Party: in.Party, Other: in.Other, By: rc.login()}
	return &v, &v.Audit, nil
}

func (s *Server) readExtension(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in replyExtensionInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	v := workflows.ReplyExtension{Days: in.Days, Reason: in.Reason, ApprovedBy: in.ApprovedBy, By: rc.login()}
	return &v, &v.Audit, nil
}

func (s *Server) readReply(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in replyInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	if _, ok := application.Kind(in.Type); !ok {
		return nil, nil, badRequest("请选择“答复结果”。")
	}
	if application.CheckReply(in.Type, in.Reason) != nil {
		return nil, nil, badRequest("“答复结果”的类型与理由不匹配。")
	}
	v := workflows.Reply{Type: in.Type, Reason: in.Reason, Note: in.Note, By: rc.login()}
	return &v, &v.Audit, nil
}

func (s *Server) readClose(r *http.Request, rc *reqCtx) (any, **store.EventAudit, error) {
	var in closeInput
	if err := decodeInput(r, rc, &in); err != nil {
		return nil, nil, err
	}
	v := workflows.CloseApplication{Note: in.Note, By: rc.login()}
	return &v, &v.Audit, nil
}

type reportData struct {
	Table  annualreport.Part3 `json:"table"`
	Part2  annualreport.Part2 `json:"part2"`
	Units  []store.UnitRow    `json:"-"`
	Unit   int64              `json:"-"`
	Year   int                `json:"-"`
	XLSX   string             `json:"-"`
	Cols   []string           `json:"-"`
	Checks string             `json:"check_error,omitempty"`
	// part 2's texts, so the page says what the xlsx says
	P2Note, SupTitle string   `json:"-"`
	SupHeads         []string `json:"-"`
}

func (s *Server) applicationReportData(r *http.Request, rc *reqCtx) (reportData, error) {
	ctx := r.Context()
	if rc.unit == 0 {
		return reportData{}, badRequest("请选择“单位”。")
	}
	year, err := yearParam(r, calendar.DateOf(s.now()).Year, 2200)
	if err != nil {
		return reportData{}, err
	}
	units, err := s.st.UnitsInScope(ctx, rc.scope)
	if err != nil {
		return reportData{}, err
	}
	name := ""
	for _, u := range units {
		if u.ID == rc.unit {
			name = u.Name
		}
	}
	p2, t, err := yearreport.Compute(ctx, s.st, rc.unit, name, year)
	if err != nil {
		return reportData{}, err
	}
	d := reportData{Table: t, Part2: p2, Units: units, Unit: rc.unit, Year: year,
		Cols: annualreport.Columns, P2Note: annualreport.Part2Note, SupTitle: annualreport.SupplementTitle, SupHeads: annualreport.SupplementHeads,
		XLSX: fmt.Sprintf("/applications/report.xlsx?unit=%d&year=%d", rc.unit, year)}
	if err := errors.Join(d.Part2.Check(), t.Check()); err != nil {
		d.Checks = err.Error()
	}
	return d, nil
}

// applicationReport is the printable page of parts 2 and 3 of the annual report.
func (s *Server) applicationReport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.applicationReportData(r, rc)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "application_report", fmt.Sprintf("%d年度报告 · 主动公开与依申请公开情况", d.Year), d)
}

// applicationReportXLSX downloads parts 3 and 2 as the two sheets of one xlsx.
func (s *Server) applicationReportXLSX(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.applicationReportData(r, rc)
	if err != nil {
		return err
	}
	if d.Checks != "" {
		return &httpError{status: http.StatusConflict, msg: "报表数字不能相互印证，未生成：" + d.Checks}
	}
	b, err := annualreport.Workbook(d.Part2, d.Table)
	if err != nil {
		return err
	}
	a := rc.audit()
	a.Action, a.ObjectType, a.ObjectID, a.Detail = "application.report", "unit", itoa(rc.unit), map[string]any{"year": d.Year}
	if err := s.st.RecordAudit(r.Context(), a); err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%d年度报告表.xlsx", d.Table.Unit, d.Year)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"report.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	_, err = w.Write(b)
	return err
}

// dashboardApplications are the open applications the dashboard shows: overdue, or due within
// 5 working days, overdue first. Supervisors see them without the applicant.
func (s *Server) dashboardApplications(ctx context.Context, rc *reqCtx, unit int64) ([]applicationView, error) {
	f := store.ApplicationFilter{UnitID: unit, State: "active", Today: calendar.DateOf(s.now()), Limit: 200}
	if !rc.scope.All {
		f.UnitIDs = rc.scope.Units
	}
	rows, err := s.st.Applications(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []applicationView
	for _, a := range rows {
		v := s.applicationView(ctx, rc, a)
		if !a.Due.IsZero() && (v.Overdue || v.DaysLeft <= 5) {
			out = append(out, v)
		}
	}
	return out, nil
}

// applicationImport loads an existing 登记台账 (xlsx) into a unit: all rows or, when a cell
// cannot be read or an office is not in the directory, none, with every problem listed.
func (s *Server) applicationImport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	if err := parseUpload(w, r, maxUpload, "文件超过 20 MB。", func(error) error {
		return badRequest("请选择“登记台账文件”（xlsx）后上传。")
	}); err != nil {
		return err
	}
	defer r.MultipartForm.RemoveAll()
	unit, err := strconv.ParseInt(r.FormValue("unit"), 10, 64)
	if err != nil || unit <= 0 {
		return badRequest("请选择“单位”。")
	}
	if err := s.st.UnitExists(ctx, unit); err != nil {
		return err
	}
	if ok, err := s.canUnit(ctx, rc, unit); err != nil || !ok {
		if err != nil {
			return err
		}
		return errForbidden
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return badRequest("请选择“登记台账文件”（xlsx）。")
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return badRequest("读取上传的文件失败。")
	}
	rows, issues, err := ledger.Read(hdr.Filename, data)
	if err != nil {
		// the reader's words name the file and what is wrong with it (a missing header, a cap)
		return badRequest("“登记台账文件”读不出：%s", err)
	}
	offices, err := s.st.Offices(ctx, unit)
	if err != nil {
		return err
	}
	in, more := ledger.Build(unit, rows, offices, s.cal.get(ctx), rc.login())
	issues = append(issues, more...)
	if len(issues) > 0 {
		var lines []string
		for i, is := range issues {
			if i == 20 {
				lines = append(lines, fmt.Sprintf("……另有 %d 处", len(issues)-20))
				break
			}
			lines = append(lines, is.String())
		}
		return badRequest("台账有 %d 处读不出，未导入任何申请（科室须先在“科室与联系人”页添加）：%s", len(issues), strings.Join(lines, "；"))
	}
	cmds, err := s.applicationCommands()
	if err != nil {
		return err
	}
	open, err := s.st.ImportApplications(ctx, in, hdr.Filename, rc.audit())
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	started := 0
	for _, id := range open {
		if err := cmds.StartApplication(sctx, id); err != nil {
			s.log.Error("web: start imported application", "application", id, "err", err)
			continue
		}
		started++
	}
	msg := fmt.Sprintf("已导入 %d 件申请，其中 %d 件尚未办结、已开始计时。", len(in), started)
	if started < len(open) {
		msg += fmt.Sprintf("另有 %d 件的计时工作流未能启动，工作进程重启后会自动补上。", len(open)-started)
	}
	if rc.api {
		return writeJSON(w, http.StatusOK, map[string]any{"imported": len(in), "open": len(open), "started": started})
	}
	return s.done(w, r, rc, fmt.Sprintf("/applications?unit=%d", unit), msg, nil)
}

// The audit page names the application actions and objects in Chinese like the others'.
func init() {
	for k, v := range map[string]string{
		"application.create":     "登记依申请公开",
		"application.import":     "导入申请登记台账",
		"application.correction": "告知补正",
		"application.corrected":  "收到补正",
		"application.consult":    "开始征求意见",
		"application.consulted":  "征求意见结束",
		"application.extend":     "延期答复",
		"application.reply":      "答复申请",
		"application.close":      "申请办结签发",
		"application.report":     "导出年度报告表",
	} {
		actionLabels[k] = v
	}
	objectTypeLabels["application"] = "依申请公开"
}
