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
	if (rc < 0)
		rc = app_run(&app);
	app_free(&app);
	server_free(&server);
out_config:
	config_free(&cfg);
	return rc;
}
