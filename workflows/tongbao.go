package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/store"
)

// TongbaoWorkflowName is the monthly 通报 workflow's type. A Temporal Schedule starts it every
// day at TongbaoTime; on the first working day of a month it plans the previous month's 通报
// for each unit's supervisors (and of a quarter, the previous quarter's as well), on other
// days it returns at once. The schedule cannot say
// "first working day" itself: cron knows weekends, not 春节 or a 调休 Sunday.
const TongbaoWorkflowName = "TongbaoWorkflow"

// TongbaoTime is when the 通报 schedule fires each day (Asia/Shanghai): before the usual 09:00
// send window, so the 通报 joins the supervisors' digest of that window.
const TongbaoTime = 8*time.Hour + 30*time.Minute

// TongbaoInput is empty: the day is the workflow's start time.
type TongbaoInput struct{}

// TongbaoOutput says what a run did, for the schedule's history in the Temporal UI.
type TongbaoOutput struct {
	Day   string `json:"day"`
	Month string `json:"month,omitempty"` // the month reported on; empty on other days
	// Quarter is the quarter reported on as well, on the first working day of a quarter.
	Quarter string `json:"quarter,omitempty"`
	Units   int    `json:"units"`
	Planned int    `json:"planned"` // notices written, monthly and quarterly; 0 when a run of the day already did
}

var tongbaoOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 5 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
	},
}

// TongbaoWorkflow plans the monthly 通报 on the first working day of a month. Each unit's
// notices are keyed by unit, month and person, so a retried activity, a re-run of the day or
// a schedule backfill sends nothing twice.
func TongbaoWorkflow(ctx workflow.Context, _ TongbaoInput) (TongbaoOutput, error) {
	ctx = workflow.WithActivityOptions(ctx, tongbaoOptions)
	now := workflow.Now(ctx)
	var day activities.TongbaoDay
	if err := workflow.ExecuteActivity(ctx, acts.TongbaoCheck, now).Get(ctx, &day); err != nil {
		return TongbaoOutput{}, err
	}
	out := TongbaoOutput{Day: day.Day.String()}
	if !day.First {
		return out, nil
	}
	out.Month = day.Month
	var units []store.TongbaoUnit
	if err := workflow.ExecuteActivity(ctx, acts.TongbaoUnits).Get(ctx, &units); err != nil {
		return out, err
	}
	for _, u := range units {
		var res activities.TongbaoResult
		req := activities.TongbaoRequest{Unit: u, Month: day.Month, At: now}
		if err := workflow.ExecuteActivity(ctx, acts.SendTongbao, req).Get(ctx, &res); err != nil {
			return out, err
		}
		out.Units++
		out.Planned += res.Planned
	}
	// The quarterly 通报 came after the monthly one: runs recorded before it replay without
	// its activities.
	if workflow.GetVersion(ctx, "tongbao-quarter", workflow.DefaultVersion, 1) == workflow.DefaultVersion || day.Quarter == "" {
		return out, nil
	}
	out.Quarter = day.Quarter
	for _, u := range units {
		var res activities.TongbaoResult
		req := activities.TongbaoRequest{Unit: u, Month: day.Quarter, At: now}
		if err := workflow.ExecuteActivity(ctx, acts.SendTongbao, req).Get(ctx, &res); err != nil {
			return out, err
		}
		out.Planned += res.Planned
	}
	return out, nil
}

// TongbaoScheduleID is the schedule of a task queue, so installations sharing a namespace keep
// their own.
func TongbaoScheduleID(taskQueue string) string { return "zwgk-tongbao/" + taskQueue }

// EnsureTongbaoSchedule creates the daily 通报 schedule unless it exists. Every worker calls it
// at start-up; the schedule id makes that idempotent, and an existing schedule is left as an
// operator may have paused or changed it.
func EnsureTongbaoSchedule(ctx context.Context, c client.Client, taskQueue string) error {
	id := TongbaoScheduleID(taskQueue)
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Hour:       []client.ScheduleRange{{Start: int(TongbaoTime / time.Hour)}},
				Minute:     []client.ScheduleRange{{Start: int(TongbaoTime % time.Hour / time.Minute)}},
				DayOfWeek:  []client.ScheduleRange{{Start: 0, End: 6}},
				DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}},
				Month:      []client.ScheduleRange{{Start: 1, End: 12}},
			}},
			TimeZoneName: "Asia/Shanghai",
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "zwgk-tongbao/" + taskQueue + "/run",
			Workflow:  TongbaoWorkflowName,
			Args:      []any{TongbaoInput{}},
			TaskQueue: taskQueue,
		},
		// a worker down at 08:30 still sends the day's 通报 when it comes back that day
		CatchupWindow: 12 * time.Hour,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("通报 schedule %s: %w", id, err)
	}
	return nil
}
