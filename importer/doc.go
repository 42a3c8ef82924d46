// Package importer turns the task lists admins really receive into items zwgk can track.
//
// A list goes through three steps, each usable alone:
//
//   - Read (document.go and one reader per format: xlsx, docx, csv, html, text, narrative)
//     gives a Document: tables of cells with their source rows, merged cells filled as a
//     reader would see them, whatever the file's encoding or shape;
//   - Build finds each table's header and column roles (columns.go), splits the
//     responsibility cells into offices and groups and matches them against the unit's
//     directory (offices.go, match.go), reads every deadline and frequency wording into
//     schedule rules (rules.go) and gives a Result: the items, the errors that block an
//     import and the warnings that do not;
//   - Commit stores a Result as the list's next revision and starts, revises or cancels the
//     item workflows (commit.go), after DiffStored has said what changes (diff.go).
//
// Load does Read and Build in one call, one import at a time, within the size limits of
// limits.go. Nothing is ever guessed: a cell that cannot be read is an error or warning naming
// its file, row and column, so that a list with errors commits nothing. The import document
// (`zwgk import --format json`) is Result's JSON; docs/importing.md describes it.
package importer
