/*
 * tool: the life of one process of any rxws tool, the same for the three:
 * options, logs, the app, the tool inside it, the run, the exit status.
 * A tool module (server, clientset) says how it starts, ends and judges a
 * run in a tool_kind; each main names its tool and its kind.
 */
#ifndef RXWS_TOOL_H
#define RXWS_TOOL_H

#include "app/app.h"
#include "app/options.h"

struct tool_kind {
	/*
	 * Makes the tool in app: its event loop (app_create_context), its
	 * listener or clients. 0, or -1 with *exit_code (the reason logged).
	 */
	int (*start)(void *tool, struct app *app, int *exit_code);
	/* Optional: the run's exit code, given the loop's. */
	int (*verdict)(void *tool, int exit_code);
	/* Frees what start made, even when it failed; tool was zeroed first. */
	void (*free)(void *tool);
};

/* The whole process: returns its exit code. */
int tool_main(enum tool which, const struct tool_kind *kind, void *tool,
	      int argc, char **argv);

#endif
