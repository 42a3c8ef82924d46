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
		return nil, Issue{File: name, Message: "CSV 无法读取：" + err.Error()}
	}
	doc := &Document{File: name, Format: FormatCSV}
	t := &Table{Name: strings.TrimSuffix(name, ".csv"), Where: "", Rows: rows, ColNumbers: true}
	if !emptyTable(t) {
		doc.Tables = append(doc.Tables, t)
	}
	return doc, nil
}

func parseCSV(text string, comma rune, lazy bool, opts ReadOptions) ([][]Cell, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = lazy
	var rows [][]Cell
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rows) >= opts.maxRows() {
			line, _ := r.FieldPos(0)
			return nil, Issue{Row: line, Message: fmt.Sprintf("行数太多（超过 %d 行）", opts.maxRows())}
		}
		row := make([]Cell, len(rec))
		for i, v := range rec {
			line, _ := r.FieldPos(i)
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
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	i := strings.LastIndexByte(l, '"')
	if i < 0 {
		return 0
	}
	return strings.Count(l[:i], string(comma)) + 1
}
