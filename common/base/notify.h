/*
 * notify: tells a service manager that we are ready (the sd_notify
 * protocol of systemd's Type=notify, without libsystemd).
 *
 * The manager passes the AF_UNIX datagram socket it listens on in
 * $NOTIFY_SOCKET: a path, or a name in the abstract namespace when it
 * starts with '@'. Unset, there is no manager to tell, and nothing is done.
 * A failure is logged as a warning and never ends the program: the
 * manager then gives up waiting by itself (TimeoutStartSec=).
 */
#ifndef RXWS_NOTIFY_H
#define RXWS_NOTIFY_H

/*
 * Sends "READY=1" and "STATUS=" with the formatted text (cut to fit a
 * datagram of 256 bytes). Returns 0 when told or when there is nobody to tell, -1 when
 * the message could not be sent (logged).
 */
int notify_ready(const char *status_fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
