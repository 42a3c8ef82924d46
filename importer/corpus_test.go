package importer

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var corpusVerbose = flag.Bool("corpus.v", false, "print why each corpus list is wrong")

// corpusTarget is the share of the corpus that must import right (issue 10); until it is
// reached, corpusFloor is how many lists import right today: fewer is a regression and fails.
// Raise it with every list the importer learns.
const (
	corpusTarget = 0.90
	corpusFloor  = 54
)

// corpusWant is a list's hand-written expectation; testdata/corpus/README.md says what each
// field means and when a list counts as right.
type corpusWant struct {
	Source    string   `json:"source"`
	Shape     string   `json:"shape"`
	Year      int      `json:"year"`
	Items     int      `json:"items"`
	Tolerance int      `json:"items_tolerance"`
	Offices   []string `json:"offices"`
	Groups    []string `json:"groups"`
	Rules     []struct {
		Title  string `json:"title"`
		Kind   string `json:"kind"`
		Due    string `json:"due"`
		Period string `json:"period"`
	} `json:"rules"`
	Scores bool `json:"scores"`
}

// TestCorpus imports every real list of testdata/corpus as a new unit would (--create-offices)
// and compares what comes out with what a reader of the list sees. It prints the share of lists
// read right and fails below the target.
func TestCorpus(t *testing.T) {
	wants, err := filepath.Glob("testdata/corpus/*.want.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(wants) < 40 {
		t.Fatalf("the corpus has %d lists, want at least 40", len(wants))
	}
	sort.Strings(wants)
	right := 0
	byShape := map[string][2]int{}
	var wrong []string
	for _, w := range wants {
		name := strings.TrimSuffix(filepath.Base(w), ".want.json")
		var want corpusWant
		raw, err := os.ReadFile(w)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		data, err := os.ReadFile(filepath.Join("testdata/corpus", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		problems := corpusCheck(name+".txt", data, want)
		s := byShape[want.Shape]
		s[1]++
		if len(problems) == 0 {
			right++
			s[0]++
		} else {
			wrong = append(wrong, name+": "+strings.Join(problems, "; "))
		}
		byShape[want.Shape] = s
	}
	share := float64(right) / float64(len(wants))
	var shapes []string
	for k, v := range byShape {
		shapes = append(shapes, fmt.Sprintf("%s %d/%d", k, v[0], v[1]))
	}
	sort.Strings(shapes)
	t.Logf("corpus: %d of %d lists right (%.1f%%; target %.0f%%): %s", right, len(wants), share*100, corpusTarget*100, strings.Join(shapes, ", "))
	if *corpusVerbose || right < corpusFloor {
		for _, w := range wrong {
			t.Log(w)
		}
	}
	if right < corpusFloor {
		t.Errorf("%d lists of the corpus import right, fewer than the %d that did (target %.0f%%)", right, corpusFloor, corpusTarget*100)
	}
}

// corpusCheck returns what is wrong with the import of one list (nil: right).
func corpusCheck(name string, data []byte, want corpusWant) []string {
	year := want.Year
	if year == 0 {
		year = 2025
	}
	res := Load(name, data, testDir("测试单位", nil, nil), Options{Build: BuildOptions{Year: year, CreateOffices: true}})
	if want.Items == 0 {
		if res.OK() {
			return []string{fmt.Sprintf("imported %d items, want an error", len(res.Items))}
		}
		return nil
	}
	if !res.OK() {
		var es []string
		for i, e := range res.Errors {
			if i == 3 {
				break
			}
			es = append(es, e.Error())
		}
		return []string{"refused: " + strings.Join(es, " / ")}
	}
	var problems []string
	if d := len(res.Items) - want.Items; d > want.Tolerance || -d > want.Tolerance {
		problems = append(problems, fmt.Sprintf("%d items, want %d", len(res.Items), want.Items))
	}

	named := map[string]bool{}
	var groups []string
	for _, it := range res.Items {
		for _, o := range it.Offices {
			if o.Via != "" {
				continue // from a group, or the coordinator holding a 待分派 item
			}
			n := o.Name
			if o.Written != "" {
				n = o.Written
			}
			named[fold(n)] = true
		}
		for _, g := range it.Groups {
			groups = append(groups, fold(g.Name))
		}
		groups = append(groups, fold(it.OfficesText))
	}
	var wantNamed []string
	for _, o := range want.Offices {
		wantNamed = append(wantNamed, fold(o))
	}
	var missing, extra []string
	for _, o := range wantNamed {
		if !named[o] {
			missing = append(missing, o)
		}
	}
	for o := range named {
		if !slices.Contains(wantNamed, o) {
			extra = append(extra, o)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 {
		problems = append(problems, "offices not found: "+strings.Join(missing, "、"))
	}
	if len(extra) > 0 {
		problems = append(problems, "offices not in the list: "+strings.Join(extra, "、"))
	}
	for _, g := range want.Groups {
		g = fold(g)
		if !slices.ContainsFunc(groups, func(s string) bool { return strings.Contains(s, g) }) {
			problems = append(problems, "group not read: "+g)
		}
	}

	for _, rc := range want.Rules {
		sub := fold(rc.Title)
		var it *Item
		for i := range res.Items {
			x := &res.Items[i]
			if strings.Contains(fold(strings.Join(append(append([]string{}, x.Path...), x.Title, x.Requirement), " ")), sub) {
				it = x
				break
			}
		}
		if it == nil {
			problems = append(problems, fmt.Sprintf("no item “%s”", rc.Title))
			continue
		}
		rules := it.Rules
		if len(rules) == 0 {
			rules = append(rules, it.Rule)
		}
		ok := false
		for _, r := range rules {
			if string(r.Kind) != rc.Kind {
				continue
			}
			if rc.Due != "" && (r.Due == nil || r.Due.String() != rc.Due) {
				continue
			}
			if rc.Period != "" && string(r.Period) != rc.Period {
				continue
			}
			ok = true
		}
		if !ok {
			got := it.Rule.Kind
			desc := string(got)
			if it.Rule.Due != nil {
				desc += " " + it.Rule.Due.String()
			}
			if it.Rule.Period != "" {
				desc += " " + string(it.Rule.Period)
			}
			problems = append(problems, fmt.Sprintf("“%s”: rule %s (%q), want %s %s%s", rc.Title, desc, shorten(it.Rule.Text, 30), rc.Kind, rc.Due, rc.Period))
		}
	}

	if want.Scores {
		n := 0
		for _, it := range res.Items {
			if it.Score != nil {
				n++
			}
		}
		if n*2 < len(res.Items) {
			problems = append(problems, fmt.Sprintf("scores on %d of %d items", n, len(res.Items)))
		}
	}
	return problems
}
