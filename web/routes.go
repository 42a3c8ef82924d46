package web

import (
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// scopeKind says what a route's scope parameter names.
type scopeKind int

const (
	scopeNone   scopeKind = iota
	scopeItem             // an item id: office users need one of its offices, supervisors its unit
	scopeOffice           // an office id: office users need that office, supervisors its unit
	scopeUnit             // a unit id: supervisors need that unit, office users the unit of one of their offices
)

// Who may call a route.
var (
	public        = []string{} // anyone, signed in or not
	anyone        = []string{store.RoleAdmin, store.RoleSupervisor, store.RoleOffice}
	adminOnly     = []string{store.RoleAdmin}
	supervisors   = []string{store.RoleAdmin, store.RoleSupervisor}
	officeOrAdmin = []string{store.RoleAdmin, store.RoleOffice}
)

// route is one page or endpoint.
type route struct {
	method string
	path   string // a net/http pattern without the method
	roles  []string
	scope  scopeKind
	// param names the scope's path wildcard or query parameter; "id" when empty. An empty query
	// parameter means "no filter" and is allowed.
	param string
	api   bool // JSON errors, 401 instead of a redirect to the login page
	dev   bool // registered only in dev mode
	// upload is the body limit of a route that takes a file, in place of maxFormBody; it
	// applies only once the caller holds one of roles.
	upload int64
	// Every unsafe method checks a CSRF token unless the caller authenticated with a bearer
	// token, which a browser never sends by itself.
	handle handlerFunc
}

// routes is the whole app. Keep it one table: the middleware and the authorisation matrix test
// read it.
func (s *Server) routes() []route {
	return []route{
		// Sign-in and the home page.
		{method: "GET", path: "/{$}", roles: anyone, handle: s.home},
		{method: "GET", path: "/login", roles: public, handle: s.loginPage},
		{method: "POST", path: "/login", roles: public, handle: s.loginSubmit},
		{method: "POST", path: "/logout", roles: anyone, handle: s.logout},
		{method: "GET", path: "/account", roles: anyone, handle: s.accountPage},
		{method: "POST", path: "/account/password", roles: anyone, handle: s.accountPassword},
		{method: "POST", path: "/account/tokens", roles: anyone, handle: s.accountTokenCreate},
		{method: "POST", path: "/account/tokens/{id}/revoke", roles: anyone, handle: s.accountTokenRevoke},
		{method: "POST", path: "/account/settings", roles: anyone, handle: s.accountSettings},
		// Password setup links (handler_setup.go): the one-time token is the credential.
		{method: "GET", path: "/setup/{token}", roles: public, handle: s.setupPage},
		{method: "POST", path: "/setup/{token}", roles: public, handle: s.setupSubmit},

		// Items: the office's work.
		{method: "GET", path: "/items", roles: anyone, scope: scopeOffice, param: "office", handle: s.itemsPage},
		// Bulk actions name their items in the body; the handler checks each against the scope.
		{method: "POST", path: "/items/bulk", roles: adminOnly, handle: s.itemsBulk},
		{method: "GET", path: "/items/{id}", roles: anyone, scope: scopeItem, handle: s.itemPage},
		// A completion may carry an evidence file (handler_evidence.go), hence the upload limit.
		{method: "POST", path: "/items/{id}/complete", roles: officeOrAdmin, scope: scopeItem, upload: maxUpload, handle: s.itemComplete},
		{method: "GET", path: "/items/{id}/evidence/{eid}", roles: anyone, scope: scopeItem, handle: s.evidenceDownload},
		{method: "POST", path: "/items/{id}/events", roles: officeOrAdmin, scope: scopeItem, handle: s.itemEvent},
		{method: "POST", path: "/items/{id}/reopen", roles: anyone, scope: scopeItem, handle: s.itemReopen},
		{method: "POST", path: "/items/{id}/extend", roles: supervisors, scope: scopeItem, handle: s.itemExtend},
		{method: "POST", path: "/items/{id}/pause", roles: adminOnly, scope: scopeItem, handle: s.itemPause},
		{method: "POST", path: "/items/{id}/resume", roles: adminOnly, scope: scopeItem, handle: s.itemResume},
		{method: "POST", path: "/items/{id}/reassign", roles: adminOnly, scope: scopeItem, handle: s.itemReassign},

		// Signed links from reminders: the token is the credential.
		{method: "GET", path: "/l/{token}", roles: public, handle: s.linkPage},
		{method: "POST", path: "/l/{token}", roles: public, handle: s.linkConfirm},

		// iCalendar feeds: the secret URL is the credential; the page shows an office its URL.
		{method: "GET", path: "/ical/{token}", roles: public, handle: s.icalFeed},
		{method: "GET", path: "/offices/{id}/calendar", roles: anyone, scope: scopeOffice, handle: s.icalPage},
		{method: "POST", path: "/offices/{id}/calendar/rotate", roles: anyone, scope: scopeOffice, handle: s.icalRotate},

		// Supervisors.
		{method: "GET", path: "/dashboard", roles: supervisors, scope: scopeOffice, param: "office", handle: s.dashboardPage},
		{method: "GET", path: "/offices/{id}/duban.xlsx", roles: supervisors, scope: scopeOffice, handle: s.dubanExport},
		{method: "GET", path: "/units/{id}/duban.xlsx", roles: supervisors, scope: scopeUnit, handle: s.unitDubanExport},
		{method: "GET", path: "/charts", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.chartsPage},
		{method: "GET", path: "/tongbao", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.tongbaoPage},
		{method: "GET", path: "/tongbao.xlsx", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.tongbaoExport},
		{method: "GET", path: "/tongbao.docx", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.tongbaoDocx},
		{method: "GET", path: "/points", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.pointsPage},

		// 依申请公开 (handler_applications.go). A case is named by {app}, not {id}: it is checked
		// in the handler against both its unit and its handling office (loadApplication), as the
		// applicant's data is for that office and the admins only; supervisors of the unit read
		// the case without it and sign it off.
		{method: "GET", path: "/applications", roles: anyone, scope: scopeUnit, param: "unit", handle: s.applicationsPage},
		{method: "POST", path: "/applications", roles: officeOrAdmin, handle: s.applicationCreate},
		{method: "POST", path: "/applications/import", roles: adminOnly, upload: maxUpload, handle: s.applicationImport},
		{method: "GET", path: "/applications/report", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.applicationReport},
		{method: "GET", path: "/applications/report.xlsx", roles: supervisors, scope: scopeUnit, param: "unit", handle: s.applicationReportXLSX},
		{method: "GET", path: "/applications/{app}", roles: anyone, handle: s.applicationPage},
		{method: "POST", path: "/applications/{app}/correction", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateRequestCorrection, "application.correction", "已告知补正，答复期限待补正后重新计算。", s.readCorrection)},
		{method: "POST", path: "/applications/{app}/corrected", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateCompleteCorrection, "application.corrected", "已登记补正，答复期限重新计算。", s.readCorrected)},
		{method: "POST", path: "/applications/{app}/consult", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateStartConsultation, "application.consult", "已开始征求意见，期间不计入答复期限。", s.readConsultation)},
		{method: "POST", path: "/applications/{app}/consulted", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateEndConsultation, "application.consulted", "征求意见结束，恢复计时。", s.readConsultation)},
		{method: "POST", path: "/applications/{app}/extend", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateExtendReply, "application.extend", "已延期答复。", s.readExtension)},
		{method: "POST", path: "/applications/{app}/reply", roles: officeOrAdmin, handle: s.applicationAction(workflows.UpdateReply, "application.reply", "已登记答复。", s.readReply)},
		{method: "POST", path: "/applications/{app}/close", roles: supervisors, handle: s.applicationAction(workflows.UpdateCloseApplication, "application.close", "已办结。", s.readClose)},

		// Reports everyone in scope may read: the list filter as xlsx, the month calendar.
		{method: "GET", path: "/export/items.xlsx", roles: anyone, scope: scopeOffice, param: "office", handle: s.itemsExport},
		{method: "GET", path: "/month", roles: anyone, scope: scopeUnit, param: "unit", handle: s.monthPage},

		// Admins.
		{method: "GET", path: "/admin/lists", roles: adminOnly, handle: s.listsPage},
		{method: "GET", path: "/admin/lists/template.xlsx", roles: adminOnly, scope: scopeUnit, param: "unit", handle: s.listTemplate},
		{method: "POST", path: "/admin/lists/preview", roles: adminOnly, upload: maxUpload, handle: s.listsPreview},
		{method: "POST", path: "/admin/lists/fix", roles: adminOnly, handle: s.listsFix},
		{method: "POST", path: "/admin/lists/correct", roles: adminOnly, upload: maxCorrections, handle: s.listsCorrect},
		{method: "POST", path: "/admin/lists/commit", roles: adminOnly, upload: maxJSONBody, handle: s.listsCommit},
		{method: "GET", path: "/admin/directory", roles: adminOnly, handle: s.directoryPage},
		{method: "POST", path: "/admin/units", roles: adminOnly, handle: s.unitCreate},
		{method: "GET", path: "/admin/units/{id}", roles: adminOnly, scope: scopeUnit, handle: s.unitPage},
		{method: "POST", path: "/admin/units/{id}/offices", roles: adminOnly, scope: scopeUnit, handle: s.officeCreate},
		{method: "POST", path: "/admin/units/{id}/groups", roles: adminOnly, scope: scopeUnit, handle: s.groupsSet},
		{method: "GET", path: "/admin/offices/{id}", roles: adminOnly, scope: scopeOffice, handle: s.officePage},
		{method: "POST", path: "/admin/offices/{id}", roles: adminOnly, scope: scopeOffice, handle: s.officeUpdate},
		{method: "POST", path: "/admin/offices/{id}/robots", roles: adminOnly, scope: scopeOffice, handle: s.robotAdd},
		{method: "POST", path: "/admin/offices/{id}/robots/remove", roles: adminOnly, scope: scopeOffice, handle: s.robotRemove},
		// People are not bound to one unit (a person may serve several); the office or unit of a
		// role is in the body, and checkAttachment checks it against the caller's scope.
		{method: "POST", path: "/admin/people", roles: adminOnly, handle: s.personCreate},
		{method: "GET", path: "/admin/people/{id}", roles: adminOnly, handle: s.personPage},
		{method: "POST", path: "/admin/people/{id}", roles: adminOnly, handle: s.personUpdate},
		{method: "POST", path: "/admin/people/{id}/active", roles: adminOnly, handle: s.personActive},
		{method: "POST", path: "/admin/people/attach", roles: adminOnly, handle: s.personAttach},
		{method: "POST", path: "/admin/people/detach", roles: adminOnly, handle: s.personDetach},
		{method: "POST", path: "/admin/people/import", roles: adminOnly, upload: maxRosterForm, handle: s.rosterImport},
		{method: "GET", path: "/admin/calendar", roles: adminOnly, handle: s.calendarPage},
		{method: "POST", path: "/admin/calendar", roles: adminOnly, upload: maxJSONBody, handle: s.calendarLoad},
		{method: "GET", path: "/admin/policy", roles: adminOnly, handle: s.policyPage},
		{method: "POST", path: "/admin/units/{id}/policy", roles: adminOnly, scope: scopeUnit, handle: s.policySave},
		{method: "GET", path: "/admin/deliveries", roles: adminOnly, handle: s.deliveriesPage},
		{method: "GET", path: "/admin/outbox", roles: adminOnly, dev: true, handle: s.outboxPage},
		{method: "GET", path: "/admin/users", roles: adminOnly, handle: s.usersPage},
		{method: "POST", path: "/admin/users", roles: adminOnly, handle: s.usersCreate},
		{method: "POST", path: "/admin/users/{id}/disable", roles: adminOnly, handle: s.usersDisable},
		{method: "POST", path: "/admin/users/setup", roles: adminOnly, handle: s.usersSetupLink},
		{method: "POST", path: "/admin/users/person", roles: adminOnly, handle: s.usersPerson},
		{method: "GET", path: "/admin/audit", roles: adminOnly, handle: s.auditPage},

		// The JSON API: the same operations for scripts (bearer tokens) and the pages' users.
		{method: "GET", path: "/api/me", roles: anyone, api: true, handle: s.apiMe},
		{method: "GET", path: "/api/items", roles: anyone, scope: scopeOffice, param: "office", api: true, handle: s.apiItems},
		{method: "GET", path: "/api/items/{id}", roles: anyone, scope: scopeItem, api: true, handle: s.apiItem},
		{method: "POST", path: "/api/items/{id}/complete", roles: officeOrAdmin, scope: scopeItem, api: true, handle: s.itemComplete},
		{method: "POST", path: "/api/items/{id}/events", roles: officeOrAdmin, scope: scopeItem, api: true, handle: s.itemEvent},
		{method: "POST", path: "/api/items/{id}/reopen", roles: anyone, scope: scopeItem, api: true, handle: s.itemReopen},
		{method: "POST", path: "/api/items/{id}/extend", roles: supervisors, scope: scopeItem, api: true, handle: s.itemExtend},
		{method: "POST", path: "/api/items/{id}/pause", roles: adminOnly, scope: scopeItem, api: true, handle: s.itemPause},
		{method: "POST", path: "/api/items/{id}/resume", roles: adminOnly, scope: scopeItem, api: true, handle: s.itemResume},
		{method: "POST", path: "/api/items/{id}/reassign", roles: adminOnly, scope: scopeItem, api: true, handle: s.itemReassign},
		{method: "GET", path: "/api/applications", roles: anyone, scope: scopeUnit, param: "unit", api: true, handle: s.applicationsPage},
		{method: "POST", path: "/api/applications", roles: officeOrAdmin, api: true, handle: s.applicationCreate},
		{method: "GET", path: "/api/applications/report", roles: supervisors, scope: scopeUnit, param: "unit", api: true, handle: s.applicationReport},
		{method: "GET", path: "/api/applications/{app}", roles: anyone, api: true, handle: s.applicationPage},
		{method: "POST", path: "/api/applications/{app}/correction", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateRequestCorrection, "application.correction", "", s.readCorrection)},
		{method: "POST", path: "/api/applications/{app}/corrected", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateCompleteCorrection, "application.corrected", "", s.readCorrected)},
		{method: "POST", path: "/api/applications/{app}/consult", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateStartConsultation, "application.consult", "", s.readConsultation)},
		{method: "POST", path: "/api/applications/{app}/consulted", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateEndConsultation, "application.consulted", "", s.readConsultation)},
		{method: "POST", path: "/api/applications/{app}/extend", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateExtendReply, "application.extend", "", s.readExtension)},
		{method: "POST", path: "/api/applications/{app}/reply", roles: officeOrAdmin, api: true, handle: s.applicationAction(workflows.UpdateReply, "application.reply", "", s.readReply)},
		{method: "POST", path: "/api/applications/{app}/close", roles: supervisors, api: true, handle: s.applicationAction(workflows.UpdateCloseApplication, "application.close", "", s.readClose)},
		{method: "GET", path: "/api/offices", roles: anyone, api: true, handle: s.apiOffices},
		{method: "GET", path: "/api/offices/{id}/calendar", roles: anyone, scope: scopeOffice, api: true, handle: s.icalPage},
		{method: "POST", path: "/api/offices/{id}/calendar/rotate", roles: anyone, scope: scopeOffice, api: true, handle: s.icalRotate},
		{method: "GET", path: "/api/dashboard", roles: supervisors, scope: scopeOffice, param: "office", api: true, handle: s.dashboardPage},
		{method: "GET", path: "/api/offices/{id}/duban.xlsx", roles: supervisors, scope: scopeOffice, api: true, handle: s.dubanExport},
		{method: "POST", path: "/api/lists/preview", roles: adminOnly, api: true, upload: maxUpload, handle: s.listsPreview},
		{method: "POST", path: "/api/lists/fix", roles: adminOnly, api: true, handle: s.listsFix},
		{method: "POST", path: "/api/lists/correct", roles: adminOnly, api: true, upload: maxCorrections, handle: s.listsCorrect},
		{method: "POST", path: "/api/lists/commit", roles: adminOnly, api: true, upload: maxJSONBody, handle: s.listsCommit},
		{method: "GET", path: "/api/directory", roles: adminOnly, api: true, handle: s.directoryPage},
		{method: "POST", path: "/api/units", roles: adminOnly, api: true, handle: s.unitCreate},
		{method: "GET", path: "/api/units/{id}", roles: adminOnly, scope: scopeUnit, api: true, handle: s.unitPage},
		{method: "POST", path: "/api/units/{id}/offices", roles: adminOnly, scope: scopeUnit, api: true, handle: s.officeCreate},
		{method: "PUT", path: "/api/units/{id}/groups", roles: adminOnly, scope: scopeUnit, api: true, handle: s.groupsSet},
		{method: "GET", path: "/api/offices/{id}", roles: adminOnly, scope: scopeOffice, api: true, handle: s.officePage},
		{method: "PUT", path: "/api/offices/{id}", roles: adminOnly, scope: scopeOffice, api: true, handle: s.officeUpdate},
		{method: "POST", path: "/api/offices/{id}/robots", roles: adminOnly, scope: scopeOffice, api: true, handle: s.robotAdd},
		{method: "POST", path: "/api/offices/{id}/robots/remove", roles: adminOnly, scope: scopeOffice, api: true, handle: s.robotRemove},
		{method: "GET", path: "/api/people", roles: adminOnly, api: true, handle: s.peopleList},
		{method: "POST", path: "/api/people", roles: adminOnly, api: true, handle: s.personCreate},
		{method: "GET", path: "/api/people/{id}", roles: adminOnly, api: true, handle: s.personPage},
		{method: "PUT", path: "/api/people/{id}", roles: adminOnly, api: true, handle: s.personUpdate},
		{method: "POST", path: "/api/people/{id}/active", roles: adminOnly, api: true, handle: s.personActive},
		{method: "POST", path: "/api/people/attach", roles: adminOnly, api: true, handle: s.personAttach},
		{method: "POST", path: "/api/people/detach", roles: adminOnly, api: true, handle: s.personDetach},
		{method: "POST", path: "/api/people/import", roles: adminOnly, api: true, upload: maxRosterForm, handle: s.rosterImport},
		{method: "GET", path: "/api/calendar", roles: adminOnly, api: true, handle: s.calendarPage},
		{method: "POST", path: "/api/calendar", roles: adminOnly, api: true, upload: maxJSONBody, handle: s.calendarLoad},
		{method: "GET", path: "/api/policy", roles: adminOnly, api: true, handle: s.policyPage},
		{method: "PUT", path: "/api/units/{id}/policy", roles: adminOnly, scope: scopeUnit, api: true, handle: s.policySave},
		{method: "GET", path: "/api/deliveries", roles: adminOnly, api: true, handle: s.deliveriesPage},
		{method: "GET", path: "/api/outbox", roles: adminOnly, dev: true, api: true, handle: s.outboxPage},
		{method: "GET", path: "/api/users", roles: adminOnly, api: true, handle: s.usersPage},
		{method: "POST", path: "/api/users", roles: adminOnly, api: true, handle: s.usersCreate},
		{method: "POST", path: "/api/users/{id}/disable", roles: adminOnly, api: true, handle: s.usersDisable},
		{method: "POST", path: "/api/users/setup", roles: adminOnly, api: true, handle: s.usersSetupLink},
		{method: "POST", path: "/api/users/person", roles: adminOnly, api: true, handle: s.usersPerson},
		{method: "GET", path: "/api/audit", roles: adminOnly, api: true, handle: s.auditPage},
		{method: "GET", path: "/api/tokens", roles: anyone, api: true, handle: s.accountPage},
		{method: "POST", path: "/api/tokens", roles: anyone, api: true, handle: s.accountTokenCreate},
		{method: "POST", path: "/api/tokens/{id}/revoke", roles: anyone, api: true, handle: s.accountTokenRevoke},
	}
}
