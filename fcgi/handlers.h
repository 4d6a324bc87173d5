/* Handlers: thin, each one call core/ → render (the dispatcher has
 * validated the input already). Their input declarations (struct
 * hz_field tables of bodies and query strings) live beside them and name
 * the rules core/ declares. */
#ifndef HZ_HANDLERS_H
#define HZ_HANDLERS_H

#include "json.h"
#include "request.h"

void h_health(struct hz_req *);
void h_version(struct hz_req *);
void h_client_error(struct hz_req *);
/* GET /metrics (fcgi/h_metrics.c), and the worker's count of each answered
 * request into the shared counters. */
void h_metrics(struct hz_req *);
void hz_metrics_count(const struct hz_req *, long long usec);

void h_login(struct hz_req *);
void h_code_send(struct hz_req *);
void h_code_verify(struct hz_req *);
void h_wechat(struct hz_req *);
void h_wechat_web_info(struct hz_req *);
void h_wechat_web(struct hz_req *);
void h_wechat_jssdk(struct hz_req *);
void h_refresh(struct hz_req *);
void h_logout(struct hz_req *);
void h_me(struct hz_req *);
void h_units_list(struct hz_req *);
void h_unit_get(struct hz_req *);
void h_unit_create(struct hz_req *);
void h_unit_update(struct hz_req *);
void h_buildings_list(struct hz_req *);
void h_building_get(struct hz_req *);
void h_building_create(struct hz_req *);
void h_building_update(struct hz_req *);
void h_stations_list(struct hz_req *);
void h_station_get(struct hz_req *);
void h_station_update(struct hz_req *);
void h_station_poster(struct hz_req *);
void h_station_qr_png(struct hz_req *);
void h_station_qr_svg(struct hz_req *);
void h_station_qr_rotate(struct hz_req *);
void h_station_hours_csv(struct hz_req *);
void h_shifts_list(struct hz_req *);
void h_shift_create(struct hz_req *);
void h_shift_get(struct hz_req *);
void h_shift_update(struct hz_req *);
void h_shift_cancel(struct hz_req *);
void h_shift_signup(struct hz_req *);
void h_shift_withdraw(struct hz_req *);
void h_shift_roster(struct hz_req *);
void h_shift_remove(struct hz_req *);
void h_my_signups(struct hz_req *);
void h_my_hours(struct hz_req *);
void h_scan(struct hz_req *);
void h_buildings_search(struct hz_req *);
extern const struct hz_field building_search_query[];
void h_building_qr_png(struct hz_req *);
void h_building_qr_svg(struct hz_req *);
void h_building_qr_rotate(struct hz_req *);
void h_unit_posters(struct hz_req *);
void h_tenancy_create(struct hz_req *);
void h_tenancies_list(struct hz_req *);
void h_tenancies_export(struct hz_req *);
void h_tenancy_get(struct hz_req *);
void h_tenancy_id_number(struct hz_req *);
void h_tenancy_approve(struct hz_req *);
void h_tenancy_reject(struct hz_req *);
void h_tenancy_end(struct hz_req *);
void h_roster(struct hz_req *);
/* The building head's tools (issue 12, H4). */
void h_tenancies_approve_batch(struct hz_req *);
void h_tenancy_phone(struct hz_req *);
void h_building_absent(struct hz_req *);
void h_me_update(struct hz_req *);
extern const struct hz_field approve_batch_fields[];
extern const struct hz_field absent_query[];
extern const struct hz_field me_update_fields[];
void h_tenancy_counts(struct hz_req *);
void h_checkin(struct hz_req *);
void h_users_list(struct hz_req *);
void h_user_get(struct hz_req *);
void h_user_phone(struct hz_req *);
void h_user_create(struct hz_req *);
void h_role_grant(struct hz_req *);
void h_role_revoke(struct hz_req *);
void h_user_disable(struct hz_req *);
void h_user_enable(struct hz_req *);
void h_user_password_reset(struct hz_req *);
void h_me_password(struct hz_req *);    /* h_auth.c: answers new tokens */
extern const struct hz_field me_password_fields[];
void h_upload_create(struct hz_req *);
void h_upload_get(struct hz_req *);

void h_categories_list(struct hz_req *);
void h_category_create(struct hz_req *);
void h_category_update(struct hz_req *);
void h_complaint_create(struct hz_req *);
void h_complaints_list(struct hz_req *);
void h_complaint_get(struct hz_req *);
void h_complaint_event(struct hz_req *);
void h_complaint_assignees(struct hz_req *);
void h_complaint_phone(struct hz_req *);
void h_notifications_list(struct hz_req *);
void h_notifications_read(struct hz_req *);
void h_home(struct hz_req *);           /* h_home.c, GET /me/home */
void h_stats_complaints(struct hz_req *);
void h_dashboard(struct hz_req *);
void h_dashboard_csv(struct hz_req *);

extern const struct hz_field client_error_fields[];
extern const struct hz_field login_fields[];
extern const struct hz_field code_fields[];
extern const struct hz_field code_verify_fields[];
extern const struct hz_field wechat_fields[];
extern const struct hz_field wechat_jssdk_query[];
extern const struct hz_field refresh_fields[];
extern const struct hz_field unit_create_fields[];
extern const struct hz_field unit_update_fields[];
extern const struct hz_field building_create_fields[];
extern const struct hz_field building_update_fields[];
extern const struct hz_field user_create_fields[];
extern const struct hz_field role_grant_fields[];
extern const struct hz_field tenancy_create_fields[];
extern const struct hz_field complaint_create_fields[];
extern const struct hz_field complaint_event_fields[];
extern const struct hz_field category_create_fields[];
extern const struct hz_field category_update_fields[];
extern const struct hz_field complaints_query[];
extern const struct hz_field reason_fields[];
extern const struct hz_field checkin_fields[];
extern const struct hz_field station_update_fields[];
extern const struct hz_field shift_create_fields[];
extern const struct hz_field shift_update_fields[];
extern const struct hz_field shift_cancel_fields[];

extern const struct hz_field units_query[];
extern const struct hz_field buildings_query[];
extern const struct hz_field tenancies_query[];
extern const struct hz_field export_query[];
extern const struct hz_field qr_png_query[];
/* A poster's code as PNG (scale from qr_png_query) or SVG, with headers
 * for print checks; or the refusal `rc` if the poster was not found. */
void hz_reply_qr(struct hz_req *, enum hz_status rc, const char *url,
                 const char *check_code, bool png);
extern const struct hz_field notifications_read_fields[];
extern const struct hz_field stats_query[];
extern const struct hz_field dashboard_query[];
extern const struct hz_field page_query[];   /* after and limit only */
extern const struct hz_field upload_query[];
extern const struct hz_field hours_query[];
extern const struct hz_field shifts_query[];
extern const struct hz_field volunteer_hours_query[];

/* Monthly checklists and the staff home (h_checklists.c). */
void h_checklist_templates_list(struct hz_req *);
void h_checklist_template_get(struct hz_req *);
void h_checklist_template_put(struct hz_req *);
void h_checklists_list(struct hz_req *);
void h_checklist_summary(struct hz_req *);
void h_checklists_remind(struct hz_req *);
void h_checklist_get(struct hz_req *);
void h_checklist_tick(struct hz_req *);
void h_todo(struct hz_req *);
extern const struct hz_field checklist_templates_query[];
extern const struct hz_field checklist_template_fields[];
extern const struct hz_field checklists_query[];
extern const struct hz_field checklist_summary_query[];
extern const struct hz_field checklist_tick_fields[];
extern const struct hz_field checklist_remind_fields[];

/* Directives (h_directives.c). */
void h_directive_send(struct hz_req *);
void h_directives_list(struct hz_req *);
void h_directive_get(struct hz_req *);
void h_directive_receipts(struct hz_req *);
void h_directive_receipts_csv(struct hz_req *);
void h_directive_done(struct hz_req *);
void h_directive_remind(struct hz_req *);
extern const struct hz_field directive_send_fields[];
extern const struct hz_field directive_done_fields[];
extern const struct hz_field directive_remind_fields[];
extern const struct hz_field directives_query[];
extern const struct hz_field receipts_query[];
extern const struct hz_field receipts_csv_query[];

/* The org tree and staff as import CSV (issue 13). */
void h_unit_export(struct hz_req *);
extern const struct hz_field org_export_query[];

#endif
