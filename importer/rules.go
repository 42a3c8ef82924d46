package importer

import "github.com/zwgk/zwgk/schedule"

const kindUnparsed = schedule.KindUnparsed

// parseRule reads a deadline or frequency cell; the schedule package owns the wording.
func parseRule(text string, year int) schedule.Rule { return schedule.Parse(text, year) }
