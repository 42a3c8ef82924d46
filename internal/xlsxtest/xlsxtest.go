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
)

// WithParts returns the workbook base with the named parts replaced or added, each written by its
// generator.
func WithParts(t testing.TB, base []byte, parts map[string]func(io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	z := zip.NewWriter(&out)
	for _, f := range zr.File {
		if parts[f.Name] == nil {
			if err := z.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, gen := range parts {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		gen(bw)
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
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
