// SPDX-License-Identifier: GPL-2.0
/*
 * kfuzz_udp: random and mutated datagrams to a dlock node's UDP port.
 *
 *   kfuzz_udp [-s SEED] [-n COUNT] [-v] ADDR PORT CELL PEER DST KEYHEX \
 *             CAPTURE_IF SPOOF_ADDR
 *
 * Sends COUNT datagrams to ADDR:PORT (an IPv4 node, normally from the
 * caller's namespace, over the cell's bridge), each one of:
 *
 *   - random bytes of a boundary or random length (0 to 64 KiB);
 *   - a clear seal header naming CELL or another cell, a known peer or
 *     not, then random bytes (refused as forged, wrong_cell, unknown_peer);
 *   - a real datagram captured on CAPTURE_IF (a packet socket sees the
 *     cell's own traffic to PORT) sent again verbatim (a replay), with bits
 *     flipped, truncated, extended, or with a header field changed; half of
 *     them from a raw socket with the captured sender's address
 *     (SPOOF_ADDR when none), so nothing but the seal tells them apart;
 *   - authenticated garbage: sealed with the cell key KEYHEX as node PEER
 *     (which the target must know as a peer), so it gets past the seal and
 *     the replay window into the core's datagram decoder: a wire header
 *     that is right or off by a field, then random op types, flags,
 *     lengths and bodies.
 *
 * -r: no authenticated garbage (only what an outsider without the key can
 * send).  The caller checks the drop counters, the kernel log and that the
 * cell still serves; this program fails (exit 1) only when it cannot send.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "kfuzz_util.h"

#define SEAL_HDR	16
#define SEAL_TAG	16
#define WIRE_HDR	32
#define WIRE_MTU	1200
#define WIRE_MAGIC	0xd10c
#define N_CAP		64
#define MAX_DGRAM	65507

struct captured {
	uint8_t data[2048];
	size_t len;
	uint32_t saddr;		/* network order */
};

static struct captured cap[N_CAP];
static int n_cap;
static uint8_t key[32];
static uint32_t cell, peer, dst;
static uint64_t seal_counter, incarnation, wire_seq;

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint32_t rotl(uint32_t v, int n)
{
	return (v << n) | (v >> (32 - n));
}

#define QR(a, b, c, d) (					\
	a += b, d ^= a, d = rotl(d, 16),			\
	c += d, b ^= c, b = rotl(b, 12),			\
	a += b, d ^= a, d = rotl(d, 8),				\
	c += d, b ^= c, b = rotl(b, 7))

/* HChaCha20: XChaCha20's subkey from the key and the nonce's first 16. */
static void hchacha20(uint8_t out[32], const uint8_t k[32],
		      const uint8_t n[16])
{
	uint32_t x[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	int i;

	for (i = 0; i < 8; i++)
		x[4 + i] = k[4 * i] | k[4 * i + 1] << 8 | k[4 * i + 2] << 16 |
			(uint32_t)k[4 * i + 3] << 24;
	for (i = 0; i < 4; i++)
		x[12 + i] = n[4 * i] | n[4 * i + 1] << 8 | n[4 * i + 2] << 16 |
			(uint32_t)n[4 * i + 3] << 24;
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 4; i++) {
		put_le32(out + 4 * i, x[i]);
		put_le32(out + 16 + 4 * i, x[12 + i]);
	}
}

/*
 * Seal @len bytes as kmod/crypto.c does: clear header (le32 cell, le32 src,
 * le64 counter) as associated data, XChaCha20-Poly1305 with the nonce
 * counter | src | cell | 0 (24 bytes).  Returns the sealed length.
 */
static size_t seal(uint8_t *out, const uint8_t *plain, size_t len)
{
	uint8_t nonce[24] = { 0 }, subkey[32], iv[12] = { 0 };
	uint64_t counter = seal_counter++;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl;

	put_le32(out, cell);
	put_le32(out + 4, peer);
	put_le64(out + 8, counter);
	put_le64(nonce, counter);
	put_le32(nonce + 8, peer);
	put_le32(nonce + 12, cell);
	hchacha20(subkey, key, nonce);
	memcpy(iv + 4, nonce + 16, 8);
	if (!ctx ||
	    !EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, subkey, iv) ||
	    !EVP_EncryptUpdate(ctx, NULL, &outl, out, SEAL_HDR) ||
	    !EVP_EncryptUpdate(ctx, out + SEAL_HDR, &outl, plain, len) ||
	    !EVP_EncryptFinal_ex(ctx, out + SEAL_HDR + outl, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, SEAL_TAG,
				 out + SEAL_HDR + len)) {
		fprintf(stderr, "kfuzz_udp: sealing failed\n");
		exit(2);
	}
	EVP_CIPHER_CTX_free(ctx);
	return SEAL_HDR + len + SEAL_TAG;
}

/* A core datagram: a header right or off by a field, then random ops. */
static size_t wire_garbage(uint8_t *p)
{
	static const uint8_t types[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
		0x06, 0x07, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21,
		0x22, 0x23, 0x30, 0x31, 0x32, 0x40, 0x41, 0x42, 0x43, 0x50,
		0x51, 0x52, 0x60, 0x61, 0x62, 0x70, 0x71, 0x7f, 0x80, 0xff };
	size_t len = WIRE_HDR, max = kfuzz_one_in(20) ?
		WIRE_MTU + 1 + kfuzz_below(200) : WIRE_MTU;
	unsigned int n_ops = 1 + kfuzz_below(kfuzz_one_in(10) ? 80 : 4), i;
	uint8_t *n_ops_p = p + 3;

	put_le16(p, WIRE_MAGIC);
	p[2] = 1;
	put_le32(p + 4, cell);
	put_le32(p + 8, peer);
	put_le32(p + 12, dst);
	put_le64(p + 16, incarnation);
	put_le64(p + 24, ++wire_seq);
	switch (kfuzz_below(16)) {
	case 0:
		put_le16(p, kfuzz_boundary(16));
		break;
	case 1:
		p[2] = kfuzz_boundary(8);
		break;
	case 2:
		put_le32(p + 4 + 4 * kfuzz_below(3), kfuzz_boundary(32));
		break;
	case 3:
		put_le64(p + 16 + 8 * kfuzz_below(2), kfuzz_boundary(64));
		break;
	}
	for (i = 0; i < n_ops && len + 4 <= max; i++) {
		size_t room = max - len - 4;
		size_t blen = kfuzz_one_in(3) ? kfuzz_below(room + 1) :
			kfuzz_below(room < 64 ? room + 1 : 64);
		uint16_t lenf = blen;

		p[len] = kfuzz_one_in(8) ? kfuzz_below(256) :
			types[kfuzz_below(sizeof(types))];
		p[len + 1] = kfuzz_one_in(10) ? kfuzz_boundary(8) : 0;
		if (kfuzz_one_in(10))
			lenf = kfuzz_boundary(16);	/* lies about its length */
		put_le16(p + len + 2, lenf);
		kfuzz_bytes(p + len + 4, blen);
		/* Bodies of zeros and small numbers decode further. */
		if (kfuzz_one_in(2)) {
			size_t j;

			for (j = 0; j < blen; j++)
				p[len + 4 + j] &= kfuzz_one_in(4) ? 0xff : 0x03;
		}
		len += 4 + blen;
	}
	*n_ops_p = kfuzz_one_in(10) ? kfuzz_boundary(8) : i;
	if (kfuzz_one_in(10))
		len -= kfuzz_below(len - WIRE_HDR + 1);	/* cut an op */
	return len;
}

/* Take in whatever the packet socket caught (non-blocking). */
static void capture_some(int pfd, uint16_t port)
{
	static uint8_t buf[4096];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(pfd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl)) > 0) {
		struct iphdr *ip = (void *)buf;
		struct udphdr *udp;
		size_t ihl, plen;
		struct captured *c;

		fl = sizeof(from);
		if (from.sll_protocol != htons(ETH_P_IP) ||
		    (size_t)n < sizeof(*ip) || ip->protocol != IPPROTO_UDP)
			continue;
		ihl = ip->ihl * 4;
		if ((size_t)n < ihl + sizeof(*udp))
			continue;
		udp = (void *)(buf + ihl);
		if (udp->dest != htons(port))
			continue;
		plen = n - ihl - sizeof(*udp);
		if (!plen || plen > sizeof(cap[0].data))
			continue;
		c = &cap[n_cap < N_CAP ? (uint32_t)n_cap++ : kfuzz_below(N_CAP)];
		memcpy(c->data, buf + ihl + sizeof(*udp), plen);
		c->len = plen;
		c->saddr = ip->saddr;
	}
}

/* Raw IPv4 + UDP with a chosen source address (UDP checksum 0: none). */
static ssize_t send_spoofed(int rfd, uint32_t saddr,
			    const struct sockaddr_in *to, const uint8_t *data,
			    size_t len)
{
	static uint8_t pkt[MAX_DGRAM + 28];
	struct iphdr *ip = (void *)pkt;
	struct udphdr *udp = (void *)(pkt + sizeof(*ip));

	if (len > MAX_DGRAM)
		len = MAX_DGRAM;
	memset(pkt, 0, sizeof(*ip) + sizeof(*udp));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = saddr;
	ip->daddr = to->sin_addr.s_addr;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + len);
	udp->source = htons(40000 + kfuzz_below(1000));
	udp->dest = to->sin_port;
	udp->len = htons(sizeof(*udp) + len);
	memcpy(pkt + sizeof(*ip) + sizeof(*udp), data, len);
	return sendto(rfd, pkt, sizeof(*ip) + sizeof(*udp) + len, 0,
		      (const struct sockaddr *)to, sizeof(*to));
}

static int parse_key(const char *hex)
{
	int i;

	if (strlen(hex) != 64)
		return -1;
	for (i = 0; i < 32; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &key[i]) != 1)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_DGRAM + 64], plain[2048];
	static const char * const kinds[] = { "random", "forged header",
		"captured", "sealed garbage" };
	unsigned long sent[4] = { 0 }, errors = 0, i;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct in_addr spoof;
	struct kfuzz_opts o;
	struct timespec now;
	int first, ufd, rfd, pfd, one = 1;
	uint16_t port;

	first = kfuzz_parse(argc, argv, &o, 20000,
			    "ADDR PORT CELL PEER DST KEYHEX CAPTURE_IF SPOOF_ADDR");
	if (argc - first != 8 || !inet_aton(argv[first], &to.sin_addr) ||
	    parse_key(argv[first + 5]) ||
	    !inet_aton(argv[first + 7], &spoof)) {
		fprintf(stderr, "kfuzz_udp: bad arguments (see the source)\n");
		return 2;
	}
	port = atoi(argv[first + 1]);
	to.sin_port = htons(port);
	cell = strtoul(argv[first + 2], NULL, 0);
	peer = strtoul(argv[first + 3], NULL, 0);
	dst = strtoul(argv[first + 4], NULL, 0);
	/* Counters like a node's: from the wall clock, so above any before. */
	clock_gettime(CLOCK_REALTIME, &now);
	seal_counter = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	incarnation = seal_counter;

	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	rfd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	pfd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex(argv[first + 6]);
	if (ufd < 0 || rfd < 0 || pfd < 0 || !sll.sll_ifindex ||
	    setsockopt(rfd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    bind(pfd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("kfuzz_udp: sockets");
		return 2;
	}

	/*
	 * Real datagrams to mutate, caught before we send anything (later
	 * the packet socket would catch our own): up to 5 s for N_CAP / 2.
	 */
	for (i = 0; i < 50 && n_cap < N_CAP / 2; i++) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };

		poll(&p, 1, 100);
		capture_some(pfd, port);
	}
	close(pfd);
	printf("kfuzz_udp: captured %d real datagrams\n", n_cap);

	for (i = 0; i < o.count; i++) {
		unsigned int kind = kfuzz_below(o.restricted ? 3 : 4);
		uint32_t saddr = spoof.s_addr;
		bool spoofed = false;
		size_t len = 0;
		ssize_t ret;

		if (kind == 2 && !n_cap)
			kind = 0;
		switch (kind) {
		case 0: {
			static const size_t lens[] = { 0, 1, 15, 16, 31, 32,
				47, 48, 63, 64, 65, 1231, 1232, 1233, 1500,
				4096, MAX_DGRAM };

			len = kfuzz_one_in(2) ? kfuzz_below(1300) :
				lens[kfuzz_below(sizeof(lens) / sizeof(lens[0]))];
			kfuzz_bytes(buf, len);
			break;
		}
		case 1:
			len = SEAL_HDR + kfuzz_below(1300);
			kfuzz_bytes(buf, len);
			put_le32(buf, kfuzz_one_in(4) ? kfuzz_boundary(32) : cell);
			put_le32(buf + 4, kfuzz_one_in(4) ? kfuzz_boundary(32) :
				 1 + kfuzz_below(5));
			break;
		case 2: {
			struct captured *c = &cap[kfuzz_below(n_cap)];
			unsigned int j, m = kfuzz_below(6);

			memcpy(buf, c->data, c->len);
			len = c->len;
			saddr = c->saddr;
			spoofed = kfuzz_one_in(2);
			if (m == 1) {		/* flip bits */
				for (j = 0; j < 1 + kfuzz_below(8); j++)
					buf[kfuzz_below(len)] ^=
						1 << kfuzz_below(8);
			} else if (m == 2) {	/* truncate */
				len = kfuzz_below(len);
			} else if (m == 3) {	/* extend */
				j = 1 + kfuzz_below(200);
				kfuzz_bytes(buf + len, j);
				len += j;
			} else if (m == 4) {	/* a header field */
				if (kfuzz_one_in(2))
					put_le64(buf + 8, kfuzz_boundary(64));
				else
					put_le32(buf + 4 * kfuzz_below(2),
						 kfuzz_boundary(32));
			} else if (m == 5 && len >= SEAL_TAG) {	/* the tag */
				buf[len - 1 - kfuzz_below(SEAL_TAG)] ^= 0x80;
			}
			/* m == 0: verbatim, a replay */
			break;
		}
		default:
			len = seal(buf, plain, wire_garbage(plain));
			break;
		}
		if (spoofed)
			ret = send_spoofed(rfd, saddr, &to, buf, len);
		else
			ret = sendto(ufd, buf, len, 0,
				     (struct sockaddr *)&to, sizeof(to));
		if (ret < 0) {
			errors++;
			/* EMSGSIZE and buffer pressure are ours, not news. */
			if (errno != EMSGSIZE && errno != ENOBUFS &&
			    errno != EAGAIN && errno != ECONNREFUSED) {
				perror("kfuzz_udp: send");
				return 1;
			}
		}
		sent[kind]++;
		/* Pace: the node's queue is small and the cell must live on. */
		if (i % 32 == 31)
			usleep(1000);
		if (o.verbose && i % 10000 == 0)
			printf("kfuzz_udp: %lu\n", i);
	}
	for (i = 0; i < 4; i++)
		printf("kfuzz_udp: %s: %lu\n", kinds[i], sent[i]);
	printf("kfuzz_udp: %lu datagrams, %lu send errors\n", o.count, errors);
	return 0;
}
