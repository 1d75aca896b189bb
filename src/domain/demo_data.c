/* demo_data.c - placeholder demo organisation (replaced by the full data set). */
#include "domain/demo.h"
const struct demo_department demo_departments[] = { { "Operations", "OPS", "Runs things.", NULL } };
const size_t demo_departments_count = 1;
const struct demo_person demo_people[] = { { "Ann Example", "ann@westcloud.example", "OPS",
					     "Ops manager", "employee", "2020-01-01", NULL } };
const size_t demo_people_count = 1;
const struct demo_asset demo_assets[] = { { "CRM", "DAT-1", "electronic_data", "The CRM.",
					    "ann@westcloud.example", "OPS", 3, 3, 3, "Cloud",
					    "in_use", NULL, NULL } };
const size_t demo_assets_count = 1;
const struct demo_party demo_parties[] = { { "Customers", "customer", "- uptime", NULL, NULL, true,
					     NULL } };
const size_t demo_parties_count = 1;
