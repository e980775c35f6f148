/*
 * rxws-connect: one WebSocket client between stdin/stdout and a URL.
 */
#include "app/tool.h"
#include "tools/clientset.h"

int main(int argc, char **argv)
{
	struct clientset clients = { 0 };
	return tool_main(TOOL_CONNECT, &clientset_kind, &clients, argc, argv);
}
