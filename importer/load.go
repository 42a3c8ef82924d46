package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"

	"github.com/zwgk/zwgk/store"
)

// Options are the options of Load.
type Options struct {
	Read  ReadOptions
	Build BuildOptions
}

// Load reads and builds a list file in one step, as the CLI and the web upload do: a file that
// cannot be read gives a result whose only error says why.
func Load(name string, data []byte, dir *store.Directory, opts Options) *Result {
	if opts.Read.Year == 0 {
		opts.Read.Year = opts.Build.Year
	}
	if dir != nil && opts.Read.KnownOffices == nil {
		for _, o := range dir.Offices {
			opts.Read.KnownOffices = append(opts.Read.KnownOffices, o.Name)
			opts.Read.KnownOffices = append(opts.Read.KnownOffices, o.Aliases...)
		}
	}
	sum := sha256.Sum256(data)
	doc, err := Read(name, data, opts.Read)
	if err != nil {
		res := &Result{File: filepath.Base(name), Year: opts.Build.Year, Sections: []Section{}, Items: []Item{}, Warnings: []Issue{}}
		if dir != nil {
			res.Unit, res.UnitID = dir.Unit.Name, dir.Unit.ID
		}
		var is Issue
		if !errors.As(err, &is) {
			is = Issue{File: res.File, Message: err.Error()}
		}
		res.Errors = []Issue{is}
		res.SHA256 = hex.EncodeToString(sum[:])
		return res
	}
	res := Build(doc, dir, opts.Build)
	res.SHA256 = hex.EncodeToString(sum[:])
	return res
}
