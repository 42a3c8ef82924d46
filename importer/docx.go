package importer

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// xnode is a light tree of WordprocessingML: local element names, attributes by local name,
// and the text of w:t elements.
type xnode struct {
	name string
	attr map[string]string
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

// readDOCX reads the tables of a Word document (gridSpan and vMerge merges expanded) and its
// paragraphs outside tables as narrative text.
func readDOCX(name string, zr *zip.Reader, opts ReadOptions) (*Document, error) {
	var part *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			part = f
		}
	}
	rc, err := part.Open()
	if err != nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏（" + err.Error() + "）"}
	}
	defer rc.Close()
	root, err := parseXML(io.LimitReader(rc, 256<<20))
	if err != nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏，document.xml 无法解析（" + err.Error() + "）"}
	}
	body := root.child("body")
	if body == nil {
		return nil, Issue{File: name, Message: "Word 文件已损坏：没有正文"}
	}
	doc := &Document{File: name, Format: FormatDOCX}
	var lines []line
	n := 0
	var visit func(kids []*xnode)
	visit = func(kids []*xnode) {
		for _, k := range kids {
			switch k.name {
			case "p":
				for _, l := range strings.Split(cleanCell(paraText(k)), "\n") {
					if l != "" {
						lines = append(lines, line{Text: l, No: len(lines) + 1})
					}
				}
			case "tbl":
				n++
				t := docxTable(k)
				t.Where = fmt.Sprintf("第%d个表格", n)
				t.Name = fmt.Sprintf("表%d", n)
				if len(lines) > 0 && runeLen(lines[len(lines)-1].Text) <= 60 {
					t.Name = lines[len(lines)-1].Text
				}
				if !emptyTable(t) {
					doc.Tables = append(doc.Tables, t)
				}
			case "sdt":
				if c := k.child("sdtContent"); c != nil {
					visit(c.kids)
				}
			}
		}
	}
	visit(body.kids)
	doc.Title = findTitle(lines)
	if nt := narrativeTable(lines, "正文", opts); nt != nil {
		if doc.Title != "" {
			nt.Name = doc.Title
		}
		doc.Tables = append([]*Table{nt}, doc.Tables...)
	}
	return doc, nil
}

func parseXML(r io.Reader) (*xnode, error) {
	d := xml.NewDecoder(r)
	root := &xnode{name: "#root"}
	stack := []*xnode{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local}
			if len(t.Attr) > 0 {
				n.attr = make(map[string]string, len(t.Attr))
				for _, a := range t.Attr {
					n.attr[a.Name.Local] = a.Value
				}
			}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if top.name == "t" {
				top.text += string(t)
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
func paraText(n *xnode) string {
	var b strings.Builder
	var walk func(n *xnode)
	walk = func(n *xnode) {
		switch n.name {
		case "t":
			b.WriteString(n.text)
			return
		case "tab":
			b.WriteString(" ")
			return
		case "br", "cr":
			b.WriteString("\n")
			return
		case "del", "rPr", "pPr", "instrText":
			return
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return b.String()
}

// cellText of a table cell: its paragraphs one per line (a nested table's text included).
func docxCellText(tc *xnode) string {
	var parts []string
	var walk func(n *xnode)
	walk = func(n *xnode) {
		for _, k := range n.kids {
			switch k.name {
			case "p":
				parts = append(parts, paraText(k))
			case "tbl", "tr", "tc", "sdt", "sdtContent":
				walk(k)
			}
		}
	}
	walk(tc)
	return cleanCell(strings.Join(parts, "\n"))
}

func attrInt(n *xnode, def int) int {
	if n == nil {
		return def
	}
	if v, err := strconv.Atoi(n.attr["val"]); err == nil && v > 0 {
		return min(v, maxSpan)
	}
	return def
}

// docxTable lays a w:tbl on a grid. A cell spans gridSpan columns; a cell with vMerge (not
// "restart") continues the cell above it in the same grid column.
func docxTable(tbl *xnode) *Table {
	t := &Table{ColNumbers: true}
	for _, tr := range tbl.kids {
		if tr.name != "tr" {
			continue
		}
		r := len(t.Rows)
		var row []Cell
		col := 0
		if pr := tr.child("trPr"); pr != nil {
			for i := 0; i < attrInt(pr.child("gridBefore"), 0); i++ {
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
			pr := tc.child("tcPr")
			spanN := 1
			cont := false
			if pr != nil {
				spanN = attrInt(pr.child("gridSpan"), 1)
				if vm := pr.child("vMerge"); vm != nil && vm.attr["val"] != "restart" {
					cont = true
				}
			}
			text := docxCellText(tc)
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
		t.Rows = append(t.Rows, row)
	}
	return t
}
