package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/zwgk/zwgk/testenv"
)

// Tests that need the real binary as a separate process (the crash test kills a worker with
// SIGKILL) re-execute the test binary with runMainEnv set: it then runs zwgk's main with the
// arguments in runMainArgsEnv (a JSON array) instead of the tests.
const (
	runMainEnv     = "ZWGK_TEST_RUN_MAIN"
	runMainArgsEnv = "ZWGK_TEST_RUN_MAIN_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv(runMainArgsEnv)), &args); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", runMainArgsEnv, err)
			os.Exit(2)
		}
		// A test that dies without its cleanups (a panic, -timeout) must not leave workers
		// behind: a process whose parent is gone has been re-parented, so it exits.
		go func(parent int) {
			for range time.Tick(500 * time.Millisecond) {
				if os.Getppid() != parent {
					os.Exit(3)
				}
			}
		}(os.Getppid())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, args, &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	testenv.Main(m)
}
