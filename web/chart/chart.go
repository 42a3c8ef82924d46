// Package chart lays out the report pages' charts: bars and heat-map cells as rectangles and
// labels in SVG user units, drawn by the page templates as inline <svg>. Drawing happens on the
// server because the pages' Content-Security-Policy admits no inline script or style, and the
// layout is pure arithmetic here so that it is tested without a browser. Colours are CSS classes
// of the static stylesheet, never style attributes.
package chart

import (
	"fmt"
	"math"
)

// Rect is a rectangle; Class names its fill in the stylesheet and Title is the tooltip a
// pointer shows (and a screen reader reads).
type Rect struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

// Text is a label anchored at X, Y: Anchor is start, middle or end.
type Text struct {
	X, Y   float64
	Text   string
	Anchor string
	Class  string
}

// Line is a grid or axis line.
type Line struct {
	X1, Y1, X2, Y2 float64
}

// Chart is everything a template draws, in a viewBox of Width × Height; Label names it for
// screen readers.
type Chart struct {
	Label         string
	Width, Height float64
	Rects         []Rect
	Texts         []Text
	Lines         []Line
}

// Series is one quantity drawn per category; NaN marks a category without a value (no bar).
type Series struct {
	Name   string
	Class  string
	Values []float64
	// Format prints a value for its tooltip and label, e.g. "%.0f%%".
	Format string
}

const (
	marginLeft   = 40.0
	marginRight  = 10.0
	marginTop    = 24.0
	marginBottom = 28.0
	legendWidth  = 90.0
)

// Columns lays out series as grouped vertical bars over the categories (months), on a y axis
// from 0 to max with ticks at every tick step; values above max are drawn at max. A legend of the
// series' names runs along the top.
func Columns(categories []string, series []Series, max, tick float64) Chart {
	const height = 220.0
	groupW := 14.0*float64(len(series)) + 12
	width := marginLeft + marginRight + math.Max(groupW*float64(len(categories)), 160)
	c := Chart{Width: width, Height: height}
	plotH := height - marginTop - marginBottom
	y := func(v float64) float64 { return marginTop + plotH*(1-math.Min(v, max)/max) }
	if max <= 0 || tick <= 0 {
		return c
	}
	for v := 0.0; v <= max+1e-9; v += tick {
		c.Lines = append(c.Lines, Line{X1: marginLeft, Y1: y(v), X2: width - marginRight, Y2: y(v)})
		c.Texts = append(c.Texts, Text{X: marginLeft - 4, Y: y(v) + 4, Text: trim(v), Anchor: "end", Class: "tick"})
	}
	barW := 12.0
	for i, cat := range categories {
		x0 := marginLeft + groupW*float64(i) + 6
		for j, s := range series {
			if i >= len(s.Values) || math.IsNaN(s.Values[i]) {
				continue
			}
			v := math.Max(s.Values[i], 0)
			top := y(v)
			c.Rects = append(c.Rects, Rect{X: x0 + barW*float64(j) + 2*float64(j), Y: top, W: barW, H: marginTop + plotH - top,
				Class: s.Class, Title: cat + " " + s.Name + " " + fmt.Sprintf(s.Format, s.Values[i])})
		}
		c.Texts = append(c.Texts, Text{X: x0 + groupW/2 - 6, Y: height - marginBottom + 16, Text: cat, Anchor: "middle", Class: "axis"})
	}
	for j, s := range series {
		x := marginLeft + legendWidth*float64(j)
		c.Rects = append(c.Rects, Rect{X: x, Y: 6, W: 10, H: 10, Class: s.Class, Title: s.Name})
		c.Texts = append(c.Texts, Text{X: x + 14, Y: 15, Text: s.Name, Anchor: "start", Class: "legend"})
	}
	return c
}

// Bars lays out one horizontal bar per label (offices), longest scale at the largest value;
// each bar carries its value at its end.
func Bars(labels []string, values []int, class string) Chart {
	const (
		labelW = 150.0
		rowH   = 22.0
		width  = 520.0
	)
	c := Chart{Width: width, Height: math.Max(rowH*float64(len(labels))+8, 30)}
	most := 0
	for _, v := range values {
		most = max(most, v)
	}
	plotW := width - labelW - 40
	for i, l := range labels {
		y := 4 + rowH*float64(i)
		v := 0
		if i < len(values) {
			v = values[i]
		}
		w := 0.0
		if most > 0 {
			w = plotW * float64(v) / float64(most)
		}
		c.Texts = append(c.Texts, Text{X: labelW - 6, Y: y + 14, Text: l, Anchor: "end", Class: "axis"})
		c.Rects = append(c.Rects, Rect{X: labelW, Y: y + 2, W: w, H: rowH - 6, Class: class, Title: fmt.Sprintf("%s %d", l, v)})
		c.Texts = append(c.Texts, Text{X: labelW + w + 4, Y: y + 14, Text: fmt.Sprint(v), Anchor: "start", Class: "value"})
	}
	return c
}

// Levels is how many shades a heat map uses above zero.
const Levels = 4

// Level is the shade of v on a scale up to max: 0 for nothing, else 1 to Levels, so that the
// least non-zero value is still visible.
func Level(v, max float64) int {
	if v <= 0 || max <= 0 {
		return 0
	}
	l := int(math.Ceil(v / max * Levels))
	return min(l, Levels)
}

// HeatMap lays out one cell per row (office) and column (month), shaded by value on the scale
// of the largest one; NaN marks a cell without data, drawn as class "heat-none". Each cell shows
// its value unless zero or without data.
func HeatMap(rows, cols []string, values [][]float64, format string) Chart {
	const (
		labelW = 150.0
		cellW  = 44.0
		cellH  = 24.0
		headH  = 22.0
	)
	c := Chart{Width: labelW + cellW*float64(len(cols)) + 4, Height: headH + cellH*float64(len(rows)) + 4}
	most := 0.0
	for _, r := range values {
		for _, v := range r {
			if !math.IsNaN(v) {
				most = math.Max(most, v)
			}
		}
	}
	for j, col := range cols {
		c.Texts = append(c.Texts, Text{X: labelW + cellW*float64(j) + cellW/2, Y: headH - 6, Text: col, Anchor: "middle", Class: "axis"})
	}
	for i, row := range rows {
		y := headH + cellH*float64(i)
		c.Texts = append(c.Texts, Text{X: labelW - 6, Y: y + 16, Text: row, Anchor: "end", Class: "axis"})
		for j, col := range cols {
			v := math.NaN()
			if i < len(values) && j < len(values[i]) {
				v = values[i][j]
			}
			x := labelW + cellW*float64(j)
			cell := Rect{X: x + 1, Y: y + 1, W: cellW - 2, H: cellH - 2}
			if math.IsNaN(v) {
				cell.Class, cell.Title = "heat-none", row+" "+col+" 无"
			} else {
				cell.Class, cell.Title = fmt.Sprintf("heat%d", Level(v, most)), row+" "+col+" "+fmt.Sprintf(format, v)
				if v != 0 {
					c.Texts = append(c.Texts, Text{X: x + cellW/2, Y: y + 16, Text: fmt.Sprintf(format, v), Anchor: "middle", Class: "cell"})
				}
			}
			c.Rects = append(c.Rects, cell)
		}
	}
	return c
}

// trim prints a tick value without a needless fraction.
func trim(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
