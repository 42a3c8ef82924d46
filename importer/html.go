package importer

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// maxSpan caps rowspan/colspan: a page with rowspan=100000 must not allocate a huge grid.
const maxSpan = 1000

// Caps of a page, checked by a tokenizer pass before the parser builds a tree: the parser's
// scope checks walk the stack of open elements, so a page of a million nested divs would take
// hours even if it fit in memory.
const (
	maxHTMLNodes = 1_000_000
	maxHTMLDepth = 512
	// maxHTMLToken caps one tag or text run: room for an inline image, none for a tag of a
	// million attributes
	maxHTMLToken = 8 << 20
)

// readHTML reads the data tables of a web page (tables that hold no other table; layout
// tables around them are looked through) with rowspan/colspan expanded, and the page's
// paragraphs outside tables as narrative text.
func readHTML(name, text string, opts ReadOptions) (*Document, error) {
	if err := checkHTML(text, opts); err != nil {
		return nil, issueOf(name, "", err)
	}
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, Issue{File: name, Message: "HTML 无法解析：" + err.Error()}
	}
	doc := &Document{File: name, Format: FormatHTML}
	w := &htmlWalker{holdsTable: tableHolders(root), grid: &gridCap{}}
	if err := w.walk(root); err != nil {
		return nil, issueOf(name, "", err)
	}
	if err := w.flush(); err != nil {
		return nil, issueOf(name, "", err)
	}
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
	doc.Clock = findClock(w.lines, opts.Year)
	nt := proseTable(w.lines, opts, opts.Year, len(doc.Tables) > 0)
	if nt != nil {
		if doc.Title != "" {
			nt.Name = doc.Title
		}
		doc.Tables = append([]*Table{nt}, doc.Tables...)
	}
	return doc, nil
}

// checkHTML runs the tokenizer over a page and estimates what the parser would build: the
// nesting (elements the parser closes implicitly — an unclosed p, li, td, tr — are closed
// here too, so that sloppy but real pages pass) and the nodes, counting the formatting
// elements (b, font…) the parser re-opens after a misnested close: a page can make it clone
// a thousand of them for every line of text, which no tag count shows.
func checkHTML(text string, opts ReadOptions) error {
	z := html.NewTokenizer(strings.NewReader(text))
	z.SetMaxBuf(maxHTMLToken)
	type entry struct {
		a   atom.Atom
		key string // a formatting element's tag with its attributes
	}
	var (
		open    []entry
		active  []entry // formatting elements closed by something else: the parser re-opens them
		markers []int   // len(active) when a cell began: its end forgets what it opened
		nodes   int
		tokens  int
	)
	popTo := func(i int) {
		for _, e := range open[i+1:] {
			if e.key != "" {
				same := 0
				for _, a := range active {
					if a.key == e.key {
						same++
					}
				}
				if same < 3 { // the parser keeps at most three alike ("Noah's Ark")
					active = append(active, e)
				}
			}
			if (e.a == atom.Td || e.a == atom.Th || e.a == atom.Caption) && len(markers) > 0 {
				active = active[:min(len(active), markers[len(markers)-1])]
				markers = markers[:len(markers)-1]
			}
		}
		open = open[:i]
	}
	closeTo := func(a atom.Atom, stops ...atom.Atom) bool {
		for i := len(open) - 1; i >= 0; i-- {
			if open[i].a == a {
				// the element itself is closed, not re-opened: pop what is above it first
				popTo(i)
				if a == atom.Td || a == atom.Th || a == atom.Caption {
					if len(markers) > 0 {
						active = active[:min(len(active), markers[len(markers)-1])]
						markers = markers[:len(markers)-1]
					}
				}
				return true
			}
			for _, s := range stops {
				if open[i].a == s {
					return false
				}
			}
		}
		return false
	}
	reopen := func() {
		nodes += len(active)
		open = append(open, active...)
		active = active[:0]
	}
	scope := []atom.Atom{atom.Table, atom.Td, atom.Th, atom.Caption, atom.Button, atom.Html, atom.Object, atom.Template}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			switch err := z.Err(); {
			case errors.Is(err, io.EOF):
				return nil
			case errors.Is(err, html.ErrBufferExceeded):
				return overLimit("网页中有一段超过 %s 的标签或文字", mb(maxHTMLToken))
			default:
				return err
			}
		case html.TextToken:
			nodes++
			reopen()
		case html.CommentToken:
			nodes++
		case html.StartTagToken, html.SelfClosingTagToken:
			nodes++
			name, more := z.TagName()
			a := atom.Lookup(name)
			for more {
				_, _, more = z.TagAttr()
				nodes++
			}
			switch a {
			case atom.Td, atom.Th:
				closeTo(atom.Td, atom.Tr, atom.Table)
				closeTo(atom.Th, atom.Tr, atom.Table)
			case atom.Tr:
				closeTo(atom.Tr, atom.Table, atom.Tbody, atom.Thead, atom.Tfoot)
			case atom.Tbody, atom.Thead, atom.Tfoot:
				closeTo(atom.Tbody, atom.Table)
				closeTo(atom.Thead, atom.Table)
				closeTo(atom.Tfoot, atom.Table)
			case atom.Li:
				closeTo(atom.Li, append(scope, atom.Ul, atom.Ol)...)
			case atom.Dd, atom.Dt:
				closeTo(atom.Dd, append(scope, atom.Dl)...)
				closeTo(atom.Dt, append(scope, atom.Dl)...)
			case atom.Option:
				closeTo(atom.Option, atom.Select)
			}
			if closesP(a) {
				closeTo(atom.P, scope...)
			}
			if reconstructs(a) {
				reopen()
			}
			if tt == html.StartTagToken && !voidElement(a) {
				e := entry{a: a}
				if formatting(a) {
					e.key = string(z.Raw())
				}
				open = append(open, e)
				if a == atom.Td || a == atom.Th || a == atom.Caption {
					markers = append(markers, len(active))
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if !closeTo(a) && formatting(a) {
				// the parser drops a re-openable element of that name instead
				for i := len(active) - 1; i >= 0; i-- {
					if active[i].a == a {
						active = append(active[:i], active[i+1:]...)
						break
					}
				}
			}
		}
		if nodes > maxHTMLNodes {
			return overLimit("网页的元素超过 %d 个", maxHTMLNodes)
		}
		if len(open) > maxHTMLDepth {
			return overLimit("网页的元素嵌套超过 %d 层", maxHTMLDepth)
		}
		if tokens++; tokens%65536 == 0 {
			if err := opts.cancelled(); err != nil {
				return err
			}
		}
	}
}

// reconstructs says whether the parser re-opens the formatting elements before inserting a
// start tag: for inline content, not for blocks or the parts of a table.
func reconstructs(a atom.Atom) bool {
	if closesP(a) {
		return false
	}
	switch a {
	case atom.Html, atom.Head, atom.Body, atom.Title, atom.Meta, atom.Link, atom.Script, atom.Style, atom.Base,
		atom.Table, atom.Caption, atom.Colgroup, atom.Col, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th,
		atom.Form, atom.Frameset, atom.Frame, atom.Template:
		return false
	}
	return true
}

func formatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S, atom.Small, atom.Strike,
		atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

func closesP(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Div, atom.Dl, atom.Fieldset, atom.Footer, atom.Form,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hr, atom.Main, atom.Nav, atom.Ol, atom.P,
		atom.Pre, atom.Section, atom.Table, atom.Ul, atom.Li, atom.Dd, atom.Dt:
		return true
	}
	return false
}

func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input, atom.Link, atom.Meta,
		atom.Param, atom.Source, atom.Track, atom.Wbr, atom.Keygen:
		return true
	}
	return false
}

// tableHolders marks the elements that hold a table somewhere below them, in one pass: a
// table marks its ancestors up to the first one already marked.
func tableHolders(root *html.Node) map[*html.Node]bool {
	holds := map[*html.Node]bool{}
	stack := []*html.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode && n.DataAtom == atom.Table {
			for p := n.Parent; p != nil && !holds[p]; p = p.Parent {
				holds[p] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	return holds
}

type htmlTable struct{ t *Table }

type htmlWalker struct {
	lines      []line
	cur        strings.Builder
	tables     []htmlTable
	title      string
	holdsTable map[*html.Node]bool
	grid       *gridCap
}

func (w *htmlWalker) flush() error {
	if s := cleanCell(w.cur.String()); s != "" {
		for _, l := range strings.Split(s, "\n") {
			if err := checkCell(l, fmt.Sprintf("正文第 %d 行", len(w.lines)+1)); err != nil {
				return err
			}
			w.lines = append(w.lines, line{Text: l, No: len(w.lines) + 1})
		}
	}
	w.cur.Reset()
	return nil
}

// walk visits the page in document order with an explicit stack: a nil entry after a
// block's children flushes the text the block ended.
func (w *htmlWalker) walk(root *html.Node) error {
	stack := []*html.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil {
			if err := w.flush(); err != nil {
				return err
			}
			continue
		}
		switch n.Type {
		case html.TextNode:
			w.cur.WriteString(collapseSpace(n.Data))
			continue
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
				continue
			case atom.Table:
				if !w.holdsTable[n] {
					if err := w.flush(); err != nil {
						return err
					}
					t, err := htmlGrid(n, w.grid)
					if err != nil {
						return issueOf("", fmt.Sprintf("第%d个表格", len(w.tables)+1), err)
					}
					if cap := caption(n); cap != "" {
						t.Name = cap
					} else if len(w.lines) > 0 && runeLen(w.lines[len(w.lines)-1].Text) <= 60 {
						t.Name = w.lines[len(w.lines)-1].Text
					}
					w.tables = append(w.tables, htmlTable{t})
					continue
				}
			case atom.Br:
				w.cur.WriteString("\n")
				continue
			}
			if isBlock(n.DataAtom) {
				if err := w.flush(); err != nil {
					return err
				}
				stack = append(stack, nil)
			}
		}
		stack = pushChildren(stack, n)
	}
	return nil
}

// pushChildren pushes a node's children so that the first is popped first.
func pushChildren(stack []*html.Node, n *html.Node) []*html.Node {
	at := len(stack)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		stack = append(stack, c)
	}
	for i, j := at, len(stack)-1; i < j; i, j = i+1, j-1 {
		stack[i], stack[j] = stack[j], stack[i]
	}
	return stack
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Tr, atom.Td, atom.Th,
		atom.Section, atom.Article, atom.Blockquote, atom.Pre, atom.Ul, atom.Ol, atom.Dd, atom.Dt, atom.Header, atom.Footer, atom.Table:
		return true
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
// every grid position it covers. Spans are clipped at MaxColumns; a cell that starts beyond
// it, or more than MaxCells grid positions in the page, refuse the table.
func htmlGrid(tbl *html.Node, cells *gridCap) (*Table, error) {
	var trs []*html.Node
	for c := tbl.FirstChild; c != nil; c = c.NextSibling {
		switch c.DataAtom {
		case atom.Tr:
			trs = append(trs, c)
		case atom.Thead, atom.Tbody, atom.Tfoot:
			for g := c.FirstChild; g != nil; g = g.NextSibling {
				if g.DataAtom == atom.Tr {
					trs = append(trs, g)
				}
			}
		}
	}
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
			if col >= MaxColumns {
				return nil, overLimit("第 %d 行超过 %d 列", r+1, MaxColumns)
			}
			rs, cs := span(td, "rowspan"), min(span(td, "colspan"), MaxColumns-col)
			rs = min(rs, len(trs)-r)
			if err := cells.add(rs * cs); err != nil {
				return nil, err
			}
			text := nodeText(td)
			if err := checkCell(text, fmt.Sprintf("第 %d 行第 %d 列", r+1, col+1)); err != nil {
				return nil, err
			}
			for dr := 0; dr < rs; dr++ {
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
	return t, nil
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
func nodeText(root *html.Node) string {
	var b strings.Builder
	// a nil entry closes the block below it: its line ends
	stack := []*html.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case n == nil:
			b.WriteString("\n")
			continue
		case n.Type == html.TextNode:
			b.WriteString(collapseSpace(n.Data))
			continue
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			continue
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteString("\n")
			continue
		}
		if n.Type == html.ElementNode && isBlock(n.DataAtom) {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			stack = append(stack, nil)
		}
		stack = pushChildren(stack, n)
	}
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
