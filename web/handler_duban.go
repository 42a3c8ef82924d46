package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// dubanExport writes the 督办单 (supervision notice) of one office as xlsx: every open item of
// the office, overdue ones first, with the working days overdue and the escalation level.
func (s *Server) dubanExport(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	unit, office, err := s.st.OfficeName(ctx, rc.office)
	if err != nil {
		return err
	}
	items, err := s.st.Items(ctx, store.ItemFilter{Scope: rc.scope, Office: rc.office, Status: "open", Limit: 1000})
	if err != nil {
		return err
	}
	return s.writeDuban(w, r, rc, dubanSheet{unit: unit, office: office, items: items, objectType: "office", objectID: rc.office})
}

// dubanSheet is what one 督办单 covers: an office of a unit, or the whole unit (office empty).
type dubanSheet struct {
	unit, office string
	items        []store.ItemRow
	// the audit entry's object
	objectType string
	objectID   int64
}

func (s *Server) writeDuban(w http.ResponseWriter, r *http.Request, rc *reqCtx, d dubanSheet) error {
	ctx := r.Context()
	unit, office, items := d.unit, d.office, d.items
	now := s.now()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "督办单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	title := strings.TrimSpace(fmt.Sprintf("政务公开督办单 · %s %s", unit, office))
	set := func(cell string, v any) error {
		if str, ok := v.(string); ok {
			v = importer.Neutralize(str) // titles come from imported files: no formula injection
		}
		return f.SetCellValue(sheet, cell, v)
	}
	if err := set("A1", title); err != nil {
		return err
	}
	if err := set("A2", "生成时间："+fmtTime(now)+"　生成人："+displayName(rc.user)); err != nil {
		return err
	}
	header := []string{"序号", "事项", "具体要求", "责任科室", "截止日期", "状态", "逾期/剩余", "督办级别", "链接"}
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, 4)
		if err := set(cell, h); err != nil {
			return err
		}
	}
	overdue := 0
	for n, it := range items {
		l := s.cal.left(ctx, now, it.DueAt)
		if it.Status == "overdue" {
			overdue++
		}
		row := []any{n + 1, it.Title, it.Summary, officeNames(it.Offices), fmtDate(it.DueAt),
			label(statusLabels, it.Status), leftLabel(l), levelLabel(it.EscalationLevel), fmt.Sprintf("%s/items/%d", s.opt.BaseURL, it.ID)}
		if it.Status != "overdue" {
			row[7] = ""
		}
		for i, v := range row {
			cell, _ := excelize.CoordinatesToCellName(i+1, n+5)
			if err := set(cell, v); err != nil {
				return err
			}
		}
	}
	if err := set("A3", fmt.Sprintf("未完成事项 %d 项，其中逾期 %d 项。请于收到后尽快办理并在系统中登记完成情况。", len(items), overdue)); err != nil {
		return err
	}
	if err := styleTable(f, sheet, len(items), []float64{6, 36, 40, 18, 16, 10, 18, 18, 30}, false); err != nil {
		return err
	}
	name := fmt.Sprintf("督办单-%s-%s-%s.xlsx", unit, office, calendar.DateOf(now))
	if office == "" {
		name = fmt.Sprintf("督办单-%s-%s.xlsx", unit, calendar.DateOf(now))
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"duban.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	a := rc.audit()
	a.Action, a.ObjectType, a.ObjectID, a.Detail = "duban.export", d.objectType, itoa(d.objectID), map[string]any{"items": len(items), "overdue": overdue}
	if err := s.st.RecordAudit(ctx, a); err != nil {
		return err
	}
	return f.Write(w)
}

// styleTable formats the sheets zwgk exports alike: the title in A1, the header in row 4, bordered
// wrapping rows under it, the header frozen; widths are the columns' from A, filter adds the
// header's drop-down filters.
func styleTable(f *excelize.File, sheet string, rows int, widths []float64, filter bool) error {
	last, err := excelize.ColumnNumberToName(len(widths))
	if err != nil {
		return err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}})
	if err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    border(),
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return err
	}
	bodyStyle, err := f.NewStyle(&excelize.Style{Border: border(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", titleStyle); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A4", last+"4", headStyle); err != nil {
		return err
	}
	if rows > 0 {
		if err := f.SetCellStyle(sheet, "A5", fmt.Sprintf("%s%d", last, rows+4), bodyStyle); err != nil {
			return err
		}
	}
	for i, width := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	if filter {
		if err := f.AutoFilter(sheet, fmt.Sprintf("A4:%s%d", last, max(rows, 1)+4), nil); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft"})
}

func border() []excelize.Border {
	var b []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: "999999", Style: 1})
	}
	return b
}
