package web

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
)

// The 通报 as a Word document (/tongbao.docx), for leaders who print it or paste it into a
// 公文: the same sections and figures as the page, written as WordprocessingML by hand (no
// docx library is vendored) with the parts Word and WPS require: [Content_Types].xml, the
// package and document relationships, document.xml, styles.xml and the document properties.

// The page is A4 portrait with 2.54 cm margins: 11906 − 2 × 1440 twips of text width.
const docxTextWidth = 9026

func (s *Server) tongbaoDocx(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.tongbao(r, rc)
	if err != nil {
		return err
	}
	body, err := tongbaoDocument(d, displayName(rc.user))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("通报-%s-%s%s.docx", d.UnitName, d.Month, d.Quarter)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
	w.Header().Set("Content-Disposition", "attachment; filename=\"tongbao.docx\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, err = w.Write(body)
	return err
}

// tongbaoTitle is the 通报's title, on the page and in the document.
func tongbaoTitle(d *tongbaoData) string {
	return fmt.Sprintf("%s %s政务公开工作通报", d.UnitName, d.Label)
}

// tongbaoSummary is the 通报's opening paragraph: the period's cycles and the overdue and
// escalated items now.
func tongbaoSummary(d *tongbaoData) string {
	t := d.Totals
	return fmt.Sprintf("%s到期 %d 个周期，已截止 %d 个，其中已完成 %d 个（按时完成 %d 个），仍逾期 %d 个；完成率 %s，按时完成率 %s。"+
		"截至生成时，全单位逾期未完成事项 %d 项，其中已升级督办 %d 项；%s督办升级通知 %d 条（已发送 %d 条）。",
		d.Label, t.Due, t.Closed, t.Done, t.OnTime, t.Overdue, percent(t.Done, t.Closed), percent(t.OnTime, t.Closed),
		len(d.Overdue), d.Escalated, d.Period, d.EscalationNotices, d.EscalationsSent)
}

// tongbaoAppsSummary is the 依申请公开 paragraph.
func tongbaoAppsSummary(d *tongbaoData) string {
	a := d.Applications
	return fmt.Sprintf("%s收到政府信息公开申请 %d 件，办结 %d 件（其中超过答复期限办结 %d 件）；截至生成时在办 %d 件，其中已超过答复期限 %d 件。",
		d.Period, a.Received, a.Answered, a.AnsweredLate, a.Open, len(a.Overdue))
}

// tongbaoTables are the 通报's tables as rows of cell texts, header first, in the order the
// document shows them, each with its column widths in twips; the page's tables have the same
// columns, so a test can hold one against the other.
type docxTable struct {
	id     string // the page table's id
	widths []int
	rows   [][]string
}

func tongbaoOfficeTable(d *tongbaoData) docxTable {
	t := docxTable{id: "tongbao-offices", widths: []int{1826, 800, 900, 900, 1000, 900, 1200, 1500},
		rows: [][]string{{"科室", "到期", "已截止", "已完成", "按时完成", "仍逾期", "完成率", "按时完成率"}}}
	for _, o := range d.Offices {
		t.rows = append(t.rows, []string{o.Office, strconv.Itoa(o.Due), strconv.Itoa(o.Closed), strconv.Itoa(o.Done),
			strconv.Itoa(o.OnTime), strconv.Itoa(o.Overdue), percent(o.Done, o.Closed), percent(o.OnTime, o.Closed)})
	}
	return t
}

func tongbaoOverdueTable(d *tongbaoData, escalatedOnly bool) docxTable {
	t := docxTable{id: "tongbao-overdue", widths: []int{2926, 1600, 1900, 1100, 1500},
		rows: [][]string{{"事项", "责任科室", "截止日期", "逾期工作日", "督办级别"}}}
	if escalatedOnly {
		t.id = "tongbao-escalated"
	}
	for _, it := range d.Overdue {
		if escalatedOnly && it.EscalationLevel == 0 {
			continue
		}
		t.rows = append(t.rows, []string{it.Title, officeNames(it.Offices), fmtDate(it.DueAt), strconv.Itoa(it.Days), levelLabel(it.EscalationLevel)})
	}
	return t
}

func tongbaoAppsTable(d *tongbaoData) docxTable {
	t := docxTable{id: "tongbao-applications", widths: []int{1726, 1400, 1900, 1900, 1100, 1000},
		rows: [][]string{{"编号", "承办科室", "收到日期", "答复期限", "超期工作日", "状态"}}}
	for _, a := range d.Applications.Overdue {
		t.rows = append(t.rows, []string{a.Ref, a.Office, fmtDate(a.Received), fmtDate(a.Due), strconv.Itoa(a.Days), a.State})
	}
	return t
}

// tongbaoDocument writes the .docx of a 通报.
func tongbaoDocument(d *tongbaoData, author string) ([]byte, error) {
	var doc docxBody
	doc.para("Title", tongbaoTitle(d))
	doc.para("Subtitle", fmt.Sprintf("统计期间：%s至%s　生成时间：%s", chineseDate(d.From), chineseDate(d.To.AddDays(-1)), fmtTime(d.At)))
	doc.para("", tongbaoSummary(d))

	doc.para("Heading1", "一、各科室完成情况")
	if len(d.Offices) == 0 {
		doc.para("", d.Label+"没有到期的周期。")
	} else {
		doc.table(tongbaoOfficeTable(d))
		doc.para("Note", "完成率 = 已完成 ÷ 已截止；按时完成率 = 按时完成 ÷ 已截止。已截止指已完成或已过截止日期的周期。")
	}

	doc.para("Heading1", "二、逾期未完成事项")
	if len(d.Overdue) == 0 {
		doc.para("", "目前没有逾期未完成的事项。")
	} else {
		doc.table(tongbaoOverdueTable(d, false))
	}

	doc.para("Heading1", "三、督办升级情况")
	doc.para("", fmt.Sprintf("截至生成时，逾期未完成事项中已升级督办 %d 项；%s共发出督办升级通知 %d 条（已发送 %d 条）。",
		d.Escalated, d.Period, d.EscalationNotices, d.EscalationsSent))
	if d.Escalated > 0 {
		doc.table(tongbaoOverdueTable(d, true))
	}

	doc.para("Heading1", "四、依申请公开办理情况")
	if d.Applications == nil {
		doc.para("", "本单位尚未登记政府信息公开申请。")
	} else {
		doc.para("", tongbaoAppsSummary(d))
		if len(d.Applications.Overdue) > 0 {
			doc.table(tongbaoAppsTable(d))
		}
	}
	doc.para("", "请各科室对照逾期事项尽快办理，并在系统中登记完成情况和佐证链接。")
	doc.para("Signature", d.UnitName)
	doc.para("Signature", chineseDate(calendar.DateOf(d.At)))
	return docxPackage(tongbaoTitle(d), author, d.At, doc.String())
}

// chineseDate writes 2024年4月30日.
func chineseDate(d calendar.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)
}

// docxBody accumulates the paragraphs and tables of document.xml's body.
type docxBody struct{ b strings.Builder }

func (d *docxBody) String() string { return d.b.String() }

// text writes s as XML character data; a string always escapes, so the error is nil.
func (d *docxBody) text(s string) { _ = xml.EscapeText(&d.b, []byte(s)) }

func (d *docxBody) para(style, s string) {
	d.b.WriteString("<w:p>")
	if style != "" {
		d.b.WriteString(`<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	}
	d.run(s, false)
	d.b.WriteString("</w:p>")
}

func (d *docxBody) run(s string, bold bool) {
	if s == "" {
		return
	}
	d.b.WriteString("<w:r>")
	if bold {
		d.b.WriteString("<w:rPr><w:b/></w:rPr>")
	}
	d.b.WriteString(`<w:t xml:space="preserve">`)
	d.text(s)
	d.b.WriteString("</w:t></w:r>")
}

// table writes a bordered table whose first row is its header, repeated on each page.
func (d *docxBody) table(t docxTable) {
	d.b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TongbaoTable"/><w:tblW w:w="` + strconv.Itoa(docxTextWidth) + `" w:type="dxa"/>` +
		`<w:tblLayout w:type="fixed"/><w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	for _, w := range t.widths {
		d.b.WriteString(`<w:gridCol w:w="` + strconv.Itoa(w) + `"/>`)
	}
	d.b.WriteString("</w:tblGrid>")
	for i, row := range t.rows {
		d.b.WriteString("<w:tr>")
		if i == 0 {
			d.b.WriteString("<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>")
		} else {
			d.b.WriteString("<w:trPr><w:cantSplit/></w:trPr>")
		}
		for j, cell := range row {
			d.b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="` + strconv.Itoa(t.widths[j]) + `" w:type="dxa"/>`)
			if i == 0 {
				d.b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>`)
			}
			d.b.WriteString(`<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/>`)
			if i == 0 || j > 0 && isFigure(cell) {
				d.b.WriteString(`<w:jc w:val="center"/>`)
			}
			d.b.WriteString("</w:pPr>")
			d.run(cell, i == 0)
			d.b.WriteString("</w:p></w:tc>")
		}
		d.b.WriteString("</w:tr>")
	}
	// Word merges two tables that touch, and a paragraph must follow a table before sectPr
	d.b.WriteString(`</w:tbl><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr></w:p>`)
}

// isFigure: numbers, percentages and dates are centred in their cells.
func isFigure(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.%-—") == ""
}

const (
	docxMain = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	docxRels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	xmlHead  = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
)

// docxPackage zips a document body into a .docx with its styles and properties. The entries
// carry the 通报's time, so the same 通报 gives the same bytes.
func docxPackage(title, author string, at time.Time, body string) ([]byte, error) {
	var esc = func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	parts := []struct{ name, data string }{
		{"[Content_Types].xml", xmlHead + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
			`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
			`</Types>`},
		{"_rels/.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + docxRels + `/officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`<Relationship Id="rId3" Type="` + docxRels + `/extended-properties" Target="docProps/app.xml"/>` +
			`</Relationships>`},
		{"docProps/core.xml", xmlHead + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
			`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
			`<dc:title>` + esc(title) + `</dc:title><dc:creator>` + esc(author) + `</dc:creator><dc:language>zh-CN</dc:language>` +
			`<dcterms:created xsi:type="dcterms:W3CDTF">` + at.UTC().Format(time.RFC3339) + `</dcterms:created>` +
			`<dcterms:modified xsi:type="dcterms:W3CDTF">` + at.UTC().Format(time.RFC3339) + `</dcterms:modified></cp:coreProperties>`},
		{"docProps/app.xml", xmlHead + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` +
			`<Application>政务公开提醒系统</Application></Properties>`},
		{"word/_rels/document.xml.rels", xmlHead + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + docxRels + `/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId2" Type="` + docxRels + `/settings" Target="settings.xml"/>` +
			`</Relationships>`},
		{"word/document.xml", xmlHead + `<w:document xmlns:w="` + docxMain + `" xmlns:r="` + docxRels + `"><w:body>` + body +
			`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>` +
			`</w:body></w:document>`},
		{"word/styles.xml", xmlHead + docxStyles},
		{"word/settings.xml", xmlHead + `<w:settings xmlns:w="` + docxMain + `"><w:defaultTabStop w:val="420"/>` +
			`<w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`},
	}
	var out bytes.Buffer
	z := zip.NewWriter(&out)
	for _, p := range parts {
		f, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return nil, fmt.Errorf("docx %s: %w", p.name, err)
		}
		if _, err := io.WriteString(f, p.data); err != nil {
			return nil, fmt.Errorf("docx %s: %w", p.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return nil, fmt.Errorf("docx: %w", err)
	}
	return out.Bytes(), nil
}

// docxStyles are the 公文-like styles: 仿宋 四号 body, a bold 宋体 二号 title, 黑体 三号 headings,
// 宋体 五号 in tables. Word and WPS substitute a font a machine lacks.
const docxStyles = `<w:styles xmlns:w="` + docxMain + `">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋" w:cs="Times New Roman"/>` +
	`<w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="200" w:firstLine="560"/><w:jc w:val="both"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:spacing w:before="240" w:after="240"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="宋体"/><w:b/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="595959"/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="黑体"/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="宋体"/><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="TableText"/>` +
	`<w:pPr><w:spacing w:before="60" w:after="120"/></w:pPr><w:rPr><w:color w:val="595959"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Signature"><w:name w:val="Signature"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0" w:right="420"/><w:jc w:val="right"/><w:spacing w:after="0"/></w:pPr></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>` +
	`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>` +
	`<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`<w:style w:type="table" w:styleId="TongbaoTable"><w:name w:val="Tongbao Table"/><w:basedOn w:val="TableNormal"/>` +
	`<w:tblPr><w:jc w:val="center"/><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders>` +
	`<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`</w:styles>`
