package application

import "fmt"

// ReplyType is the kind of answer (第三十六条) as the annual report form groups them.
type ReplyType string

// Reply types, in the order of 第三部分 三、本年度办理结果.
const (
	Disclose ReplyType = "disclose" // （一）予以公开
	Partial  ReplyType = "partial"  // （二）部分公开
	Refuse   ReplyType = "refuse"   // （三）不予公开
	Unable   ReplyType = "unable"   // （四）无法提供
	Reject   ReplyType = "reject"   // （五）不予处理
	Other    ReplyType = "other"    // （六）其他处理
)

// Reason is why an application was answered other than by disclosure; its code is unique across
// types.
type Reason string

// ReplyKind is one row group of the form: a type, its label and its reasons in the form's order.
type ReplyKind struct {
	Type    ReplyType
	Label   string
	Reasons []ReasonRow
}

// ReasonRow is one reason line of the form.
type ReasonRow struct {
	Code  Reason
	Label string
}

// Reasons of 不予处理's siblings, named by the form's wording.
const (
	SecretState     Reason = "state_secret"
	ForbiddenByLaw  Reason = "forbidden_by_law"
	Endangers       Reason = "endangers_security"
	ThirdPartyRight Reason = "third_party_rights"
	InternalAffairs Reason = "internal_affairs"
	ProcessInfo     Reason = "process_information"
	EnforcementFile Reason = "enforcement_file"
	QueryMatter     Reason = "administrative_query"

	NotHeld      Reason = "not_held"
	NeedsMaking  Reason = "needs_making"
	StillUnclear Reason = "still_unclear"

	Petition       Reason = "petition"
	Repeated       Reason = "repeated"
	Publication    Reason = "publication"
	Massive        Reason = "massive_repeated"
	ConfirmReissue Reason = "confirm_or_reissue"

	NoCorrection Reason = "no_correction"
	FeeUnpaid    Reason = "fee_unpaid"
	OtherReason  Reason = "other_reason"
)

// Kinds is the typed table of reply types and reasons, in the order of the national form
// (国办公开办函〔2021〕30号 第三部分).
var Kinds = []ReplyKind{
	{Disclose, "予以公开", nil},
	{Partial, "部分公开", nil},
	{Refuse, "不予公开", []ReasonRow{
		{SecretState, "属于国家秘密"},
		{ForbiddenByLaw, "其他法律行政法规禁止公开"},
		{Endangers, "危及“三安全一稳定”"},
		{ThirdPartyRight, "保护第三方合法权益"},
		{InternalAffairs, "属于三类内部事务信息"},
		{ProcessInfo, "属于四类过程性信息"},
		{EnforcementFile, "属于行政执法案卷"},
		{QueryMatter, "属于行政查询事项"},
	}},
	{Unable, "无法提供", []ReasonRow{
		{NotHeld, "本机关不掌握相关政府信息"},
		{NeedsMaking, "没有现成信息需要另行制作"},
		{StillUnclear, "补正后申请内容仍不明确"},
	}},
	{Reject, "不予处理", []ReasonRow{
		{Petition, "信访举报投诉类申请"},
		{Repeated, "重复申请"},
		{Publication, "要求提供公开出版物"},
		{Massive, "无正当理由大量反复申请"},
		{ConfirmReissue, "要求行政机关确认或重新出具已获取信息"},
	}},
	{Other, "其他处理", []ReasonRow{
		{NoCorrection, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"},
		{FeeUnpaid, "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"},
		{OtherReason, "其他"},
	}},
}

// Kind returns the table row of a type.
func Kind(t ReplyType) (ReplyKind, bool) {
	for _, k := range Kinds {
		if k.Type == t {
			return k, true
		}
	}
	return ReplyKind{}, false
}

// Label is the type's Chinese name.
func (t ReplyType) Label() string {
	if k, ok := Kind(t); ok {
		return k.Label
	}
	return string(t)
}

// ReasonLabel is a reason's Chinese wording, or the code when unknown.
func ReasonLabel(r Reason) string {
	for _, k := range Kinds {
		for _, row := range k.Reasons {
			if row.Code == r {
				return row.Label
			}
		}
	}
	return string(r)
}

// CheckReply reports whether a reply's type and reason go together: types with reasons need one
// of theirs, the others none.
func CheckReply(t ReplyType, r Reason) error {
	k, ok := Kind(t)
	if !ok {
		return fmt.Errorf("unknown reply type %q", t)
	}
	if len(k.Reasons) == 0 {
		if r != "" {
			return fmt.Errorf("reply type %s takes no reason, got %q", t, r)
		}
		return nil
	}
	for _, row := range k.Reasons {
		if row.Code == r {
			return nil
		}
	}
	if r == "" {
		return fmt.Errorf("reply type %s needs a reason", t)
	}
	return fmt.Errorf("reason %q does not belong to reply type %s", r, t)
}

// Applicant is the applicant column of the annual report.
type Applicant string

// Applicant types: 自然人 and the five kinds of 法人或其他组织.
const (
	Person    Applicant = "person"    // 自然人
	Business  Applicant = "business"  // 商业企业
	Research  Applicant = "research"  // 科研机构
	Charity   Applicant = "charity"   // 社会公益组织
	LegalFirm Applicant = "legal"     // 法律服务机构
	OtherOrg  Applicant = "other_org" // 其他
)

// Applicants in the column order of the form.
var Applicants = []Applicant{Person, Business, Research, Charity, LegalFirm, OtherOrg}

// Label is the applicant type's Chinese name as the form's column says it.
func (a Applicant) Label() string {
	switch a {
	case Person:
		return "自然人"
	case Business:
		return "商业企业"
	case Research:
		return "科研机构"
	case Charity:
		return "社会公益组织"
	case LegalFirm:
		return "法律服务机构"
	case OtherOrg:
		return "其他"
	}
	return string(a)
}

// Valid reports a known applicant type.
func (a Applicant) Valid() bool {
	for _, x := range Applicants {
		if x == a {
			return true
		}
	}
	return false
}

// States of an application, in applications.state.
const (
	StateOpen       = "open"       // the reply clock runs
	StateCorrection = "correction" // waiting for the applicant's 补正; the clock is stopped
	StateConsulting = "consulting" // a third party or another body is consulted; not counted
	StateReplied    = "replied"    // answered; waiting for the sign-off
	StateClosed     = "closed"     // signed off: the case file is complete
	StateWithdrawn  = "withdrawn"  // 视为放弃: no 补正 in the given time
)

// Finished reports a state in which no clock runs.
func Finished(state string) bool {
	return state == StateReplied || state == StateClosed || state == StateWithdrawn
}
