package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads every visible sheet (or opts.Sheet) of a workbook into a table, with merged
// cells copied into every cell they cover. Formulas are reported as errors: a list is data,
// and a formula's cached value may be stale or hide a link.
func readXLSX(name string, data []byte, zr *zip.Reader, opts ReadOptions) (*Document, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20})
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
	for _, sheet := range sheets {
		if opts.Sheet == "" {
			if visible, err := f.GetSheetVisible(sheet); err == nil && !visible {
				continue
			}
		}
		// the sheet's XML, scanned for merge ranges and formulas: cheaper than letting
		// excelize unmarshal the whole worksheet, which a 10,000-row list makes slow
		raw := zipPart(zr, paths[sheet])
		shown, err := f.GetRows(sheet)
		if err != nil {
			return nil, Issue{File: name, Table: sheetWhere(sheet), Message: "工作表无法读取（" + err.Error() + "）"}
		}
		total += len(shown)
		if total > opts.maxRows() {
			return nil, Issue{File: name, Table: sheetWhere(sheet), Message: fmt.Sprintf("行数太多（超过 %d 行）", opts.maxRows())}
		}
		t := &Table{Name: sheet, Where: sheetWhere(sheet), ColNumbers: true, Letters: true}
		width := 0
		for _, r := range shown {
			width = max(width, len(r))
		}
		t.Rows = make([][]Cell, len(shown))
		for i, r := range shown {
			row := make([]Cell, width)
			for j := range row {
				row[j] = Cell{Row: i + 1, Col: j + 1}
				if j < len(r) {
					row[j].Text = r[j]
					if dateShaped.MatchString(r[j]) {
						// possibly a date cell shown through a number format: read its serial
						ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
						if v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true}); err == nil {
							row[j].Text = cellText(r[j], v, date1904)
						}
					}
				}
			}
			t.Rows[i] = row
		}
		for _, m := range mergeRanges(raw) {
			c1, r1, err1 := excelize.CellNameToCoordinates(m[0])
			c2, r2, err2 := excelize.CellNameToCoordinates(m[1])
			if err1 != nil || err2 != nil || r1 > len(t.Rows) {
				continue
			}
			v := ""
			if c1 <= len(t.Rows[r1-1]) {
				v = t.Rows[r1-1][c1-1].Text
			}
			for r := r1; r <= min(r2, len(t.Rows)); r++ {
				for c := c1; c <= min(c2, c1+maxSpan); c++ {
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
		if raw == nil || hasFormula(raw) {
			for i, row := range t.Rows {
				for j := range row {
					if row[j].Merged {
						continue
					}
					ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
					if fm, err := f.GetCellFormula(sheet, ref); err == nil && fm != "" {
						row[j].Formula = fm
						doc.Errors = append(doc.Errors, Issue{File: name, Table: sheetWhere(sheet), Row: i + 1, Column: colName(j),
							Message: fmt.Sprintf("单元格 %s 含公式 =%s：请复制后“选择性粘贴为数值”再导入", ref, shorten(fm, 40))})
					}
				}
			}
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
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	out := map[string]string{}
	if xml.Unmarshal(zipPart(zr, "xl/workbook.xml"), &wb) != nil || xml.Unmarshal(zipPart(zr, "xl/_rels/workbook.xml.rels"), &rels) != nil {
		return out
	}
	target := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
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

// zipPart reads one part of the package; nil when it is missing or unreadable.
func zipPart(zr *zip.Reader, name string) []byte {
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 512<<20))
		if err != nil {
			return nil
		}
		return b
	}
	return nil
}

var mergeRef = regexp.MustCompile(`<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"`)

// mergeRanges lists the merged ranges of a worksheet part.
func mergeRanges(sheetXML []byte) [][2]string {
	var out [][2]string
	i := bytes.Index(sheetXML, []byte("mergeCells"))
	if i < 0 {
		return nil
	}
	for _, m := range mergeRef.FindAllSubmatch(sheetXML[i:], -1) {
		out = append(out, [2]string{string(m[1]), string(m[2])})
	}
	return out
}

// hasFormula reports formula elements in a worksheet part.
func hasFormula(sheetXML []byte) bool {
	return bytes.Contains(sheetXML, []byte("<f>")) || bytes.Contains(sheetXML, []byte("<f ")) || bytes.Contains(sheetXML, []byte(":f>")) || bytes.Contains(sheetXML, []byte(":f "))
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
