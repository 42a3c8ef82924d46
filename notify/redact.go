package notify

import (
	"regexp"
	"strings"
)

// Secrets travel inside URLs here: a robot's access token or key in its webhook's query (the
// Feishu one in its path), Aliyun's AccessKeyId and signature in the query of every SMS call, a
// gateway's token wherever its admin put it, and the signed /l/ links inside messages, each of
// which completes an item without a login. Errors print those URLs (a *url.Error does), and
// errors end up in the logs, the delivery log, admin alerts and Temporal's history, so every
// error of this package's channels passes through Redact.
var (
	secretParam = regexp.MustCompile(`(?i)([?&;](?:access_token|accesstoken|token|key|apikey|api_key|secret|sign|signature|accesskeyid|accesskeysecret|secretid|secretkey|password|passwd|pwd)=)[^&;#\s"'<>]+`)
	secretPath  = regexp.MustCompile(`(/open-apis/bot/v2/hook/|/l/)[A-Za-z0-9_~.%-]+`)
	bearer      = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+`)
)

// Redact masks tokens, keys and signed-link tokens in s with "***".
func Redact(s string) string {
	if !strings.ContainsAny(s, "=/") && !strings.Contains(strings.ToLower(s), "bearer") {
		return s
	}
	s = secretParam.ReplaceAllString(s, "${1}***")
	s = secretPath.ReplaceAllString(s, "${1}***")
	return bearer.ReplaceAllString(s, "${1}***")
}
