/* broker/broker_url: the parts of a --broker URL (redis://, redis+unix://). */
#include "broker/broker_url.h"

#include <string.h>

#include "unit.h"

struct parts {
	const char *text;
	bool unix_socket;
	const char *host;
	int port, db;
	const char *user, *password, *shown;
};

static void check_parts(const struct parts *want)
{
	struct broker_url u;

	CASE("%s", want->text);
	if (!CHECK_OK(broker_url_parse(want->text, &u)))
		return;
	CHECK(u.unix_socket == want->unix_socket);
	CHECK_STR(u.host, want->host);
	if (!want->unix_socket)
		CHECK_INT(u.port, ==, want->port);
	CHECK_INT(u.db, ==, want->db);
	CHECK_STR(u.user, want->user);
	CHECK_STR(u.password, want->password);
	CHECK_STR(u.shown, want->shown);
	broker_url_free(&u);
}

TEST(broker_url_defaults_to_port_6379_db_0_and_no_auth)
{
	static const struct parts t[] = {
		{ "redis://h", false, "h", 6379, 0, NULL, NULL, "redis://h:6379" },
		{ "redis://h/", false, "h", 6379, 0, NULL, NULL, "redis://h:6379" },
		{ "redis://h:6379/0", false, "h", 6379, 0, NULL, NULL, "redis://h:6379" },
		{ "REDIS://h", false, "h", 6379, 0, NULL, NULL, "redis://h:6379" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

TEST(broker_url_reads_port_db_and_ipv6_hosts)
{
	static const struct parts t[] = {
		{ "redis://cache.example:6380/3", false, "cache.example", 6380, 3, NULL, NULL,
		  "redis://cache.example:6380/3" },
		{ "redis://h:1/1000000", false, "h", 1, 1000000, NULL, NULL,
		  "redis://h:1/1000000" },
		{ "redis://h:65535/07", false, "h", 65535, 7, NULL, NULL, "redis://h:65535/7" },
		{ "redis://[::1]:6380/2", false, "::1", 6380, 2, NULL, NULL,
		  "redis://[::1]:6380/2" },
		{ "redis://[::1]", false, "::1", 6379, 0, NULL, NULL, "redis://[::1]:6379" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

/* USER:PASSWORD@ or :PASSWORD@, percent-decoded, and never in shown. */
TEST(broker_url_keeps_credentials_decoded_and_out_of_shown)
{
	static const struct parts t[] = {
		{ "redis://alice:s3cret@h:6380/1", false, "h", 6380, 1, "alice", "s3cret",
		  "redis://h:6380/1" },
		{ "redis://:s3cret@h", false, "h", 6379, 0, NULL, "s3cret", "redis://h:6379" },
		{ "redis://a%3Ab:p%40ss%3a@h", false, "h", 6379, 0, "a:b", "p@ss:",
		  "redis://h:6379" },
		{ "redis://u:@h", false, "h", 6379, 0, "u", "", "redis://h:6379" },
		{ "redis+unix://:pw@/run/redis.sock", true, "/run/redis.sock", 0, 0, NULL, "pw",
		  "redis+unix:///run/redis.sock" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

TEST(broker_url_takes_a_unix_socket_path_and_db_query)
{
	static const struct parts t[] = {
		{ "redis+unix:///run/redis.sock", true, "/run/redis.sock", 0, 0, NULL, NULL,
		  "redis+unix:///run/redis.sock" },
		{ "redis+unix:///run/redis.sock?db=2", true, "/run/redis.sock", 0, 2, NULL,
		  NULL, "redis+unix:///run/redis.sock?db=2" },
		/* After the path's first '/', an '@' is the path's. */
		{ "redis+unix:///run/a@b.sock", true, "/run/a@b.sock", 0, 0, NULL, NULL,
		  "redis+unix:///run/a@b.sock" },
	};

	for (size_t i = 0; i < N_OF(t); i++)
		check_parts(&t[i]);
}

TEST(broker_url_refuses_malformed_urls)
{
	static const struct {
		const char *text, *words;
	} t[] = {
		{ "http://h", "must start with redis:// or redis+unix://" },
		{ "rediss://h", "must start with" },
		{ "redis://user@h", "needs a password" },
		{ "redis://:p%zz@h", "bad percent-encoding in the password" },
		{ "redis://%00:p@h", "bad percent-encoding in the user name" },
		{ "redis://", "no host" },
		{ "redis://:6379", "no host" },
		{ "redis://h:0", "port must be a number from 1 to 65535" },
		{ "redis://h:65536", "port must be" },
		{ "redis://h:", "port must be" },
		{ "redis://h:/1", "port must be" },
		{ "redis://h:x", "port must be" },
		{ "redis://h:-1", "port must be" },
		{ "redis://h/x", "database (/DB) must be a number" },
		{ "redis://h/1000001", "database (/DB) must be a number" },
		{ "redis://h/1/2", "database (/DB) must be a number" },
		{ "redis://h/-1", "database (/DB) must be a number" },
		{ "redis://h?db=1", "expected [/DB]" },
		{ "redis://[::1]x", "expected [/DB]" },
		{ "redis://h x", "space or a control character" },
		{ "redis://h\t", "space or a control character" },
		{ "redis://h/1\x7f", "space or a control character" },
		{ "redis+unix://run/redis.sock", "absolute socket path" },
		{ "redis+unix://", "absolute socket path" },
		{ "redis+unix:///s?x=1", "only query a socket URL takes is ?db=N" },
		{ "redis+unix:///s?db=", "?db= must be a number" },
		{ "redis+unix:///s?db=x", "?db= must be a number" },
		{ "redis+unix:///s?db=1000001", "?db= must be a number" },
	};

	for (size_t i = 0; i < N_OF(t); i++) {
		struct broker_url u;
		CASE("%s", unit_show(t[i].text, strlen(t[i].text)));
		CHECK_FAILS(broker_url_parse(t[i].text, &u), t[i].words);
		/* What was parsed before the fault is freed already. */
		CHECK(!u.host && !u.user && !u.password && !u.shown);
	}
}

TEST(broker_url_free_leaves_an_empty_url)
{
	struct broker_url u;

	if (!CHECK_OK(broker_url_parse("redis://u:p@h:7/2", &u)))
		return;
	broker_url_free(&u);
	CHECK(!u.host && !u.user && !u.password && !u.shown);
	CHECK_INT(u.port, ==, 0);
	CHECK_INT(u.db, ==, 0);
}

const struct unit_test unit_tests[] = {
	RUN(broker_url_defaults_to_port_6379_db_0_and_no_auth),
	RUN(broker_url_reads_port_db_and_ipv6_hosts),
	RUN(broker_url_keeps_credentials_decoded_and_out_of_shown),
	RUN(broker_url_takes_a_unix_socket_path_and_db_query),
	RUN(broker_url_refuses_malformed_urls),
	RUN(broker_url_free_leaves_an_empty_url),
	{ NULL, NULL },
};
