/*
 * rxws-group: one WebSocket client per path of one server, records tagged
 * with their path both ways.
 */
#include "app/tool.h"
#include "tools/clientset.h"

int main(int argc, char **argv)
{
	struct clientset clients = { 0 };
	return tool_main(TOOL_GROUP, &clientset_kind, &clients, argc, argv);
}
