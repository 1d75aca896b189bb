/* registry.c - the list of every register in this build, in navigation order. */
#include "domain/domain.h"

static const struct entity *const all_entities[] = {
	&entity_department,
	&entity_person,
	&entity_asset,
	&entity_interested_party,
};

void domain_init(void)
{
	model_registry_set(all_entities, sizeof(all_entities) / sizeof(all_entities[0]));
}
