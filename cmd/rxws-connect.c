/*
 * rxws-connect: one WebSocket client between stdin/stdout and a URL.
 * Everything it does, rxws-group does per path: see common/clientset.c.
 */
#include "clientset.h"

int main(int argc, char **argv)
{
	return clientset_main(TOOL_CONNECT, argc, argv);
}
