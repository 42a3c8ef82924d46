package schedule

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseSendTime(t *testing.T) {
	for in, want := range map[string]string{
		"9:00": "0 9 * * *", "09:30": "30 9 * * *", "9点": "0 9 * * *", "9点半": "30 9 * * *",
		"上午9点30分": "30 9 * * *", "下午2点": "0 14 * * *", "每天上午9点": "0 9 * * *", "工作日14:30": "30 14 * * *",
		"14：05": "5 14 * * *", "": DefaultSendWindow, "30 8 * * *": "30 8 * * *", "8时15分": "15 8 * * *",
	} {
		got, err := ParseSendTime(in)
		if err != nil || got != want {
			t.Errorf("ParseSendTime(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err == nil {
			if _, err := sendTime(got); err != nil {
				t.Errorf("%q → %q is not a valid window: %v", in, got, err)
			}
		}
	}
	for _, bad := range []string{"25:00", "9:75", "明天", "0 9 * * 1", "九点"} {
		if _, err := ParseSendTime(bad); err == nil {
			t.Errorf("ParseSendTime(%q) accepted", bad)
		}
	}
	if got := SendTimeText("30 8 * * *"); got != "08:30" {
		t.Errorf("SendTimeText = %q", got)
	}
	if got := SendTimeText(""); got != "09:00" {
		t.Errorf("SendTimeText default = %q", got)
	}
}

func TestParseSendTimes(t *testing.T) {
	for in, want := range map[string]string{
		// one time stays the old send_window, as stored before
		"9:00": "0 9 * * * []", "上午8点30分": "30 8 * * * []", "": DefaultSendWindow + " []", "30 8 * * *": "30 8 * * * []",
		"上午 9点": "0 9 * * * []", "9点 30分": "30 9 * * * []",
		// several
		"9:00、14:30": "0 9 * * * [09:00 14:30]",
		"上午9点,下午2点半": "0 9 * * * [09:00 14:30]",
		"上午9点，下午2点半": "0 9 * * * [09:00 14:30]",
		"14:30；9:00": "0 9 * * * [09:00 14:30]",
		"9:00 14:30": "0 9 * * * [09:00 14:30]",
		"每天上午8点30分、中午12点、下午5点": "30 8 * * * [08:30 12:00 17:00]",
		"9:00和16:00":    "0 9 * * * [09:00 16:00]",
		"0 9,14 * * *":  "0 9 * * * [09:00 14:00]",
		"30 8,16 * * *": "30 8 * * * [08:30 16:30]",
	} {
		window, times, err := ParseSendTimes(in, false)
		if got := fmt.Sprint(window, " ", times); err != nil || got != want {
			t.Errorf("ParseSendTimes(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"9:00、明天":    "看不懂",
		"9:00、25:00": "不存在",
		"9:00、9点":    "同一时刻",
		"7:00、8:00、9:00、10:00、11:00、12:00、13:00": "最多 6 个",
		"*/5 * * * *": "最多 6 个",
		"0 9 * * 1":   "cron",
		"、":           "看不懂",
		"9:00、22:30":  "夜间",
		"晚上10点":       "夜间",
		"上午6点半":       "夜间",
		"0 6,9 * * *": "夜间",
		"0 23 * * *":  "夜间",
	} {
		if _, _, err := ParseSendTimes(in, false); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "发送时间") {
			t.Errorf("ParseSendTimes(%q) = %v, want an error saying %q and naming 发送时间", in, err, want)
		}
	}
	// what the form shows reads back to the same policy
	for _, in := range []string{"9:00", "上午9点,下午2点半", "8:05、12:00、17:30"} {
		window, times, _ := ParseSendTimes(in, false)
		p := DefaultPolicy()
		p.SendWindow, p.SendTimes = window, times
		shown := SendTimesText(p)
		w2, t2, err := ParseSendTimes(shown, false)
		if err != nil || w2 != window || fmt.Sprint(t2) != fmt.Sprint(times) {
			t.Errorf("%q shown as %q reads back as %q %v %v", in, shown, w2, t2, err)
		}
	}
	// a unit that opted in to night sending (night_send) may give the quiet hours' times
	for in, want := range map[string]string{"晚上10点": "0 22 * * *", "23:30": "30 23 * * *", "0 6 * * *": "0 6 * * *"} {
		if window, times, err := ParseSendTimes(in, true); err != nil || window != want || times != nil {
			t.Errorf("ParseSendTimes(%q, night) = %q %v %v, want %q", in, window, times, err, want)
		}
	}
	if window, times, err := ParseSendTimes("9:00、22:30", true); err != nil || window != "0 9 * * *" || fmt.Sprint(times) != "[09:00 22:30]" {
		t.Errorf("ParseSendTimes(9:00、22:30, night) = %q %v %v", window, times, err)
	}
	if got := SendTimesText(twoTimes("9:00", "14:30")); got != "09:00、14:30" {
		t.Errorf("SendTimesText = %q", got)
	}
}
