package hanzi

import "testing"

func TestSimplify(t *testing.T) {
	for in, want := range map[string]string{
		"及時迴應羣衆關切":       "及时回应群众关切",
		"每週更新":           "每周更新",
		"公開內容（要素）":       "公开内容（要素）",
		"already simple": "already simple",
		"办公室":            "办公室",
		"":               "",
	} {
		if got := Simplify(in); got != want {
			t.Errorf("Simplify(%q) = %q, want %q", in, got, want)
		}
	}
	if r, ok := Rune('臺'); !ok || r != '台' {
		t.Errorf("臺 → %c %v", r, ok)
	}
}
