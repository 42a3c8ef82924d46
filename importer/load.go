package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Options are the options of Load.
type Options struct {
	Read  ReadOptions
	Build BuildOptions
}

// One import at a time per process: reading a hostile file may take seconds and hundreds of
// megabytes within the caps, and two or three of them at once must not add up. The web, the
// CLI and the demo share the slot; a caller that cannot get it in importWait is told to retry.
var (
	importSlot    = make(chan struct{}, 1)
	importWait    = 20 * time.Second
	importTimeout = 2 * time.Minute
	// testHookLoad runs when the slot is taken, and what it returns when it is given back
	// (tests count the holders).
	testHookLoad func() (released func())
)

// Busy is the message of an import refused because another one holds the slot.
const Busy = "另一份清单正在导入，请稍后再试"

// Load reads and builds a list file in one step, as the CLI and the web upload do: a file that
// cannot be read gives a result whose only error says why.
func Load(name string, data []byte, dir *store.Directory, opts Options) *Result {
	return LoadContext(context.Background(), name, data, dir, opts)
}

// LoadContext is Load that gives up when ctx ends (a web request whose client left) and,
// in any case, after the import timeout.
func LoadContext(ctx context.Context, name string, data []byte, dir *store.Directory, opts Options) *Result {
	if opts.Read.Year == 0 {
		opts.Read.Year = opts.Build.Year
	}
	if dir != nil && opts.Read.KnownOffices == nil {
		for _, o := range dir.Offices {
			opts.Read.KnownOffices = append(opts.Read.KnownOffices, o.Name)
			opts.Read.KnownOffices = append(opts.Read.KnownOffices, o.Aliases...)
		}
	}
	wait := time.NewTimer(importWait)
	defer wait.Stop()
	select {
	case importSlot <- struct{}{}:
	case <-wait.C:
		return failed(name, data, dir, opts, Issue{File: filepath.Base(name), Message: Busy})
	case <-ctx.Done():
		return failed(name, data, dir, opts, Issue{File: filepath.Base(name), Message: "导入已取消"})
	}
	defer func() { <-importSlot }()
	if testHookLoad != nil {
		defer testHookLoad()()
	}
	ctx, cancel := context.WithTimeout(ctx, importTimeout)
	defer cancel()
	opts.Read.ctx = ctx
	doc, err := Read(name, data, opts.Read)
	if cerr := opts.Read.cancelled(); cerr != nil {
		// a reader stopped half-way may have failed for that reason: the timeout is the news
		err = cerr
	}
	if err != nil {
		return failed(name, data, dir, opts, err)
	}
	res := Build(doc, dir, opts.Build)
	sum := sha256.Sum256(data)
	res.SHA256 = hex.EncodeToString(sum[:])
	return res
}

// failed is the result of a file that could not be read: its only error says why.
func failed(name string, data []byte, dir *store.Directory, opts Options, err error) *Result {
	res := &Result{File: filepath.Base(name), Year: opts.Build.Year, Sections: []Section{}, Items: []Item{}, Warnings: []Issue{}}
	if dir != nil {
		res.Unit, res.UnitID = dir.Unit.Name, dir.Unit.ID
	}
	var is Issue
	if !errors.As(err, &is) {
		is = Issue{File: res.File, Message: limitMessage(err)}
	}
	res.Errors = []Issue{is}
	sum := sha256.Sum256(data)
	res.SHA256 = hex.EncodeToString(sum[:])
	return res
}
