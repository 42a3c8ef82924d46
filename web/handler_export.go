package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// maxExportRows bounds an items export: a county's lists of several years stay well below it,
// and a sheet that large is already past what anyone reads.
const maxExportRows = 5000

// itemFilterQuery is the query string of a list filter, so that the export link and the month
// and chart links carry what the page shows. Empty values are left out.
func itemFilterQuery(d *itemsData) string {
	v := url.Values{}
	if d.Office != 0 {
		v.Set("office", itoa(d.Office))
	}
	if d.Unit != 0 {
		v.Set("unit", itoa(d.Unit))
	}
	if d.Year != 0 {
		v.Set("year", strconv.Itoa(d.Year))
	}
	if d.Status != "" {
		v.Set("status", d.Status)
	}
	if d.Query != "" {
		v.Set("q", d.Query)
	}
	return v.Encode()
}

// itemsExport writes the items of the list filter as xlsx, one row per item, with the columns a
// 政务公开办 hands on: office, rule, due day, status, working days overdue and evidence.
func (s *Server) itemsExport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	fq, d, err := s.itemQuery(r, rc, maxExportRows+1)
	if err != nil {
		return err
	}
	items, err := s.st.ReportItems(ctx, fq)
	if err != nil {
		return err
	}
	if len(items) > maxExportRows {
		return badRequest("符合条件的事项超过 %d 项，请用“单位”“年度”或“科室”筛选后再导出。", maxExportRows)
	}
	now := s.now()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "事项"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	set := func(col, row int, v any) error {
		if str, ok := v.(string); ok {
			v = importer.Neutralize(str) // titles and URLs come from imported files and users
		}
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	if err := set(1, 1, "政务公开事项清单"); err != nil {
		return err
	}
	if err := set(1, 2, "导出时间："+fmtTime(now)+"　导出人："+displayName(rc.user)+"　筛选："+filterText(d)+fmt.Sprintf("　共 %d 项", len(items))); err != nil {
		return err
	}
	header := []string{"序号", "单位", "年度", "事项", "责任科室", "时限要求", "截止日期", "状态", "逾期工作日", "剩余工作日", "督办级别", "佐证", "链接"}
	for i, h := range header {
		if err := set(i+1, 4, h); err != nil {
			return err
		}
	}
	for n, it := range items {
		rule := it.RuleText
		if rule == "" {
			rule = label(ruleKindLabels, it.RuleKind)
		}
		var overdue, remaining any = "", ""
		if l := s.cal.left(ctx, now, it.DueAt); l != nil && it.Status != "done" {
			if l.Overdue {
				overdue = l.Days
			} else {
				remaining = l.Days
			}
		}
		evidence := it.Evidence
		if it.EvidenceFiles > 0 {
			evidence = joinNonEmpty(evidence, fmt.Sprintf("附件 %d 个", it.EvidenceFiles))
		}
		level := ""
		if it.EscalationLevel > 0 {
			level = levelLabel(it.EscalationLevel)
		}
		due := ""
		if it.DueAt != nil {
			due = calendar.DateOf(*it.DueAt).String()
		}
		row := []any{n + 1, it.Unit, it.Year, it.Title, officeNames(it.Offices), rule, due,
			label(statusLabels, it.Status), overdue, remaining, level, evidence, fmt.Sprintf("%s/items/%d", s.opt.BaseURL, it.ID)}
		for i, v := range row {
			if err := set(i+1, n+5, v); err != nil {
				return err
			}
		}
	}
	if err := styleTable(f, sheet, len(items), []float64{6, 16, 7, 40, 18, 24, 12, 10, 10, 10, 16, 30, 30}, true); err != nil {
		return err
	}
	name := fmt.Sprintf("政务公开事项-%s.xlsx", calendar.DateOf(now))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"items.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	// Recorded before the body is written: an export that cannot be audited is not handed out.
	a := rc.audit()
	a.Action, a.ObjectType, a.ObjectID = "items.export", "items", itemFilterQuery(d)
	a.Detail = map[string]any{"rows": len(items), "filter": filterText(d), "query": itemFilterQuery(d)}
	if err := s.st.RecordAudit(ctx, a); err != nil {
		return err
	}
	return f.Write(w)
}

// filterText says in words which filter an export was made with.
func filterText(d *itemsData) string {
	out := "状态 " + label(statusLabels, d.Status)
	if d.Status == "" {
		out = "状态 全部"
	}
	if d.Year != 0 {
		out += fmt.Sprintf("，%d 年度", d.Year)
	}
	if d.Query != "" {
		out += "，关键词“" + d.Query + "”"
	}
	return out
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + "；" + b
}

// unitDubanExport writes one 督办单 for a whole unit: every open item of every office, so that
// the 政务公开办 sends one sheet to its leaders instead of one per office.
func (s *Server) unitDubanExport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	name, err := s.st.UnitName(ctx, rc.unit)
	if err != nil {
		return err
	}
	items, err := s.st.Items(ctx, store.ItemFilter{Scope: rc.scope, Unit: rc.unit, Status: "open", Limit: 1000})
	if err != nil {
		return err
	}
	return s.writeDuban(w, r, rc, dubanSheet{unit: name, items: items, objectType: "unit", objectID: rc.unit})
}
