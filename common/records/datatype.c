/* datatype: the datatypes and their names (datatype.h). */
#include "records/datatype.h"

#include <string.h>

/* The one list of their names: --type, envelopes' "type", errors. */
static const char *const datatype_names[] = {
	[DATATYPE_STRING] = "string",
	[DATATYPE_BYTES] = "bytes",
	[DATATYPE_OBJECT] = "object",
};
#define N_DATATYPES (sizeof(datatype_names) / sizeof(*datatype_names))

const char *datatype_name(enum datatype t)
{
	return datatype_names[t];
}

int datatype_parse(const char *name, size_t len, enum datatype *out)
{
	for (size_t t = 0; t < N_DATATYPES; t++) {
		if (strlen(datatype_names[t]) == len &&
		    !memcmp(datatype_names[t], name, len)) {
			*out = (enum datatype)t;
			return 0;
		}
	}
	return -1;
}
