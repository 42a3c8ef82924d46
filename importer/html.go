package importer

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxSpan caps rowspan/colspan: a page with rowspan=100000 must not allocate a huge grid.
const maxSpan = 1000

// readHTML reads the data tables of a web page (tables that hold no other table; layout
// tables around them are looked through) with rowspan/colspan expanded, and the page's
// paragraphs outside tables as narrative text.
func readHTML(name, text string, opts ReadOptions) (*Document, error) {
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, Issue{File: name, Message: "HTML 无法解析：" + err.Error()}
	}
	doc := &Document{File: name, Format: FormatHTML}
	w := &htmlWalker{}
	w.walk(root)
	w.flush()
	doc.Title = w.title
	for i, tb := range w.tables {
		tb.t.Where = fmt.Sprintf("第%d个表格", i+1)
		if tb.t.Name == "" {
			tb.t.Name = fmt.Sprintf("表%d", i+1)
		}
		if !emptyTable(tb.t) {
			doc.Tables = append(doc.Tables, tb.t)
		}
	}
	if doc.Title == "" {
		doc.Title = findTitle(w.lines)
	}
	if nt := narrativeTable(w.lines, "正文", opts); nt != nil {
		if doc.Title != "" {
			nt.Name = doc.Title
		}
		doc.Tables = append([]*Table{nt}, doc.Tables...)
	}
	return doc, nil
}

type htmlTable struct{ t *Table }

type htmlWalker struct {
	lines  []line
	cur    strings.Builder
	tables []htmlTable
	title  string
}

func (w *htmlWalker) flush() {
	if s := cleanCell(w.cur.String()); s != "" {
		for _, l := range strings.Split(s, "\n") {
			w.lines = append(w.lines, line{Text: l, No: len(w.lines) + 1})
		}
	}
	w.cur.Reset()
}

func (w *htmlWalker) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.cur.WriteString(collapseSpace(n.Data))
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Head:
			if n.DataAtom == atom.Head {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.DataAtom == atom.Title {
						w.title = strings.TrimSpace(nodeText(c))
					}
				}
			}
			return
		case atom.Table:
			if !hasDescendant(n, atom.Table) {
				w.flush()
				t := htmlGrid(n)
				if cap := caption(n); cap != "" {
					t.Name = cap
				} else if len(w.lines) > 0 && runeLen(w.lines[len(w.lines)-1].Text) <= 60 {
					t.Name = w.lines[len(w.lines)-1].Text
				}
				w.tables = append(w.tables, htmlTable{t})
				return
			}
		case atom.Br:
			w.cur.WriteString("\n")
			return
		}
		if isBlock(n.DataAtom) {
			w.flush()
			defer w.flush()
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Tr, atom.Td, atom.Th,
		atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.Dd, atom.Dt, atom.Header, atom.Footer, atom.Table:
		return true
	}
	return false
}

func hasDescendant(n *html.Node, a atom.Atom) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a || hasDescendant(c, a) {
			return true
		}
	}
	return false
}

func caption(n *html.Node) string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom == atom.Caption {
			return cleanCell(nodeText(c))
		}
	}
	return ""
}

// htmlGrid lays the rows of a table on a grid, copying a cell with rowspan/colspan into
// every grid position it covers.
func htmlGrid(tbl *html.Node) *Table {
	var trs []*html.Node
	var collect func(n *html.Node)
	collect = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.DataAtom {
			case atom.Tr:
				trs = append(trs, c)
			case atom.Thead, atom.Tbody, atom.Tfoot:
				collect(c)
			}
		}
	}
	collect(tbl)
	t := &Table{ColNumbers: true}
	grid := make([][]Cell, len(trs))
	taken := func(r, c int) bool { return c < len(grid[r]) && grid[r][c].Row != 0 }
	put := func(r, c int, cell Cell) {
		for len(grid[r]) <= c {
			grid[r] = append(grid[r], Cell{})
		}
		grid[r][c] = cell
	}
	for r, tr := range trs {
		col := 0
		for td := tr.FirstChild; td != nil; td = td.NextSibling {
			if td.DataAtom != atom.Td && td.DataAtom != atom.Th {
				continue
			}
			for taken(r, col) {
				col++
			}
			rs, cs := span(td, "rowspan"), span(td, "colspan")
			text := nodeText(td)
			for dr := 0; dr < rs && r+dr < len(trs); dr++ {
				for dc := 0; dc < cs; dc++ {
					put(r+dr, col+dc, Cell{Text: text, Row: r + dr + 1, Col: col + dc + 1, Merged: dr > 0 || dc > 0})
				}
			}
			col += cs
		}
	}
	for r := range grid {
		for c := range grid[r] {
			if grid[r][c].Row == 0 {
				grid[r][c] = Cell{Row: r + 1, Col: c + 1}
			}
		}
	}
	t.Rows = grid
	return t
}

func span(n *html.Node, key string) int {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			if v, err := strconv.Atoi(strings.TrimSpace(a.Val)); err == nil && v > 0 {
				return min(v, maxSpan)
			}
		}
	}
	return 1
}

// nodeText is the text of an element with line breaks where <br> and blocks put them.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(collapseSpace(n.Data))
			return
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			return
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteString("\n")
			return
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		if block && b.Len() > 0 {
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteString("\n")
		}
	}
	walk(n)
	return cleanCell(b.String())
}

func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }), " ") +
		trailingSpace(s)
}

func trailingSpace(s string) string {
	if strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\n") {
		return " "
	}
	return ""
}
