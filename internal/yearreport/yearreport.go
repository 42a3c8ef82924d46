// Package yearreport computes the two parts of a unit's 政府信息公开工作年度报告 that zwgk
// counts, part 2 (主动公开, from the items) and part 3 (依申请公开, from the register), for
// `zwgk application report` and the web's report page and download alike.
package yearreport

import (
	"context"
	"fmt"

	"github.com/zwgk/zwgk/annualreport"
	"github.com/zwgk/zwgk/store"
)

// Source is the part of the store the report reads.
type Source interface {
	ApplicationsOfYear(ctx context.Context, unitID int64, year int) ([]store.Application, error)
	AnnualItemFigures(ctx context.Context, unitID int64, year int) ([]store.CategoryFigures, error)
}

// Compute counts the unit's year; it does not check the parts, since the callers word a
// failed check each their own way (an exit status, a note on the page, a refused download).
func Compute(ctx context.Context, st Source, unitID int64, unitName string, year int) (annualreport.Part2, annualreport.Part3, error) {
	apps, err := st.ApplicationsOfYear(ctx, unitID, year)
	if err != nil {
		return annualreport.Part2{}, annualreport.Part3{}, fmt.Errorf("year report: %w", err)
	}
	p3, err := annualreport.ComputePart3(unitName, year, apps)
	if err != nil {
		return annualreport.Part2{}, annualreport.Part3{}, fmt.Errorf("year report: %w", err)
	}
	figures, err := st.AnnualItemFigures(ctx, unitID, year)
	if err != nil {
		return annualreport.Part2{}, annualreport.Part3{}, fmt.Errorf("year report: %w", err)
	}
	return annualreport.ComputePart2(unitName, year, figures), p3, nil
}
