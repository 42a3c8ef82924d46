package importer

// clauseTable reads the text no table took as a run of column clauses (机构简介、领导分工要及时
// 更新，部门动态、图片新闻每周更新一条…): each clause names columns and the clock they share.
// It gives nil unless the text reads as such a list.
func clauseTable(lines []line, name string, year int) *Table {
	return nil
}
