package importer

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// xnode is a light tree of WordprocessingML: local element names, the w:val attribute (the
// only one the reader uses) and the text of w:t elements. Kept small because a document may
// hold up to MaxElements of them.
type xnode struct {
	name string
	val  string
	kids []*xnode
	text string
}

func (n *xnode) child(name string) *xnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// docxNames are the element names the reader looks at; any other element is kept as
// otherElement (its children may hold runs: w:ins, w:hyperlink, w:smartTag).
var docxNames = map[string]string{}

const otherElement = "*"

func init() {
	for _, n := range []string{"document", "body", "p", "r", "t", "tab", "br", "cr", "del", "rPr", "pPr", "instrText",
		"tbl", "tr", "tc", "trPr", "tcPr", "gridBefore", "gridSpan", "vMerge", "sdt", "sdtContent"} {
		docxNames[n] = n
	}
}

// docxSkipped are elements whose content the reader never reads: their subtrees are counted
// against the caps but not kept.
func docxSkipped(name string) bool {
	switch name {
	case "rPr", "pPr", "del", "instrText":
		return true
	}
	return false
}

// readDOCX reads the tables of a Word document (gridSpan and vMerge merges expanded) and its
// paragraphs outside tables as narrative text.
func readDOCX(name string, zr *zip.Reader, opts ReadOptions) (*Document, error) {
	if err := checkZip(name, zr); err != nil {
		return nil, err
	}
	part := findPart(zr, "word/document.xml")
	if part == nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏：没有正文"}
	}
	rc, err := openPart(part)
	if err != nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏（" + err.Error() + "）"}
	}
	defer rc.Close()
	root, err := parseXML(rc, opts)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) {
			return nil, issueOf(name, "word/document.xml", err)
		}
		return nil, Issue{File: name, Message: "Word 文件已损坏，document.xml 无法解析（" + err.Error() + "）"}
	}
	body := root.child("body")
	if body == nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏：没有正文"}
	}
	doc := &Document{File: name, Format: FormatDOCX}
	grid := &gridCap{}
	var lines []line
	n := 0
	// block-level content in document order; an sdt's content takes its place
	stack := [][]*xnode{body.kids}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		if len(top) == 0 {
			stack = stack[:len(stack)-1]
			continue
		}
		k := top[0]
		stack[len(stack)-1] = top[1:]
		switch k.name {
		case "p":
			for _, l := range strings.Split(cleanCell(paraText(k)), "\n") {
				if err := checkCell(l, fmt.Sprintf("正文第 %d 行", len(lines)+1)); err != nil {
					return nil, issueOf(name, "", err)
				}
				if l != "" {
					lines = append(lines, line{Text: l, No: len(lines) + 1})
				}
			}
		case "tbl":
			n++
			where := fmt.Sprintf("第%d个表格", n)
			t, err := docxTable(k, grid)
			if err != nil {
				return nil, issueOf(name, where, err)
			}
			t.Where = where
			t.Name = fmt.Sprintf("表%d", n)
			if len(lines) > 0 && runeLen(lines[len(lines)-1].Text) <= 60 {
				t.Name = lines[len(lines)-1].Text
			}
			if !emptyTable(t) {
				doc.Tables = append(doc.Tables, t)
			}
		case "sdt":
			if c := k.child("sdtContent"); c != nil {
				stack = append(stack, c.kids)
			}
		}
	}
	doc.Title = findTitle(lines)
	doc.Clock = findClock(lines, opts.Year)
	nt := proseTable(lines, opts, opts.Year, len(doc.Tables) > 0)
	if nt != nil {
		if doc.Title != "" {
			nt.Name = doc.Title
		}
		doc.Tables = append([]*Table{nt}, doc.Tables...)
	}
	return doc, nil
}

// parseXML builds the tree of a part within the element and depth caps, reading it once.
func parseXML(r io.Reader, opts ReadOptions) (*xnode, error) {
	d := xml.NewDecoder(r)
	root := &xnode{name: "#root"}
	stack := []*xnode{root}
	skip := 0 // depth inside a skipped subtree
	elements := 0
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errPartTooBig) {
				return nil, overLimit("解压后超过 %s", mb(MaxPartBytes))
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if elements > MaxElements {
				return nil, overLimit("XML 元素超过 %d 个", MaxElements)
			}
			if len(stack)+skip > MaxDepth {
				return nil, overLimit("XML 嵌套超过 %d 层", MaxDepth)
			}
			if elements%65536 == 0 {
				if err := opts.cancelled(); err != nil {
					return nil, err
				}
			}
			if skip > 0 {
				skip++
				continue
			}
			name, ok := docxNames[t.Name.Local]
			if !ok {
				name = otherElement
			}
			if name == "r" {
				// a run only groups its text: its children go to the paragraph, which
				// spares a third of the nodes of a typical document
				stack = append(stack, stack[len(stack)-1])
				continue
			}
			n := &xnode{name: name}
			for _, a := range t.Attr {
				if a.Name.Local == "val" {
					n.val = a.Value
				}
			}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			if docxSkipped(name) {
				skip = 1
				continue
			}
			stack = append(stack, n)
			if name == "t" {
				text.Reset()
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			top := stack[len(stack)-1]
			if top.name == "t" {
				top.text = text.String()
				text.Reset()
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if skip == 0 && stack[len(stack)-1].name == "t" {
				text.Write(t)
			}
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("unexpected end of document")
	}
	if len(root.kids) == 0 {
		return nil, fmt.Errorf("empty document")
	}
	return root.kids[0], nil
}

// paraText is the text of a paragraph (or anything holding runs): w:t text, tabs and breaks;
// deleted text (w:delText) and field codes (w:instrText) are other elements and stay out.
func paraText(p *xnode) string {
	var b strings.Builder
	stack := []*xnode{p}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n.name {
		case "t":
			b.WriteString(n.text)
			continue
		case "tab":
			b.WriteString(" ")
			continue
		case "br", "cr":
			b.WriteString("\n")
			continue
		case "del", "rPr", "pPr", "instrText":
			continue
		}
		for i := len(n.kids) - 1; i >= 0; i-- {
			stack = append(stack, n.kids[i])
		}
	}
	return b.String()
}

// docxCellText is the text of a table cell: its paragraphs one per line (a nested table's
// text included).
func docxCellText(tc *xnode) string {
	var parts []string
	stack := make([]*xnode, 0, len(tc.kids))
	for i := len(tc.kids) - 1; i >= 0; i-- {
		stack = append(stack, tc.kids[i])
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch k.name {
		case "p":
			parts = append(parts, paraText(k))
		case "tbl", "tr", "tc", "sdt", "sdtContent":
			for i := len(k.kids) - 1; i >= 0; i-- {
				stack = append(stack, k.kids[i])
			}
		}
	}
	return cleanCell(strings.Join(parts, "\n"))
}

func attrInt(n *xnode, def int) int {
	if n == nil {
		return def
	}
	if v, err := strconv.Atoi(n.val); err == nil && v > 0 {
		return min(v, maxSpan)
	}
	return def
}

// docxTable lays a w:tbl on a grid. A cell spans gridSpan columns; a cell with vMerge (not
// "restart") continues the cell above it in the same grid column. Spans are clipped at
// MaxColumns (beyond it they would only copy a value); a cell that starts beyond it, or a
// grid beyond MaxCells, refuses the table.
func docxTable(tbl *xnode, grid *gridCap) (*Table, error) {
	t := &Table{ColNumbers: true}
	for _, tr := range tbl.kids {
		if tr.name != "tr" {
			continue
		}
		r := len(t.Rows)
		var row []Cell
		col := 0
		if pr := tr.child("trPr"); pr != nil {
			for i := 0; i < attrInt(pr.child("gridBefore"), 0) && col < MaxColumns; i++ {
				row = append(row, Cell{Row: r + 1, Col: col + 1})
				col++
			}
		}
		for _, tc := range tr.kids {
			if tc.name == "sdt" {
				if c := tc.child("sdtContent"); c != nil && c.child("tc") != nil {
					tc = c.child("tc")
				}
			}
			if tc.name != "tc" {
				continue
			}
			if col >= MaxColumns {
				return nil, overLimit("第 %d 行超过 %d 列", r+1, MaxColumns)
			}
			pr := tc.child("tcPr")
			spanN := 1
			cont := false
			if pr != nil {
				spanN = attrInt(pr.child("gridSpan"), 1)
				if vm := pr.child("vMerge"); vm != nil && vm.val != "restart" {
					cont = true
				}
			}
			spanN = min(spanN, MaxColumns-col)
			text := docxCellText(tc)
			if err := checkCell(text, fmt.Sprintf("第 %d 行第 %d 列", r+1, col+1)); err != nil {
				return nil, err
			}
			merged := false
			if cont && r > 0 && col < len(t.Rows[r-1]) {
				text = t.Rows[r-1][col].Text
				merged = true
			}
			for i := 0; i < spanN; i++ {
				row = append(row, Cell{Text: text, Row: r + 1, Col: col + 1, Merged: merged || i > 0})
				col++
			}
		}
		if err := grid.add(max(len(row), 1)); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
