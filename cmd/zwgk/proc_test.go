package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workerProc is `zwgk worker` running in a process of its own: this test binary re-executed
// with runMainEnv (see TestMain), so that the test can kill it like a crashed machine would.
type workerProc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	readyAt time.Time     // when it logged that it polls
	exited  chan struct{} // closed when the process is gone; err is then its exit
	err     error
}

// startWorker starts a worker process on the burst's database, task queue and SMTP server
// and waits until it polls.
func (b *burst) startWorker(name string) *workerProc {
	b.t.Helper()
	return startProc(b.t, name, b.logDir, []string{"worker", "--reconcile=none"}, map[string]string{
		"ZWGK_DATABASE_URL": b.dbURL, "ZWGK_DATA_DIR": filepath.Join(b.logDir, name+"-data"),
		"ZWGK_TEMPORAL_ADDRESS": b.hostPort, "ZWGK_TEMPORAL_NAMESPACE": b.ns, "ZWGK_TEMPORAL_TASK_QUEUE": b.tq,
		"ZWGK_SMTP_HOST": b.smtp.Host, "ZWGK_SMTP_PORT": fmt.Sprint(b.smtp.Port), "ZWGK_SMTP_TLS": "none",
		"ZWGK_SMTP_FROM": "政务公开办 <gk@example.gov.cn>", "ZWGK_SECRET": "crash-test-secret-0123456789abcdef",
		"ZWGK_BASE_URL": "https://gk.example.gov.cn", "ZWGK_LOG_LEVEL": "info",
	}, "worker polling")
}

// startProc runs zwgk with args in a process of its own, with only the given ZWGK_ settings,
// and waits until its output contains ready. The test's cleanup stops it (SIGTERM, then
// SIGKILL) and, when the test failed, logs the end of its output.
func startProc(t *testing.T, name, logDir string, args []string, settings map[string]string, ready string) *workerProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv, _ := json.Marshal(args)
	cmd := exec.Command(exe)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZWGK_") { // a developer's own settings must not leak in
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, runMainEnv+"=1", runMainArgsEnv+"="+string(argv))
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &workerProc{name: name, cmd: cmd, logPath: filepath.Join(logDir, name+".log"), exited: make(chan struct{})}
	f, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	found := make(chan struct{})
	out := &watchWriter{w: f, needle: []byte(ready), found: found}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output (end):\n%s", name, tail(p.logPath, 40))
		}
	})
	t.Cleanup(p.stop)
	select {
	case <-found:
		p.readyAt = time.Now()
	case <-p.exited:
		t.Fatalf("%s exited at start-up: %v\n%s", name, p.err, tail(p.logPath, 40))
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s was not ready within two minutes\n%s", name, tail(p.logPath, 40))
	}
	return p
}

// kill ends the process at once, as a power cut or the OOM killer would: no deferred call,
// no graceful worker stop, open SMTP conversations and database sessions cut.
func (p *workerProc) kill() error {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill %s: %w", p.name, err)
	}
	<-p.exited
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("%s was not killed by SIGKILL: %v", p.name, p.err)
	}
	return nil
}

// stop asks the worker to stop and kills it if it does not within a while.
func (p *workerProc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.kill()
	}
}

// watchWriter copies output to w and closes found the first time needle appears in it.
type watchWriter struct {
	mu     sync.Mutex
	w      *os.File
	needle []byte
	found  chan struct{}
	seen   bool
	carry  []byte // the end of the previous write, for a needle split across writes
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen {
		buf := append(w.carry, p...)
		if bytes.Contains(buf, w.needle) {
			w.seen = true
			close(w.found)
		}
		w.carry = append([]byte(nil), buf[max(0, len(buf)-len(w.needle)):]...)
	}
	return w.w.Write(p)
}

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
