package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zwgk/zwgk/store"
)

// Diff is what committing a result would do to the stored list of its unit and year.
type Diff struct {
	ListID int64 `json:"list_id,omitempty"`
	// BaseRevision is the stored revision the diff was made against (0: no list yet). Commit
	// with this base refuses to write over a list that changed since the preview.
	BaseRevision int          `json:"base_revision"`
	Added        []Item       `json:"added"`
	Changed      []ItemChange `json:"changed"`
	Removed      []StoredItem `json:"removed"`
	Unchanged    int          `json:"unchanged"`

	items []Item // the result's items with the keys of the stored items they revise
}

// ItemChange is a stored item the result revises in place.
type ItemChange struct {
	Item   Item       `json:"item"`
	Before StoredItem `json:"before"`
	// Fields lists what changed: section, path, title, requirement, rule, offices, groups.
	Fields []string `json:"fields"`
	// Reactivated: the item was removed by an earlier revision and comes back.
	Reactivated bool `json:"reactivated,omitempty"`
}

// StoredItem is a stored item as a diff shows it.
type StoredItem struct {
	ID          int64              `json:"id"`
	Key         string             `json:"key"`
	Seq         int                `json:"seq"`
	Section     string             `json:"section"`
	Path        []string           `json:"path"`
	Title       string             `json:"title"`
	Requirement string             `json:"requirement"`
	Rule        json.RawMessage    `json:"rule"`
	Offices     []store.ItemOffice `json:"offices"`
	Groups      []string           `json:"groups"`
	WorkflowID  string             `json:"workflow_id"`
}

func storedView(s store.ListItem) StoredItem {
	return StoredItem{ID: s.ID, Key: s.Key, Seq: s.Seq, Section: s.Section, Path: s.Path, Title: s.Title,
		Requirement: s.Requirement, Rule: s.Rule, Offices: s.Offices, Groups: s.Groups, WorkflowID: s.WorkflowID}
}

// Empty reports a diff that changes nothing.
func (d *Diff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// DiffStored compares a result with the stored list of its unit and year.
func DiffStored(ctx context.Context, st *store.Store, res *Result) (*Diff, error) {
	if res.UnitID == 0 {
		return nil, fmt.Errorf("import %s: no unit", res.File)
	}
	l, stored, err := st.ListItems(ctx, res.UnitID, res.Year)
	if errors.Is(err, store.ErrNotFound) {
		return DiffItems(0, nil, res.Items), nil
	}
	if err != nil {
		return nil, err
	}
	d := DiffItems(l.Revision, stored, res.Items)
	d.ListID = l.ID
	return d, nil
}

// DiffItems compares new items with stored ones. An item keeps its stored key when its key
// matches, or, failing that, when it is the unmatched stored item of the same hierarchy path
// most like it (a reworded title or requirement, a renamed section): such items are changed
// in place rather than removed and added, so their workflows and completions carry on.
func DiffItems(baseRevision int, stored []store.ListItem, items []Item) *Diff {
	d := &Diff{BaseRevision: baseRevision, Added: []Item{}, Changed: []ItemChange{}, Removed: []StoredItem{}}
	byKey := map[string]int{}
	for i, s := range stored {
		byKey[s.Key] = i
	}
	used := make([]bool, len(stored))
	matched := make([]int, len(items))
	for i, it := range items {
		matched[i] = -1
		if j, ok := byKey[it.Key]; ok {
			matched[i] = j
			used[j] = true
		}
	}
	// pair the rest by likeness within the same path
	type cand struct {
		i, j  int
		score float64
	}
	var cs []cand
	for i, it := range items {
		if matched[i] >= 0 {
			continue
		}
		for j, s := range stored {
			if used[j] || s.Status == "cancelled" || foldJoin(s.Path) != foldJoin(it.Path) {
				continue
			}
			score := likeness(it.Title+"\n"+it.Requirement, s.Title+"\n"+s.Requirement)
			if fold(s.Title) == fold(it.Title) {
				score = 1 // same title and path: the section was renamed
			}
			if score >= 0.6 {
				cs = append(cs, cand{i, j, score})
			}
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].score > cs[b].score })
	for _, c := range cs {
		if matched[c.i] >= 0 || used[c.j] {
			continue
		}
		matched[c.i], used[c.j] = c.j, true
	}
	d.items = make([]Item, len(items))
	for i, it := range items {
		j := matched[i]
		if j < 0 {
			d.items[i] = it
			d.Added = append(d.Added, it)
			continue
		}
		s := stored[j]
		it.Key = s.Key
		d.items[i] = it
		switch {
		case s.Status == "cancelled":
			d.Changed = append(d.Changed, ItemChange{Item: it, Before: storedView(s), Fields: changedFields(it, s), Reactivated: true})
		case Fingerprint(it) != s.Fingerprint:
			d.Changed = append(d.Changed, ItemChange{Item: it, Before: storedView(s), Fields: changedFields(it, s)})
		default:
			d.Unchanged++
		}
	}
	for j, s := range stored {
		if !used[j] && s.Status != "cancelled" {
			d.Removed = append(d.Removed, storedView(s))
		}
	}
	return d
}

func changedFields(it Item, s store.ListItem) []string {
	var f []string
	if it.Section != s.Section {
		f = append(f, "section")
	}
	if strings.Join(it.Path, "\x1f") != strings.Join(s.Path, "\x1f") {
		f = append(f, "path")
	}
	if it.Title != s.Title {
		f = append(f, "title")
	}
	if it.Requirement != s.Requirement {
		f = append(f, "requirement")
	}
	nr, _ := json.Marshal(it.Rule)
	if string(canonicalJSON(nr)) != string(canonicalJSON(s.Rule)) {
		f = append(f, "rule")
	}
	if officeSig(it) != storedOfficeSig(s) {
		f = append(f, "offices")
	}
	if strings.Join(groupNames(it), "、") != strings.Join(s.Groups, "、") {
		f = append(f, "groups")
	}
	return f
}

func canonicalJSON(b []byte) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}

func officeSig(it Item) string {
	var s []string
	for _, o := range it.Offices {
		id := o.Name
		if o.ID != 0 {
			id = fmt.Sprint(o.ID)
		}
		s = append(s, id+":"+o.Role)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func storedOfficeSig(st store.ListItem) string {
	var s []string
	for _, o := range st.Offices {
		s = append(s, fmt.Sprint(o.ID)+":"+o.Role)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func groupNames(it Item) []string {
	out := []string{}
	for _, g := range it.Groups {
		out = append(out, g.Name)
	}
	return out
}

// Fingerprint hashes what defines an item (not its position in the file): a revision whose
// fingerprint differs changes the item, and its workflow is told to reload it.
func Fingerprint(it Item) string {
	rule, _ := json.Marshal(it.Rule)
	v := struct {
		Section, Title, Requirement, RuleFrom, Offices string
		Path, Groups                                   []string
		Rule                                           json.RawMessage
	}{it.Section, it.Title, it.Requirement, it.RuleFrom, officeSig(it), it.Path, groupNames(it), canonicalJSON(rule)}
	b, _ := json.Marshal(v)
	// What the first format did not have joins the hash only when present, so that the items
	// of lists imported before keep their fingerprints (and are not all "changed" on re-import).
	if len(it.Rules) > 1 || it.Score != nil || it.Unassigned || len(it.Fields) > 0 {
		rules, _ := json.Marshal(it.Rules)
		extra, _ := json.Marshal(struct {
			Rules      json.RawMessage
			Score      *float64
			Deduction  string
			Unassigned bool
			Fields     map[string]string
		}{canonicalJSON(rules), it.Score, it.Deduction, it.Unassigned, it.Fields})
		b = append(b, extra...)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// likeness is the Dice coefficient of the character bigrams of two folded texts.
func likeness(a, b string) float64 {
	ba, bb := bigrams(fold(a)), bigrams(fold(b))
	if len(ba) == 0 && len(bb) == 0 {
		return 1
	}
	common := 0
	for g, n := range ba {
		common += min(n, bb[g])
	}
	total := 0
	for _, n := range ba {
		total += n
	}
	for _, n := range bb {
		total += n
	}
	return 2 * float64(common) / float64(total)
}

func bigrams(s string) map[string]int {
	rs := []rune(s)
	m := map[string]int{}
	for i := 0; i+1 < len(rs); i++ {
		m[string(rs[i:i+2])]++
	}
	return m
}
