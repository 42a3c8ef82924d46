// Package ledger reads an existing 依申请公开登记台账 (the register a unit kept in Excel before
// zwgk) into applications: one row per application, its columns found by what their headers
// mean, its words (申请人类型, 申请方式, 答复结果) read into the codes of package application, and
// every cell it cannot read reported by row and column instead of guessed.
package ledger

import (
	"archive/zip"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// Row is one application of the ledger.
type Row struct {
	Line             int                   `json:"line"` // row number in the sheet, from 1
	Ref              string                `json:"ref,omitempty"`
	ApplicantName    string                `json:"applicant_name"`
	ApplicantContact string                `json:"applicant_contact,omitempty"`
	Applicant        application.Applicant `json:"applicant_type"`
	Channel          application.Channel   `json:"channel"`
	Received         calendar.Date         `json:"received"`
	Content          string                `json:"content"`
	Office           string                `json:"office"`
	Replied          calendar.Date         `json:"replied,omitzero"`
	ReplyType        application.ReplyType `json:"reply_type,omitempty"`
	Reason           application.Reason    `json:"reply_reason,omitempty"`
}

// Issue is a cell the reader could not read.
type Issue struct {
	Line   int    `json:"line"`
	Column string `json:"column"` // the header as written
	Msg    string `json:"msg"`
}

func (i Issue) String() string { return fmt.Sprintf("第%d行“%s”：%s", i.Line, i.Column, i.Msg) }

// Column roles, found by header wording.
const (
	colRef = iota
	colName
	colType
	colContact
	colChannel
	colReceived
	colContent
	colOffice
	colReplied
	colResult
	nCols
)

// headerMeaning reads a header cell by the words in it, so that ledgers that word their columns
// their own way (申请形式, 收件时间, 申请公开的内容, 承办股室) read without a new entry.
var headerMeaning = [nCols]*regexp.Regexp{
	colRef:      regexp.MustCompile(`编号|登记号|^序号$`),
	colName:     regexp.MustCompile(`^申请人(姓名|名称)?$|申请人姓名|申请人名称|^姓名(或)?名称$|^姓名$`),
	colType:     regexp.MustCompile(`申请人(类型|类别|性质|身份)|^(申请人)?类型$`),
	colContact:  regexp.MustCompile(`联系方式|联系电话|^电话$|通讯地址`),
	colChannel:  regexp.MustCompile(`(申请|提交|收件|受理)(方式|形式|渠道|途径)|^(方式|渠道|途径)$`),
	colReceived: regexp.MustCompile(`(收到|收件|接收|受理|登记|申请)(申请)?(的)?(日期|时间)`),
	colContent:  regexp.MustCompile(`申请.{0,4}内容|所需.{0,4}信息|申请公开的?(政府)?信息|申请事项|信息名称|内容描述`),
	colOffice:   regexp.MustCompile(`(经办|承办|办理|责任|主办)(科室|处室|股室|单位|部门)`),
	colReplied:  regexp.MustCompile(`(答复|办结|回复)(的)?(日期|时间)`),
	colResult:   regexp.MustCompile(`(答复|办理|处理)(结果|类型|情况|意见)`),
}

// roleNames are the columns as an error names them.
var roleNames = [nCols]string{colRef: "编号", colName: "申请人", colType: "申请人类型", colContact: "联系方式",
	colChannel: "申请方式", colReceived: "收到日期", colContent: "申请内容", colOffice: "经办科室",
	colReplied: "答复日期", colResult: "答复结果"}

var required = []int{colName, colType, colChannel, colReceived, colContent, colOffice}

func norm(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u3000", " ")), "")
}

// findHeader returns the header row index and the column of each role, the most specific
// wording first so that 申请人类型 is not taken for 申请人.
func findHeader(rows [][]string) (int, [nCols]int, bool) {
	var cols, best [nCols]int
	bestFound := -1
	for r := 0; r < len(rows) && r < 10; r++ {
		for i := range cols {
			cols[i] = -1
		}
		taken := map[int]bool{}
		for _, role := range []int{colType, colContact, colChannel, colReceived, colContent, colOffice, colReplied, colResult, colRef, colName} {
			for c, cell := range rows[r] {
				if !taken[c] && cols[role] < 0 && headerMeaning[role].MatchString(norm(cell)) {
					cols[role], taken[c] = c, true
				}
			}
		}
		ok, found := true, 0
		for _, role := range required {
			ok = ok && cols[role] >= 0
			found += b2i(cols[role] >= 0)
		}
		if ok {
			return r, cols, true
		}
		if found > bestFound {
			best, bestFound = cols, found
		}
	}
	return 0, best, false
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MaxRows caps the applications of one ledger: a county department registers a few hundred a
// year, so a sheet with more is not a register and is refused before it is held in memory.
const MaxRows = 50_000

// Read reads the first sheet of an xlsx ledger; file names it in errors. The workbook is checked
// against the importer's caps (zip parts, XML elements) before excelize opens it, and its rows
// are streamed with the columns and rows capped, so a 100 KB file claiming XFD1 or a million rows
// is refused for what it claims instead of costing gigabytes.
func Read(file string, data []byte) ([]Row, []Issue, error) {
	if len(data) > importer.MaxBytes {
		return nil, nil, fmt.Errorf("import %s: 文件太大（%d MB，上限 %d MB）", file, len(data)>>20, importer.MaxBytes>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: 不是可读的 .xlsx 文件：%w", file, err)
	}
	if err := importer.CheckXLSX(zr); err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", file, err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: importer.MaxUnzipBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: 不是可读的 .xlsx 文件：%w", file, err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	rows, err := sheetRows(f, sheet)
	if err != nil {
		return nil, nil, fmt.Errorf("import %s sheet %s: %w", file, sheet, err)
	}
	got, issues, err := readRows(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", file, err)
	}
	return got, issues, nil
}

// sheetRows streams a sheet into rows as GetRows would return them (raw values, trailing empty
// rows dropped), refusing a row wider than importer.MaxColumns or a register past MaxRows.
// Empty rows are counted, not stored, until a non-empty row follows them: a sheet whose only
// other cell sits in row 1048576 costs a counter.
func sheetRows(f *excelize.File, sheet string) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var rows [][]string
	blank := 0
	for n := 1; it.Next(); n++ {
		row, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", n, err)
		}
		if len(row) > importer.MaxColumns {
			return nil, fmt.Errorf("row %d: 超过 %d 列：这不像一份登记台账", n, importer.MaxColumns)
		}
		if len(row) == 0 {
			blank++
			continue
		}
		if n > MaxRows+10 {
			return nil, fmt.Errorf("row %d: 超过 %d 行：一份登记台账最多 %d 行", n, MaxRows, MaxRows)
		}
		for ; blank > 0; blank-- {
			rows = append(rows, nil)
		}
		rows = append(rows, row)
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	return rows, nil
}

func readRows(rows [][]string) ([]Row, []Issue, error) {
	h, cols, ok := findHeader(rows)
	if !ok {
		// name what the closest row lacks: the admin renames those headers
		var missing []string
		for _, role := range required {
			if cols[role] < 0 {
				missing = append(missing, roleNames[role])
			}
		}
		return nil, nil, fmt.Errorf("登记台账的前10行中没有表头：需要 申请人、申请人类型、申请方式、收到日期、申请内容、经办科室 各一列，最接近的一行缺少 %s", strings.Join(missing, "、"))
	}
	header := rows[h]
	var out []Row
	var issues []Issue
	for r := h + 1; r < len(rows); r++ {
		cells := rows[r]
		get := func(role int) string {
			if c := cols[role]; c >= 0 && c < len(cells) {
				return strings.TrimSpace(cells[c])
			}
			return ""
		}
		blank := true
		for _, c := range cells {
			blank = blank && strings.TrimSpace(c) == ""
		}
		if blank {
			continue
		}
		line := r + 1
		bad := func(role int, format string, args ...any) {
			issues = append(issues, Issue{Line: line, Column: norm(header[cols[role]]), Msg: fmt.Sprintf(format, args...)})
		}
		row := Row{Line: line, Ref: get(colRef), ApplicantName: get(colName), ApplicantContact: get(colContact),
			Content: get(colContent), Office: get(colOffice)}
		n := len(issues)
		for _, role := range []int{colName, colContent, colOffice} {
			if get(role) == "" {
				bad(role, "为空")
			}
		}
		var ok bool
		if row.Applicant, ok = applicantOf(get(colType)); !ok {
			bad(colType, "“%s”不是申请人类型（自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他）", get(colType))
		}
		if row.Channel, ok = channelOf(get(colChannel)); !ok {
			bad(colChannel, "“%s”不是申请方式（当面、邮寄、信函、网上、传真）", get(colChannel))
		}
		var err error
		if row.Received, err = dateOf(get(colReceived)); err != nil || row.Received.IsZero() {
			bad(colReceived, "“%s”不是日期", get(colReceived))
		}
		if cols[colReplied] >= 0 && get(colReplied) != "" {
			if row.Replied, err = dateOf(get(colReplied)); err != nil {
				bad(colReplied, "“%s”不是日期", get(colReplied))
			} else if row.Replied.Before(row.Received) {
				bad(colReplied, "早于收到日期")
			}
		}
		if cols[colResult] >= 0 && get(colResult) != "" {
			if row.ReplyType, row.Reason, ok = resultOf(get(colResult)); !ok {
				bad(colResult, "“%s”读不出答复类型和理由（如：不予公开（属于国家秘密））", get(colResult))
			}
		}
		if (row.ReplyType != "") != !row.Replied.IsZero() && len(issues) == n {
			if row.ReplyType == "" {
				bad(colReplied, "有答复日期而没有答复结果")
			} else {
				bad(colResult, "有答复结果而没有答复日期")
			}
		}
		if len(issues) == n {
			out = append(out, row)
		}
	}
	return out, issues, nil
}

func applicantOf(s string) (application.Applicant, bool) {
	s = norm(s)
	for _, m := range []struct {
		words []string
		a     application.Applicant
	}{
		{[]string{"自然人", "个人", "公民"}, application.Person},
		{[]string{"商业企业", "企业", "公司"}, application.Business},
		{[]string{"科研机构", "科研", "研究"}, application.Research},
		{[]string{"社会公益组织", "公益"}, application.Charity},
		{[]string{"法律服务机构", "律师", "法律服务"}, application.LegalFirm},
		{[]string{"其他", "法人或其他组织", "社会组织", "事业单位"}, application.OtherOrg},
	} {
		for _, w := range m.words {
			if strings.Contains(s, w) {
				return m.a, true
			}
		}
	}
	return "", false
}

func channelOf(s string) (application.Channel, bool) {
	s = norm(s)
	for _, m := range []struct {
		words []string
		c     application.Channel
	}{
		{[]string{"传真"}, application.Fax},
		{[]string{"当面", "现场", "窗口"}, application.InPerson},
		{[]string{"挂号", "邮寄", "快递", "EMS"}, application.PostSigned},
		{[]string{"信函", "平信", "来信"}, application.Letter},
		{[]string{"网", "在线", "电子邮件", "邮箱", "互联网"}, application.Online},
	} {
		for _, w := range m.words {
			if strings.Contains(s, w) {
				return m.c, true
			}
		}
	}
	return "", false
}

var datePattern = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// dateOf reads 2026-03-02, 2026/3/2, 2026.3.2, 2026年3月2日 or an Excel date serial.
func dateOf(s string) (calendar.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return calendar.Date{}, nil
	}
	if m := datePattern.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return calendar.ParseDate(fmt.Sprintf("%04d-%02d-%02d", y, mo, d))
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v > 20000 && v < 80000 {
		t, err := excelize.ExcelDateToTime(v, false)
		if err != nil {
			return calendar.Date{}, err
		}
		return calendar.D(t.Year(), t.Month(), t.Day()), nil
	}
	return calendar.Date{}, fmt.Errorf("not a date: %q", s)
}

// reasonWords are further wordings of reasons that ledgers use besides the form's.
var reasonWords = map[application.Reason][]string{
	application.SecretState:     {"国家秘密"},
	application.ForbiddenByLaw:  {"法律行政法规禁止"},
	application.Endangers:       {"三安全一稳定", "危及国家安全"},
	application.ThirdPartyRight: {"第三方合法权益"},
	application.InternalAffairs: {"内部事务"},
	application.ProcessInfo:     {"过程性信息"},
	application.EnforcementFile: {"行政执法案卷"},
	application.QueryMatter:     {"行政查询"},
	application.NotHeld:         {"不掌握"},
	application.NeedsMaking:     {"另行制作", "没有现成信息"},
	application.StillUnclear:    {"仍不明确"},
	application.Petition:        {"信访", "举报", "投诉"},
	application.Repeated:        {"重复申请"},
	application.Publication:     {"公开出版物"},
	application.Massive:         {"大量反复"},
	application.ConfirmReissue:  {"确认或重新出具", "重新出具"},
	application.NoCorrection:    {"逾期不补正", "未补正"},
	application.FeeUnpaid:       {"缴纳费用", "收费"},
}

// resultOf reads a reply such as 不予公开（属于国家秘密）, 部分公开 or 无法提供-本机关不掌握.
func resultOf(s string) (application.ReplyType, application.Reason, bool) {
	s = norm(s)
	for _, k := range application.Kinds {
		for _, r := range k.Reasons {
			words := append([]string{r.Label}, reasonWords[r.Code]...)
			for _, w := range words {
				if strings.Contains(s, w) && (strings.Contains(s, k.Label) || !containsOtherType(s, k.Type)) {
					return k.Type, r.Code, true
				}
			}
		}
	}
	// types without reasons, then 其他处理 with no reason named: its 其他
	for _, k := range application.Kinds {
		if len(k.Reasons) == 0 && strings.Contains(s, k.Label) && !strings.Contains(s, "不予") {
			return k.Type, "", true
		}
	}
	if strings.Contains(s, "其他处理") {
		return application.Other, application.OtherReason, true
	}
	return "", "", false
}

// containsOtherType reports that s names a reply type other than t, so that a reason word is not
// read under the wrong type.
func containsOtherType(s string, t application.ReplyType) bool {
	for _, k := range application.Kinds {
		if k.Type != t && strings.Contains(s, k.Label) && !(k.Type == application.Disclose && strings.Contains(s, "不予公开")) {
			return true
		}
	}
	return false
}

// Arrival is the row's receipt as 第三十一条 dates it: the ledger's one date is the date of the
// row's channel.
func (r Row) Arrival() application.Arrival {
	a := application.Arrival{Channel: r.Channel}
	switch r.Channel {
	case application.InPerson:
		a.HandedIn = r.Received
	case application.PostSigned:
		a.SignedFor = r.Received
	default:
		a.Confirmed = r.Received
	}
	return a
}

// Build turns read rows into the register's rows for a unit: each office named by its name or
// an alias in the unit's directory (an unknown one is an issue, never invented), each due day
// computed on the calendar.
func Build(unitID int64, rows []Row, offices []store.Office, cal *calendar.Calendar, by string) ([]store.ApplicationImport, []Issue) {
	var out []store.ApplicationImport
	var issues []Issue
	for _, r := range rows {
		office := int64(0)
		for _, o := range offices {
			if o.Name == r.Office || slices.Contains(o.Aliases, r.Office) {
				office = o.ID
				break
			}
		}
		if office == 0 {
			issues = append(issues, Issue{Line: r.Line, Column: "经办科室", Msg: fmt.Sprintf("科室“%s”不在该单位的通讯录中", r.Office)})
			continue
		}
		arr := r.Arrival()
		due, _ := application.Clock{Start: r.Received}.Due(cal, r.Received)
		out = append(out, store.ApplicationImport{Line: r.Line, Replied: r.Replied, ReplyType: string(r.ReplyType), ReplyReason: string(r.Reason),
			ApplicationNew: store.ApplicationNew{UnitID: unitID, OfficeID: office, Ref: r.Ref, ApplicantType: string(r.Applicant),
				ApplicantName: r.ApplicantName, ApplicantContact: r.ApplicantContact, Channel: string(r.Channel),
				HandedIn: arr.HandedIn, SignedFor: arr.SignedFor, Confirmed: arr.Confirmed, Received: r.Received,
				Content: r.Content, Due: due, CreatedBy: by}})
	}
	return out, issues
}
