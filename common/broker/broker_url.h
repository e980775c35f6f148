/*
 * broker_url: the parts of a --broker URL.
 *
 *   redis://[USER:PASSWORD@]HOST[:PORT][/DB]
 *   redis+unix://[USER:PASSWORD@]/PATH/TO/SOCKET[?db=N]
 *
 * USER and PASSWORD may be percent-encoded (a ':' or '@' in a password);
 * IPv6 hosts come in brackets. The parts are copies: free them with
 * broker_url_free().
 */
#ifndef RXWS_BROKER_URL_H
#define RXWS_BROKER_URL_H

#include <stdbool.h>

struct broker_url {
	bool unix_socket;
	char *host;		/* or the socket's path */
	int port;		/* 6379 by default */
	int db;			/* 0 by default */
	char *user;		/* NULL: the default user */
	char *password;		/* NULL: no AUTH */
	char *shown;		/* the URL without user and password, for logs */
};

/* Returns NULL, or what is wrong with the URL. */
const char *broker_url_parse(const char *text, struct broker_url *out);
void broker_url_free(struct broker_url *u);

#endif
