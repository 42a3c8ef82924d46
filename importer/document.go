package importer

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/richardlehane/mscfb"
)

// Format is the kind of file a list arrived as.
type Format string

// Supported formats.
const (
	FormatXLSX Format = "xlsx"
	FormatCSV  Format = "csv"
	FormatDOCX Format = "docx"
	FormatHTML Format = "html"
	FormatText Format = "text"
)

// Limits on what Read accepts. Real lists have a few hundred rows; the limits stop a wrong
// file (a database dump, a zip bomb) from tying up the server.
const (
	MaxBytes = 20 << 20
	MaxRows  = 50_000
)

// Cell is one cell of a table as a reader found it.
type Cell struct {
	Text string `json:"text"`
	// Row and Col locate the cell in the source: the sheet row and column (1-based), the CSV
	// line and field, the row and grid column of a Word or HTML table, the line of pasted text.
	Row int `json:"row"`
	Col int `json:"col,omitempty"`
	// Merged is set on a copy of a merged cell's value (and, in pasted text, on a cell that
	// the flattening left out under a merged cell above it).
	Merged  bool   `json:"merged,omitempty"`
	Formula string `json:"formula,omitempty"`
}

// Table is one table of a document: a sheet, a Word or HTML table, a table in pasted text,
// or the numbered tasks of narrative text. Each table is imported as a section.
type Table struct {
	Name string `json:"name"`
	// Where is how messages name the table: 工作表“任务清单”, 第2个表格, 第100–175行.
	Where string   `json:"where"`
	Rows  [][]Cell `json:"rows"`
	// Columns, when set by the reader (narrative text, pasted tables), replaces header detection.
	Columns *Columns `json:"columns,omitempty"`
	// ColNumbers says whether Col is meaningful to a reader of the source (false for text).
	ColNumbers bool `json:"-"`
	// Letters says whether columns are named by letter (spreadsheets) rather than number.
	Letters bool `json:"-"`
	// TitleFromText makes every item's title the first sentence of its text (narrative tasks
	// have no title column).
	TitleFromText bool `json:"-"`
}

// Document is a file read into tables.
type Document struct {
	File   string `json:"file"`
	Format Format `json:"format"`
	Title  string `json:"title,omitempty"`
	// Clock is the wording of a clock the preamble states for every item of the list
	// (【公开时限】…之日起20个工作日内); items whose rows give none take it.
	Clock  string   `json:"clock,omitempty"`
	Tables []*Table `json:"tables"`
	// Errors are problems in single cells found while reading (formulas); Notes are things the
	// admin should know (text that was skipped, a guessed encoding).
	Errors []Issue `json:"errors,omitempty"`
	Notes  []Issue `json:"notes,omitempty"`
}

// Issue is an error or warning about one place in the file.
type Issue struct {
	File   string `json:"file"`
	Table  string `json:"table,omitempty"`
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"` // C, or 3, or a header text
	// Rows lists every row a message applies to (an unknown office met on several rows).
	Rows    []int  `json:"rows,omitempty"`
	Message string `json:"message"`
}

func (i Issue) Error() string {
	var b strings.Builder
	b.WriteString("import ")
	b.WriteString(i.File)
	if i.Table != "" {
		b.WriteString(" " + i.Table)
	}
	switch {
	case len(i.Rows) > 1:
		b.WriteString(" rows " + joinInts(i.Rows))
	case i.Row > 0:
		fmt.Fprintf(&b, " row %d", i.Row)
	}
	if i.Column != "" {
		b.WriteString(" column " + i.Column)
	}
	b.WriteString(": ")
	b.WriteString(i.Message)
	return b.String()
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

// ReadOptions tune Read.
type ReadOptions struct {
	// Sheet reads only this sheet of a workbook (default: every visible sheet).
	Sheet string
	// Year helps pasted-text reading tell a deadline cell from a label.
	Year int
	// KnownOffices are office names (and aliases) of the unit: they help pasted-text reading
	// tell an office cell from a hierarchy label.
	KnownOffices []string
	// MaxBytes and MaxRows override the package limits (tests).
	MaxBytes int
	MaxRows  int
	// ctx, set by Load, lets a reader stop when the import outlives its timeout.
	ctx context.Context
}

func (o ReadOptions) maxBytes() int {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return MaxBytes
}

func (o ReadOptions) maxRows() int {
	if o.MaxRows > 0 {
		return o.MaxRows
	}
	return MaxRows
}

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Read reads a list file of any supported format. name is the file's name (its extension is
// a hint; the content decides). A file that cannot be read at all gives an error (an Issue
// naming the file and, where it applies, the row and column); problems in single cells are
// left in Document.Errors for Build to report with the rest.
func Read(name string, data []byte, opts ReadOptions) (*Document, error) {
	base := filepath.Base(name)
	fail := func(format string, args ...any) error {
		return Issue{File: base, Message: fmt.Sprintf(format, args...)}
	}
	if len(data) == 0 {
		return nil, fail("文件是空的")
	}
	if len(data) > opts.maxBytes() {
		return nil, fail("文件太大（%.1f MB），上限 %d MB", float64(len(data))/(1<<20), opts.maxBytes()>>20)
	}
	ext := strings.ToLower(filepath.Ext(base))
	var (
		doc *Document
		err error
	)
	switch {
	case bytes.HasPrefix(data, magicZip):
		doc, err = readZip(base, data, opts)
	case bytes.HasPrefix(data, magicOLE):
		return nil, oleError(base, data)
	case bytes.HasPrefix(data, []byte("%PDF")):
		return nil, fail("这是 PDF 文件，不能直接导入：请用 Word/Excel 原件，或从 PDF 复制表格文字粘贴导入")
	case bytes.HasPrefix(data, []byte("\x89PNG")), bytes.HasPrefix(data, []byte("\xFF\xD8\xFF")), bytes.HasPrefix(data, []byte("GIF8")):
		return nil, fail("这是图片文件，不能导入：请用 Excel/Word 原件")
	case bytes.HasPrefix(data, []byte("{\\rtf")):
		return nil, fail("这是 RTF 文件：请在 Word 中另存为 .docx 后导入")
	case bytes.HasPrefix(data, []byte("PK")):
		return nil, fail("文件已损坏：不是完整的 .xlsx/.docx（ZIP）文件")
	default:
		var text string
		text, err = decodeText(base, data)
		if err != nil {
			return nil, err
		}
		switch {
		case ext == ".csv" || ext == ".tsv":
			doc, err = readCSV(base, text, opts)
		case ext == ".html" || ext == ".htm" || looksHTML(text):
			doc, err = readHTML(base, text, opts)
		default:
			doc, err = readText(base, text, opts)
		}
	}
	if err != nil {
		return nil, err
	}
	if want := extFormat(ext); want != "" && want != doc.Format {
		doc.Notes = append(doc.Notes, Issue{File: base, Message: fmt.Sprintf("文件扩展名是 %s，内容却是 %s：按内容读取", ext, doc.Format)})
	}
	if len(doc.Tables) == 0 {
		return nil, fail("没有找到任务表格：需要一个带表头（如 工作任务/具体要求/责任科室/完成时限）的表格，或带“（责任科室：…）”标注的任务文字")
	}
	rows := 0
	for _, t := range doc.Tables {
		rows += len(t.Rows)
	}
	if rows > opts.maxRows() {
		return nil, fail("行数太多（%d 行），上限 %d 行", rows, opts.maxRows())
	}
	return doc, nil
}

func extFormat(ext string) Format {
	switch ext {
	case ".xlsx", ".xlsm":
		return FormatXLSX
	case ".docx":
		return FormatDOCX
	case ".csv", ".tsv":
		return FormatCSV
	case ".html", ".htm":
		return FormatHTML
	}
	return ""
}

func looksHTML(text string) bool {
	head := strings.ToLower(text[:min(len(text), 4096)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<table") || strings.Contains(head, "<!doctype html")
}

// readZip tells a workbook from a Word document by the parts inside.
func readZip(name string, data []byte, opts ReadOptions) (*Document, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, Issue{File: name, Message: "文件已损坏，无法打开（" + err.Error() + "）"}
	}
	for _, f := range zr.File {
		switch f.Name {
		case "xl/workbook.xml":
			return readXLSX(name, data, zr, opts)
		case "word/document.xml":
			return readDOCX(name, zr, opts)
		}
	}
	return nil, Issue{File: name, Message: "ZIP 压缩包里既没有 Excel 工作簿也没有 Word 文档：请上传 .xlsx 或 .docx"}
}

// oleError explains a file in the old compound format: an encrypted (password-protected)
// .xlsx/.docx, or a legacy .xls/.doc.
func oleError(name string, data []byte) error {
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return Issue{File: name, Message: "文件已损坏或是不支持的旧版 Office 文件（.xls/.doc）：请另存为 .xlsx 或 .docx"}
	}
	streams := map[string]bool{}
	for e, err := r.Next(); err == nil; e, err = r.Next() {
		streams[e.Name] = true
	}
	switch {
	case streams["EncryptionInfo"] || streams["EncryptedPackage"]:
		return Issue{File: name, Message: "文件设置了打开密码：请在 Excel/Word 中取消密码（文件→信息→保护→用密码进行加密，清空）后再导入"}
	case streams["Workbook"] || streams["Book"]:
		return Issue{File: name, Message: "这是旧版 Excel 97-2003 文件（.xls）：请在 Excel/WPS 中另存为 .xlsx 后导入"}
	case streams["WordDocument"]:
		return Issue{File: name, Message: "这是旧版 Word 97-2003 文件（.doc）：请在 Word/WPS 中另存为 .docx 后导入"}
	}
	return Issue{File: name, Message: "不支持的 Office 复合文档：请另存为 .xlsx 或 .docx"}
}
