package schedule

import "testing"

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
