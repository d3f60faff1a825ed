// SPDX-License-Identifier: GPL-2.0
/*
 * udp_rtt: the floor of the multi-VM benchmarks, a UDP round trip between
 * two guests (dlock-bench's "udp" floor measures it between two network
 * namespaces of one kernel, so it cannot span guests).
 *
 *   udp_rtt echo PORT                 answer every datagram until "q"
 *   udp_rtt ping ADDR PORT ITERS SYS  ITERS timed round trips (64 bytes);
 *                                     prints the result as a JSON line
 *                                     {"kind":"floor","system":SYS,...}
 *                                     in dlock-bench's format
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../bench/stats.h"

static void die(const char *what)
{
	fprintf(stderr, "udp_rtt: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmd_echo(int port)
{
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct sockaddr_in from;
	socklen_t flen;
	char buf[64];
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (void *)&me, sizeof(me)) < 0)
		die("echo socket");
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (void *)&from, &flen);
		if (n < 0)
			die("recvfrom");
		if (n == 1 && buf[0] == 'q')
			break;
		sendto(fd, buf, n, 0, (void *)&from, flen);
	}
	close(fd);
	return 0;
}

static int cmd_ping(const char *addr, int port, unsigned int iters,
		    const char *sys)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct timeval tmo = { .tv_sec = 5 };
	char buf[64] = { 0 };
	uint64_t t0, start, end;
	struct lat lat;
	unsigned int i;
	int fd;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "udp_rtt: bad address %s\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (void *)&to, sizeof(to)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0)
		die("ping socket");
	/* Untimed rounds first: ARP and caches warm up. */
	for (i = 0; i < 20; i++)
		if (send(fd, buf, sizeof(buf), 0) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) < 0)
			die("warm-up round trip");
	lat_init(&lat);
	start = now_ns();
	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		if (send(fd, buf, sizeof(buf), 0) < 0 ||
		    recv(fd, buf, sizeof(buf), 0) < 0)
			die("round trip");
		lat_add(&lat, now_ns() - t0);
	}
	end = now_ns();
	send(fd, "q", 1, 0);
	lat_sort(&lat);
	printf("{\"kind\":\"floor\",\"system\":\"%s\",\"label\":\"udp_rtt\","
	       "\"p50_us\":%.3f,\"p99_us\":%.3f,\"ops_s\":%.3f,\"n\":%zu}\n",
	       sys, lat_pct(&lat, 50), lat_pct(&lat, 99),
	       iters / ((end - start) / 1e9), lat.n);
	lat_free(&lat);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return cmd_echo(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "ping") && atoi(argv[4]) > 0)
		return cmd_ping(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5]);
	fprintf(stderr, "usage: udp_rtt echo PORT | "
		"udp_rtt ping ADDR PORT ITERS SYSTEM\n");
	return 2;
}
