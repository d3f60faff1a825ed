// SPDX-License-Identifier: GPL-2.0
/*
 * etcd-bench: the etcd peer of dlock-bench.  Takes etcd v3 locks through
 * etcd's JSON gateway (POST /v3/lock/lock and /v3/lock/unlock, the
 * concurrency API a Go client would use), each client holding a lease that
 * one keep-alive thread refreshes (POST /v3/lease/keepalive), over HTTP/1.1
 * keep-alive connections: one per client, to the members in turn.  The
 * workloads and the output are dlock-bench's, so report.py puts them side
 * by side.
 *
 *   etcd-bench [--json] [--iters N] [--secs S] [--system NAME]
 *              --endpoints HOST:PORT[,HOST:PORT...] CMD ARGS
 *     pair LABEL          1 client: lock + unlock, same name
 *     tput CLIENTS        CLIENTS clients, distinct names
 *     handoff CLIENTS     CLIENTS clients, one name
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

#define MAX_CLIENTS	1024
#define MAX_ENDPOINTS	8
#define LEASE_TTL_S	30
#define KEEPALIVE_S	5
#define BUF_SIZE	8192

static bool json;
static unsigned int iters = 500;
static double run_secs = 5.0;
static const char *system_name = "etcd";
static struct sockaddr_in endpoints[MAX_ENDPOINTS];
static unsigned int n_endpoints;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "etcd-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* Same output as dlock-bench's result(): keys in fmt, double values. */
static void result(const char *kind, const char *label, const char *fmt, ...)
{
	va_list ap;
	const char *p;

	if (json)
		printf("{\"kind\":\"%s\",\"system\":\"%s\",\"label\":\"%s\"",
		       kind, system_name, label);
	else
		printf("%-10s %-10s %-22s", kind, system_name, label);
	va_start(ap, fmt);
	for (p = fmt; *p; ) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		double v = va_arg(ap, double);

		if (json)
			printf(",\"%.*s\":%.6g", (int)len, p, v);
		else
			printf(" %.*s=%.6g", (int)len, p, v);
		p += len;
		while (*p == ' ')
			p++;
	}
	va_end(ap);
	printf(json ? "}\n" : "\n");
	fflush(stdout);
}

/* ---- a minimal HTTP/1.1 keep-alive client ------------------------------- */

struct conn {
	int fd;
	char buf[BUF_SIZE];	/* received, not yet consumed */
	size_t len;
	char body[BUF_SIZE];	/* the last response's body, NUL-terminated */
};

static int conn_open(struct conn *c, const struct sockaddr_in *sa)
{
	int one = 1;

	c->len = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const void *)sa, sizeof(*sa)) < 0) {
		int err = -errno;

		close(c->fd);
		return err;
	}
	return 0;
}

static int conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return -EMSGSIZE;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	c->len += n;
	return 0;
}

static void conn_consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Read one response: status code, body in c->body.  Negative errno. */
static int http_response(struct conn *c)
{
	char *hdr_end, *p;
	size_t hdr_len, body_len = 0, got = 0;
	bool chunked;
	int status, ret;

	for (;;) {
		hdr_end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (hdr_end)
			break;
		ret = conn_fill(c);
		if (ret)
			return ret;
	}
	hdr_len = hdr_end + 4 - c->buf;
	*hdr_end = 0;
	if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1)
		return -EPROTO;
	chunked = strcasestr(c->buf, "\r\ntransfer-encoding: chunked");
	p = strcasestr(c->buf, "\r\ncontent-length:");
	if (p)
		body_len = strtoul(p + 17, NULL, 10);
	else if (!chunked)
		return -EPROTO;
	conn_consume(c, hdr_len);
	if (!chunked) {
		if (body_len >= sizeof(c->body))
			return -EMSGSIZE;
		while (c->len < body_len) {
			ret = conn_fill(c);
			if (ret)
				return ret;
		}
		memcpy(c->body, c->buf, body_len);
		c->body[body_len] = 0;
		conn_consume(c, body_len);
		return status;
	}
	for (;;) {
		size_t chunk;
		char *eol;

		while (!(eol = memmem(c->buf, c->len, "\r\n", 2))) {
			ret = conn_fill(c);
			if (ret)
				return ret;
		}
		chunk = strtoul(c->buf, NULL, 16);
		conn_consume(c, eol + 2 - c->buf);
		while (c->len < chunk + 2) {
			ret = conn_fill(c);
			if (ret)
				return ret;
		}
		if (got + chunk >= sizeof(c->body))
			return -EMSGSIZE;
		memcpy(c->body + got, c->buf, chunk);
		got += chunk;
		conn_consume(c, chunk + 2);
		if (!chunk)
			break;
	}
	c->body[got] = 0;
	return status;
}

/* POST a JSON body to PATH; 0 when the answer is 200, body in c->body. */
static int http_post(struct conn *c, const char *path, const char *body)
{
	char req[1024];
	int n, status;

	n = snprintf(req, sizeof(req),
		     "POST %s HTTP/1.1\r\nHost: etcd\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n%s",
		     path, strlen(body), body);
	if (n >= (int)sizeof(req))
		return -EMSGSIZE;
	if (send(c->fd, req, n, MSG_NOSIGNAL) != n)
		return -errno;
	status = http_response(c);
	if (status < 0)
		return status;
	if (status != 200) {
		fprintf(stderr, "etcd-bench: %s: HTTP %d: %.200s\n", path,
			status, c->body);
		return -EIO;
	}
	/* The gateway reports gRPC errors in a 200 body only in old etcds. */
	if (strstr(c->body, "\"error\""))
		return -EIO;
	return 0;
}

/* The string value of "KEY":"..." in a JSON body, into OUT. */
static int json_str(const char *body, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(body, pat);
	if (!p)
		return -ENOENT;
	p += strlen(pat);
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= size)
		return -EMSGSIZE;
	memcpy(out, p, end - p);
	out[end - p] = 0;
	return 0;
}

static void base64(const char *in, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), i;
	const unsigned char *s = (const unsigned char *)in;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*out++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*out++ = tab[s[i + 2] & 63];
	}
	if (len - i == 1) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[(s[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		*out++ = tab[s[i] >> 2];
		*out++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*out++ = tab[(s[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = 0;
}

/* ---- etcd locks ---------------------------------------------------------- */

struct client {
	pthread_t th;
	unsigned int idx;
	bool shared;
	struct conn conn;
	char lease[32];
	char name64[64];
	struct lat lat;
	uint64_t pairs;
	int err;
};

static int lease_grant(struct conn *c, char *id, size_t size)
{
	char body[64];
	int ret;

	snprintf(body, sizeof(body), "{\"TTL\":%d}", LEASE_TTL_S);
	ret = http_post(c, "/v3/lease/grant", body);
	if (ret)
		return ret;
	return json_str(c->body, "ID", id, size);
}

/* Lock and unlock once; 0 or negative errno. */
static int etcd_pair(struct client *cl)
{
	char body[512], key[256];
	int ret;

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"lease\":\"%s\"}",
		 cl->name64, cl->lease);
	ret = http_post(&cl->conn, "/v3/lock/lock", body);
	if (ret)
		return ret;
	ret = json_str(cl->conn.body, "key", key, sizeof(key));
	if (ret)
		return ret;
	snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key);
	return http_post(&cl->conn, "/v3/lock/unlock", body);
}

static int client_setup(struct client *cl)
{
	char name[32];
	int ret;

	ret = conn_open(&cl->conn, &endpoints[cl->idx % n_endpoints]);
	if (ret)
		return ret;
	ret = lease_grant(&cl->conn, cl->lease, sizeof(cl->lease));
	if (ret)
		return ret;
	snprintf(name, sizeof(name), cl->shared ? "hot" : "t-%u", cl->idx);
	base64(name, cl->name64);
	return 0;
}

/* Refresh every client's lease, as a long-lived client would. */
static struct client *ka_clients;
static unsigned int ka_n;
static volatile bool ka_stop;

static void *keepalive_thread(void *arg)
{
	struct conn *c = arg;
	char body[64];
	unsigned int i, t;

	while (!ka_stop) {
		for (t = 0; t < KEEPALIVE_S * 10 && !ka_stop; t++)
			usleep(100000);
		for (i = 0; i < ka_n && !ka_stop; i++) {
			snprintf(body, sizeof(body), "{\"ID\":\"%s\"}",
				 ka_clients[i].lease);
			if (http_post(c, "/v3/lease/keepalive", body))
				fprintf(stderr, "etcd-bench: keepalive failed\n");
		}
	}
	return NULL;
}

static pthread_t ka_th;
static struct conn ka_conn;

static void keepalive_start(struct client *clients, unsigned int n)
{
	int ret = conn_open(&ka_conn, &endpoints[0]);

	if (ret)
		die("keep-alive connection: %s", strerror(-ret));
	ka_clients = clients;
	ka_n = n;
	ka_stop = false;
	pthread_create(&ka_th, NULL, keepalive_thread, &ka_conn);
}

static void keepalive_stop(void)
{
	ka_stop = true;
	pthread_join(ka_th, NULL);
	close(ka_conn.fd);
}

static int cmd_pair(int argc, char **argv)
{
	static struct client cl;
	struct lat lat;
	uint64_t t0, t1, start;
	unsigned int i;
	int ret;

	if (argc != 1)
		die("usage: pair LABEL");
	ret = client_setup(&cl);
	if (ret)
		die("client setup: %s", strerror(-ret));
	keepalive_start(&cl, 1);
	for (i = 0; i < 5; i++)
		if (etcd_pair(&cl))
			die("warm-up lock+unlock failed");
	lat_init(&lat);
	start = now_ns();
	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		ret = etcd_pair(&cl);
		if (ret)
			die("lock+unlock: %s", strerror(-ret));
		t1 = now_ns();
		lat_add(&lat, t1 - t0);
	}
	t1 = now_ns();
	keepalive_stop();
	lat_sort(&lat);
	result("pair", argv[0], "p50_us p99_us pairs_s n", lat_pct(&lat, 50),
	       lat_pct(&lat, 99), iters / ((t1 - start) / 1e9),
	       (double)lat.n);
	lat_free(&lat);
	close(cl.conn.fd);
	return 0;
}

static pthread_barrier_t start_barrier;
static volatile bool stop_clients;
/* End of the measured window: pairs completed after it do not count. */
static volatile uint64_t stop_ns = UINT64_MAX;

static void *client_thread(void *arg)
{
	struct client *c = arg;
	uint64_t t0;
	int ret;

	pthread_barrier_wait(&start_barrier);
	while (!stop_clients) {
		t0 = now_ns();
		ret = etcd_pair(c);
		if (ret) {
			c->err = ret;
			break;
		}
		if (now_ns() > stop_ns)
			break;
		lat_add(&c->lat, now_ns() - t0);
		c->pairs++;
	}
	return NULL;
}

static void run_clients(bool shared, int argc, char **argv)
{
	static struct client clients[MAX_CLIENTS];
	uint64_t total = 0, min = UINT64_MAX, max = 0, t0, t1;
	struct timespec ts;
	struct lat all;
	unsigned int n, i;
	char label[32];
	int errs = 0, ret;

	if (argc != 1)
		die("usage: %s CLIENTS", shared ? "handoff" : "tput");
	n = strtoul(argv[0], NULL, 0);
	if (!n || n > MAX_CLIENTS)
		die("CLIENTS must be 1..%d", MAX_CLIENTS);
	for (i = 0; i < n; i++) {
		memset(&clients[i], 0, sizeof(clients[i]));
		clients[i].idx = i;
		clients[i].shared = shared;
		ret = client_setup(&clients[i]);
		if (ret)
			die("client %u setup: %s", i, strerror(-ret));
	}
	keepalive_start(clients, n);
	pthread_barrier_init(&start_barrier, NULL, n + 1);
	stop_clients = false;
	stop_ns = UINT64_MAX;
	for (i = 0; i < n; i++)
		if (pthread_create(&clients[i].th, NULL, client_thread,
				   &clients[i]))
			die("pthread_create failed");
	pthread_barrier_wait(&start_barrier);
	t0 = now_ns();
	ts.tv_sec = (time_t)run_secs;
	ts.tv_nsec = (long)((run_secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	/* Rates count the pairs completed inside the window [t0, t1]. */
	t1 = now_ns();
	stop_ns = t1;
	stop_clients = true;
	for (i = 0; i < n; i++)
		pthread_join(clients[i].th, NULL);
	keepalive_stop();
	lat_init(&all);
	for (i = 0; i < n; i++) {
		struct client *c = &clients[i];

		if (c->err) {
			errs++;
			fprintf(stderr, "etcd-bench: client %u: %s\n", i,
				strerror(-c->err));
		}
		total += c->pairs;
		min = c->pairs < min ? c->pairs : min;
		max = c->pairs > max ? c->pairs : max;
		lat_merge(&all, &c->lat);
		lat_free(&c->lat);
		close(c->conn.fd);
	}
	lat_sort(&all);
	snprintf(label, sizeof(label), "%s_%u", shared ? "handoff" : "tput",
		 n);
	result(shared ? "handoff" : "tput", label,
	       "clients pairs_s p50_us p99_us max_grants min_grants fairness errors n",
	       (double)n, total / ((t1 - t0) / 1e9), lat_pct(&all, 50),
	       lat_pct(&all, 99), (double)max, (double)min,
	       min ? (double)max / min : 0.0, (double)errs, (double)total);
	lat_free(&all);
	pthread_barrier_destroy(&start_barrier);
}

static void parse_endpoints(char *list)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_in *sa = &endpoints[n_endpoints];
		char *colon = strrchr(tok, ':');

		if (n_endpoints == MAX_ENDPOINTS || !colon)
			die("bad endpoint list");
		*colon = 0;
		sa->sin_family = AF_INET;
		sa->sin_port = htons(atoi(colon + 1));
		if (inet_pton(AF_INET, tok, &sa->sin_addr) != 1)
			die("bad endpoint address %s", tok);
		n_endpoints++;
	}
}

int main(int argc, char **argv)
{
	argv++;
	argc--;
	while (argc > 0 && argv[0][0] == '-') {
		if (!strcmp(argv[0], "--json")) {
			json = true;
			argv++;
			argc--;
			continue;
		}
		if (argc < 2)
			die("%s needs a value", argv[0]);
		if (!strcmp(argv[0], "--iters"))
			iters = strtoul(argv[1], NULL, 0);
		else if (!strcmp(argv[0], "--secs"))
			run_secs = strtod(argv[1], NULL);
		else if (!strcmp(argv[0], "--system"))
			system_name = argv[1];
		else if (!strcmp(argv[0], "--endpoints"))
			parse_endpoints(argv[1]);
		else
			die("unknown option %s", argv[0]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 1 || !n_endpoints || !iters || run_secs <= 0)
		die("usage: etcd-bench [--json] [--iters N] [--secs S] "
		    "[--system NAME] --endpoints H:P[,H:P...] "
		    "pair LABEL | tput N | handoff N");
	if (!strcmp(argv[0], "pair"))
		return cmd_pair(argc - 1, argv + 1);
	if (!strcmp(argv[0], "tput"))
		run_clients(false, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "handoff"))
		run_clients(true, argc - 1, argv + 1);
	else
		die("unknown command %s", argv[0]);
	return 0;
}
