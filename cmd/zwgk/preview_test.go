package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/testenv"
)

// A unit not yet in the directory previews as `zwgk import --dry-run` does: an empty directory,
// the default policy and a warning, instead of "unit not found".
func TestPreviewFileForUnitNotYetCreated(t *testing.T) {
	url := testenv.DatabaseURL(t)
	list := filepath.Join(t.TempDir(), "清单.csv")
	body := "序号,工作任务,责任科室,完成时限\n1,公开年度预算,财务股,6月底前\n2,更新政策解读,办公室,每季度\n"
	if err := os.WriteFile(list, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"ZWGK_DATABASE_URL": url}
	code, out, errOut := runWith(t, vars, "preview", list, "--unit", "某某县尚未建立局", "--year", "2026",
		"--from", "2026-01-01", "--format", "text")
	if code != 0 {
		t.Fatalf("preview exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "尚未建立") {
		t.Errorf("stderr does not warn that the unit is not set up:\n%s", errOut)
	}
	for _, want := range []string{"公开年度预算", "更新政策解读"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "2026-06-30") {
		t.Errorf("the 6月底 deadline's due point (2026-06-30) is not in the timeline:\n%s", out)
	}
}
