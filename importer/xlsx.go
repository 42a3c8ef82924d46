package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Element caps of the parts excelize unmarshals whole: their structs cost far more per
// element than the XML does, so they get less than MaxElements.
const (
	maxSharedStringElements = 1_000_000
	maxStyleElements        = 500_000
)

// readXLSX reads every visible sheet (or opts.Sheet) of a workbook into a table, with merged
// cells copied into every cell they cover. Formulas are reported as errors: a list is data,
// and a formula's cached value may be stale or hide a link.
//
// Every part is checked against the caps before excelize sees it, and every sheet is scanned
// once (dimension, used range, merges, formulas) before its rows are read, so that a sheet
// claiming XFD1 or a million rows is refused for its size instead of being laid on a grid.
func readXLSX(name string, data []byte, zr *zip.Reader, opts ReadOptions) (*Document, error) {
	if err := checkZip(name, zr); err != nil {
		return nil, err
	}
	if err := checkWorkbookParts(zr); err != nil {
		return nil, issueOf(name, "", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, Issue{File: name, Message: "Excel 文件已损坏，无法打开（" + err.Error() + "）"}
	}
	defer f.Close()
	doc := &Document{File: name, Format: FormatXLSX}
	date1904 := false
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	paths := sheetPaths(zr)
	sheets := f.GetSheetList()
	if len(sheets) > MaxSheets {
		return nil, Issue{File: name, Message: fmt.Sprintf("工作表太多（%d 个，上限 %d 个）", len(sheets), MaxSheets)}
	}
	if opts.Sheet != "" {
		found := false
		for _, s := range sheets {
			if s == opts.Sheet {
				found = true
			}
		}
		if !found {
			return nil, Issue{File: name, Message: fmt.Sprintf("没有名为“%s”的工作表（有：%s）", opts.Sheet, strings.Join(sheets, "、"))}
		}
		sheets = []string{opts.Sheet}
	}
	total := 0
	grid := &gridCap{}
	for _, sheet := range sheets {
		if err := opts.cancelled(); err != nil {
			return nil, issueOf(name, "", err)
		}
		if opts.Sheet == "" {
			if visible, err := f.GetSheetVisible(sheet); err == nil && !visible {
				continue
			}
		}
		where := sheetWhere(sheet)
		part := findPart(zr, paths[sheet])
		if part == nil {
			return nil, Issue{File: name, Table: where, Message: "工作表无法读取（文件里找不到它的内容）"}
		}
		sc, err := scanSheet(part, opts.maxRows()-total, opts.maxRows())
		if err != nil {
			return nil, issueOf(name, where, err)
		}
		shown, raws, err := sheetRows(f, sheet, sc.maxRow)
		if err != nil {
			return nil, issueOf(name, where, err)
		}
		total += len(shown)
		if total > opts.maxRows() {
			return nil, Issue{File: name, Table: where, Message: fmt.Sprintf("行数太多（超过 %d 行）", opts.maxRows())}
		}
		t := &Table{Name: sheet, Where: where, ColNumbers: true, Letters: true}
		width := 0
		for _, r := range shown {
			width = max(width, len(r))
		}
		if err := grid.add(width * len(shown)); err != nil {
			return nil, issueOf(name, where, err)
		}
		t.Rows = make([][]Cell, len(shown))
		for i, r := range shown {
			row := make([]Cell, width)
			for j := range row {
				row[j] = Cell{Row: i + 1, Col: j + 1}
				if j < len(r) {
					row[j].Text = r[j]
					if raws != nil && j < len(raws[i]) && dateShaped.MatchString(r[j]) {
						// possibly a date cell shown through a number format: read its serial
						row[j].Text = cellText(r[j], raws[i][j], date1904)
					}
				}
			}
			t.Rows[i] = row
		}
		if err := applyMerges(t, sc.merges, grid); err != nil {
			return nil, issueOf(name, where, err)
		}
		reported := 0
		for _, fc := range sc.formulas {
			if fc.row > len(t.Rows) || fc.col > len(t.Rows[fc.row-1]) || t.Rows[fc.row-1][fc.col-1].Merged {
				continue
			}
			t.Rows[fc.row-1][fc.col-1].Formula = fc.text
			ref, _ := excelize.CoordinatesToCellName(fc.col, fc.row)
			doc.Errors = append(doc.Errors, Issue{File: name, Table: where, Row: fc.row, Column: colName(fc.col - 1),
				Message: fmt.Sprintf("单元格 %s 含公式 =%s：请复制后“选择性粘贴为数值”再导入", ref, shorten(fc.text, 40))})
			reported++
		}
		if more := sc.nFormulas - len(sc.formulas); more > 0 {
			doc.Errors = append(doc.Errors, Issue{File: name, Table: where,
				Message: fmt.Sprintf("另有 %d 个单元格含公式：请复制整张工作表后“选择性粘贴为数值”再导入", more)})
		}
		if !emptyTable(t) {
			doc.Tables = append(doc.Tables, t)
		}
	}
	if len(doc.Tables) == 0 {
		return nil, Issue{File: name, Message: "工作簿里没有内容（所有可见工作表都是空的）"}
	}
	return doc, nil
}

// checkWorkbookParts checks the parts excelize parses as a whole (on opening, or on the first
// cell read) against the element caps; worksheets are scanned one by one later.
func checkWorkbookParts(zr *zip.Reader) error {
	for _, f := range zr.File {
		n := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if strings.HasPrefix(n, "xl/worksheets/") || !(strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".rels")) {
			continue
		}
		limit := MaxElements
		switch n {
		case "xl/sharedstrings.xml":
			limit = maxSharedStringElements
		case "xl/styles.xml":
			limit = maxStyleElements
		}
		rc, err := openPart(f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		var visit func(xml.Token) error
		if n == "xl/sharedstrings.xml" {
			// a string longer than any cell may hold is refused here, before excelize
			// indexes it and the sheet reader meets it
			si := 0
			visit = func(tok xml.Token) error {
				switch t := tok.(type) {
				case xml.StartElement:
					if t.Name.Local == "si" {
						si = 0
					}
				case xml.CharData:
					if si += len(t); si > 4*MaxCellRunes {
						return overLimit("共享字符串中有一段文字超过 %d 字", MaxCellRunes)
					}
				}
				return nil
			}
		}
		err = xmlScan(rc, limit, visit)
		rc.Close()
		if err != nil {
			if le, ok := err.(*limitError); ok {
				return overLimit("%s 的%s", f.Name, le.msg)
			}
			return Issue{Message: fmt.Sprintf("Excel 文件已损坏：%s 无法解析（%v）", f.Name, err)}
		}
	}
	return nil
}

// sheetScan is what one pass over a worksheet part found.
type sheetScan struct {
	maxRow, maxCol int // the used range: the farthest non-empty cells
	merges         [][4]int
	formulas       []formulaCell // the first maxFormulaIssues
	nFormulas      int
}

type formulaCell struct {
	row, col int
	text     string
}

// scanSheet reads a worksheet part once, refusing it as soon as its declared dimension or its
// used range (non-empty cells only: a million styled empty cells are no content) leaves the
// caps or holds more than maxRows rows (what is left of rowCap for the whole workbook).
func scanSheet(part *zip.File, maxRows, rowCap int) (*sheetScan, error) {
	rc, err := openPart(part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := &sheetScan{}
	var (
		row, col       int
		inV, inF, inIS bool
		inT            bool
		filled         bool
		formula        bool
		ftext          strings.Builder
		shared         string
		masters        = map[string]string{}
	)
	fit := func(r, c int, what string) error {
		ref, _ := excelize.CoordinatesToCellName(min(c, excelize.MaxColumns), max(r, 1))
		switch {
		case c > MaxColumns:
			return overLimit("%s超过 %d 列（最远的单元格是 %s）", what, MaxColumns, ref)
		case r > maxRows:
			return &limitError{msg: fmt.Sprintf("行数太多（超过 %d 行；%s到第 %d 行）", rowCap, what, r), plain: true}
		case r*c > MaxCells:
			return overLimit("%s超过 %d 个单元格（到 %s）", what, MaxCells, ref)
		}
		return nil
	}
	err = xmlScan(rc, MaxElements, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				if c1, r1, c2, r2, ok := rangeOf(attr(t, "ref")); ok {
					if err := fit(r2-r1+1, c2-c1+1, "工作表的已用区域 "+attr(t, "ref")+" "); err != nil {
						return err
					}
				}
			case "row":
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 {
					row = n
				} else {
					row++
				}
				col = 0
			case "c":
				if c, _, err := excelize.CellNameToCoordinates(attr(t, "r")); err == nil {
					col = c
				} else {
					col++
				}
				filled, formula, shared = false, false, ""
				ftext.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = inIS
			case "f":
				inF, formula = true, true
				if attr(t, "t") == "shared" {
					shared = attr(t, "si")
				}
			case "mergeCell":
				if c1, r1, c2, r2, ok := rangeOf(attr(t, "ref")); ok && strings.Contains(attr(t, "ref"), ":") {
					sc.merges = append(sc.merges, [4]int{r1, c1, r2, c2})
				}
			}
		case xml.CharData:
			switch {
			case inV || inT:
				if len(t) > 0 {
					filled = true
				}
			case inF:
				if ftext.Len() < 1<<10 {
					ftext.Write(t)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "f":
				inF = false
			case "c":
				if !filled && !formula {
					return nil
				}
				if err := fit(row, col, "工作表的内容"); err != nil {
					return err
				}
				sc.maxRow, sc.maxCol = max(sc.maxRow, row), max(sc.maxCol, col)
				if err := fit(sc.maxRow, sc.maxCol, "工作表的内容"); err != nil {
					return err
				}
				if formula {
					text := ftext.String()
					if shared != "" {
						// the copies of a shared formula carry no text: show the first cell's
						if text != "" {
							if len(masters) < maxFormulaIssues {
								masters[shared] = text
							}
						} else {
							text = masters[shared]
						}
					}
					sc.nFormulas++
					if len(sc.formulas) < maxFormulaIssues {
						sc.formulas = append(sc.formulas, formulaCell{row: row, col: col, text: text})
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		if _, ok := err.(*limitError); ok {
			return nil, err
		}
		return nil, Issue{Message: "工作表已损坏，无法读取（" + err.Error() + "）"}
	}
	return sc, nil
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// rangeOf reads A1:F20 (or a single cell) as its corners.
func rangeOf(ref string) (c1, r1, c2, r2 int, ok bool) {
	a, b, found := strings.Cut(strings.ReplaceAll(ref, "$", ""), ":")
	if !found {
		b = a
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, 0, false
	}
	return min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2), true
}

// sheetRows streams a sheet's rows as GetRows returns them (empty rows in between kept,
// trailing empty rows dropped) up to lastRow, the last row the scan found content in. raws
// holds the raw values of each row with a cell shown like a date (2024/6/30, 06-30-24), read
// in a second pass only when the sheet has such cells: few lists do.
func sheetRows(f *excelize.File, sheet string, lastRow int) (shown, raws [][]string, err error) {
	fr, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, Issue{Message: "工作表无法读取（" + err.Error() + "）"}
	}
	defer fr.Close()
	cur, last := 0, 0
	var dated []int // rows (1-based) with a date-shaped cell
	for cur < lastRow && fr.Next() {
		cur++
		row, err := fr.Columns()
		if err != nil {
			return nil, nil, Issue{Row: cur, Message: "工作表无法读取（" + err.Error() + "）"}
		}
		if len(row) == 0 {
			continue
		}
		if len(row) > MaxColumns {
			return nil, nil, overLimit("第 %d 行超过 %d 列", cur, MaxColumns)
		}
		date := false
		for j, v := range row {
			if len(v) > MaxCellRunes {
				ref, _ := excelize.CoordinatesToCellName(j+1, cur)
				if err := checkCell(v, "单元格 "+ref+" "); err != nil {
					return nil, nil, err
				}
			}
			date = date || dateShaped.MatchString(v)
		}
		if date {
			dated = append(dated, cur)
		}
		for len(shown) < cur-1 {
			shown = append(shown, nil)
		}
		shown = append(shown, row)
		last = cur
	}
	if err := fr.Error(); err != nil {
		return nil, nil, Issue{Message: "工作表无法读取（" + err.Error() + "）"}
	}
	shown = shown[:last]
	if len(dated) == 0 {
		return shown, nil, nil
	}
	raws = make([][]string, len(shown))
	rr, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, Issue{Message: "工作表无法读取（" + err.Error() + "）"}
	}
	defer rr.Close()
	for n := 1; len(dated) > 0 && rr.Next(); n++ {
		if n != dated[0] {
			continue // Next without Columns skips the row's cells unread
		}
		dated = dated[1:]
		raws[n-1], _ = rr.Columns(excelize.Options{RawCellValue: true})
	}
	return shown, raws, nil
}

// applyMerges copies each merged range's value into the cells it covers. A range is clipped
// to the rows read and to MaxColumns: beyond them it covers nothing but its own copies.
func applyMerges(t *Table, merges [][4]int, grid *gridCap) error {
	work := 0
	for _, m := range merges {
		r1, c1, r2, c2 := m[0], m[1], m[2], m[3]
		if r1 > len(t.Rows) || c1 > MaxColumns {
			continue
		}
		r2, c2 = min(r2, len(t.Rows)), min(c2, c1+maxSpan, MaxColumns)
		// Excel's merged ranges never overlap, so their areas add up to at most the grid:
		// more means a file built to make this loop spin
		work += (r2 - r1 + 1) * (c2 - c1 + 1)
		if work > MaxCells {
			return overLimit("合并单元格覆盖超过 %d 个单元格", MaxCells)
		}
		v := ""
		if c1 <= len(t.Rows[r1-1]) {
			v = t.Rows[r1-1][c1-1].Text
		}
		for r := r1; r <= r2; r++ {
			if n := c2 - len(t.Rows[r-1]); n > 0 {
				if err := grid.add(n); err != nil {
					return err
				}
			}
			for c := c1; c <= c2; c++ {
				for len(t.Rows[r-1]) < c {
					t.Rows[r-1] = append(t.Rows[r-1], Cell{Row: r, Col: len(t.Rows[r-1]) + 1})
				}
				if r == r1 && c == c1 {
					continue
				}
				t.Rows[r-1][c-1].Text = v
				t.Rows[r-1][c-1].Merged = true
			}
		}
	}
	return nil
}

func sheetWhere(sheet string) string { return "工作表“" + sheet + "”" }

// dateShaped is how number formats show a date: 2024/6/30, 06-30-24, 30-Jun-24.
var dateShaped = regexp.MustCompile(`^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?( \d{1,2}:\d{2}(:\d{2})?)?$|^\d{1,2}-[A-Za-z]{3}(-\d{2,4})?$`)

// cellText is the cell as the admin sees it, except that a date (a number shown through a
// date format) becomes 2024年6月30日, which the rule parser reads, instead of 06-30-24.
func cellText(shown, raw string, date1904 bool) string {
	if shown != raw && raw != "" {
		if v, err := strconv.ParseFloat(raw, 64); err == nil && v > 0 && v < 2958466 {
			if t, err := excelize.ExcelDateToTime(v, date1904); err == nil {
				return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
			}
		}
	}
	return shown
}

// sheetPaths maps sheet names to their parts in the package, from the workbook and its
// relationships.
func sheetPaths(zr *zip.Reader) map[string]string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			// r:id in any namespace: Strict Open XML names it differently
			ID string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	out := map[string]string{}
	if xml.Unmarshal(readPart(zr, "xl/workbook.xml"), &wb) != nil || xml.Unmarshal(readPart(zr, "xl/_rels/workbook.xml.rels"), &rels) != nil {
		return out
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		target[r.ID] = t
	}
	for _, s := range wb.Sheets {
		out[s.Name] = target[s.ID]
	}
	return out
}

func emptyTable(t *Table) bool {
	for _, r := range t.Rows {
		for _, c := range r {
			if strings.TrimSpace(c.Text) != "" {
				return false
			}
		}
	}
	return true
}
