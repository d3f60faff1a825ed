// SPDX-License-Identifier: GPL-2.0
/*
 * kfuzz_genl: random and boundary generic netlink messages to the "dlock"
 * family, over a raw NETLINK_GENERIC socket (no libnl).
 *
 *   kfuzz_genl [-s SEED] [-n COUNT] [-t SECONDS] [-v] [-r]
 *
 * Every command number (and some past the last), every attribute of every
 * level with its right type or a wrong length, missing attributes, unknown
 * ones, nests of hundreds of entries, nests hundreds deep, the NLA_F_NESTED
 * flag on and off, dump and do flags, wrong genetlink versions, random
 * bytes after the header, nlmsg_len shorter or longer than what was sent,
 * and several messages in one datagram.
 *
 * -r: read-only commands (GET_*) only, for a live node that must keep
 * serving; without it every command goes, SET_NODE and REFORM included:
 * run it in a namespace of its own (its node gets configured at random,
 * which is the point, and can only reach its own loopback).
 *
 * It fails (exit 1) when the kernel does what it never may: leaves a
 * well-framed request without an answer (for 15 s: a busy TCG guest is
 * slow, not dead), acks with a value that is not 0 or -errno, or replies
 * with a malformed message (an attribute that runs past its message, at
 * any nesting level).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/socket.h>

#include <linux/dlock.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fail_self.h"
#include "genl_util.h"
#include "kfuzz_util.h"

#define MSG_MAX		65536

/* Attribute kinds: a fixed payload size, or one of these. */
#define K_STR		(-1)	/* string */
#define K_BIN		(-2)	/* binary, 1..DLOCK_NAME_MAX */
#define K_NEST		(-100)	/* K_NEST - level: nest of that level */

enum level { L_TOP, L_PEER, L_LS, L_LOCK, L_CTR, N_LEVELS };

static const int top_kinds[DLOCK_A_MAX + 1] = {
	[DLOCK_A_ABI_VERSION] = 4, [DLOCK_A_NODE_ID] = 4,
	[DLOCK_A_CELL_ID] = 4, [DLOCK_A_STATE] = 4, [DLOCK_A_LEADER_ID] = 4,
	[DLOCK_A_TERM] = 8, [DLOCK_A_INCARNATION] = 8,
	[DLOCK_A_LISTEN_PORT] = 2, [DLOCK_A_LISTEN_ADDR4] = 4,
	[DLOCK_A_LISTEN_ADDR6] = 16, [DLOCK_A_KEY] = DLOCK_KEY_LEN,
	[DLOCK_A_ELECTION] = 4, [DLOCK_A_ELECTION_TIMEOUT_MS] = 4,
	[DLOCK_A_HEARTBEAT_MS] = 4, [DLOCK_A_LEASE_MS] = 4,
	[DLOCK_A_LOCK_DELAY_MS] = 4, [DLOCK_A_ROLE] = 4,
	[DLOCK_A_PEER] = K_NEST - L_PEER, [DLOCK_A_LOCKSPACE] = K_NEST - L_LS,
	[DLOCK_A_LOCK] = K_NEST - L_LOCK, [DLOCK_A_COUNTERS] = K_NEST - L_CTR,
	[DLOCK_A_EVENT_TYPE] = 4, [DLOCK_A_COMMIT_INDEX] = 8,
	[DLOCK_A_APPLIED_INDEX] = 8, [DLOCK_A_PAD] = 0,
};
static const int peer_kinds[DLOCK_A_PEER_MAX + 1] = {
	[DLOCK_A_PEER_ID] = 4, [DLOCK_A_PEER_ADDR4] = 4,
	[DLOCK_A_PEER_ADDR6] = 16, [DLOCK_A_PEER_PORT] = 2,
	[DLOCK_A_PEER_ROLE] = 4, [DLOCK_A_PEER_ALIVE] = 1,
	[DLOCK_A_PEER_LAST_HEARD_MS] = 8, [DLOCK_A_PEER_RTT_US] = 4,
	[DLOCK_A_PEER_MATCH_INDEX] = 8,
};
static const int ls_kinds[DLOCK_A_LS_MAX + 1] = {
	[DLOCK_A_LS_NAME] = K_STR, [DLOCK_A_LS_ALGO] = 4,
	[DLOCK_A_LS_LVB_LEN] = 4, [DLOCK_A_LS_RESOURCES] = 4,
	[DLOCK_A_LS_LOCKS] = 4,
};
static const int lock_kinds[DLOCK_A_LOCK_MAX + 1] = {
	[DLOCK_A_LOCK_RESOURCE] = K_BIN, [DLOCK_A_LOCK_NODE_ID] = 4,
	[DLOCK_A_LOCK_OWNER] = 8, [DLOCK_A_LOCK_MODE] = 4,
	[DLOCK_A_LOCK_REQ_MODE] = 4, [DLOCK_A_LOCK_WAITING] = 1,
	[DLOCK_A_LOCK_TOKEN] = 8,
};
static const int ctr_kinds[DLOCK_A_CTR_MAX + 1] = {
	[DLOCK_A_CTR_ENTRY] = K_NEST - L_CTR, [DLOCK_A_CTR_NAME] = K_STR,
	[DLOCK_A_CTR_VALUE] = 8,
};
static const int *const kinds[N_LEVELS] = {
	top_kinds, peer_kinds, ls_kinds, lock_kinds, ctr_kinds,
};
static const int max_type[N_LEVELS] = {
	DLOCK_A_MAX, DLOCK_A_PEER_MAX, DLOCK_A_LS_MAX, DLOCK_A_LOCK_MAX,
	DLOCK_A_CTR_MAX,
};

static const uint8_t read_only_cmds[] = {
	DLOCK_CMD_GET_STATUS, DLOCK_CMD_GET_PEERS, DLOCK_CMD_GET_LOCKSPACES,
	DLOCK_CMD_GET_LOCKS, DLOCK_CMD_GET_COUNTERS,
};

static uint8_t msg[MSG_MAX] __attribute__((aligned(4)));
static size_t msg_len;
static int failures;

static void *put_attr(uint16_t type, size_t payload)
{
	struct nlattr *a;

	if (msg_len + NLA_ALIGN(NLA_HDRLEN + payload) > MSG_MAX ||
	    NLA_HDRLEN + payload > 0xffff)
		return NULL;
	a = (struct nlattr *)(msg + msg_len);
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + payload;
	memset(msg + msg_len + NLA_HDRLEN, 0, NLA_ALIGN(a->nla_len) -
	       NLA_HDRLEN);
	msg_len += NLA_ALIGN(a->nla_len);
	return a + 1;
}

static const char * const names[] = {
	"kfuzz-ls", "kfuzz-ls2", "a", "", "x/y", "kfuzz-r0",
};

/* A payload of @kind with mostly-sane or boundary content. */
static void put_typed(uint16_t type, int kind)
{
	uint64_t v = kfuzz_boundary(kind > 0 ? 8 * kind : 64);
	const char *s;
	void *p;

	if (kind == K_STR || kind == K_BIN) {
		size_t n;

		if (kfuzz_one_in(4)) {
			n = kfuzz_below(2 * DLOCK_NAME_MAX + 2);
			p = put_attr(type, n);
			if (p)
				kfuzz_bytes(p, n);
			return;
		}
		s = names[kfuzz_below(sizeof(names) / sizeof(names[0]))];
		n = strlen(s) + (kind == K_STR);
		p = put_attr(type, n);
		if (p)
			memcpy(p, s, n);
		return;
	}
	p = put_attr(type, kind);
	if (!p)
		return;
	if (kind == 2 && kfuzz_one_in(2))
		v = DLOCK_DEFAULT_PORT + kfuzz_below(3);
	if (kind == 4 && kfuzz_one_in(2))
		v = kfuzz_below(8);
	if (kind == 4 && type == DLOCK_A_LISTEN_ADDR4 && kfuzz_one_in(2))
		v = 0x0100007f + (kfuzz_below(4) << 24);	/* 127.0.0.x */
	if (kind <= 8)
		memcpy(p, &v, kind);
	else
		kfuzz_bytes(p, kind);
}

static void put_attrs(enum level lvl, int depth, unsigned int n);

/* One attribute of level @lvl: right type, wrong length, or unknown. */
static void put_one(enum level lvl, int depth)
{
	static const uint16_t wrong_lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
		12, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255, 256, 1000,
		4000 };
	uint16_t type = kfuzz_below(max_type[lvl] + 3);
	int kind = type <= max_type[lvl] ? kinds[lvl][type] : 0;
	uint16_t flags = 0;
	size_t before;
	struct nlattr *a;

	if (kind <= K_NEST) {
		if (kfuzz_one_in(8))
			flags = 0;	/* nest without NLA_F_NESTED */
		else
			flags = NLA_F_NESTED;
		before = msg_len;
		if (!put_attr(type | flags, 0))
			return;
		if (depth < 3 || kfuzz_one_in(4))
			put_attrs(K_NEST - kind, depth + 1, kfuzz_below(6));
		a = (struct nlattr *)(msg + before);
		a->nla_len = msg_len - before;
		return;
	}
	if (kfuzz_one_in(4)) {
		size_t n = wrong_lens[kfuzz_below(sizeof(wrong_lens) /
						  sizeof(wrong_lens[0]))];
		void *p = put_attr(type | (kfuzz_one_in(10) ? NLA_F_NESTED : 0),
				   n);

		if (p)
			kfuzz_bytes(p, n);
		return;
	}
	put_typed(type, kind);
}

static void put_attrs(enum level lvl, int depth, unsigned int n)
{
	while (n--)
		put_one(lvl, depth);
}

/* A chain of nests @depth deep, of a level that nests in itself or not. */
static void put_deep(unsigned int depth)
{
	size_t starts[512];
	unsigned int i;
	bool ctr = kfuzz_one_in(2);

	if (depth > 512)
		depth = 512;
	if (ctr) {
		starts[0] = msg_len;
		if (!put_attr(DLOCK_A_COUNTERS | NLA_F_NESTED, 0))
			return;
	}
	for (i = ctr; i < depth; i++) {
		starts[i] = msg_len;
		if (!put_attr((ctr ? DLOCK_A_CTR_ENTRY :
			       DLOCK_A_PEER + kfuzz_below(4)) | NLA_F_NESTED, 0))
			break;
	}
	depth = i;
	put_typed(ctr ? DLOCK_A_CTR_NAME : DLOCK_A_PEER_ID,
		  ctr ? K_STR : 4);
	while (depth--) {
		struct nlattr *a = (struct nlattr *)(msg + starts[depth]);

		a->nla_len = msg_len - starts[depth] > 0xffff ? 0xffff :
			msg_len - starts[depth];
	}
}

/* Walk a reply's attributes (recursing into anything that parses). */
static bool attrs_ok(const uint8_t *p, size_t len, int depth)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return false;
		if (a->nla_type & NLA_F_NESTED && depth < 8 &&
		    !attrs_ok(p + NLA_HDRLEN, a->nla_len - NLA_HDRLEN,
			      depth + 1))
			return false;
		if ((size_t)NLA_ALIGN(a->nla_len) >= len)
			return true;
		len -= NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return len == 0;
}

/*
 * Read until the request @seq ended (its ack, error, or the end of its
 * dump).  Returns 0, or -1 when no answer came within @ms.
 */
static int await(int fd, uint32_t seq, uint16_t family, int ms,
		 struct kfuzz_tally *t)
{
	static uint8_t buf[1 << 17];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		if (poll(&pfd, 1, ms) <= 0)
			return -1;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				kfuzz_tally_add(t, -1, ENOBUFS);
				return 0;
			}
			continue;
		}
		len = (int)n;
		for (nlh = (void *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (e->error > 0 || e->error < -4095) {
					printf("kfuzz_genl: FAIL: ack %d\n",
					       e->error);
					failures++;
				}
				if (nlh->nlmsg_seq == seq) {
					kfuzz_tally_add(t, e->error,
							-e->error);
					return 0;
				}
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				if (nlh->nlmsg_seq == seq) {
					kfuzz_tally_add(t, 0, 0);
					return 0;
				}
			} else if (nlh->nlmsg_type == family &&
				   (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
				    !attrs_ok((uint8_t *)NLMSG_DATA(nlh) +
					      GENL_HDRLEN,
					      nlh->nlmsg_len -
					      NLMSG_LENGTH(GENL_HDRLEN), 0))) {
				printf("kfuzz_genl: FAIL: malformed reply to seq %u\n",
				       nlh->nlmsg_seq);
				failures++;
			}
		}
	}
}

static void put_val(uint16_t type, uint64_t v, size_t size)
{
	void *p = put_attr(type, size);

	if (p)
		memcpy(p, &v, size);	/* little-endian host */
}

static void put_str(uint16_t type, const char *str)
{
	void *p = put_attr(type, strlen(str) + 1);

	if (p)
		memcpy(p, str, strlen(str) + 1);
}

static size_t nest_start(uint16_t type)
{
	size_t s = msg_len;

	put_attr(type | NLA_F_NESTED, 0);
	return s;
}

static void nest_end(size_t s)
{
	((struct nlattr *)(msg + s))->nla_len = msg_len - s;
}

/*
 * A well-formed request for @cmd, as an administrator would send it, with
 * values near their limits: random attributes alone rarely carry every
 * attribute a command needs (a peer's id and address, a lockspace's name),
 * so without these the handlers' deeper paths would never run.
 */
static void put_template(uint8_t cmd)
{
	static const char * const ls_names[] = { "kfuzz-ls", "kfuzz-t1",
		"kfuzz-t2" };
	uint8_t key[DLOCK_KEY_LEN];
	size_t n;

	switch (cmd) {
	case DLOCK_CMD_SET_NODE:
		put_val(DLOCK_A_NODE_ID, 1 + kfuzz_below(3), 4);
		put_val(DLOCK_A_CELL_ID, kfuzz_below(3), 4);
		put_val(DLOCK_A_LISTEN_PORT, DLOCK_DEFAULT_PORT + kfuzz_below(2),
			2);
		put_val(DLOCK_A_LISTEN_ADDR4, 0x0100007f, 4);	/* 127.0.0.1 */
		/*
		 * Timing at its limits now and then: a node that then never
		 * elects makes every lockspace change wait 10 s for it.
		 */
		if (kfuzz_one_in(6)) {
			put_val(DLOCK_A_ELECTION_TIMEOUT_MS, kfuzz_boundary(32), 4);
			put_val(DLOCK_A_HEARTBEAT_MS, kfuzz_boundary(32), 4);
			put_val(DLOCK_A_LEASE_MS, kfuzz_boundary(32), 4);
			put_val(DLOCK_A_LOCK_DELAY_MS, kfuzz_boundary(32), 4);
		}
		if (kfuzz_one_in(3))
			put_val(DLOCK_A_ELECTION, kfuzz_below(DLOCK_ELECTION_COUNT + 1),
				4);
		if (kfuzz_one_in(2)) {
			void *p = put_attr(DLOCK_A_KEY, sizeof(key));

			kfuzz_bytes(key, sizeof(key));
			if (p)
				memcpy(p, key, sizeof(key));
		}
		break;
	case DLOCK_CMD_ADD_PEER:
	case DLOCK_CMD_DEL_PEER:
		n = nest_start(DLOCK_A_PEER);
		put_val(DLOCK_A_PEER_ID, 2 + kfuzz_below(8), 4);
		if (cmd == DLOCK_CMD_ADD_PEER) {
			/* Loopback only: this namespace has nothing else. */
			put_val(DLOCK_A_PEER_ADDR4, 0x0100007f +
				(kfuzz_below(8) << 24), 4);
			put_val(DLOCK_A_PEER_PORT, DLOCK_DEFAULT_PORT, 2);
			/*
			 * Members: voters that never answer leave the node
			 * without a quorum, and every lockspace change then
			 * waits 10 s for it (random attributes still add
			 * some; -t bounds the run).
			 */
			put_val(DLOCK_A_PEER_ROLE, DLOCK_ROLE_MEMBER, 4);
		}
		nest_end(n);
		break;
	case DLOCK_CMD_ADD_LOCKSPACE:
	case DLOCK_CMD_DEL_LOCKSPACE:
	case DLOCK_CMD_GET_LOCKS:
		n = nest_start(DLOCK_A_LOCKSPACE);
		put_str(DLOCK_A_LS_NAME, ls_names[kfuzz_below(3)]);
		if (cmd == DLOCK_CMD_ADD_LOCKSPACE) {
			put_val(DLOCK_A_LS_ALGO, kfuzz_below(DLOCK_LS_ALGO_COUNT + 1),
				4);
			put_val(DLOCK_A_LS_LVB_LEN, kfuzz_one_in(4) ?
				kfuzz_boundary(32) : 32 * (1 + kfuzz_below(2)), 4);
		}
		nest_end(n);
		if (cmd == DLOCK_CMD_GET_LOCKS && kfuzz_one_in(2)) {
			n = nest_start(DLOCK_A_LOCK);
			put_typed(DLOCK_A_LOCK_RESOURCE, K_BIN);
			nest_end(n);
		}
		break;
	default:
		break;
	}
}

/* Build one message at msg + msg_len; returns its start. */
static struct nlmsghdr *build(uint16_t family, uint32_t seq, bool ro)
{
	size_t start = msg_len;
	struct nlmsghdr *nlh = (void *)(msg + start);
	struct genlmsghdr *gh;

	memset(nlh, 0, NLMSG_LENGTH(GENL_HDRLEN));
	msg_len += NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (kfuzz_one_in(3))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	gh = NLMSG_DATA(nlh);
	gh->cmd = ro ? read_only_cmds[kfuzz_below(sizeof(read_only_cmds))] :
		kfuzz_below(__DLOCK_CMD_MAX + 3);
	gh->version = kfuzz_one_in(10) ? kfuzz_below(256) : DLOCK_GENL_VERSION;
	if (kfuzz_one_in(20))
		gh->reserved = kfuzz_boundary(16);

	switch (kfuzz_below(20)) {
	case 0: {	/* random bytes */
		size_t n = kfuzz_below(512);

		kfuzz_bytes(msg + msg_len, n);
		msg_len += NLMSG_ALIGN(n);
		break;
	}
	case 1:		/* a nest of hundreds or thousands */
		put_attrs(L_TOP, 0, kfuzz_below(3));
		{
			size_t s = msg_len;
			unsigned int n = 100 + kfuzz_below(2000);
			int lvl = 1 + kfuzz_below(N_LEVELS - 1);

			if (put_attr((lvl == L_PEER ? DLOCK_A_PEER :
				      lvl == L_LS ? DLOCK_A_LOCKSPACE :
				      lvl == L_LOCK ? DLOCK_A_LOCK :
				      DLOCK_A_COUNTERS) | NLA_F_NESTED, 0)) {
				put_attrs(lvl, 1, n);
				((struct nlattr *)(msg + s))->nla_len =
					msg_len - s > 0xffff ? 0xffff :
					msg_len - s;
			}
		}
		break;
	case 2:		/* deep nests */
		put_deep(8 + kfuzz_below(300));
		break;
	case 3:		/* no attributes at all */
		break;
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:		/* a well-formed request, maybe with extras */
		/* Do-commands: a dump flag would refuse them unheard. */
		if (gh->cmd != DLOCK_CMD_GET_PEERS &&
		    gh->cmd != DLOCK_CMD_GET_LOCKSPACES &&
		    gh->cmd != DLOCK_CMD_GET_LOCKS)
			nlh->nlmsg_flags &= ~NLM_F_DUMP;
		gh->version = DLOCK_GENL_VERSION;
		/* Lockspace changes may wait for the cell: fewer of them. */
		if ((gh->cmd == DLOCK_CMD_ADD_LOCKSPACE ||
		     gh->cmd == DLOCK_CMD_DEL_LOCKSPACE) && !kfuzz_one_in(3))
			gh->cmd = DLOCK_CMD_GET_LOCKSPACES;
		put_template(gh->cmd);
		if (kfuzz_one_in(3))
			put_attrs(L_TOP, 0, 1 + kfuzz_below(2));
		break;
	default:
		put_attrs(L_TOP, 0, kfuzz_below(10));
		break;
	}
	nlh->nlmsg_len = msg_len - start;
	return nlh;
}

int main(int argc, char **argv)
{
	struct kfuzz_tally tally[__DLOCK_CMD_MAX + 3] = { };
	struct kfuzz_tally framing = { };
	struct kfuzz_opts o;
	struct dl_genl g;
	bool ro = false;
	time_t deadline;
	unsigned long i;
	int ret, k, no_answer = 0;

	kfuzz_parse(argc, argv, &o, 5000, "[-r]");
	ro = o.restricted;

	ret = dl_genl_open(&g);
	if (ret) {
		fprintf(stderr, "kfuzz_genl: family dlock: %s\n", strerror(-ret));
		return 2;
	}
	/* failslab.sh: failures from here on, the socket open (fail_self.h). */
	fail_self_arm();

	deadline = time(NULL) + o.seconds;
	for (i = 0; i < o.count; i++) {
		struct nlmsghdr *nlh;
		uint32_t seq = ++g.seq;
		unsigned int mangle = kfuzz_below(40);
		size_t sent_len;
		uint8_t cmd;

		if (o.seconds && time(NULL) >= deadline) {
			printf("kfuzz_genl: time budget of %u s spent\n",
			       o.seconds);
			break;
		}
		msg_len = 0;
		nlh = build(g.family, seq, ro);
		cmd = ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
		sent_len = msg_len;
		if (mangle == 0) {
			/* A second request behind the first. */
			build(g.family, ++g.seq, ro);
			sent_len = msg_len;
		} else if (mangle == 1) {
			nlh->nlmsg_len = kfuzz_below(nlh->nlmsg_len + 1);
		} else if (mangle == 2) {
			nlh->nlmsg_len += 1 + kfuzz_below(64);
		} else if (mangle == 3 && sent_len > NLMSG_HDRLEN) {
			sent_len = NLMSG_HDRLEN + kfuzz_below(sent_len -
							      NLMSG_HDRLEN);
		}
		if (send(g.fd, msg, sent_len, 0) < 0) {
			kfuzz_tally_add(&framing, -1, errno);
			continue;
		}
		if (mangle >= 1 && mangle <= 3) {
			/* Framing errors may get an answer or none. */
			await(g.fd, seq, g.family, 20, &framing);
			continue;
		}
		if (await(g.fd, seq, g.family, 15000, &tally[cmd])) {
			printf("kfuzz_genl: FAIL: no answer to cmd %u seq %u\n",
			       cmd, seq);
			if (++no_answer > 3)
				break;
			failures++;
		}
		if (mangle == 0)
			await(g.fd, g.seq, g.family, 15000, &framing);
		if (o.verbose && i % 1000 == 0)
			printf("kfuzz_genl: %lu\n", i);
	}

	for (k = 0; k < __DLOCK_CMD_MAX + 3; k++) {
		char what[32];

		snprintf(what, sizeof(what), "cmd %d", k);
		kfuzz_tally_print(what, &tally[k]);
	}
	kfuzz_tally_print("framing", &framing);
	dl_genl_close(&g);
	printf("kfuzz_genl: %lu messages, %d failures\n", i, failures);
	return failures ? 1 : 0;
}
