/*
 * notify: tells a service manager that we are ready (the sd_notify protocol
 * of systemd's Type=notify, without libsystemd) (notify.h).
 */
#include "base/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"

/* Fills addr from $NOTIFY_SOCKET's value; returns its length, or 0. */
static socklen_t notify_address(const char *where, struct sockaddr_un *addr)
{
	size_t len = strlen(where);

	if (where[0] != '/' && where[0] != '@')
		return 0;	/* such as systemd's vsock:CID:PORT, for VMs */
	/* A path needs room for its NUL; an abstract name has none. */
	if (len > sizeof(addr->sun_path) - (where[0] == '/'))
		return 0;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, where, len);
	if (where[0] == '@')
		addr->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}

int notify_ready(const char *status_fmt, ...)
{
	const char *where = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr;
	char msg[256];
	va_list ap;
	int n, fd, rc = -1;

	if (!where || !*where)
		return 0;
	socklen_t addr_len = notify_address(where, &addr);
	if (!addr_len) {
		log_warn("NOTIFY_SOCKET=%s: not a unix socket address I can use; "
			 "the service manager is not told that we are ready", where);
		return -1;
	}
	n = snprintf(msg, sizeof(msg), "READY=1\nSTATUS=");
	va_start(ap, status_fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, status_fmt, ap);
	va_end(ap);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* Never wait on the manager: a full queue is a failure to report. */
	if (fd >= 0 && sendto(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
			      (struct sockaddr *)&addr, addr_len) >= 0)
		rc = 0;
	if (rc)
		log_warn("cannot tell the service manager at NOTIFY_SOCKET=%s that we are ready: %s; "
			 "it will time out waiting (is the socket there?)", where, strerror(errno));
	else
		log_debug("told the service manager that we are ready");
	if (fd >= 0)
		close(fd);
	return rc;
}
