/* options_dump: --dump-options, the option table as text (options_dump.h). */
#include "app/options_dump.h"

#include <stdio.h>
#include <string.h>

#include "records/datatype.h"
#include "records/framing.h"

void options_dump_tool(const char *name, const char *usage)
{
	printf("rxws-dump-options 1\n");
	printf("tool\t%s\t%s\n", name, usage);
}

static void value(bool *first, const char *name)
{
	printf("%s%s", *first ? "" : ",", name);
	*first = false;
}

/*
 * The names an argument takes: those of its row (OPTION_NAME), or, for
 * --format and --type, whose callbacks hand their argument to records/,
 * the framings and the datatypes, from the first to the last of their
 * enums. One appended after FRAMING_CBOR or DATATYPE_OBJECT would be
 * missed here, but not by tests/03-options.bats, which holds these lists
 * to the words of the parser's own "expected ..." errors.
 */
static void values(enum tool tool, const struct option_row *row)
{
	bool first = true;

	if (row->names) {
		for (size_t i = 0; i < row->n_names; i++)
			if (row->names[i])
				value(&first, row->names[i]);
	} else if (!strcmp(row->long_name, "format")) {
		for (int f = FRAMING_LINE; f <= FRAMING_CBOR; f++)
			/* rxws-group's records are tagged, which raw cannot carry. */
			if (!(tool == TOOL_GROUP && f == FRAMING_RAW))
				value(&first, framing_name((enum framing)f));
	} else if (!strcmp(row->long_name, "type")) {
		for (int t = DATATYPE_STRING; t <= DATATYPE_OBJECT; t++)
			value(&first, datatype_name((enum datatype)t));
	}
	if (first)
		printf("-");
}

void options_dump_row(enum tool tool, const struct option_row *row)
{
	printf("option\t%s\t", row->long_name);
	if (row->short_name)
		printf("%c\t", row->short_name);
	else
		printf("-\t");
	printf("%s\t%s\t", row->arg ? row->arg : "-", row->repeatable ? "*" : "-");
	if (row->one_of)
		printf("%d\t", row->one_of);
	else
		printf("-\t");
	values(tool, row);
	printf("\t%s\n", row->help);
}
