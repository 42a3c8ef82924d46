package schedule

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// sendTimeWords reads a time of day as admins write it: 9:00, 09:30, 9点, 9点半, 上午9点30分,
// 下午2点, 每天上午9点, 工作日14:30.
var sendTimeWords = regexp.MustCompile(`^(?:每天|每日|工作日|每个工作日)?(上午|早上|早晨|中午|下午|晚上)?(\d{1,2})(?:[:：](\d{2})|点(?:(半)|(\d{1,2})分?)?|时(?:(\d{1,2})分?)?)$`)

// ParseSendTime turns a time of day into the policy's send window (a cron spec "M H * * *");
// a cron spec is taken as it is. The error says, in Chinese, what a time looks like.
func ParseSendTime(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultSendWindow, nil
	}
	if strings.Contains(s, "*") { // a cron spec, the advanced form
		spec := strings.Join(strings.Fields(s), " ")
		if _, err := sendTime(spec); err != nil {
			return "", fmt.Errorf("发送时间“%s”无效：请写成 9:00 这样的时刻（cron 的日、月、星期须为 *，工作日由节假日安排决定）", s)
		}
		return spec, nil
	}
	s = strings.ReplaceAll(s, " ", "")
	m := sendTimeWords.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("发送时间“%s”看不懂：请写成 9:00、14:30 或 上午9点 这样的时刻（只在工作日发送）", s)
	}
	h, _ := strconv.Atoi(m[2])
	min := 0
	switch {
	case m[3] != "":
		min, _ = strconv.Atoi(m[3])
	case m[4] != "":
		min = 30
	case m[5] != "":
		min, _ = strconv.Atoi(m[5])
	case m[6] != "":
		min, _ = strconv.Atoi(m[6])
	}
	if (m[1] == "下午" || m[1] == "晚上") && h < 12 {
		h += 12
	}
	if m[1] == "中午" && h < 11 {
		h += 12
	}
	if h > 23 || min > 59 {
		return "", fmt.Errorf("发送时间“%s”不存在：小时 0–23，分钟 0–59", s)
	}
	return fmt.Sprintf("%d %d * * *", min, h), nil
}

// SendTimeText is the policy's send window as a time of day (09:00), for a form; a spec it
// cannot show so is returned as it is.
func SendTimeText(spec string) string {
	if strings.TrimSpace(spec) == "" {
		spec = DefaultSendWindow
	}
	d, err := sendTime(spec)
	if err != nil {
		return spec
	}
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// sendTimeSeparators end one time of day in a list of them: 9:00、14:30, 上午9点，下午2点半.
// Spaces do not always separate ("上午 9点" is one time); ParseSendTimes joins on them.
func isSendTimeSeparator(r rune) bool {
	return strings.ContainsRune("、，,；;／/和及", r) || r == '\n'
}

// ParseSendTimes reads the 发送时间 field: one time of day as ParseSendTime reads it, several
// separated by 、 ， , ； or spaces ("9:00、14:30", "上午9点,下午2点半"), or a cron spec (the
// advanced form). One time, or a cron spec that fires once a day, gives window, the
// policy's send_window, as before, and no times; several give times, the policy's send_times
// ("09:00", "14:30", sorted), and window, the cron spec of the first. A cron spec that fires
// several times a day ("0 9,14 * * *") gives those times. Times in the quiet hours (22:00 to
// 07:00) are refused unless night is set (the unit's night_send). Errors are in Chinese and name
// the field.
func ParseSendTimes(s string, night bool) (window string, times []string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultSendWindow, nil, nil
	}
	var ds []time.Duration
	if strings.Contains(s, "*") {
		spec := strings.Join(strings.Fields(s), " ")
		if ds, err = cronTimes(spec, MaxSendTimes); err != nil || len(ds) == 0 {
			return "", nil, fmt.Errorf("发送时间“%s”无效：请写成 9:00 这样的时刻（cron 的日、月、星期须为 *，工作日由节假日安排决定）", s)
		}
		if len(ds) == 1 {
			if err := notAtNight(ds, night); err != nil {
				return "", nil, err
			}
			return spec, nil, nil
		}
	} else {
		words, err := sendTimeWordList(s)
		if err != nil {
			return "", nil, err
		}
		seen := map[time.Duration]string{}
		for _, w := range words {
			spec, err := ParseSendTime(w)
			if err != nil {
				return "", nil, err
			}
			d, _ := sendTime(spec)
			if prev, ok := seen[d]; ok {
				return "", nil, fmt.Errorf("发送时间“%s”和“%s”是同一时刻，请只写一次", prev, w)
			}
			seen[d] = w
			ds = append(ds, d)
		}
		if len(ds) == 1 {
			if err := notAtNight(ds, night); err != nil {
				return "", nil, err
			}
			return cronOf(ds[0]), nil, nil
		}
	}
	if len(ds) > MaxSendTimes {
		return "", nil, fmt.Errorf("发送时间“%s”太多：每个工作日最多 %d 个发送时间", s, MaxSendTimes)
	}
	if err := notAtNight(ds, night); err != nil {
		return "", nil, err
	}
	slices.Sort(ds)
	for _, d := range ds {
		times = append(times, clockText(d))
	}
	return cronOf(ds[0]), times, nil
}

// notAtNight refuses a send time in the quiet hours unless the unit opted in (night_send):
// otherwise nothing but an urgent hour clock of a unit that opted in to that (night_urgent) goes
// out between 22:00 and 07:00. Policies stored with such a send_window before keep it; only new
// input is refused.
func notAtNight(ds []time.Duration, night bool) error {
	if night {
		return nil
	}
	for _, d := range ds {
		if d < QuietUntil*time.Hour || d >= QuietFrom*time.Hour {
			return fmt.Errorf("发送时间 %s 在夜间：提醒不在 %02d:00 至次日 %02d:00 之间发送，请改为白天的时刻，或勾选“允许夜间发送”", clockText(d), QuietFrom, QuietUntil)
		}
	}
	return nil
}

// sendTimeWordList splits a list of times of day. A space separates two times only where
// what is before it is a time already and joining would not make a longer one: "9:00 14:30"
// is two, "上午 9点" and "9点 30分" are one each.
func sendTimeWordList(s string) ([]string, error) {
	var out []string
	for _, part := range strings.FieldsFunc(s, isSendTimeSeparator) {
		fields := strings.FieldsFunc(part, unicode.IsSpace)
		cur := ""
		for i, f := range fields {
			cur += f
			if _, err := ParseSendTime(cur); err != nil {
				continue
			}
			if i+1 < len(fields) {
				if _, err := ParseSendTime(cur + fields[i+1]); err == nil {
					continue
				}
			}
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			_, err := ParseSendTime(cur)
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("发送时间“%s”看不懂：请写成 9:00、14:30 或 上午9点 这样的时刻（只在工作日发送）", s)
	}
	return out, nil
}

// SendTimesText is the policy's send windows for its form, in the words ParseSendTimes
// reads: "09:00" or "09:00、14:30". A send window it cannot show so is returned as it is.
func SendTimesText(p Policy) string {
	if len(p.SendTimes) == 0 {
		return SendTimeText(p.SendWindow)
	}
	ds, err := clockTimes(p.SendTimes)
	if err != nil {
		return strings.Join(p.SendTimes, "、")
	}
	texts := make([]string, len(ds))
	for i, d := range ds {
		texts[i] = clockText(d)
	}
	return strings.Join(texts, "、")
}
