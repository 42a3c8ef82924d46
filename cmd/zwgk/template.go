package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/zwgk/zwgk/internal/listtemplate"
	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "template",
		summary: "write a blank xlsx list template with instructions and drop-downs",
		usage: `[FILE] [--unit NAME]
FILE defaults to 任务清单模板.xlsx. With --unit, the office drop-down offers the unit's offices.`,
		run: runTemplate,
	})
}

func runTemplate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "template")
	unitName := fs.String("unit", "", "offer the offices of this unit in the drop-down")
	force := fs.Bool("force", false, "overwrite FILE if it exists")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errUsage
	}
	path := "任务清单模板.xlsx"
	if len(pos) == 1 {
		path = pos[0]
	}
	var unit int64
	var st listtemplate.Offices
	if *unitName != "" {
		s, closeStore, err := openStore(ctx, e)
		if err != nil {
			return err
		}
		defer closeStore()
		u, err := s.UnitByName(ctx, *unitName)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("单位“%s”不存在", *unitName)
		}
		if err != nil {
			return err
		}
		unit, st = u.ID, s
	}
	buf, offices, err := listtemplate.Build(ctx, st, unit)
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("template: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	fmt.Fprintf(e.stdout, "已写入 %s（%d 个科室可选）\n", path, offices)
	return nil
}
