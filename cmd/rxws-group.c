/*
 * rxws-group: one WebSocket client per path of one server, records tagged
 * with their path both ways. See common/clientset.c.
 */
#include "clientset.h"

int main(int argc, char **argv)
{
	return clientset_main(TOOL_GROUP, argc, argv);
}
