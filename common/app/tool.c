/*
 * tool: the life of one process of any rxws tool, the same for the three:
 * options, logs, the app, the tool inside it, the run, the exit status
 * (tool.h).
 */
#include "app/tool.h"

#include "base/log.h"

int tool_main(enum tool which, const struct tool_kind *kind, void *tool,
	      int argc, char **argv)
{
	struct config cfg;
	struct app *app = NULL;
	int rc;

	if (options_parse(&cfg, which, argc, argv, &rc))
		goto out_config;
	log_setup(cfg.name ? cfg.name : cfg.progname, cfg.verbosity, cfg.log_format);
	rc = EXIT_SOFTWARE;
	app = app_new(&cfg);
	if (app && !kind->start(tool, app, &rc)) {
		rc = app_run(app);
		if (kind->verdict)
			rc = kind->verdict(tool, rc);
	}
	kind->free(tool);
	rc = app_end(app, rc);
out_config:
	options_free(&cfg);
	return rc;
}
