/*
 * record_config: what the records layer takes of the options, as the
 * WebSocket engine takes its wsconn_config: how records sit on stdin and
 * stdout (framing, tags, chunks, the size limit) and what each path's
 * records hold (the datatype, and --type GLOB=TYPE rules).
 */
#ifndef RXWS_RECORD_CONFIG_H
#define RXWS_RECORD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "records/datatype.h"
#include "records/framing.h"

/* --type GLOB=TYPE: the records of the paths the glob matches. */
struct type_rule {
	const char *glob;
	enum datatype type;
};

struct record_config {
	enum datatype datatype;		/* of paths no rule names */
	const struct type_rule *type_rules;	/* in order: the first match wins */
	size_t n_type_rules;
	enum framing framing;
	bool tagged;			/* records carry the path they are for */
	size_t chunk_size;		/* raw framing: the bytes of a record, at most */
	size_t max_size;		/* of a record, and of a message */
};

/* The datatype of records on path (NULL: the default). */
enum datatype record_config_type_for(const struct record_config *rc, const char *path);
/* Whether the default or some rule makes records objects. */
bool record_config_has_objects(const struct record_config *rc);
/* Whether some stdin records are JSON texts (objects under line or nul). */
bool record_config_json_texts(const struct record_config *rc);

#endif
