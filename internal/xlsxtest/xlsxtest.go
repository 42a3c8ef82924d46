// Package xlsxtest builds hostile workbooks for the tests of the xlsx readers (lists, rosters,
// ledgers): a real workbook with some parts replaced by what a generator writes, so that a test
// can claim XFD1, millions of shared strings or a zip bomb without keeping the file in the tree.
package xlsxtest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"
)

// WithParts returns the workbook base with the named parts replaced or added, each written by its
// generator.
func WithParts(t testing.TB, base []byte, parts map[string]func(io.Writer)) []byte {
	t.Helper()
	if _, err := zip.NewReader(bytes.NewReader(base), int64(len(base))); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	Writes(base, parts)(&out)
	return out.Bytes()
}

// Writes is WithParts as a generator, for tests that stream a file into a reader's limits
// rather than hold it. It panics on a base that is no zip: that is the test's own mistake.
func Writes(base []byte, parts map[string]func(io.Writer)) func(io.Writer) {
	return func(out io.Writer) {
		zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
		if err != nil {
			panic(err)
		}
		z := zip.NewWriter(out)
		for _, f := range zr.File {
			if parts[f.Name] == nil {
				if err := z.Copy(f); err != nil {
					panic(err)
				}
			}
		}
		for name, gen := range parts {
			w, err := z.Create(name)
			if err != nil {
				panic(err)
			}
			bw := bufio.NewWriterSize(w, 1<<16)
			gen(bw)
			if err := bw.Flush(); err != nil {
				panic(err)
			}
		}
		if err := z.Close(); err != nil {
			panic(err)
		}
	}
}

// Grid builds a one-sheet workbook (Sheet1) from rows of cells, with merged ranges; a cell
// "=..." becomes a formula.
func Grid(t testing.TB, rows [][]string, merges ...[2]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for r, row := range rows {
		for c, v := range row {
			ref, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err == nil && len(v) > 1 && v[0] == '=' {
				err = f.SetCellFormula("Sheet1", ref, v[1:])
			} else if err == nil {
				err = f.SetCellStr("Sheet1", ref, v)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range merges {
		if err := f.MergeCell("Sheet1", m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Zeroes writes n zero bytes: a part that compresses to almost nothing.
func Zeroes(n int) func(io.Writer) {
	return func(w io.Writer) {
		b := make([]byte, 1<<20)
		for i := 0; i < n; i += len(b) {
			w.Write(b)
		}
	}
}

// Sheet writes a worksheet whose first row is header (inline strings) and whose other rows come
// from rows.
func Sheet(header []string, rows func(w io.Writer)) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
		for i, h := range header {
			io.WriteString(w, `<c r="`+string(rune('A'+i))+`1" t="inlineStr"><is><t>`+h+`</t></is></c>`)
		}
		io.WriteString(w, `</row>`)
		rows(w)
		io.WriteString(w, `</sheetData></worksheet>`)
	}
}

// SharedStrings writes a shared-strings part of n one-letter strings: small zipped, a flood of XML
// elements unzipped.
func SharedStrings(n int) func(io.Writer) {
	return func(w io.Writer) {
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for i := 0; i < n; i++ {
			io.WriteString(w, `<si><t>a</t></si>`)
		}
		io.WriteString(w, `</sst>`)
	}
}

// ZipBomb is five media parts of 60 MB of zeroes each: 300 MB unzipped from a few hundred KB.
func ZipBomb() map[string]func(io.Writer) {
	parts := map[string]func(io.Writer){}
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		parts["xl/media/"+name+".bin"] = Zeroes(60 << 20)
	}
	return parts
}
