/* asset.c - the asset inventory (policy 3.6): every form of information the policy names
 * (2.2), each asset with an owner and a department, and confidentiality/integrity/availability
 * ratings on a four-level scale. */
#include <string.h>

#include "domain/domain.h"

static const struct choice asset_types[] = {
	{ "electronic_data", "Electronic data",
	  "Databases, files and records held electronically." },
	{ "paper", "Paper documents", "Hard copy printed or written on paper." },
	{ "manual_files", "Manual filing system",
	  "Information kept in manual files and archives." },
	{ "spoken", "Spoken / telephone / radio", "Speech face to face, by phone or by radio." },
	{ "post_courier", "Post / courier / fax", "Communications sent by post, courier or fax." },
	{ "email", "E-mail", "Electronic mail and its archives." },
	{ "server", "Server", "Servers, physical or virtual, that store or process information." },
	{ "pc_laptop", "PC / laptop", "Desktop and laptop computers." },
	{ "mobile_device", "Mobile device", "Mobile phones, tablets, PDAs." },
	{ "removable_media", "Removable media",
	  "CDs, DVDs, tapes, USB sticks, memory cards, cameras." },
	{ "network_equipment", "Network / communications equipment",
	  "Routers, switches, firewalls, telephony." },
	{ "software", "Software", "Applications, systems software and licences." },
	{ "service", "Service", "Internal or external services, including cloud services." },
	{ "utility", "Service utility",
	  "Power, cooling and other utilities that systems depend on." },
	{ "premises", "Premises / secure area", "Buildings, offices, server rooms." },
	{ "people", "People", "People and their knowledge, skills and experience." },
	{ NULL, NULL, NULL },
};

static const struct choice confidentiality_levels[] = {
	{ "1", "Public", "May be released to anyone." },
	{ "2", "Internal", "For staff, contractors and agents of the organisation." },
	{ "3", "Confidential", "For named groups; disclosure would harm the organisation." },
	{ "4", "Restricted", "For named individuals; disclosure would cause serious harm." },
	{ NULL, NULL, NULL },
};

static const struct choice integrity_levels[] = {
	{ "1", "Low", "Errors have little effect." },
	{ "2", "Medium", "Errors cause inconvenience or minor loss." },
	{ "3", "High", "Errors cause significant loss or wrong decisions." },
	{ "4", "Critical", "Errors cause serious harm, legal or safety consequences." },
	{ NULL, NULL, NULL },
};

static const struct choice availability_levels[] = {
	{ "1", "Low", "Can be unavailable for a week or more." },
	{ "2", "Medium", "Needed within a few days." },
	{ "3", "High", "Needed within hours." },
	{ "4", "Critical", "Needed continuously; minutes of outage matter." },
	{ NULL, NULL, NULL },
};

static const struct choice asset_statuses[] = {
	{ "planned", "Planned", NULL }, { "in_use", "In use", NULL },
	{ "retired", "Retired", NULL }, { "disposed", "Disposed", NULL },
	{ NULL, NULL, NULL },
};

static const struct field asset_fields[] = {
	{ .name = "name",
	  .label = "Name",
	  .type = FT_TEXT,
	  .flags = FF_REQUIRED | FF_SEARCH | FF_LIST,
	  .max = 200 },
	{ .name = "identifier",
	  .label = "Identifier",
	  .type = FT_TEXT,
	  .flags = FF_UNIQUE | FF_SEARCH | FF_LIST,
	  .max = 64,
	  .help = "An inventory tag, hostname or reference, unique across assets." },
	{ .name = "type",
	  .label = "Type",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = asset_types },
	{ .name = "description", .label = "Description", .type = FT_MARKDOWN, .flags = FF_SEARCH },
	{ .name = "owner_id",
	  .label = "Owner",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "person",
	  .help = "Responsible for the maintenance and protection of the asset (policy 3.6.3)." },
	{ .name = "department_id",
	  .label = "Department",
	  .type = FT_REF,
	  .flags = FF_REQUIRED | FF_LIST,
	  .ref = "department" },
	{ .name = "confidentiality",
	  .label = "Confidentiality",
	  .type = FT_INT,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = confidentiality_levels },
	{ .name = "integrity",
	  .label = "Integrity",
	  .type = FT_INT,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = integrity_levels },
	{ .name = "availability",
	  .label = "Availability",
	  .type = FT_INT,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = availability_levels },
	{ .name = "location",
	  .label = "Location",
	  .type = FT_TEXT,
	  .flags = FF_SEARCH,
	  .max = 200 },
	{ .name = "status",
	  .label = "Status",
	  .type = FT_ENUM,
	  .flags = FF_REQUIRED | FF_LIST,
	  .choices = asset_statuses,
	  .dflt = "in_use" },
	{ .name = "acquired_on", .label = "Acquired on", .type = FT_DATE },
	{ .name = "review_on", .label = "Next review", .type = FT_DATE, .flags = FF_LIST | FF_DUE },
};

/* Who may do what with it (docs/security.md shows every register's): heads of department
 * keep their department's assets (policy 3.5.2); staff see what they own. */
static const struct grant asset_access[] = {
	{ ROLE_BOARD, "r:all" },
	{ ROLE_ISMS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_OPERATIONS_MANAGER, "r:all c:all u:all d:all" },
	{ ROLE_HR_MANAGER, "r:all" },
	{ ROLE_DEPARTMENT_HEAD, "r:department c:department u:department d:department" },
	{ ROLE_SUPPORT, "r:all" },
	{ ROLE_STAFF, "r:own" },
	{ ROLE_AUDITOR, "r:all" },
	{ .rights = NULL },
};

const struct entity entity_asset = {
	.access = asset_access,
	.name = "asset",
	.plural = "assets",
	.title = "Asset",
	.title_plural = "Assets",
	.area = "assets",
	.description = "Information assets in every form, each with an owner, a department and "
		       "CIA ratings.",
	.fields = asset_fields,
	.nfields = sizeof(asset_fields) / sizeof(asset_fields[0]),
	.label_field = "name",
	.default_sort = "name",
	.own_column = "owner_id",
	.dept_column = "department_id",
	.io = { .key = "identifier|name" },
};

/* The registers of this file, in navigation order, and their scheduled jobs (domain.h). */
const struct area area_assets = {
	.registers = (const struct entity *const[]){ &entity_asset, NULL },
};
