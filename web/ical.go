package web

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// icalWriter writes RFC 5545 content lines: CRLF line ends, lines folded at 75 octets without
// splitting a UTF-8 sequence (Chinese text is 3 octets a character), TEXT values escaped.
type icalWriter struct{ buf bytes.Buffer }

// prop writes NAME:VALUE with value already in its property's syntax (dates, URIs).
func (w *icalWriter) prop(name, value string) { w.line(name + ":" + value) }

// text writes a TEXT property, escaping backslash, semicolon, comma and newlines (§3.3.11).
func (w *icalWriter) text(name, value string) { w.line(name + ":" + icalEscape(value)) }

func icalEscape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// line folds a content line (§3.1): no line longer than 75 octets; continuation lines start
// with one space, which counts toward their 75.
func (w *icalWriter) line(l string) {
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		w.buf.WriteString(l[:cut])
		w.buf.WriteString("\r\n ")
		l = l[cut:]
		limit = 74
	}
	w.buf.WriteString(l)
	w.buf.WriteString("\r\n")
}

func icalDate(t time.Time) string  { return t.Format("20060102") }
func icalStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
