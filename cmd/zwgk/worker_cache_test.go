package main

import "testing"

func TestStickyCacheSize(t *testing.T) {
	for v, want := range map[string]int{"": 1000, " 500 ": 500, "0": 0} {
		if n, err := stickyCacheSize(v); err != nil || n != want {
			t.Errorf("%q: %d %v, want %d", v, n, err, want)
		}
	}
	for _, v := range []string{"-1", "many"} {
		if _, err := stickyCacheSize(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
