package workflows_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/workflows"
)

type recordedPayload struct {
	where string // file and event id, for messages
	what  string // what the payload is, e.g. "LoadItem result"
	data  []byte
	into  any // a pointer to the type that decodes it
}

// payloadTypes are the Go types that read each kind of payload.
var payloadTypes = map[string]reflect.Type{
	"ItemWorkflow input":                    reflect.TypeFor[workflows.ItemInput](),
	"DispatchWorkflow input":                reflect.TypeFor[workflows.DispatchInput](),
	"LoadItem result":                       reflect.TypeFor[activities.ItemDefinition](),
	"SyncItem result":                       reflect.TypeFor[activities.SyncResult](),
	"NextNotice result":                     reflect.TypeFor[activities.NextNotice](),
	"StaleDispatches result":                reflect.TypeFor[[]activities.DispatchRequest](),
	"Dispatch input":                        reflect.TypeFor[activities.DispatchRequest](),
	"Dispatch result":                       reflect.TypeFor[activities.DispatchResult](),
	"signal " + workflows.SignalPoke:        reflect.TypeFor[time.Time](),
	"update " + workflows.UpdateComplete:    reflect.TypeFor[workflows.Completion](),
	"update " + workflows.UpdateReopen:      reflect.TypeFor[workflows.Reopen](),
	"update " + workflows.UpdateExtend:      reflect.TypeFor[workflows.Extension](),
	"update " + workflows.UpdateReassign:    reflect.TypeFor[workflows.Reassignment](),
	"update " + workflows.UpdateRecordEvent: reflect.TypeFor[workflows.Event](),
	"update " + workflows.UpdatePause:       reflect.TypeFor[workflows.Actor](),
	"update " + workflows.UpdateResume:      reflect.TypeFor[workflows.Actor](),
	"update " + workflows.UpdateCancel:      reflect.TypeFor[workflows.Actor](),
	"update " + workflows.UpdateRevise:      reflect.TypeFor[workflows.Actor](),
	"update answer":                         reflect.TypeFor[workflows.State](),
}

// typeFor gives a pointer to a new value of the Go type of a payload; nil for one this test
// does not know.
func typeFor(what string) any {
	if t, ok := payloadTypes[what]; ok {
		return reflect.New(t).Interface()
	}
	return nil
}

// history is the part of a recorded history (the server's JSON) that holds payloads.
type history struct {
	Events []struct {
		EventID        string      `json:"eventId"`
		Type           string      `json:"eventType"`
		Started        *startAttrs `json:"workflowExecutionStartedEventAttributes"`
		ContinuedAsNew *startAttrs `json:"workflowExecutionContinuedAsNewEventAttributes"`
		Marker         *struct {
			Name    string              `json:"markerName"`
			Details map[string]payloads `json:"details"`
		} `json:"markerRecordedEventAttributes"`
		Scheduled *struct {
			ActivityType struct{ Name string } `json:"activityType"`
			Input        payloads              `json:"input"`
		} `json:"activityTaskScheduledEventAttributes"`
		Completed *struct {
			Result      payloads `json:"result"`
			ScheduledID string   `json:"scheduledEventId"`
		} `json:"activityTaskCompletedEventAttributes"`
		Signaled *struct {
			Name  string   `json:"signalName"`
			Input payloads `json:"input"`
		} `json:"workflowExecutionSignaledEventAttributes"`
		UpdateAccepted *struct {
			Request struct {
				Input struct {
					Name string   `json:"name"`
					Args payloads `json:"args"`
				} `json:"input"`
			} `json:"acceptedRequest"`
		} `json:"workflowExecutionUpdateAcceptedEventAttributes"`
		UpdateCompleted *struct {
			Outcome struct {
				Success payloads `json:"success"`
			} `json:"outcome"`
		} `json:"workflowExecutionUpdateCompletedEventAttributes"`
	} `json:"events"`
}

// startAttrs is how a run starts, first or continued as new: its workflow type and input.
type startAttrs struct {
	WorkflowType struct{ Name string } `json:"workflowType"`
	Input        payloads              `json:"input"`
}

type payloads struct {
	Payloads []struct {
		Metadata map[string][]byte `json:"metadata"` // base64 in the file, as []byte decodes it
		Data     []byte            `json:"data"`
	} `json:"payloads"`
}

// jsonData returns the JSON payloads (the SDK's json/plain encoding); nil ones carry no data.
func (p payloads) jsonData(t *testing.T, where string) [][]byte {
	var out [][]byte
	for _, q := range p.Payloads {
		switch enc := string(q.Metadata["encoding"]); enc {
		case "json/plain":
			out = append(out, q.Data)
		case "binary/null":
		default:
			t.Errorf("%s: payload encoding %q", where, enc)
		}
	}
	return out
}

func recordedPayloads(t *testing.T, file string) []recordedPayload {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var h history
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var out []recordedPayload
	add := func(where, what string, p payloads) {
		for _, d := range p.jsonData(t, where) {
			out = append(out, recordedPayload{where: where, what: what, data: d})
		}
	}
	scheduled := map[string]string{}
	for _, e := range h.Events {
		where := fmt.Sprintf("%s event %s", filepath.Base(file), e.EventID)
		switch {
		case e.Started != nil:
			add(where, e.Started.WorkflowType.Name+" input", e.Started.Input)
		case e.ContinuedAsNew != nil:
			add(where, e.ContinuedAsNew.WorkflowType.Name+" input", e.ContinuedAsNew.Input)
		case e.Marker != nil && e.Marker.Name == "LocalActivity":
			var meta struct{ ActivityType string }
			data := e.Marker.Details["data"].jsonData(t, where)
			if len(data) != 1 || json.Unmarshal(data[0], &meta) != nil || meta.ActivityType == "" {
				t.Errorf("%s: a local activity marker without its activity type", where)
				continue
			}
			add(where, meta.ActivityType+" result", e.Marker.Details["result"])
		case e.Scheduled != nil:
			scheduled[e.EventID] = e.Scheduled.ActivityType.Name
			add(where, e.Scheduled.ActivityType.Name+" input", e.Scheduled.Input)
		case e.Completed != nil:
			add(where, scheduled[e.Completed.ScheduledID]+" result", e.Completed.Result)
		case e.Signaled != nil:
			add(where, "signal "+e.Signaled.Name, e.Signaled.Input)
		case e.UpdateAccepted != nil:
			add(where, "update "+e.UpdateAccepted.Request.Input.Name, e.UpdateAccepted.Request.Input.Args)
		case e.UpdateCompleted != nil:
			add(where, "update answer", e.UpdateCompleted.Outcome.Success)
		}
	}
	for i := range out {
		out[i].into = typeFor(out[i].what)
	}
	return out
}

func checkPayload(t *testing.T, p recordedPayload) {
	t.Helper()
	if p.into == nil {
		t.Errorf("%s: %s has no Go type in this test; add it to typeFor", p.where, p.what)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.into); err != nil {
		t.Errorf("%s: %s does not decode into %T: %v", p.where, p.what, p.into, err)
		return
	}
	again, err := json.Marshal(p.into)
	if err != nil {
		t.Fatalf("%s: encode %T: %v", p.where, p.into, err)
	}
	for _, d := range lostValues(decodeAny(t, p.data), decodeAny(t, again), p.what) {
		t.Errorf("%s: %s as %T: %s", p.where, p.what, p.into, d)
	}
}

func decodeAny(t *testing.T, b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// lostValues lists the recorded values that did not survive a decode and an encode.
func lostValues(recorded, again any, path string) []string {
	switch r := recorded.(type) {
	case map[string]any:
		a, ok := again.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: recorded an object, reads %v", path, again)}
		}
		var out []string
		for k, v := range r {
			av, ok := a[k]
			if !ok {
				if !zeroJSON(v) {
					out = append(out, fmt.Sprintf("%s.%s = %v is not read into any field", path, k, v))
				}
				continue
			}
			out = append(out, lostValues(v, av, path+"."+k)...)
		}
		return out
	case []any:
		a, ok := again.([]any)
		if !ok || len(a) != len(r) {
			return []string{fmt.Sprintf("%s: recorded %v, reads %v", path, recorded, again)}
		}
		var out []string
		for i := range r {
			out = append(out, lostValues(r[i], a[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if !reflect.DeepEqual(recorded, again) {
		return []string{fmt.Sprintf("%s: recorded %v, reads %v", path, recorded, again)}
	}
	return nil
}

// zeroJSON reports whether a recorded value is what an omitted field decodes to.
func zeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == "" || x == "0001-01-01T00:00:00Z"
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !zeroJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

// The replay test checks the commands a history leads to, not how its payloads decode: a
// renamed field would decode as its zero value and replay on. So every payload of the recorded
// histories is decoded here into the Go type that reads it in production, with unknown fields
// refused, and encoded again: each key and value recorded must come back (a key may be missing
// only when its recorded value is the zero value it decodes to).
func TestRecordedPayloadsDecodeIntoTheirTypes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	checked := map[string]int{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			for _, p := range recordedPayloads(t, f) {
				checkPayload(t, p)
				checked[p.what]++
			}
		})
	}
	// The histories must hold what this test exists for: LoadItem's result with its prior
	// progress, the updates' arguments and answers, and the dispatcher's activities.
	for _, want := range []string{"LoadItem result", "ItemWorkflow input", "update complete", "update answer",
		"SyncItem result", "NextNotice result", "Dispatch input", "Dispatch result"} {
		if checked[want] == 0 {
			t.Errorf("no %s in the recorded histories (checked %v)", want, checked)
		}
	}
}

// The recorded histories hold no prior cycle (their items started fresh), so the keys of one
// are pinned here: they are the Go field names store.CycleRow had when LoadItem first recorded
// it, and a history recorded then must still resume its cycles.
func TestPriorProgressKeys(t *testing.T) {
	at := time.Date(2027, 3, 31, 15, 59, 59, 0, time.UTC)
	p := activities.ItemProgress{Seq: 7, TrackingStart: at, Paused: true, Cycles: []activities.CycleProgress{{
		Key: "2027-Q1", Start: at, Due: at, OriginalDue: at, Status: "done", Required: 2, Completions: 2,
		DoneAt: at, Late: true, Level: 1, EventTitle: "印发", EvidenceURL: "https://gk.example.gov.cn/a", Note: "n", DoneBy: "张三",
	}}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	var cycles []map[string]json.RawMessage
	if err := json.Unmarshal(got["Cycles"], &cycles); err != nil || len(cycles) != 1 {
		t.Fatalf("Cycles: %s (%v)", got["Cycles"], err)
	}
	for _, c := range []struct {
		obj  map[string]json.RawMessage
		keys []string
	}{
		{got, []string{"Seq", "TrackingStart", "Cycles", "Paused"}},
		{cycles[0], []string{"Key", "Start", "Due", "OriginalDue", "Status", "Required", "Completions", "DoneAt",
			"Late", "Level", "EventTitle", "EvidenceURL", "Note", "DoneBy"}},
	} {
		if len(c.obj) != len(c.keys) {
			t.Errorf("keys %v, want exactly %v", keysOf(c.obj), c.keys)
		}
		for _, k := range c.keys {
			if _, ok := c.obj[k]; !ok {
				t.Errorf("key %s missing from %s", k, b)
			}
		}
	}
	// and a progress written that way reads back whole
	var back activities.ItemProgress
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil || !reflect.DeepEqual(back, p) {
		t.Errorf("read back %+v (%v), want %+v", back, err, p)
	}
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
