// Package roster reads the people roster an admin keeps in Excel: who receives messages, on
// which channels, and which offices and units they answer for. `zwgk people import` and the
// web upload use it. Headers are found by name (Simplified or English), in any order:
//
//	姓名 | 邮箱 | 手机 | 接收方式 | 单位 | 科室 | 角色 | 级别 | 接收告警 | 备注
//
// 角色 is 联系人 or 负责人 (of the 科室), 分管领导, 政务公开办 or 办公室主任 (supervisors of the
// 单位 at 级别, default 1). 接收方式 lists 邮件/短信 in order of preference. A person on several
// rows (several offices) is one person, matched by email or mobile.
package roster

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// MaxRows bounds a roster; a bigger file is a mistake (a list, not a roster).
const MaxRows = 10000

// Row is one roster row as read.
type Row struct {
	Row      int // 1-based row in the sheet
	Name     string
	Email    string
	Mobile   string
	Channels []string
	Unit     string
	Office   string
	Role     string // contact, head, leader, gkb, director, or "" (no attachment)
	Level    int
	Alerts   bool
	Note     string
	cols     map[string]string // field → column letter
}

// Error is a problem at a cell.
type Error struct {
	File   string
	Row    int
	Column string // letter, e.g. C
	Header string // the column's header, e.g. 手机
	Err    error
}

func (e *Error) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("import %s row %d: %v", e.File, e.Row, e.Err)
	}
	return fmt.Sprintf("import %s row %d column %s (%s): %v", e.File, e.Row, e.Column, e.Header, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var headers = []struct {
	field string
	names []string
}{
	{"name", []string{"姓名", "名字", "name"}},
	{"email", []string{"邮箱", "电子邮箱", "电子邮件", "邮件地址", "email", "e-mail"}},
	{"mobile", []string{"手机", "手机号", "手机号码", "移动电话", "mobile", "phone"}},
	{"channels", []string{"接收方式", "通知方式", "渠道", "channels"}},
	{"unit", []string{"单位", "责任单位", "unit"}},
	{"office", []string{"科室", "股室", "处室", "office"}},
	{"role", []string{"角色", "职责", "身份", "role"}},
	{"level", []string{"级别", "督办级别", "level"}},
	{"alerts", []string{"接收告警", "告警", "alerts"}},
	{"note", []string{"备注", "note"}},
}

var headerText = map[string]string{"name": "姓名", "email": "邮箱", "mobile": "手机", "channels": "接收方式", "unit": "单位",
	"office": "科室", "role": "角色", "level": "级别", "alerts": "接收告警", "note": "备注"}

func normalizeHeader(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	if i := strings.IndexAny(s, "（("); i > 0 {
		s = s[:i] // 手机（必填）
	}
	return strings.Trim(s, "*＊")
}

// maxFileBytes bounds the file ReadXLSX reads; a roster of MaxRows rows is far smaller.
const maxFileBytes = importer.MaxBytes

// ReadXLSX reads the first sheet with a 姓名 header. It returns every row problem at once (as
// errors joined), so that an admin fixes the file in one go.
//
// The workbook is checked against the importer's caps before excelize opens it, and its rows
// are streamed: a sheet is read only as far as the header search and MaxRows need, so a
// file claiming XFD1 or a million rows costs what a roster costs.
func ReadXLSX(r io.Reader, file string) ([]Row, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", file, err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("import %s: 文件太大，上限 %d MB", file, maxFileBytes>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("import %s: 不是可读的 .xlsx 文件：%w", file, err)
	}
	if err := importer.CheckXLSX(zr); err != nil {
		return nil, fmt.Errorf("import %s: %w", file, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: importer.MaxUnzipBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, fmt.Errorf("import %s: 不是可读的 .xlsx 文件：%w", file, err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, h, cols, err := readSheet(f, sheet, file)
		if err != nil {
			return nil, err
		}
		if cols != nil {
			return parseRows(file, rows, h, cols)
		}
	}
	return nil, fmt.Errorf("import %s: 前10行中没有含“姓名”的表头行", file)
}

// readSheet streams a sheet: the first 10 rows for the header, then (if one was found) the
// rows below it, each cut to the header's columns, up to MaxRows. cols is nil when the sheet
// has no header.
func readSheet(f *excelize.File, sheet, file string) (rows [][]string, header int, cols map[string]int, err error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("import %s sheet %s: %w", file, sheet, err)
	}
	defer it.Close()
	width := 0
	last := 0 // rows up to the last non-empty one, as GetRows returns them
	for n := 1; it.Next(); n++ {
		row, err := it.Columns()
		if err != nil {
			return nil, 0, nil, fmt.Errorf("import %s sheet %s row %d: %w", file, sheet, n, err)
		}
		if len(row) > importer.MaxColumns {
			return nil, 0, nil, fmt.Errorf("import %s sheet %s row %d: 超过 %d 列：这不像一份名单", file, sheet, n, importer.MaxColumns)
		}
		if cols == nil {
			rows = append(rows, row)
			if len(row) > 0 {
				last = n
			}
			if c := headerCols(row); c != nil {
				header, cols = n-1, c
				for _, i := range c {
					width = max(width, i+1)
				}
				continue
			}
			if n == 10 {
				return nil, 0, nil, nil
			}
			continue
		}
		if len(row) == 0 {
			rows = append(rows, nil)
			continue
		}
		if n-header-1 > MaxRows {
			return nil, 0, nil, fmt.Errorf("import %s: 超过 %d 行：一份名单最多 %d 行", file, MaxRows, MaxRows)
		}
		rows = append(rows, row[:min(len(row), width)])
		last = n
	}
	if err := it.Error(); err != nil {
		return nil, 0, nil, fmt.Errorf("import %s sheet %s: %w", file, sheet, err)
	}
	if cols == nil {
		return nil, 0, nil, nil
	}
	return rows[:last], header, cols, nil
}

// headerCols finds the roster's columns in a row; nil without a 姓名 column.
func headerCols(row []string) map[string]int {
	cols := map[string]int{}
	for i, cell := range row {
		n := normalizeHeader(cell)
		for _, hd := range headers {
			for _, name := range hd.names {
				if n == name {
					if _, dup := cols[hd.field]; !dup {
						cols[hd.field] = i
					}
				}
			}
		}
	}
	if _, ok := cols["name"]; !ok {
		return nil
	}
	return cols
}

func parseRows(file string, rows [][]string, header int, cols map[string]int) ([]Row, error) {
	if _, ok := cols["email"]; !ok {
		if _, ok := cols["mobile"]; !ok {
			return nil, fmt.Errorf("import %s row %d: 表头中没有“邮箱”或“手机”列", file, header+1)
		}
	}
	if len(rows)-header-1 > MaxRows {
		return nil, fmt.Errorf("import %s: %d 行：一份名单最多 %d 行", file, len(rows)-header-1, MaxRows)
	}
	letters := map[string]string{}
	for field, i := range cols {
		letters[field], _ = excelize.ColumnNumberToName(i + 1)
	}
	var out []Row
	var errs []error
	for i := header + 1; i < len(rows); i++ {
		cell := func(field string) string {
			c, ok := cols[field]
			if !ok || c >= len(rows[i]) {
				return ""
			}
			return strings.TrimSpace(rows[i][c])
		}
		bad := func(field string, format string, args ...any) {
			errs = append(errs, &Error{File: file, Row: i + 1, Column: letters[field], Header: headerText[field], Err: fmt.Errorf(format, args...)})
		}
		empty := true
		for field := range cols {
			if cell(field) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		r := Row{Row: i + 1, Name: cell("name"), Email: cell("email"), Unit: cell("unit"), Office: cell("office"),
			Note: cell("note"), cols: letters}
		if r.Name == "" {
			bad("name", "姓名为空")
		}
		if r.Email != "" {
			if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
				bad("email", "“%s”不是电子邮箱地址", r.Email)
			}
		}
		if m := cell("mobile"); m != "" {
			r.Mobile = strings.NewReplacer(" ", "", "-", "").Replace(m)
			d := strings.TrimPrefix(strings.TrimPrefix(r.Mobile, "+86"), "+")
			if strings.Trim(d, "0123456789") != "" || len(d) < 6 || len(d) > 16 || (strings.HasPrefix(r.Mobile, "1") && len(d) != 11) {
				bad("mobile", "“%s”不是手机号码（11位，1开头）", m)
			}
		}
		if r.Email == "" && r.Mobile == "" {
			bad("email", "%s既没有邮箱也没有手机，收不到提醒", r.Name)
		}
		if c := cell("channels"); c != "" {
			for _, part := range strings.FieldsFunc(c, func(r rune) bool { return strings.ContainsRune("、，,;；/ ", r) }) {
				switch strings.ToLower(part) {
				case "邮件", "邮箱", "电子邮件", "email":
					r.Channels = append(r.Channels, "email")
				case "短信", "手机", "sms":
					r.Channels = append(r.Channels, "sms")
				default:
					bad("channels", "“%s”不是接收方式：请写 邮件 或 短信", part)
				}
			}
		}
		switch role := cell("role"); role {
		case "":
		case "联系人", "contact":
			r.Role = store.RoleContact
		case "负责人", "科长", "股长", "head":
			r.Role = store.RoleHead
		case "分管领导", "leader":
			r.Role = store.RoleLeader
		case "政务公开办", "公开办", "gkb":
			r.Role = store.RoleGKB
		case "办公室主任", "director":
			r.Role = store.RoleDirector
		default:
			bad("role", "“%s”不是角色：请写 联系人、负责人、分管领导、政务公开办 或 办公室主任", role)
		}
		if r.Role == "" && r.Office != "" {
			r.Role = store.RoleContact
		}
		if lv := cell("level"); lv != "" {
			n, err := strconv.Atoi(lv)
			if err != nil || n < 1 || n > 9 {
				bad("level", "级别“%s”无效：请写 1 到 9", lv)
			}
			r.Level = n
		}
		switch a := strings.ToLower(cell("alerts")); a {
		case "", "否", "n", "no", "false", "0":
		case "是", "y", "yes", "true", "1", "√":
			r.Alerts = true
		default:
			bad("alerts", "“%s”无效：请写 是 或 否", a)
		}
		switch r.Role {
		case store.RoleContact, store.RoleHead:
			if r.Office == "" {
				field := "office"
				if letters["office"] == "" { // no 科室 column at all: point at the role
					field = "role"
				}
				bad(field, "%s须写明科室", cell("role"))
			}
		case store.RoleLeader, store.RoleGKB, store.RoleDirector:
			if r.Level == 0 {
				r.Level = 1
			}
		}
		out = append(out, r)
	}
	if len(errs) > 0 {
		return out, errors.Join(errs...)
	}
	return out, nil
}

// Resolve matches units and offices against the directory (offices by name or alias) and
// turns rows into store entries. defaultUnit applies to rows without a 单位. Every row that
// names something unknown is reported.
func Resolve(ctx context.Context, st *store.Store, file string, rows []Row, defaultUnit string) ([]store.RosterEntry, error) {
	units := map[string]int64{}
	var errs []error
	unitID := func(r Row) (int64, bool) {
		name := r.Unit
		if name == "" {
			name = defaultUnit
		}
		if name == "" {
			errs = append(errs, &Error{File: file, Row: r.Row, Column: r.cols["unit"], Header: "单位", Err: errors.New("没有写单位：请在名单中加一列“单位”，或导入时指定单位")})
			return 0, false
		}
		if id, ok := units[name]; ok {
			return id, id != 0
		}
		u, err := st.UnitByName(ctx, name)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = fmt.Errorf("单位“%s”尚未建立：请先建立该单位，或改成已有单位的名称", name)
			}
			errs = append(errs, &Error{File: file, Row: r.Row, Column: r.cols["unit"], Header: "单位", Err: err})
			units[name] = 0
			return 0, false
		}
		units[name] = u.ID
		return u.ID, true
	}
	var out []store.RosterEntry
	for _, r := range rows {
		e := store.RosterEntry{Row: r.Row, Person: store.Person{Name: r.Name, Email: r.Email, Mobile: r.Mobile,
			Channels: r.Channels, Alerts: r.Alerts, Note: r.Note}}
		switch r.Role {
		case store.RoleContact, store.RoleHead:
			u, ok := unitID(r)
			if !ok {
				continue
			}
			o, err := st.FindOffice(ctx, u, r.Office)
			if err != nil {
				if errors.Is(err, store.ErrNotFound) {
					err = fmt.Errorf("科室“%s”不在该单位的通讯录中：请先添加该科室，或改成已有科室的名称", r.Office)
				}
				errs = append(errs, &Error{File: file, Row: r.Row, Column: r.cols["office"], Header: "科室", Err: err})
				continue
			}
			e.OfficeID, e.Role = o.ID, r.Role
		case store.RoleLeader, store.RoleGKB, store.RoleDirector:
			u, ok := unitID(r)
			if !ok {
				continue
			}
			e.UnitID, e.Level, e.SupRole = u, r.Level, r.Role
		}
		out = append(out, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
