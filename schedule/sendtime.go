package schedule

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
