// Command zwgk keeps 政务公开 task lists on time: it imports annual lists, runs one durable
// Temporal workflow per item, reminds offices and escalates overdue items.
//
// Each subcommand lives in its own file and registers itself in init, so adding one touches no
// other file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	// Deadlines are Asia/Shanghai wall-clock times; embedding the zone database keeps them right
	// in images without /usr/share/zoneinfo (the runtime image is distroless).
	_ "time/tzdata"

	"github.com/zwgk/zwgk/config"
)

// command is one subcommand. run gets the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis and a paragraph of help
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand may use; the config is loaded lazily so that `zwgk help` works
// with a broken configuration.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	configFile     string
	cfg            *config.Config
}

func (e *env) config() (*config.Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	c, err := config.Load(e.getenv, e.configFile)
	if err != nil {
		return nil, err
	}
	e.cfg = c
	return c, nil
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("zwgk: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// errUsage makes main print the command's usage instead of a bare error.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, e *env) int {
	global := flag.NewFlagSet("zwgk", flag.ContinueOnError)
	global.SetOutput(e.stderr)
	global.StringVar(&e.configFile, "config", "", "config file of KEY=VALUE lines (default $ZWGK_CONFIG)")
	global.Usage = func() { printHelp(e.stderr) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	args = global.Args()
	if len(args) == 0 {
		printHelp(e.stderr)
		return 2
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "zwgk: unknown command %q; run `zwgk help`\n", args[0])
		return 2
	}
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(e.stderr, "usage: zwgk %s %s\n", c.name, c.usage)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	default:
		fmt.Fprintf(e.stderr, "zwgk %s: %v\n", c.name, err)
		return 1
	}
}

func init() {
	register(&command{
		name:    "help",
		summary: "this text, or the help of one command",
		usage:   "[COMMAND]",
		run: func(_ context.Context, e *env, args []string) error {
			if len(args) == 1 {
				c, ok := commands[args[0]]
				if !ok {
					return fmt.Errorf("unknown command %q", args[0])
				}
				fmt.Fprintf(e.stdout, "usage: zwgk %s %s\n\n%s\n", c.name, c.usage, c.summary)
				return nil
			}
			printHelp(e.stdout)
			return nil
		},
	})
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "zwgk: durable deadlines and reminders for 政务公开 task lists\n\nusage: zwgk [--config FILE] COMMAND [ARGS]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	width := 0
	for n := range commands {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, c.summary)
		if u := strings.TrimSpace(c.usage); u != "" {
			for _, line := range strings.Split(u, "\n") {
				fmt.Fprintf(w, "  %-*s    %s\n", width, "", line)
			}
		}
	}
	fmt.Fprint(w, "\nsettings (environment variables, or KEY=VALUE lines in the config file):\n")
	fmt.Fprint(w, config.Help())
}

// newFlags gives subcommands a FlagSet that reports errors the same way.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("zwgk "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
