/*
 * datatype: what the records of a path are (--string, --bytes, --object,
 * --type), and the one list of their names.
 */
#ifndef RXWS_DATATYPE_H
#define RXWS_DATATYPE_H

#include <stddef.h>

enum datatype { DATATYPE_STRING, DATATYPE_BYTES, DATATYPE_OBJECT };

/* The datatypes by name, as --type and envelopes' "type" say them. */
#define DATATYPE_CHOICES "string, bytes or object"
const char *datatype_name(enum datatype t);
/* 0, or -1 when name (len bytes, not terminated) is none of them. */
int datatype_parse(const char *name, size_t len, enum datatype *out);

#endif
