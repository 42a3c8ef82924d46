package importer

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// recordingSyncer is a real Syncer that keeps what it was told (the workflows themselves are
// tested with Temporal in their own package) and can be made to fail.
type recordingSyncer struct {
	mu    sync.Mutex
	calls []store.ListChanges
	fail  error
}

func (r *recordingSyncer) Sync(_ context.Context, ch store.ListChanges) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, ch)
	return r.fail
}

func (r *recordingSyncer) last(t *testing.T) store.ListChanges {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		t.Fatal("the syncer was not called")
	}
	return r.calls[len(r.calls)-1]
}

// seedUnit creates a unit with offices and groups in the database and returns its directory.
func seedUnit(t *testing.T, st *store.Store, name string, offices []string, groups map[string][]string) *store.Directory {
	t.Helper()
	ctx := context.Background()
	u, err := st.CreateUnit(ctx, name)
	must(t, err)
	ids := map[string]int64{}
	for _, o := range offices {
		created, err := st.CreateOffice(ctx, u.ID, o, nil)
		must(t, err)
		ids[o] = created.ID
	}
	for g, ms := range groups {
		var gids []int64
		for _, m := range ms {
			gids = append(gids, ids[m])
		}
		must(t, st.AddGroupMembers(ctx, u.ID, g, gids...))
	}
	d, err := st.LoadDirectory(ctx, u.ID)
	must(t, err)
	return d
}

func listOf(t *testing.T, rows ...[]string) []byte {
	return xlsxOf(t, append([][]string{{"序号", "工作任务", "具体要求", "责任科室", "完成时限", "更新频率"}}, rows...))
}

func storedByTitle(t *testing.T, st *store.Store, unitID int64, year int) (store.List, map[string]store.ListItem) {
	t.Helper()
	l, items, err := st.ListItems(context.Background(), unitID, year)
	must(t, err)
	out := map[string]store.ListItem{}
	for _, it := range items {
		out[it.Title] = it
	}
	return l, out
}

func refIDs(refs []store.ItemRef) []int64 {
	var ids []int64
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func TestCommitAndRevise(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室", "财务室", "法规股"}, map[string][]string{"各相关科室": {"财务室", "法规股"}})
	sy := &recordingSyncer{}

	rev1 := listOf(t,
		[]string{"1", "部门文件", "公开本部门文件", "办公室", "6月底", ""},
		[]string{"2", "规划计划", "公开年度计划", "财务室", "4月底", ""},
		[]string{"3", "机构简介", "公开机构职能", "办公室、财务室", "", "每月更新"},
		[]string{"4", "人事信息", "公开人事任免", "各相关科室", "", "及时更新"},
	)
	res := Load("清单.xlsx", rev1, dir, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	d, err := DiffStored(ctx, st, res)
	must(t, err)
	if d.BaseRevision != 0 || len(d.Added) != 4 || len(d.Changed)+len(d.Removed) != 0 {
		t.Fatalf("diff against nothing: %+v", d)
	}
	c, err := Commit(ctx, st, res, CommitOptions{ImportedBy: "admin", BaseRevision: 0}, sy)
	must(t, err)
	if !c.Synced || c.Changes.Revision != 1 || len(c.Changes.Added) != 4 || len(sy.calls) != 1 {
		t.Fatalf("first commit: %+v, %d sync calls", c.Changes, len(sy.calls))
	}
	l, items := storedByTitle(t, st, dir.Unit.ID, 2024)
	if l.Revision != 1 || len(items) != 4 {
		t.Fatalf("stored list %+v with %d items", l, len(items))
	}
	before := items
	for title, it := range items {
		if it.WorkflowID != store.WorkflowID(dir.Unit.ID, 2024, it.Key) || it.Status != "active" || it.SyncedRev != 1 {
			t.Errorf("%s: %+v", title, it)
		}
	}
	if got := officeNamesStored(items["人事信息"]); !equalStrings(got, []string{"法规股:lead", "财务室:lead"}) {
		t.Errorf("offices of 人事信息 (from the group): %v", got)
	}
	if got := officeNamesStored(items["机构简介"]); !equalStrings(got, []string{"办公室:lead", "财务室:co"}) {
		t.Errorf("offices of 机构简介: %v", got)
	}
	// a completion recorded by 规划计划's workflow must survive the revision that changes it
	_, err = st.Pool.Exec(ctx, `
		INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status, completions, done_at)
		VALUES ($1, '2024', 1, now(), now(), now(), 'done', 1, now())`, items["规划计划"].ID)
	must(t, err)

	// the revised list: 部门文件 unchanged, 规划计划 moved to 5月底, 机构简介 dropped,
	// 人事信息 renamed, 网站年报 new
	rev2 := listOf(t,
		[]string{"1", "部门文件", "公开本部门文件", "办公室", "6月底", ""},
		[]string{"2", "规划计划", "公开年度计划", "财务室", "5月底", ""},
		[]string{"3", "人事信息公开", "公开人事任免", "各相关科室", "", "及时更新"},
		[]string{"4", "网站年报", "发布政府网站工作年度报表", "办公室", "1月31日前", ""},
	)
	res2 := Load("清单-修订.xlsx", rev2, dir, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res2)
	d2, err := DiffStored(ctx, st, res2)
	must(t, err)
	if d2.BaseRevision != 1 || len(d2.Added) != 1 || d2.Added[0].Title != "网站年报" || len(d2.Removed) != 1 || d2.Removed[0].Title != "机构简介" ||
		len(d2.Changed) != 2 || d2.Unchanged != 1 {
		t.Fatalf("dry-run diff: base %d, added %v, changed %v, removed %v, unchanged %d", d2.BaseRevision, titles(d2.Added), changeTitles(d2.Changed), d2.Removed, d2.Unchanged)
	}
	fields := map[string][]string{}
	for _, ch := range d2.Changed {
		fields[ch.Item.Title] = ch.Fields
	}
	if !equalStrings(fields["规划计划"], []string{"rule"}) || !equalStrings(fields["人事信息公开"], []string{"title"}) {
		t.Errorf("changed fields: %v", fields)
	}
	// nothing was written by the dry run
	if l, _ := storedByTitle(t, st, dir.Unit.ID, 2024); l.Revision != 1 {
		t.Fatalf("the diff wrote revision %d", l.Revision)
	}

	c2, err := Commit(ctx, st, res2, CommitOptions{BaseRevision: d2.BaseRevision}, sy)
	must(t, err)
	ch := sy.last(t)
	if ch.Revision != 2 || c2.Changes.Revision != 2 {
		t.Fatalf("revision %d", ch.Revision)
	}
	_, after := storedByTitle(t, st, dir.Unit.ID, 2024)
	// changed items keep their id and workflow, so their history and completions stay
	if after["规划计划"].ID != before["规划计划"].ID || after["人事信息公开"].ID != before["人事信息"].ID ||
		after["人事信息公开"].WorkflowID != before["人事信息"].WorkflowID {
		t.Errorf("changed items were not updated in place: %+v / %+v", after["人事信息公开"], before["人事信息"])
	}
	if !slices.Equal(refIDs(ch.Changed), sortedIDs(before["规划计划"].ID, before["人事信息"].ID)) ||
		!slices.Equal(refIDs(ch.Removed), []int64{before["机构简介"].ID}) || len(ch.Added) != 1 || ch.Added[0].ID != after["网站年报"].ID {
		t.Errorf("synced changes %+v", ch)
	}
	if after["机构简介"].Status != "cancelled" || after["部门文件"].UpdatedRev != 1 || after["规划计划"].UpdatedRev != 2 {
		t.Errorf("statuses: %+v %+v %+v", after["机构简介"], after["部门文件"], after["规划计划"])
	}
	var done int
	must(t, st.Pool.QueryRow(ctx, `SELECT completions FROM item_cycles WHERE item_id = $1`, after["规划计划"].ID).Scan(&done))
	if done != 1 {
		t.Errorf("completion lost: %d", done)
	}

	// the same file again changes nothing and records no revision
	calls := len(sy.calls)
	c3, err := Commit(ctx, st, res2, CommitOptions{BaseRevision: -1}, sy)
	must(t, err)
	if c3.Changes.Revision != 2 || len(sy.calls) != calls {
		t.Errorf("re-import: revision %d, %d new sync calls", c3.Changes.Revision, len(sy.calls)-calls)
	}
	revs, err := st.ListRevisions(ctx, l.ID)
	must(t, err)
	if len(revs) != 2 || revs[0].Added != 1 || revs[0].Changed != 2 || revs[0].Removed != 1 || revs[1].ImportedBy != "admin" || revs[0].SourceFile != "清单-修订.xlsx" {
		t.Errorf("revisions %+v", revs)
	}

	// a list that changed since its preview is not overwritten
	stale, err := DiffStored(ctx, st, res)
	must(t, err)
	// the first list again: 机构简介 comes back, 网站年报 goes
	if _, err := Commit(ctx, st, res, CommitOptions{BaseRevision: stale.BaseRevision}, sy); err != nil {
		t.Fatal(err)
	}
	_, back := storedByTitle(t, st, dir.Unit.ID, 2024)
	if back["机构简介"].Status != "active" || back["机构简介"].ID != before["机构简介"].ID || back["机构简介"].WorkflowID != before["机构简介"].WorkflowID {
		t.Errorf("a removed item that comes back keeps its id and workflow: %+v", back["机构简介"])
	}
	if !containsRef(sy.last(t).Added, before["机构简介"].ID) {
		t.Errorf("the reactivated item is not started again: %+v", sy.last(t))
	}
	_, err = Commit(ctx, st, res2, CommitOptions{BaseRevision: stale.BaseRevision}, sy)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("commit over a newer revision: %v", err)
	}
}

func TestCommitSyncFailureIsRetried(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	res := Load("a.xlsx", listOf(t, []string{"1", "部门文件", "", "办公室", "6月底", ""}, []string{"2", "规划计划", "", "办公室", "4月底", ""}), dir, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	sy := &recordingSyncer{fail: errors.New("temporal unavailable")}
	c, err := Commit(ctx, st, res, CommitOptions{BaseRevision: -1}, sy)
	if err == nil || c == nil || c.Synced || c.Changes.Revision != 1 {
		t.Fatalf("commit with a failing syncer: %+v %v", c, err)
	}
	pending, err := st.PendingChanges(ctx, dir.Unit.ID, 2024)
	must(t, err)
	if len(pending.Added) != 2 {
		t.Fatalf("pending %+v", pending)
	}
	// the next import of the same list passes the pending starts again
	sy.fail = nil
	c, err = Commit(ctx, st, res, CommitOptions{BaseRevision: -1}, sy)
	must(t, err)
	if !c.Synced || c.Changes.Revision != 1 || len(sy.last(t).Added) != 2 {
		t.Fatalf("retry: %+v, last sync %+v", c, sy.last(t))
	}
	pending, err = st.PendingChanges(ctx, dir.Unit.ID, 2024)
	must(t, err)
	if len(pending.Added)+len(pending.Changed)+len(pending.Removed) != 0 {
		t.Errorf("still pending: %+v", pending)
	}

	// a removal that fails to sync is retried by Resync
	sy.fail = errors.New("temporal unavailable")
	res2 := Load("b.xlsx", listOf(t, []string{"1", "部门文件", "", "办公室", "6月底", ""}), dir, Options{Build: BuildOptions{Year: 2024}})
	if _, err := Commit(ctx, st, res2, CommitOptions{BaseRevision: -1}, sy); err == nil {
		t.Fatal("no error from the failing syncer")
	}
	sy.fail = nil
	ch, err := Resync(ctx, st, dir.Unit.ID, 2024, sy)
	must(t, err)
	if len(ch.Removed) != 1 || len(ch.Added)+len(ch.Changed) != 0 {
		t.Errorf("resync %+v", ch)
	}
}

func TestCommitRefusesErrorsAndCreatesOffices(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	data := listOf(t, []string{"1", "部门文件", "", "办公室", "6月底", ""}, []string{"2", "新闻发布", "", "宣传科、办公室", "4月底", ""})
	res := Load("a.xlsx", data, dir, Options{Build: BuildOptions{Year: 2024}})
	if res.OK() {
		t.Fatal("unknown office accepted")
	}
	sy := &recordingSyncer{}
	if _, err := Commit(ctx, st, res, CommitOptions{BaseRevision: -1}, sy); !errors.Is(err, ErrNotCommittable) {
		t.Fatalf("commit of a list with errors: %v", err)
	}
	if _, err := st.ListByUnitYear(ctx, dir.Unit.ID, 2024); !errors.Is(err, store.ErrNotFound) || len(sy.calls) != 0 {
		t.Fatalf("something was committed: %v, %d syncs", err, len(sy.calls))
	}

	res = Load("a.xlsx", data, dir, Options{Build: BuildOptions{Year: 2024, CreateOffices: true}})
	mustOK(t, res)
	if !equalStrings(res.NewOffices, []string{"宣传科"}) {
		t.Fatalf("new offices %v", res.NewOffices)
	}
	_, err := Commit(ctx, st, res, CommitOptions{BaseRevision: -1}, sy)
	must(t, err)
	o, err := st.FindOffice(ctx, dir.Unit.ID, "宣传科")
	must(t, err)
	_, items := storedByTitle(t, st, dir.Unit.ID, 2024)
	if got := officeNamesStored(items["新闻发布"]); !equalStrings(got, []string{"宣传科:lead", "办公室:co"}) || items["新闻发布"].Offices[0].ID != o.ID {
		t.Errorf("offices of 新闻发布: %v", got)
	}
}

// Two admins importing at once: the second sees the first's revision and must look again.
func TestConcurrentCommits(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	a := Load("a.xlsx", listOf(t, []string{"1", "部门文件", "", "办公室", "6月底", ""}), dir, Options{Build: BuildOptions{Year: 2024}})
	b := Load("b.xlsx", listOf(t, []string{"1", "规划计划", "", "办公室", "6月底", ""}), dir, Options{Build: BuildOptions{Year: 2024}})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []*Result{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Commit(ctx, st, r, CommitOptions{BaseRevision: 0}, &recordingSyncer{})
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
			conflict++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	l, items := storedByTitle(t, st, dir.Unit.ID, 2024)
	if ok != 1 || conflict != 1 || l.Revision != 1 || len(items) != 1 {
		t.Errorf("%d committed, %d conflicts, revision %d, %d items", ok, conflict, l.Revision, len(items))
	}
}

func TestDirectoryStore(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	u, created, err := st.EnsureUnit(ctx, "张店区政务公开办")
	must(t, err)
	again, createdAgain, err := st.EnsureUnit(ctx, "张店区政务公开办")
	must(t, err)
	if !created || createdAgain || again.ID != u.ID {
		t.Fatalf("EnsureUnit: %v %v %v", created, createdAgain, again)
	}
	sf, err := st.CreateOffice(ctx, u.ID, "区司法局", []string{"司法局", " 司法局 "})
	must(t, err)
	if !equalStrings(sf.Aliases, []string{"司法局"}) {
		t.Errorf("aliases %v", sf.Aliases)
	}
	if _, err := st.CreateOffice(ctx, u.ID, "司法局", nil); !errors.Is(err, store.ErrExists) {
		t.Errorf("an alias as a new office's name: %v", err)
	}
	cz, err := st.CreateOffice(ctx, u.ID, "区财政局", nil)
	must(t, err)
	if _, err := st.AddOfficeAliases(ctx, cz.ID, "司法局"); !errors.Is(err, store.ErrExists) {
		t.Errorf("an alias taken by another office: %v", err)
	}
	if _, err := st.AddOfficeAliases(ctx, cz.ID, "財政局", "财政局"); err != nil {
		t.Fatal(err)
	}
	o, err := st.FindOffice(ctx, u.ID, "財政局")
	if err != nil || o.ID != cz.ID {
		t.Errorf("find by alias: %v %v", o, err)
	}
	if _, err := st.FindOffice(ctx, u.ID, "宣传科"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown office: %v", err)
	}
	must(t, st.AddGroupMembers(ctx, u.ID, "各成员单位", sf.ID, cz.ID))
	must(t, st.AddGroupMembers(ctx, u.ID, "各成员单位", cz.ID))
	other, err := st.CreateUnit(ctx, "别的单位")
	must(t, err)
	foreign, err := st.CreateOffice(ctx, other.ID, "办公室", nil)
	must(t, err)
	if err := st.AddGroupMembers(ctx, u.ID, "各成员单位", foreign.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a foreign office in a group: %v", err)
	}
	d, err := st.LoadDirectory(ctx, u.ID)
	must(t, err)
	if len(d.Offices) != 2 || len(d.Groups) != 1 || len(d.Groups[0].OfficeIDs) != 2 {
		t.Errorf("directory %+v", d)
	}
	must(t, st.RemoveGroupMembers(ctx, u.ID, "各成员单位", sf.ID))
	gs, err := st.Groups(ctx, u.ID)
	must(t, err)
	if len(gs) != 1 || !slices.Equal(gs[0].OfficeIDs, []int64{cz.ID}) {
		t.Errorf("groups %+v", gs)
	}
	// the directory as stored matches a Traditional list
	res := Load("x.csv", []byte("工作任务,責任單位,完成時限\n部門預算,財政局,6月底\n"), d, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	if res.Items[0].Offices[0].ID != cz.ID {
		t.Errorf("matched %+v", res.Items[0].Offices)
	}
}

func officeNamesStored(it store.ListItem) []string {
	var out []string
	for _, o := range it.Offices {
		out = append(out, o.Name+":"+o.Role)
	}
	return out
}

func titles(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

func changeTitles(cs []ItemChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Item.Title)
	}
	return out
}

func sortedIDs(ids ...int64) []int64 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func containsRef(refs []store.ItemRef, id int64) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// What a row says besides its primary rule survives the commit: its other rules, its score, its
// kept columns and its 待分派 flag.
func TestCommitKeepsObligationsScoresAndUnassigned(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	csv := "考核项目,考评细项,分值,责任科室,备注\n" +
		"年报,及时发布通报，每年3月31日前向社会公布年度报告,2,,见附件\n" +
		"规范性文件,信息形成或变更之日起20个工作日内公开,1.5,办公室,\n"
	res := Load("k.csv", []byte(csv), dir, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	if len(res.Items) != 2 {
		t.Fatalf("%d items", len(res.Items))
	}
	_, err := Commit(ctx, st, res, CommitOptions{BaseRevision: -1}, &recordingSyncer{})
	must(t, err)
	_, items := storedByTitle(t, st, dir.Unit.ID, 2024)
	var report store.ListItem
	for _, it := range items {
		if strings.Contains(it.Requirement, "年度报告") {
			report = it
		}
	}
	if !report.Unassigned || report.UnassignedReason == "" || report.Score == nil || *report.Score != 2 || report.Fields["备注"] != "见附件" {
		t.Fatalf("stored %+v", report)
	}
	var rules []schedule.Rule
	must(t, json.Unmarshal(report.Rules, &rules))
	// the dated deadline is the primary rule: it says more than 及时 beside it
	if len(rules) != 2 || rules[0].Kind != schedule.KindDeadline || rules[1].Kind != schedule.KindTimely {
		t.Errorf("rules %s", report.Rules)
	}
}

// A late import tracked from today: the items already overdue get the grace, the others not.
func TestCommitLateImportGrace(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	res := Load("late.csv", []byte("工作任务,责任科室,完成时限\n部门文件,办公室,4月底\n年度总结,办公室,12月底\n"), dir, Options{Build: BuildOptions{Year: 2024}})
	mustOK(t, res)
	now := time.Date(2024, 12, 2, 1, 34, 0, 0, calendar.Shanghai)
	if late := Late(res, now, calendar.OfficialCalendar()); len(late) != 1 || late[0].Title != "部门文件" {
		t.Fatalf("late items %v", late)
	}
	_, err := Commit(ctx, st, res, CommitOptions{BaseRevision: -1, GraceDays: 5, Now: now}, &recordingSyncer{})
	must(t, err)
	_, items := storedByTitle(t, st, dir.Unit.ID, 2024)
	g := items["部门文件"].GraceUntil
	if g == nil || !g.Equal(calendar.D(2024, 12, 9).End()) {
		t.Errorf("部门文件 grace %v, want the end of 2024-12-09", g)
	}
	if items["年度总结"].GraceUntil != nil {
		t.Errorf("an item not yet due has a grace: %v", items["年度总结"].GraceUntil)
	}
}
