package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readCSV reads comma-, tab- or semicolon-separated text (already decoded) into one table.
func readCSV(name, text string, opts ReadOptions) (*Document, error) {
	comma := sniffDelimiter(text)
	rows, err := parseCSV(text, comma, false, opts)
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote) {
		// Excel quotes a field that holds a quote, WPS and hand-made files often do not
		// (年度部门预决算及"三公"经费情况): read such quotes as text
		rows, err = parseCSV(text, comma, true, opts)
	}
	if err != nil {
		if errors.As(err, &pe) {
			msg := "CSV 格式错误：" + pe.Err.Error()
			col := pe.Column
			if errors.Is(pe.Err, csv.ErrQuote) {
				msg = "CSV 格式错误：引号没有配对（从这里开始的带引号字段没有结束）"
				col = quotedField(text, pe.StartLine, comma)
			}
			return nil, Issue{File: name, Row: pe.StartLine, Column: fmt.Sprint(col), Message: msg}
		}
		var is Issue
		if errors.As(err, &is) {
			is.File = name
			return nil, is
		}
		var le *limitError
		if errors.As(err, &le) {
			return nil, issueOf(name, "", err)
		}
		return nil, Issue{File: name, Message: "CSV 无法读取：" + err.Error()}
	}
	doc := &Document{File: name, Format: FormatCSV}
	t := &Table{Name: strings.TrimSuffix(name, ".csv"), Where: "", Rows: rows, ColNumbers: true}
	if !emptyTable(t) {
		doc.Tables = append(doc.Tables, t)
	}
	return doc, nil
}

// parseCSV reads the records through a line cap (so that encoding/csv never buffers a line
// longer than MaxLineBytes: a file of commas only is refused at its first megabyte) and
// refuses a record wider than MaxColumns or a file beyond MaxCells before laying it out.
func parseCSV(text string, comma rune, lazy bool, opts ReadOptions) ([][]Cell, error) {
	lc := &lineCapReader{r: strings.NewReader(text)}
	r := csv.NewReader(lc)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = lazy
	r.ReuseRecord = true
	var rows [][]Cell
	grid := &gridCap{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if errors.Is(err, errLineTooLong) {
			return nil, Issue{Row: lc.line + 1, Message: fmt.Sprintf("第 %d 行太长（超过 %s）：这不像一份清单", lc.line+1, mb(MaxLineBytes))}
		}
		if err != nil {
			return nil, err
		}
		if len(rows) >= opts.maxRows() {
			line, _ := r.FieldPos(0)
			return nil, Issue{Row: line, Message: fmt.Sprintf("行数太多（超过 %d 行）", opts.maxRows())}
		}
		if len(rec) > MaxColumns {
			line, _ := r.FieldPos(0)
			return nil, Issue{Row: line, Message: fmt.Sprintf("第 %d 行有 %d 个字段，超过 %d 列：这不像一份清单（分隔符是否正确？）", line, len(rec), MaxColumns)}
		}
		if err := grid.add(len(rec)); err != nil {
			return nil, err
		}
		if len(rows)%4096 == 0 {
			if err := opts.cancelled(); err != nil {
				return nil, err
			}
		}
		row := make([]Cell, len(rec))
		for i, v := range rec {
			line, _ := r.FieldPos(i)
			if err := checkCell(v, fmt.Sprintf("第 %d 行第 %d 个字段", line, i+1)); err != nil {
				return nil, err
			}
			row[i] = Cell{Text: v, Row: line, Col: i + 1}
		}
		rows = append(rows, row)
	}
}

// sniffDelimiter picks the separator that splits the first lines most consistently.
func sniffDelimiter(text string) rune {
	lines := strings.SplitN(text, "\n", 6)
	best, bestScore := ',', -1
	for _, d := range []rune{',', '\t', ';'} {
		score := 0
		for _, l := range lines[:min(len(lines), 5)] {
			score += strings.Count(l, string(d))
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// quotedField is the number of the field whose opening quote is on the given line.
func quotedField(text string, line int, comma rune) int {
	if line < 1 {
		return 0
	}
	l := text
	for i := 1; i < line; i++ {
		_, rest, ok := strings.Cut(l, "\n")
		if !ok {
			return 0
		}
		l = rest
	}
	l, _, _ = strings.Cut(l, "\n")
	i := strings.LastIndexByte(l, '"')
	if i < 0 {
		return 0
	}
	return strings.Count(l[:i], string(comma)) + 1
}
