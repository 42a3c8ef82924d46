package schedule

// Same reports whether two rules mean the same obligation, whatever their wording: the
// importer keeps each clock of an item once.
func Same(a, b Rule) bool { return sameRule(a, b) }
