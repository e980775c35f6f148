/*
 * dial: opening a client's TCP or unix-socket connection without blocking the
 * loop, and saying why it failed in the words of the system (dial.h).
 */
#include "ws/dial.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int dial_prepare(struct dial *d, const char *host, int port, const char *unix_path,
		 char *why, size_t size)
{
	memset(d, 0, sizeof(*d));
	if (unix_path) {
		d->unix_path = unix_path;
		snprintf(d->where, sizeof(d->where), "%s", unix_path);
		return 0;
	}
	snprintf(d->where, sizeof(d->where), strchr(host, ':') ? "[%s]:%d" : "%s:%d",
		 host, port);
	char service[8];
	snprintf(service, sizeof(service), "%d", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	int rc = getaddrinfo(host, service, &hints, &d->addresses);
	if (rc) {
		snprintf(why, size, "cannot resolve %s: %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		d->addresses = NULL;
		return -1;
	}
	d->next = d->addresses;
	return 0;
}

void dial_free(struct dial *d)
{
	if (d->addresses)
		freeaddrinfo(d->addresses);
	d->addresses = d->next = NULL;
	d->unix_path = NULL;
}

bool dial_more(const struct dial *d)
{
	return d->next != NULL;
}

/* The reason of a failed connect, as a user would say it. */
static void explain(struct dial *d, int err, char *why, size_t size)
{
	switch (err) {
	case ECONNREFUSED:
		snprintf(why, size, d->unix_path ? "nothing listens on %s"
						 : "connection refused by %s", d->where);
		break;
	case ENOENT:
		snprintf(why, size, "no socket at %s", d->where);
		break;
	case ETIMEDOUT:
		snprintf(why, size, "connecting to %s timed out", d->where);
		break;
	case EHOSTUNREACH:
	case ENETUNREACH:
		snprintf(why, size, "no route to %s", d->where);
		break;
	default:
		snprintf(why, size, "cannot connect to %s: %s", d->where, strerror(err));
		break;
	}
}

static struct lws *adopt(int fd, struct lws_vhost *vhost, const char *protocol,
			 void *owner)
{
	lws_adopt_desc_t info = { 0 };

	info.vh = vhost;
	info.type = LWS_ADOPT_SOCKET;
	info.fd.sockfd = fd;
	info.vh_prot_name = protocol;
	info.opaque = owner;
	struct lws *wsi = lws_adopt_descriptor_vhost_via_info(&info);
	if (!wsi)
		return NULL;	/* lws closed fd */
	/* Paused: a failed connect keeps its reason in SO_ERROR for us. */
	lws_rx_flow_control(wsi, 0);
	lws_callback_on_writable(wsi);
	return wsi;
}

struct lws *dial_next(struct dial *d, struct lws_vhost *vhost, const char *protocol,
		      void *owner, char *why, size_t size)
{
	if (d->unix_path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(d->unix_path) >= sizeof(sa.sun_path)) {
			snprintf(why, size, "the socket path %s is too long", d->unix_path);
			return NULL;
		}
		strcpy(sa.sun_path, d->unix_path);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
			       errno != EINPROGRESS && errno != EAGAIN)) {
			explain(d, errno, why, size);
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		struct lws *wsi = adopt(fd, vhost, protocol, owner);
		if (!wsi)
			snprintf(why, size, "cannot watch the connection to %s", d->where);
		return wsi;
	}
	int err = 0;
	while (d->next) {
		struct addrinfo *ai = d->next;
		d->next = ai->ai_next;
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		struct lws *wsi = adopt(fd, vhost, protocol, owner);
		if (wsi)
			return wsi;
		err = ENOMEM;
	}
	explain(d, err ? err : ECONNREFUSED, why, size);
	return NULL;
}

bool dial_connected(struct dial *d, struct lws *wsi, char *why, size_t size)
{
	int err = 0;
	socklen_t len = sizeof(err);
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno ? errno : ECONNRESET;
	if (!err)
		return true;
	explain(d, err, why, size);
	return false;
}
