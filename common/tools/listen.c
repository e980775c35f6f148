/* listen: rxws-serve's listening socket, and why it cannot listen (listen.h). */
#include "tools/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"

/*
 * Resolves --host to one numeric address. lws 4.1 ignores an IPv4 literal
 * as its interface unless IPv6 is off (lws issue 2290): so IPv4 goes with
 * LWS_SERVER_OPTION_DISABLE_IPV6.
 */
static int resolve_host(const char *host, char *out, size_t len, int *family)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc)
		return rc;
	*family = res->ai_family;
	const void *addr = res->ai_family == AF_INET
		? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
		: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	inet_ntop(res->ai_family, addr, out, (socklen_t)len);
	freeaddrinfo(res);
	return 0;
}

/*
 * lws removes whatever is at a unix socket's path before it binds: a
 * socket that a live server still answers on must be left alone.
 */
static bool unix_socket_in_use(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

int listen_prepare(const struct config *cfg, struct lws_context_creation_info *info,
		   const char *protocol, char *addr, size_t addr_size, int *family)
{
	info->options |= LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND |
			 LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG;
	info->listen_accept_role = "raw-skt";
	info->listen_accept_protocol = protocol;
	*family = AF_UNSPEC;
	if (cfg->unix_socket) {
		if (unix_socket_in_use(cfg->unix_socket)) {
			log_error("cannot listen on %s: another server is listening there",
				  cfg->unix_socket);
			return -1;
		}
		info->options |= LWS_SERVER_OPTION_UNIX_SOCK;
		info->iface = cfg->unix_socket;
		info->port = 0;
		return 0;
	}
	int rc = resolve_host(cfg->host, addr, addr_size, family);
	if (rc) {
		log_error("cannot listen on %s: %s", cfg->host, gai_strerror(rc));
		return -1;
	}
	if (*family == AF_INET)
		info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	/* The unspecified address means every address: no iface. */
	bool any = !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
	info->iface = any ? NULL : addr;
	info->port = cfg->port;
	return 0;
}

/* lws cannot say why a bind failed: try it ourselves for the message. */
static const char *bind_problem(int family, const char *addr, int port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &v4->sin_addr);
		sl = sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &v6->sin6_addr);
		sl = sizeof(*v6);
	}
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return strerror(errno);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int err = bind(fd, (struct sockaddr *)&ss, sl) ? errno : 0;
	close(fd);
	/* What to do about the two a newcomer meets. */
	if (err == EADDRINUSE)
		return "Address already in use (another program listens there: "
		       "choose another --port, or -p 0 for a free one)";
	if (err == EACCES && port < 1024)
		return "Permission denied (a port below 1024 needs root or "
		       "CAP_NET_BIND_SERVICE: use a port above 1023)";
	return err ? strerror(err) : "unknown error";
}

/* The same for a unix socket; a socket that we do make is removed. */
static const char *unix_bind_problem(const char *path, char *out, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(out, len, "the path is over %zu bytes, the most a unix socket's may have (choose a shorter one)",
			 sizeof(sa.sun_path) - 1);
		return out;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return strerror(errno);
	int err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	close(fd);
	if (!err) {
		unlink(path);
		return "unknown error";
	}
	snprintf(out, len, "%s%s", strerror(err),
		 err == ENOENT ? " (create its directory, or choose another path)"
		 : err == EACCES || err == EROFS ? " (no right to make a file there: choose another path)"
		 : "");
	return out;
}

void listen_explain_failure(const struct config *cfg, const char *addr, int family)
{
	char why[256];

	if (cfg->unix_socket)
		log_error("cannot listen on %s: %s", cfg->unix_socket,
			  unix_bind_problem(cfg->unix_socket, why, sizeof(why)));
	else
		log_error("cannot listen on %s port %d: %s", cfg->host, cfg->port,
			  bind_problem(family, addr, cfg->port));
}

/* The address a listening TCP socket of ours is bound to, if fd is one. */
static bool listening_address(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int accepting = 0;
	socklen_t al = sizeof(accepting);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &al) || !accepting ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl))
		return false;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)len);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)len);
	else
		return false;
	return true;
}

int listen_verify(const struct config *cfg, const char *addr, int family)
{
	struct rlimit lim;
	char bound[INET6_ADDRSTRLEN];
	struct in6_addr want6, got6;

	if (cfg->unix_socket || !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::"))
		return 0;
	int max_fd = getrlimit(RLIMIT_NOFILE, &lim) || lim.rlim_cur > 65536 ? 65536
										: (int)lim.rlim_cur;
	/* The context was just made: its listening socket is among the first fds. */
	for (int fd = 0; fd < max_fd && fd < 1024; fd++) {
		if (!listening_address(fd, bound, sizeof(bound)))
			continue;
		bool same = !strcmp(bound, addr) ||
			    (family == AF_INET6 && inet_pton(AF_INET6, addr, &want6) == 1 &&
			     inet_pton(AF_INET6, bound, &got6) == 1 && !memcmp(&want6, &got6, sizeof(want6)));
		if (same)
			continue;
		log_error("cannot listen on %s alone: the socket is bound to %s (every address); "
			  "allow netlink sockets (AF_NETLINK), which listing interfaces needs",
			  cfg->host, bound);
		return -1;
	}
	return 0;
}
