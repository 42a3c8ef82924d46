package importer

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const smallList = "序号,工作任务,责任科室,完成时限\n1,公开部门文件,办公室,6月底\n"

// An import that cannot get the slot in time is told to retry; the slot, once given back,
// serves the next one.
func TestLoadBusy(t *testing.T) {
	defer func(w time.Duration) { importWait = w }(importWait)
	importWait = time.Millisecond
	importSlot <- struct{}{} // another import holds it
	res := Load("list.csv", []byte(smallList), badDir(), Options{Build: BuildOptions{Year: 2024}})
	<-importSlot
	if res.OK() || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "import list.csv: "+Busy) {
		t.Fatalf("busy: %v", res.Errors)
	}
	if res = Load("list.csv", []byte(smallList), badDir(), Options{Build: BuildOptions{Year: 2024}}); !res.OK() {
		t.Fatalf("after the slot was given back: %v", res.Errors)
	}
}

// Imports started together run one after the other, and all of them finish.
func TestLoadOneAtATime(t *testing.T) {
	var holders, most atomic.Int32
	testHookLoad = func() func() {
		n := holders.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return func() { holders.Add(-1) }
	}
	defer func() { testHookLoad = nil }()
	var wg sync.WaitGroup
	failed := make([]string, 6)
	for i := range failed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := Load("list.csv", []byte(smallList), badDir(), Options{Build: BuildOptions{Year: 2024}}); !res.OK() {
				failed[i] = res.Errors[0].Error()
			}
		}()
	}
	wg.Wait()
	for i, f := range failed {
		if f != "" {
			t.Errorf("import %d: %s", i, f)
		}
	}
	if most.Load() != 1 {
		t.Errorf("%d imports held the slot at once, want 1", most.Load())
	}
}

// A read that outlives the import timeout stops with a message saying so; a caller that went
// away stops its import.
func TestLoadTimeout(t *testing.T) {
	defer func(d time.Duration) { importTimeout = d }(importTimeout)
	importTimeout = 0 // expired before the read starts: every reader's check sees it
	for _, name := range []string{"list.csv", "list.txt"} {
		res := Load(name, []byte(smallList), badDir(), Options{Build: BuildOptions{Year: 2024}})
		if res.OK() || !strings.Contains(res.Errors[0].Error(), "仍未完成") {
			t.Errorf("%s: %v", name, res.Errors)
		}
	}
	importTimeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := LoadContext(ctx, "list.csv", []byte(smallList), badDir(), Options{Build: BuildOptions{Year: 2024}})
	if res.OK() || !strings.Contains(res.Errors[0].Error(), "导入已取消") {
		t.Errorf("cancelled: %v", res.Errors)
	}
}

// capText counts lines as the text reader splits them, so that the line it names is the
// admin's line whatever the line ends.
func TestCapTextLines(t *testing.T) {
	long := strings.Repeat("任", MaxLineBytes/3+1)
	for _, sep := range []string{"\n", "\r\n", "\r"} {
		err := capText("x.txt", "一"+sep+"二"+sep+long+sep, maxTextLines)
		if err == nil || !strings.Contains(err.Error(), "import x.txt row 3: 第 3 行太长") {
			t.Errorf("%q: %v", sep, err)
		}
		if err := capText("x.txt", strings.Repeat("一、公开"+sep, 1000), 1000); err != nil {
			t.Errorf("%q: 1000 lines within 1000: %v", sep, err)
		}
		if err := capText("x.txt", strings.Repeat("一、公开"+sep, 1001), 1000); err == nil || !strings.Contains(err.Error(), "文本太长") {
			t.Errorf("%q: 1001 lines: %v", sep, err)
		}
	}
}
