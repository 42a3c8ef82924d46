package notify

import "strings"

// Titles, office names and error texts in robot messages come from imported lists and from
// admins, so they are text, never markup: an item titled [点此办结](http://evil) must not become
// a link in an office's group chat, nor <@all> or <at user_id="all"> a mention of everyone.
// DingTalk, WeCom and Feishu each parse their own markdown dialect and not all of them honour
// backslash escapes (a backslash would then show), so the characters that start markup are
// replaced by their full-width forms, which Chinese text uses anyway and no dialect parses.
var markdownText = strings.NewReplacer(
	"\\", "＼", "`", "｀", "*", "＊", "_", "＿", "~", "～",
	"[", "［", "]", "］", "(", "（", ")", "）",
	"<", "＜", ">", "＞", "#", "＃", "|", "｜", "!", "！", "@", "＠", "&", "＆",
	// a bare URL would still be turned into a link by the chat clients
	"://", "：//",
	// a line break would let the text start a heading, a list or a quote
	"\r\n", " ", "\n", " ", "\r", " ",
)

// MarkdownText makes s safe to place inside robot markdown as plain text.
func MarkdownText(s string) string { return markdownText.Replace(s) }
