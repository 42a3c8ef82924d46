package importer

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"
)

// Caps on what a reader builds from one file. A real list has a few hundred rows and a dozen
// columns, so the caps sit far above any list and far below what would exhaust the process:
// each reader checks them before it allocates, so a 100 KB file that claims a million-cell
// grid is refused for what it claims, not after the process ran out of memory building it.
const (
	// MaxColumns is the widest table a reader accepts (Excel 2003's IV).
	MaxColumns = 256
	// MaxCells caps the grid cells of one file (rows × columns, merged copies included).
	MaxCells = 2_000_000
	// MaxPartBytes caps one unzipped part of an .xlsx/.docx; MaxUnzipBytes the whole archive.
	MaxPartBytes  = 64 << 20
	MaxUnzipBytes = 256 << 20
	// MaxElements caps the XML elements of one part, MaxDepth their nesting (a real document
	// nests a few dozen levels); HTML has its own caps (maxHTMLNodes, maxHTMLDepth).
	MaxElements = 2_000_000
	MaxDepth    = 256
	// MaxSheets caps the worksheets of a workbook.
	MaxSheets = 256
	// MaxLineBytes caps one physical line of a CSV or text file; maxTextLines the lines of a
	// text, blank ones included (what splitting it into lines costs).
	MaxLineBytes = 1 << 20
	maxTextLines = 1_000_000
	// maxFormulaIssues is how many formula cells are reported one by one; the rest are counted.
	maxFormulaIssues = 200
	// MaxCellRunes caps the text of one cell or paragraph: Excel's own limit for a cell. A
	// 60 MB cell would otherwise cost gigabytes in the rule and office parsing after it.
	MaxCellRunes = 32767
)

// checkCell refuses a cell (or paragraph, or line) longer than MaxCellRunes; what names the
// place (单元格 B3, 第 12 行).
func checkCell(s, what string) error {
	if len(s) <= MaxCellRunes {
		return nil
	}
	if n := utf8.RuneCountInString(s); n > MaxCellRunes {
		return overLimit("%s的文字太长（%d 字，上限 %d 字）", what, n, MaxCellRunes)
	}
	return nil
}

// limitError is a cap that a file exceeded, in the admin's words; readers wrap it in an Issue
// that names the file and the place.
type limitError struct {
	msg string
	// plain: the message needs no advice (a timeout is not the file's shape)
	plain bool
}

func (e *limitError) Error() string { return e.msg }

func overLimit(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

func mb(n uint64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }

// checkZip refuses an archive whose parts would unzip beyond the caps. The sizes are the ones
// the archive declares; archive/zip fails a part that inflates beyond its declared size, and
// openPart reads through a limit as well, so a lying header gains nothing.
func checkZip(name string, zr *zip.Reader) error {
	var total uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 > MaxPartBytes {
			return Issue{File: name, Message: fmt.Sprintf("文件内容异常：压缩包内的 %s 解压后有 %s，超过单个部件 %s 的上限（正常的清单远小于此）", f.Name, mb(f.UncompressedSize64), mb(MaxPartBytes))}
		}
		total += f.UncompressedSize64
		if total > MaxUnzipBytes {
			return Issue{File: name, Message: fmt.Sprintf("文件内容异常：解压后超过 %s（正常的清单远小于此）", mb(MaxUnzipBytes))}
		}
	}
	return nil
}

// findPart finds a part by name the way Office does: case-insensitively, with either slash.
func findPart(zr *zip.Reader, name string) *zip.File {
	if name == "" {
		return nil
	}
	want := strings.ToLower(path.Clean(strings.ReplaceAll(name, `\`, "/")))
	for _, f := range zr.File {
		if strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/")) == want {
			return f
		}
	}
	return nil
}

var errPartTooBig = errors.New("part too big")

// capReader fails once more than n bytes were read, instead of ending quietly as
// io.LimitReader does: a truncated part must be refused, not read as if it were whole.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errPartTooBig
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// openPart opens a part for reading through the part cap.
func openPart(f *zip.File) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{&capReader{r: io.LimitReader(rc, MaxPartBytes+1), n: MaxPartBytes}, rc}, nil
}

// readPart reads a whole (small) part through the cap; nil when it is missing or unreadable.
func readPart(zr *zip.Reader, name string) []byte {
	f := findPart(zr, name)
	if f == nil {
		return nil
	}
	rc, err := openPart(f)
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil
	}
	return b
}

// xmlScan walks the tokens of an XML part with the element and depth caps, calling visit for
// each token (tokens are only valid until the next call). It reads raw tokens (no namespace
// translation), so it costs one pass and no tree.
func xmlScan(r io.Reader, maxElements int, visit func(tok xml.Token) error) error {
	d := xml.NewDecoder(r)
	d.Strict = false
	elements, depth := 0, 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errPartTooBig) {
				return overLimit("解压后超过 %s", mb(MaxPartBytes))
			}
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			elements++
			depth++
			if elements > maxElements {
				return overLimit("XML 元素超过 %d 个", maxElements)
			}
			if depth > MaxDepth {
				return overLimit("XML 嵌套超过 %d 层", MaxDepth)
			}
		case xml.EndElement:
			depth--
		}
		if visit != nil {
			if err := visit(tok); err != nil {
				return err
			}
		}
	}
}

// scanPart checks one part against the caps without keeping anything; a missing part passes.
func scanPart(zr *zip.Reader, name string, maxElements int) error {
	f := findPart(zr, name)
	if f == nil {
		return nil
	}
	rc, err := openPart(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xmlScan(rc, maxElements, nil)
}

// capText refuses a text whose lines are too many or too long before a reader splits it. A
// line ends at \n, \r\n or a lone \r, as the text reader splits them.
func capText(name, text string, maxLines int) error {
	lines := 0
	for start := 0; ; {
		if start == len(text) && lines > 0 {
			return nil // the text ends with a line end: no line after it
		}
		i := strings.IndexAny(text[start:], "\r\n")
		end := len(text)
		if i >= 0 {
			end = start + i
		}
		lines++
		if end-start > MaxLineBytes {
			return Issue{File: name, Row: lines, Message: fmt.Sprintf("第 %d 行太长（%s，上限 %s）：这不像一份清单", lines, mb(uint64(end-start)), mb(MaxLineBytes))}
		}
		if lines > maxLines {
			return Issue{File: name, Message: fmt.Sprintf("文本太长（超过 %d 行）", maxLines)}
		}
		if i < 0 {
			return nil
		}
		start = end + 1
		if text[end] == '\r' && start < len(text) && text[start] == '\n' {
			start++
		}
	}
}

// lineCapReader fails when a physical line exceeds MaxLineBytes, so that encoding/csv never
// buffers a 15 MB line (or a file of commas only) as one record.
type lineCapReader struct {
	r    io.Reader
	run  int // bytes since the last line end
	line int
}

var errLineTooLong = errors.New("line too long")

func (l *lineCapReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			l.run = 0
			l.line++
			continue
		}
		l.run++
		if l.run > MaxLineBytes {
			return i, errLineTooLong
		}
	}
	return n, err
}

// gridCap counts the cells a reader lays on a grid, for the MaxCells cap.
type gridCap struct{ cells int }

func (g *gridCap) add(n int) error {
	g.cells += n
	if g.cells > MaxCells {
		return overLimit("单元格超过 %d 个（行数 × 列数）", MaxCells)
	}
	return nil
}

// issueOf turns a limit (or other) error into an Issue at a place of a file.
func issueOf(name, where string, err error) error {
	var is Issue
	if errors.As(err, &is) {
		is.File = name
		if is.Table == "" {
			is.Table = where
		}
		return is
	}
	return Issue{File: name, Table: where, Message: limitMessage(err)}
}

func limitMessage(err error) string {
	var is Issue
	if errors.As(err, &is) {
		return is.Message
	}
	var le *limitError
	if errors.As(err, &le) {
		if le.plain {
			return le.msg
		}
		return le.msg + "：这不像一份清单，请检查文件（或只保留任务表格后再导入）"
	}
	return err.Error()
}

// cancelled says why a read must stop: the import's timeout passed, or its caller went away.
func (o ReadOptions) cancelled() error {
	if o.ctx == nil {
		return nil
	}
	switch err := o.ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &limitError{msg: fmt.Sprintf("读取文件超过 %s 仍未完成：文件可能过大或结构异常，请只保留任务表格后再试", importTimeout), plain: true}
	default:
		return &limitError{msg: "导入已取消", plain: true}
	}
}

// CheckXLSX checks a workbook against the caps before excelize opens it: the sizes its parts
// unzip to, and the elements and nesting of each XML part. The error is the admin's message,
// without a file name; the roster reader shares it.
func CheckXLSX(zr *zip.Reader) error {
	if err := checkZip("", zr); err != nil {
		var is Issue
		if errors.As(err, &is) {
			return errors.New(is.Message)
		}
		return err
	}
	if err := checkWorkbookParts(zr); err != nil {
		return errors.New(limitMessage(err))
	}
	for _, f := range zr.File {
		n := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if !strings.HasPrefix(n, "xl/worksheets/") || !strings.HasSuffix(n, ".xml") {
			continue
		}
		if err := scanPart(zr, f.Name, MaxElements); err != nil {
			return fmt.Errorf("%s: %s", f.Name, limitMessage(err))
		}
	}
	return nil
}
