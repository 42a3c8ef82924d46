package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The production build (-tags nodev, deploy/Dockerfile) links neither the Temporal server nor
// the dev stack: a new import of either from a serve or worker file would put the 200 MB
// server back into the image unnoticed.
func TestNodevBuildLeavesTheServerOut(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps -tags nodev: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps -tags nodev listed %d packages: %s", len(deps), out)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "go.temporal.io/server") || p == "github.com/zwgk/zwgk/devstack" || p == "github.com/zwgk/zwgk/testenv" {
			t.Errorf("the nodev build imports %s", p)
		}
	}
	// and the dev build still has them, or the check above proves nothing
	out, err = exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "go.temporal.io/server/temporal\n") {
		t.Error("the default build does not link the embedded Temporal server: zwgk dev needs it")
	}
}

// `zwgk dev` in a production build says, in Chinese and English, how to get a dev build.
func TestNodevDevSaysHowToGetADevBuild(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "zwgk")
	if out, err := exec.Command("go", "build", "-tags", "nodev", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags nodev: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "dev")
	cmd.Env = append(os.Environ(), "ZWGK_DATA_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("zwgk dev in a nodev build: %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{"生产构建", "go run ./cmd/zwgk dev", "production build (-tags nodev)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("zwgk dev in a nodev build lacks %q:\n%s", want, out)
		}
	}
	out, err = exec.Command(bin, "help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "serve") || !strings.Contains(string(out), "worker") {
		t.Errorf("zwgk help in a nodev build: %v\n%s", err, out)
	}
}
