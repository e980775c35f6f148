/*
 * rxws-serve: a WebSocket server between stdin/stdout and its clients.
 */
#include "app/tool.h"
#include "tools/server.h"

int main(int argc, char **argv)
{
	struct server server = { 0 };
	return tool_main(TOOL_SERVE, &server_kind, &server, argc, argv);
}
