/* Every endpoint of the API, one row each. fcgi/openapi.json must list
 * exactly these (tests/unit/test_routes.c checks it). */
#include "handlers.h"
#include "router.h"

const struct hz_route hz_routes[] = {
	/* method   path                          handler         access     body, query[, flags] */
	{ HZ_GET,  "/api/v1/health",             h_health,       HZ_PUBLIC, NULL, NULL },
	{ HZ_GET,  "/api/v1/version",            h_version,      HZ_PUBLIC, NULL, NULL },
	{ HZ_POST, "/api/v1/client-errors",      h_client_error, HZ_PUBLIC, client_error_fields, NULL },

	{ HZ_POST, "/api/v1/auth/login",         h_login,        HZ_PUBLIC, login_fields, NULL },
	{ HZ_POST, "/api/v1/auth/code",          h_code_send,    HZ_PUBLIC, code_fields, NULL },
	{ HZ_POST, "/api/v1/auth/code/verify",   h_code_verify,  HZ_PUBLIC, code_verify_fields, NULL },
	{ HZ_POST, "/api/v1/auth/wechat",        h_wechat,       HZ_PUBLIC, wechat_fields, NULL },
	{ HZ_POST, "/api/v1/auth/refresh",       h_refresh,      HZ_PUBLIC, refresh_fields, NULL },
	{ HZ_POST, "/api/v1/auth/logout",        h_logout,       HZ_PUBLIC, refresh_fields, NULL },
	{ HZ_GET,  "/api/v1/me",                 h_me,           HZ_USER,   NULL, NULL },

	{ HZ_GET,   "/api/v1/units",             h_units_list,      HZ_STAFF, NULL, units_query },
	{ HZ_POST,  "/api/v1/units",             h_unit_create,     HZ_STAFF, unit_create_fields, NULL },
	{ HZ_GET,   "/api/v1/units/{id}",        h_unit_get,        HZ_STAFF, NULL, NULL },
	{ HZ_PATCH, "/api/v1/units/{id}",        h_unit_update,     HZ_STAFF, unit_update_fields, NULL },
	{ HZ_GET,   "/api/v1/buildings",         h_buildings_list,  HZ_STAFF, NULL, buildings_query },
	{ HZ_POST,  "/api/v1/buildings",         h_building_create, HZ_STAFF, building_create_fields, NULL },
	{ HZ_GET,   "/api/v1/buildings/search",  h_buildings_search, HZ_USER, NULL, building_search_query },
	{ HZ_GET,   "/api/v1/buildings/{id}",    h_building_get,    HZ_STAFF, NULL, NULL },
	{ HZ_PATCH, "/api/v1/buildings/{id}",    h_building_update, HZ_STAFF, building_update_fields, NULL },
	{ HZ_GET,   "/api/v1/stations",          h_stations_list,   HZ_USER,  NULL, NULL },
	{ HZ_GET,   "/api/v1/stations/{id}",     h_station_get,     HZ_USER,  NULL, NULL },
	{ HZ_PATCH, "/api/v1/stations/{id}",     h_station_update,  HZ_STAFF, station_update_fields, NULL },

	{ HZ_GET,  "/api/v1/scan/{token}",                h_scan,               HZ_OPTIONAL, NULL, NULL },
	{ HZ_GET,  "/api/v1/buildings/{id}/qr.png",       h_building_qr_png,    HZ_STAFF, NULL, qr_png_query },
	{ HZ_GET,  "/api/v1/buildings/{id}/qr.svg",       h_building_qr_svg,    HZ_STAFF, NULL, NULL },
	{ HZ_POST, "/api/v1/buildings/{id}/qr/rotate",    h_building_qr_rotate, HZ_STAFF, NULL, NULL },
	{ HZ_GET,  "/api/v1/units/{id}/posters",          h_unit_posters,       HZ_STAFF, NULL, NULL },

	{ HZ_POST, "/api/v1/tenancies",                   h_tenancy_create,     HZ_USER,  tenancy_create_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,  "/api/v1/tenancies",                   h_tenancies_list,     HZ_USER,  NULL, tenancies_query },
	{ HZ_GET,  "/api/v1/tenancies/export",            h_tenancies_export,   HZ_STAFF, NULL, export_query },
	{ HZ_GET,  "/api/v1/tenancies/{id}",              h_tenancy_get,        HZ_USER,  NULL, NULL },
	{ HZ_GET,  "/api/v1/tenancies/{id}/id-number",    h_tenancy_id_number,  HZ_USER,  NULL, NULL },
	{ HZ_POST, "/api/v1/tenancies/{id}/approve",      h_tenancy_approve,    HZ_STAFF, NULL, NULL },
	{ HZ_POST, "/api/v1/tenancies/{id}/reject",       h_tenancy_reject,     HZ_STAFF, reason_fields, NULL },
	{ HZ_POST, "/api/v1/tenancies/{id}/end",          h_tenancy_end,        HZ_USER,  reason_fields, NULL },
	{ HZ_GET,  "/api/v1/buildings/{id}/roster",       h_roster,             HZ_STAFF, NULL, page_query },
	{ HZ_GET,  "/api/v1/units/{id}/tenancy-counts",   h_tenancy_counts,     HZ_STAFF, NULL, NULL },
	{ HZ_POST, "/api/v1/checkins",                    h_checkin,            HZ_USER,  checkin_fields, NULL },

	{ HZ_GET,   "/api/v1/complaint-categories",      h_categories_list, HZ_USER,  NULL, NULL },
	{ HZ_POST,  "/api/v1/complaint-categories",      h_category_create, HZ_STAFF, category_create_fields, NULL },
	{ HZ_PATCH, "/api/v1/complaint-categories/{id}", h_category_update, HZ_STAFF, category_update_fields, NULL },
	{ HZ_POST,  "/api/v1/complaints",                h_complaint_create, HZ_USER, complaint_create_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,   "/api/v1/complaints",                h_complaints_list,  HZ_USER, NULL, complaints_query },
	{ HZ_GET,   "/api/v1/complaints/{id}",           h_complaint_get,    HZ_USER, NULL, NULL },
	{ HZ_POST,  "/api/v1/complaints/{id}/events",    h_complaint_event,  HZ_USER, complaint_event_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,   "/api/v1/complaints/{id}/phone",     h_complaint_phone,  HZ_STAFF, NULL, NULL },
	{ HZ_GET,   "/api/v1/complaints/{id}/assignees", h_complaint_assignees, HZ_STAFF, NULL, NULL },

	{ HZ_GET,    "/api/v1/stations/{id}/poster",         h_station_poster,    HZ_STAFF, NULL, NULL },
	{ HZ_GET,    "/api/v1/stations/{id}/qr.png",         h_station_qr_png,    HZ_STAFF, NULL, qr_png_query },
	{ HZ_GET,    "/api/v1/stations/{id}/qr.svg",         h_station_qr_svg,    HZ_STAFF, NULL, NULL },
	{ HZ_POST,   "/api/v1/stations/{id}/qr/rotate",      h_station_qr_rotate, HZ_STAFF, NULL, NULL },
	{ HZ_GET,    "/api/v1/stations/{id}/hours.csv",      h_station_hours_csv, HZ_STAFF, NULL, hours_query },
	{ HZ_GET,    "/api/v1/shifts",                       h_shifts_list,       HZ_USER,  NULL, shifts_query },
	{ HZ_POST,   "/api/v1/shifts",                       h_shift_create,      HZ_STAFF, shift_create_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,    "/api/v1/shifts/{id}",                  h_shift_get,         HZ_USER,  NULL, NULL },
	{ HZ_PATCH,  "/api/v1/shifts/{id}",                  h_shift_update,      HZ_STAFF, shift_update_fields, NULL },
	{ HZ_POST,   "/api/v1/shifts/{id}/cancel",           h_shift_cancel,      HZ_STAFF, shift_cancel_fields, NULL },
	{ HZ_POST,   "/api/v1/shifts/{id}/signup",           h_shift_signup,      HZ_USER,  NULL, NULL },
	{ HZ_DELETE, "/api/v1/shifts/{id}/signup",           h_shift_withdraw,    HZ_USER,  NULL, NULL },
	{ HZ_GET,    "/api/v1/shifts/{id}/roster",           h_shift_roster,      HZ_STAFF, NULL, NULL },
	{ HZ_DELETE, "/api/v1/shifts/{id}/signups/{signup_id}", h_shift_remove,   HZ_STAFF, NULL, NULL },
	{ HZ_GET,    "/api/v1/me/signups",                   h_my_signups,        HZ_USER,  NULL, page_query },
	{ HZ_GET,    "/api/v1/me/volunteer-hours",           h_my_hours,          HZ_USER,  NULL, volunteer_hours_query },

	{ HZ_POST, "/api/v1/directives",                    h_directive_send,         HZ_STAFF, directive_send_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,  "/api/v1/directives",                    h_directives_list,        HZ_STAFF, NULL, directives_query },
	{ HZ_GET,  "/api/v1/directives/{id}",               h_directive_get,          HZ_STAFF, NULL, NULL },
	{ HZ_GET,  "/api/v1/directives/{id}/receipts",      h_directive_receipts,     HZ_STAFF, NULL, receipts_query },
	{ HZ_GET,  "/api/v1/directives/{id}/receipts.csv",  h_directive_receipts_csv, HZ_STAFF, NULL, receipts_csv_query },
	{ HZ_POST, "/api/v1/directives/{id}/done",          h_directive_done,         HZ_STAFF, directive_done_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_POST, "/api/v1/directives/{id}/remind",        h_directive_remind,       HZ_STAFF, directive_remind_fields, NULL },

	{ HZ_GET,  "/api/v1/notifications",      h_notifications_list, HZ_USER,  NULL, page_query },
	{ HZ_POST, "/api/v1/notifications/read", h_notifications_read, HZ_USER,  notifications_read_fields, NULL },
	{ HZ_GET,  "/api/v1/stats/complaints",   h_stats_complaints,   HZ_STAFF, NULL, stats_query },
	{ HZ_GET,  "/api/v1/dashboard",          h_dashboard,          HZ_STAFF, NULL, dashboard_query },
	{ HZ_GET,  "/api/v1/dashboard.csv",      h_dashboard_csv,      HZ_STAFF, NULL, dashboard_query },

	/* Monthly checklists (issue 11); summary before {id}: the first match wins. */
	{ HZ_GET,  "/api/v1/checklist-templates",              h_checklist_templates_list, HZ_STAFF, NULL, checklist_templates_query },
	{ HZ_GET,  "/api/v1/checklist-templates/{month}",      h_checklist_template_get,   HZ_STAFF, NULL, NULL },
	{ HZ_PUT,  "/api/v1/checklist-templates/{month}",      h_checklist_template_put,   HZ_STAFF, checklist_template_fields, NULL },
	{ HZ_GET,  "/api/v1/checklists",                       h_checklists_list,          HZ_STAFF, NULL, checklists_query },
	{ HZ_GET,  "/api/v1/checklists/summary",               h_checklist_summary,        HZ_STAFF, NULL, checklist_summary_query },
	{ HZ_POST, "/api/v1/checklists/remind",                h_checklists_remind,        HZ_STAFF, checklist_remind_fields, NULL },
	{ HZ_GET,  "/api/v1/checklists/{id}",                  h_checklist_get,            HZ_STAFF, NULL, NULL },
	{ HZ_POST, "/api/v1/checklists/{id}/entries/{position}", h_checklist_tick,         HZ_STAFF, checklist_tick_fields, NULL, HZ_IDEMPOTENT },
	{ HZ_GET,  "/api/v1/me/todo",                          h_todo,                     HZ_STAFF, NULL, NULL },

	{ HZ_GET,    "/api/v1/users",                      h_users_list,  HZ_STAFF, NULL, page_query },
	{ HZ_POST,   "/api/v1/users",                      h_user_create, HZ_STAFF, user_create_fields, NULL },
	{ HZ_GET,    "/api/v1/users/{id}",                 h_user_get,    HZ_STAFF, NULL, NULL },
	{ HZ_GET,    "/api/v1/users/{id}/phone",           h_user_phone,  HZ_STAFF, NULL, NULL },
	{ HZ_POST,   "/api/v1/users/{id}/roles",           h_role_grant,  HZ_STAFF, role_grant_fields, NULL },
	{ HZ_DELETE, "/api/v1/users/{id}/roles/{role_id}", h_role_revoke, HZ_STAFF, NULL, NULL },

	/* The body is the photo itself (HZ_BODY_FILE: into a file, up to upload_max). */
	{ HZ_POST, "/api/v1/uploads",      h_upload_create, HZ_USER, NULL, NULL, HZ_BODY_FILE },
	{ HZ_GET,  "/api/v1/uploads/{id}", h_upload_get,    HZ_USER, NULL, upload_query },
};

const size_t hz_nroutes = sizeof(hz_routes) / sizeof(hz_routes[0]);
