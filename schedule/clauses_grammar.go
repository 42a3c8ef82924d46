package schedule

// One piece of content a period is a quota, not a cycle. A column-duty clause counts what it
// publishes: 部门动态、图片新闻每周更新一条 asks for one article every week, as 每周更新2条 asks
// for two, and the plain count (每周更新2次, 每月1次) reads a count of one as a cycle only because
// 次 counts occasions. 条 and 篇 count articles, so their one stays a count.
var pieceQuota = pattern{
	[]string{"每|按", "条|篇", "年|季|月|周|星期"},
	re(`(?:每个?|按)(?P<p>PER)(?:VERB)?(?P<n>1|一)(?:条|篇)`),
	func(c *mctx) (Rule, bool) {
		return Rule{Kind: KindQuota, Period: period(c.g("p")), Count: 1}, true
	},
}

// pieceQuota goes first: scan keeps, of two matches over the same text, the earlier pattern's,
// and the plain count matches 每周更新一条 too.
func init() {
	patterns = append([]pattern{pieceQuota}, patterns...)
	splitNeeds(patterns)
}
