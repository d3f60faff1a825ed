// SPDX-License-Identifier: GPL-2.0
/*
 * dlinject: hostile datagrams for the dlock transport tests.
 *
 *   dlinject ADDR PORT short            10 bytes: too short to be sealed
 *   dlinject ADDR PORT forged CELL SRC  a well-formed clear header of a
 *                                       known peer, garbage ciphertext
 *   dlinject ADDR PORT oversize CELL SRC  longer than any sealed datagram
 *   dlinject capture IFNAME PORT FILE   wait (10 s max) for one UDP datagram
 *                                       to PORT arriving on IFNAME (a
 *                                       packet socket, so the real receiver
 *                                       still gets it) and save its payload
 *   dlinject ADDR PORT replay FILE      send a saved payload again
 *
 * The clear header layout (le32 cell, le32 src, le64 counter) is the one
 * kmod/crypto.h documents.  Exit 0 when the datagram was sent or captured.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "dlinject: %s: %s\n", what, strerror(errno));
	return 1;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static int capture(const char *ifname, int port, const char *file)
{
	uint8_t buf[2048];
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
	};
	struct pollfd pfd;
	time_t end = time(NULL) + 10;
	int fd;

	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0)
		return fail("packet socket");
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (void *)&sll, sizeof(sll)) < 0)
		return fail("bind");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (time(NULL) < end) {
		const struct iphdr *ip = (const void *)buf;
		const struct udphdr *udp;
		ssize_t n;
		size_t off;
		FILE *f;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(*ip) || ip->protocol != IPPROTO_UDP)
			continue;
		off = ip->ihl * 4;
		if ((size_t)n < off + sizeof(*udp))
			continue;
		udp = (const void *)(buf + off);
		if (ntohs(udp->dest) != port)
			continue;
		off += sizeof(*udp);
		f = fopen(file, "w");
		if (!f || fwrite(buf + off, 1, n - off, f) != (size_t)(n - off) ||
		    fclose(f))
			return fail(file);
		return 0;
	}
	fprintf(stderr, "dlinject: nothing captured\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t buf[2048];
	size_t len = 0;
	const char *mode;
	int fd, i;

	if (argc >= 5 && !strcmp(argv[1], "capture"))
		return capture(argv[2], atoi(argv[3]), argv[4]);
	if (argc < 4) {
		fprintf(stderr, "usage: see the top of dlinject.c\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	sin.sin_port = htons(atoi(argv[2]));
	mode = argv[3];
	srand(getpid());

	if (!strcmp(mode, "short")) {
		memset(buf, 0xab, 10);
		len = 10;
	} else if ((!strcmp(mode, "forged") || !strcmp(mode, "oversize")) &&
		   argc >= 6) {
		len = !strcmp(mode, "forged") ? 200 : 1500;
		for (i = 0; i < (int)len; i++)
			buf[i] = rand();
		put_le32(buf, strtoul(argv[4], NULL, 0));
		put_le32(buf + 4, strtoul(argv[5], NULL, 0));
	} else if (!strcmp(mode, "replay") && argc >= 5) {
		FILE *f = fopen(argv[4], "r");

		if (!f)
			return fail(argv[4]);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
	} else {
		fprintf(stderr, "dlinject: bad mode or arguments\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	if (sendto(fd, buf, len, 0, (void *)&sin, sizeof(sin)) != (ssize_t)len)
		return fail("sendto");
	return 0;
}
