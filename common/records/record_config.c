/* record_config: what the records layer takes of the options (record_config.h). */
#include "records/record_config.h"

#include <fnmatch.h>

enum datatype record_config_type_for(const struct record_config *rc, const char *path)
{
	for (size_t i = 0; path && i < rc->n_type_rules; i++)
		if (fnmatch(rc->type_rules[i].glob, path, 0) == 0)
			return rc->type_rules[i].type;
	return rc->datatype;
}

bool record_config_has_objects(const struct record_config *rc)
{
	bool objects = rc->datatype == DATATYPE_OBJECT;
	for (size_t i = 0; i < rc->n_type_rules; i++)
		objects |= rc->type_rules[i].type == DATATYPE_OBJECT;
	return objects;
}

bool record_config_json_texts(const struct record_config *rc)
{
	return (rc->framing == FRAMING_LINE || rc->framing == FRAMING_NUL) &&
	       record_config_has_objects(rc);
}
