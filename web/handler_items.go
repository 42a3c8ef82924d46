package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// itemLine is an item with its working days left, as lists show it.
type itemLine struct {
	store.ItemRow
	Left *left `json:"working_days,omitempty"`
}

type itemsData struct {
	Items     []itemLine        `json:"items"`
	Offices   []store.OfficeRow `json:"-"`
	Units     []store.UnitRow   `json:"-"`
	Years     []int             `json:"-"`
	Office    int64             `json:"-"`
	Unit      int64             `json:"-"`
	Year      int               `json:"-"`
	Status    string            `json:"-"`
	Query     string            `json:"-"`
	Truncated bool              `json:"truncated"`
	// Filter is the query string of the filter shown; ExportURL its xlsx export.
	Filter    string `json:"-"`
	ExportURL string `json:"-"`
	// The summary line an office user reads first: overdue, and due within 5 working days, of
	// the items listed.
	OverdueCount int `json:"overdue"`
	DueSoonCount int `json:"due_soon"`
}

const itemsPageLimit = 500

// itemQuery reads the list filter of a request (office, unit, year, status, q), checking the
// unit against the caller's scope; the office was checked by the route.
func (s *Server) itemQuery(r *http.Request, rc *reqCtx, limit int) (store.ItemQuery, *itemsData, error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &itemsData{Office: rc.office, Status: q.Get("status"), Query: q.Get("q")}
	if d.Status == "" && !rc.api {
		d.Status = "open"
	}
	if _, ok := statusLabels[d.Status]; d.Status != "" && !ok {
		return store.ItemQuery{}, nil, badRequest("未知的状态：%s", d.Status)
	}
	unit, err := intParam(r, "unit")
	if err != nil {
		return store.ItemQuery{}, nil, err
	}
	if unit != 0 {
		ok, err := s.canUnit(ctx, rc, unit)
		if err != nil {
			return store.ItemQuery{}, nil, err
		}
		if !ok {
			return store.ItemQuery{}, nil, errForbidden
		}
	}
	d.Unit = unit
	year, err := intParam(r, "year")
	if err != nil {
		return store.ItemQuery{}, nil, err
	}
	if year != 0 && (year < 2000 || year > 2100) {
		return store.ItemQuery{}, nil, badRequest("“年度”无效：%d", year)
	}
	d.Year = int(year)
	d.Filter = itemFilterQuery(d)
	d.ExportURL = "/export/items.xlsx?" + d.Filter
	return store.ItemQuery{
		ItemFilter: store.ItemFilter{Scope: rc.scope, Office: rc.office, Unit: unit, Status: d.Status, Query: d.Query, Limit: limit},
		Year:       d.Year,
	}, d, nil
}

func (s *Server) listItems(r *http.Request, rc *reqCtx) (*itemsData, error) {
	ctx := r.Context()
	fq, d, err := s.itemQuery(r, rc, itemsPageLimit+1)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.ReportItems(ctx, fq)
	if err != nil {
		return nil, err
	}
	if len(rows) > itemsPageLimit {
		rows, d.Truncated = rows[:itemsPageLimit], true
	}
	now := s.now()
	d.Items = make([]itemLine, len(rows))
	for i, it := range rows {
		d.Items[i] = itemLine{ItemRow: it.ItemRow, Left: s.cal.left(ctx, now, it.DueAt)}
		switch l := d.Items[i].Left; {
		case l == nil || it.Status == "done":
		case l.Overdue:
			d.OverdueCount++
		case l.Days <= 5:
			d.DueSoonCount++
		}
	}
	return d, nil
}

// itemsPage is "my items": the items of the user's offices (or units), soonest due first.
func (s *Server) itemsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.listItems(r, rc)
	if err != nil {
		return err
	}
	if d.Offices, err = s.st.OfficesInScope(r.Context(), rc.scope); err != nil {
		return err
	}
	if d.Units, err = s.st.UnitsInScope(r.Context(), rc.scope); err != nil {
		return err
	}
	if d.Years, err = s.st.ListYears(r.Context(), rc.scope); err != nil {
		return err
	}
	title := "我的事项"
	if rc.is(store.RoleAdmin) {
		title = "全部事项"
	}
	return s.render(w, r, rc, http.StatusOK, "items", title, d)
}

func (s *Server) apiItems(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.listItems(r, rc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// apiOffices lists the offices the caller may see.
func (s *Server) apiOffices(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	offices, err := s.st.OfficesInScope(r.Context(), rc.scope)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"offices": offices})
}

// maxBulkItems bounds one bulk action: each item is one workflow update, sent one after another.
const maxBulkItems = 200

// itemsBulk applies one admin action to the items ticked on the list: 调整责任科室 (a new lead
// office), 延期 (a new due day) or 办结 (complete with one evidence URL). Each item's workflow gets
// its own update carrying its own audit entry, as from the item page; an item whose workflow
// refuses is reported and the others go on.
func (s *Server) itemsBulk(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var ids []int64
	for _, v := range r.PostForm["item"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return badRequest("“选择”中的事项编号无效：%s", v)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return badRequest("请先在列表中勾选要批量处理的事项。")
	case len(ids) > maxBulkItems:
		return badRequest("一次最多批量处理 %d 项，已勾选 %d 项。", maxBulkItems, len(ids))
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var action, done string
	var send func(context.Context, *store.ItemScope, *store.EventAudit) (workflows.State, error)
	var detail func(*store.ItemScope) (any, error)
	switch r.PostFormValue("action") {
	case "reassign":
		lead, err := strconv.ParseInt(r.PostFormValue("lead"), 10, 64)
		if err != nil || lead <= 0 {
			return badRequest("请在“牵头科室”中选择新的责任科室。")
		}
		unit, office, err := s.st.OfficeName(ctx, lead)
		if err != nil {
			return badRequest("“牵头科室”不存在：%d", lead)
		}
		leadUnit, err := s.st.OfficeUnitOf(ctx, lead)
		if err != nil {
			return err
		}
		action, done = "item.reassign", "已调整责任科室为"+unit+" "+office
		re := func(it *store.ItemScope) (workflows.Reassignment, error) {
			if it.UnitID != leadUnit {
				return workflows.Reassignment{}, badRequest("事项 %d 不属于%s，不能交给%s。", it.ItemID, unit, office)
			}
			return workflows.Reassignment{Offices: []workflows.OfficeRef{{ID: lead, Name: office, Role: "lead"}}, Reason: reason, By: rc.login()}, nil
		}
		detail = func(it *store.ItemScope) (any, error) { return re(it) }
		send = func(ctx context.Context, it *store.ItemScope, a *store.EventAudit) (workflows.State, error) {
			x, err := re(it)
			if err != nil {
				return workflows.State{}, err
			}
			x.Audit = a
			return s.opt.Items.Reassign(ctx, it.WorkflowID, x)
		}
	case "extend":
		due, err := calendar.ParseDate(strings.TrimSpace(r.PostFormValue("due")))
		if err != nil {
			return badRequest("“新的截止日期”格式应为 YYYY-MM-DD。")
		}
		if due.Before(calendar.DateOf(s.now())) {
			return badRequest("“新的截止日期” %s 已经过去。", due)
		}
		if reason == "" {
			return badRequest("请填写“原因”（延期原因）。")
		}
		x := workflows.Extension{Due: due, Reason: reason, ApprovedBy: displayName(rc.user), By: rc.login()}
		action, done = "item.extend", "已延期至 "+fmtDate(due)
		detail = func(*store.ItemScope) (any, error) { return x, nil }
		send = func(ctx context.Context, it *store.ItemScope, a *store.EventAudit) (workflows.State, error) {
			x := x
			x.Audit = a
			return s.opt.Items.Extend(ctx, it.WorkflowID, x)
		}
	case "close":
		c := workflows.Completion{EvidenceURL: r.PostFormValue("evidence_url"), Note: reason, By: rc.login()}
		if err := checkCompletion(&c); err != nil {
			return err
		}
		action, done = "item.complete", "已办结"
		detail = func(*store.ItemScope) (any, error) { return c, nil }
		send = func(ctx context.Context, it *store.ItemScope, a *store.EventAudit) (workflows.State, error) {
			c := c
			c.Audit = a
			return s.opt.Items.Complete(ctx, it.WorkflowID, c)
		}
	default:
		return badRequest("请在“批量操作”中选择调整责任科室、延期或办结。")
	}
	// Every item is checked before any is changed, so that a bad selection changes nothing.
	items := make([]*store.ItemScope, len(ids))
	audits := make([]*store.EventAudit, len(ids))
	for i, id := range ids {
		it, err := s.st.ItemScopeOf(ctx, id)
		if err != nil {
			return err
		}
		if !s.canItem(rc, it) {
			return errForbidden
		}
		d, err := detail(it)
		if err != nil {
			return err
		}
		items[i] = it
		if audits[i], err = eventAudit(rc.audit(), action, d); err != nil {
			return err
		}
	}
	var ok int
	var refused []string
	for i, id := range ids {
		it, audit := items[i], audits[i]
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := send(cctx, it, audit)
		cancel()
		if err != nil {
			var he *httpError
			if cerr := commandError(err); errors.As(cerr, &he) && he.status == http.StatusConflict {
				refused = append(refused, fmt.Sprintf("事项 %d：%s", id, strings.TrimPrefix(he.msg, "操作未被接受：")))
				continue
			}
			return commandError(err)
		}
		ok++
	}
	flash := fmt.Sprintf("%s：%d 项。", done, ok)
	if len(refused) > 0 {
		flash += fmt.Sprintf("%d 项未被接受：%s", len(refused), strings.Join(refused, "；"))
	}
	next := "/items"
	if q := r.PostFormValue("back"); strings.HasPrefix(q, "?") {
		next += q
	}
	return s.done(w, r, rc, next, flash, map[string]any{"done": ok, "refused": refused})
}
