package chart

import (
	"math"
	"strings"
	"testing"
)

func TestLevel(t *testing.T) {
	for _, c := range []struct {
		v, max float64
		want   int
	}{
		{0, 10, 0}, {-1, 10, 0}, {3, 0, 0}, {0.1, 10, 1}, {2.5, 10, 1}, {2.6, 10, 2}, {5, 10, 2}, {7.5, 10, 3}, {10, 10, Levels}, {12, 10, Levels},
	} {
		if got := Level(c.v, c.max); got != c.want {
			t.Errorf("Level(%v, %v) = %d, want %d", c.v, c.max, got, c.want)
		}
	}
}

// Bars of the same series share a baseline, are as tall as their value on the y axis, and a
// missing value draws no bar.
func TestColumns(t *testing.T) {
	months := []string{"2024-03", "2024-04", "2024-05"}
	c := Columns(months, []Series{
		{Name: "完成率", Class: "done", Values: []float64{100, 50, math.NaN()}, Format: "%.0f%%"},
		{Name: "按时率", Class: "ontime", Values: []float64{25, 0, 120}, Format: "%.0f%%"},
	}, 100, 25)
	var bars []Rect
	for _, r := range c.Rects {
		if r.H > 10 || r.Y > 20 { // the legend's swatches are 10×10 at the top
			bars = append(bars, r)
		}
	}
	if len(bars) != 5 {
		t.Fatalf("%d bars, want 5 (one value missing): %+v", len(bars), bars)
	}
	base := bars[0].Y + bars[0].H
	full := bars[0].H // 100 of 100
	for _, b := range bars {
		if math.Abs(b.Y+b.H-base) > 1e-9 {
			t.Errorf("bar %q does not stand on the baseline: %v", b.Title, b.Y+b.H)
		}
		if b.X+b.W > c.Width || b.Y < 0 {
			t.Errorf("bar %q outside the chart", b.Title)
		}
	}
	if got := bars[1].H / full; math.Abs(got-0.25) > 1e-9 {
		t.Errorf("25%% bar is %.3f of the full one", got)
	}
	if bars[4].H != full || !strings.Contains(bars[4].Title, "120%") {
		t.Errorf("a value over the axis is drawn at its top and titled with its value: %+v", bars[4])
	}
	if bars[3].H != 0 || !strings.Contains(bars[3].Title, "2024-04 按时率 0%") {
		t.Errorf("a zero bar: %+v", bars[3])
	}
	ticks := 0
	for _, tx := range c.Texts {
		if tx.Class == "tick" {
			ticks++
		}
	}
	if ticks != 5 || len(c.Lines) != 5 {
		t.Errorf("%d ticks and %d grid lines, want 0, 25, 50, 75, 100", ticks, len(c.Lines))
	}
}

func TestBarsScaleToTheLargest(t *testing.T) {
	c := Bars([]string{"办公室", "法规科", "财务科"}, []int{4, 2, 0}, "overdue")
	if len(c.Rects) != 3 {
		t.Fatalf("%d bars", len(c.Rects))
	}
	if c.Rects[0].W <= 0 || math.Abs(c.Rects[1].W*2-c.Rects[0].W) > 1e-9 || c.Rects[2].W != 0 {
		t.Errorf("widths %v %v %v, want 2:1:0", c.Rects[0].W, c.Rects[1].W, c.Rects[2].W)
	}
	if c.Rects[0].X+c.Rects[0].W > c.Width {
		t.Error("the longest bar leaves the chart")
	}
	if c.Rects[1].Y <= c.Rects[0].Y {
		t.Error("rows do not go down the chart")
	}
	empty := Bars(nil, nil, "overdue")
	if len(empty.Rects) != 0 || empty.Height <= 0 {
		t.Errorf("an empty chart: %+v", empty)
	}
}

func TestHeatMap(t *testing.T) {
	nan := math.NaN()
	c := HeatMap([]string{"办公室", "法规科"}, []string{"4月", "5月"}, [][]float64{{0, 3}, {nan, 6}}, "%.0f")
	if len(c.Rects) != 4 {
		t.Fatalf("%d cells, want 4", len(c.Rects))
	}
	classes := []string{c.Rects[0].Class, c.Rects[1].Class, c.Rects[2].Class, c.Rects[3].Class}
	want := []string{"heat0", "heat2", "heat-none", "heat4"}
	for i := range want {
		if classes[i] != want[i] {
			t.Errorf("cell %d: %s, want %s", i, classes[i], want[i])
		}
	}
	if c.Rects[3].X <= c.Rects[2].X || c.Rects[2].Y <= c.Rects[0].Y {
		t.Error("cells are not laid out by row and column")
	}
	values := 0
	for _, tx := range c.Texts {
		if tx.Class == "cell" {
			values++
		}
	}
	if values != 2 {
		t.Errorf("%d cell values shown, want 2 (zero and missing cells stay blank)", values)
	}
	for _, r := range c.Rects {
		if r.X+r.W > c.Width || r.Y+r.H > c.Height {
			t.Errorf("cell %q outside the chart", r.Title)
		}
	}
}
