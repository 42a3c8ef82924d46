package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/zwgk/zwgk/schedule"
)

// validatePolicy checks a unit's override the way the workflows will read it: merged onto the
// default (unknown fields are an error) and validated; it returns the override compacted, as
// written, so that fields the admin left out keep following the default.
func validatePolicy(raw []byte) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("不是 JSON 对象：%v", err)
	}
	// send_window and send_times may be written as admins write times here too: "9:00",
	// "上午9点", "9:00、14:30" (several times in send_window become send_times)
	// night_send widens the send times the override may give, so it is read first
	var night bool
	if v, ok := obj["night_send"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &night); err != nil {
			return nil, fmt.Errorf("night_send（允许夜间发送）应为 true 或 false：%v", err)
		}
	}
	rewrite, timesGiven := false, false
	if v, ok := obj["send_times"]; ok && string(v) != "null" {
		times, err := sendTimesJSON(v, night)
		if err != nil {
			return nil, err
		}
		if err := setJSON(obj, "send_times", times); err != nil {
			return nil, err
		}
		rewrite, timesGiven = true, len(times) > 0
	}
	if v, ok := obj["send_window"]; ok && string(v) != "null" {
		var t string
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("send_window（发送时间）应为字符串，如 \"9:00\" 或 \"9:00、14:30\"：%v", err)
		}
		window, times, err := schedule.ParseSendTimes(t, night)
		if err != nil {
			return nil, fmt.Errorf("send_window：%w", err)
		}
		if err := setJSON(obj, "send_window", window); err != nil {
			return nil, err
		}
		if timesGiven && times == nil {
			var first []string
			if err := json.Unmarshal(obj["send_times"], &first); err == nil && len(first) > 0 {
				if w, _, err := schedule.ParseSendTimes(first[0], night); err == nil && w != window {
					return nil, fmt.Errorf("send_window（%s）和 send_times 的第一个发送时间（%s）不一致：请只写 send_times", t, first[0])
				}
			}
		}
		if times != nil {
			if timesGiven {
				return nil, errors.New("send_window 写了多个发送时间，又写了 send_times：请只写 send_times，如 [\"9:00\",\"14:30\"]")
			}
			if err := setJSON(obj, "send_times", times); err != nil {
				return nil, err
			}
		}
		rewrite = true
	}
	if rewrite {
		var err error
		if raw, err = json.Marshal(obj); err != nil {
			return nil, err
		}
	}
	if _, err := schedule.MergePolicy(raw); err != nil {
		return nil, err
	}
	return compactJSON(raw)
}

// sendTimesJSON reads send_times as a list of times (["9:00","下午2点半"]) or as one string of
// them ("9:00、14:30") and returns them as stored: "09:00", "14:30". An empty list stays empty
// (back to send_window). Night times are refused unless night (the override's night_send).
func sendTimesJSON(v json.RawMessage, night bool) ([]string, error) {
	var list []string
	if err := json.Unmarshal(v, &list); err != nil {
		var one string
		if json.Unmarshal(v, &one) != nil {
			return nil, fmt.Errorf("send_times（发送时间）应为时刻列表，如 [\"9:00\",\"14:30\"]：%v", err)
		}
		list = []string{one}
	}
	if len(list) == 0 {
		return []string{}, nil
	}
	for _, t := range list {
		if strings.Contains(t, "*") {
			return nil, fmt.Errorf("send_times：发送时间“%s”应为 9:00 这样的时刻；cron 表达式请写在 send_window", t)
		}
	}
	window, times, err := schedule.ParseSendTimes(strings.Join(list, "、"), night)
	if err != nil {
		return nil, fmt.Errorf("send_times：%w", err)
	}
	if times == nil { // one time
		times = []string{schedule.SendTimesText(schedule.Policy{SendWindow: window})}
	}
	return times, nil
}

func setJSON(obj map[string]json.RawMessage, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	obj[key] = b
	return nil
}

// defaultPolicyJSON is the default policy, shown beside the overrides.
func defaultPolicyJSON() (json.RawMessage, error) {
	return json.Marshal(schedule.DefaultPolicy())
}
