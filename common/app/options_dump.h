/*
 * options_dump: --dump-options, a tool's rows of the option table as text
 * for programs. scripts/completions makes the bash, zsh and fish
 * completions from it at build time, and tests/03-options.bats holds
 * --help and the man pages to it, so that no copy of an option, of its
 * argument or of its help line can drift from the table (options.c).
 * People have --help and the man pages: --help does not show it.
 *
 * One line each, its fields separated by tabs, "-" for none:
 *
 *   rxws-dump-options 1
 *   tool NAME USAGE
 *   option LONG SHORT ARG REPEAT ONE_OF VALUES HELP
 *
 * in the order of --help. ARG is the argument's name in --help (FILE,
 * SECS, ...); REPEAT is "*" when the option adds up when repeated (a list,
 * -vv); ONE_OF is a number shared by the options that make one choice
 * (options that choose differently exclude each other); VALUES are the
 * names the argument takes, comma-separated, when it takes only those.
 */
#ifndef RXWS_OPTIONS_DUMP_H
#define RXWS_OPTIONS_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "app/options.h"

/* One option of one tool, as --help shows it. */
struct option_row {
	const char *long_name;
	char short_name;		/* 0: none */
	const char *arg;		/* NULL: it takes none */
	const char *help;
	const char *const *names;	/* the names it takes (NULL ones skipped), or NULL */
	size_t n_names;
	bool repeatable;
	int one_of;			/* 0, or the choice it makes with others */
};

void options_dump_tool(const char *name, const char *usage);
void options_dump_row(enum tool tool, const struct option_row *row);

#endif
