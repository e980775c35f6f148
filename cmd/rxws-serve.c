/*
 * rxws-serve: a WebSocket server between stdin/stdout and its clients.
 */
#include "app.h"
#include "server.h"

int main(int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct server server = { 0 };
	int rc = config_parse(&cfg, TOOL_SERVE, argc, argv);

	if (rc >= 0)
		goto out_config;
	log_setup(cfg.name ? cfg.name : "rxws-serve", cfg.verbosity, cfg.log_format);
	if (app_init(&app, &cfg)) {
		rc = EXIT_SOFTWARE;
		goto out_config;
	}
	rc = server_start(&server, &app);
	bool ran = rc < 0;
	if (ran)
		rc = app_run(&app);
	server_free(&server);
	app_free(&app);
	if (ran)
		rc = app_settle(&app, rc);
out_config:
	config_free(&cfg);
	return rc;
}
