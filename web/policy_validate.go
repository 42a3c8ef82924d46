package web

import (
	"encoding/json"
	"fmt"

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
	// send_window may be written as a time of day (9:00, 上午9点) here too
	if v, ok := obj["send_window"]; ok {
		var t string
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("send_window 应为发送时间，如 \"9:00\"：%v", err)
		}
		spec, err := schedule.ParseSendTime(t)
		if err != nil {
			return nil, err
		}
		if obj["send_window"], err = json.Marshal(spec); err != nil {
			return nil, err
		}
		if raw, err = json.Marshal(obj); err != nil {
			return nil, err
		}
	}
	if _, err := schedule.MergePolicy(raw); err != nil {
		return nil, err
	}
	return compactJSON(raw)
}

// defaultPolicyJSON is the default policy, shown beside the overrides.
func defaultPolicyJSON() (json.RawMessage, error) {
	return json.Marshal(schedule.DefaultPolicy())
}
