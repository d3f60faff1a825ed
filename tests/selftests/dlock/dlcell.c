// SPDX-License-Identifier: GPL-2.0
/*
 * dlcell: the cell tests' configuration and locking helper.  It speaks the
 * "dlock" generic netlink family over a raw socket (no libnl, no libdlock,
 * so the tests check the kernel alone) and /dev/dlock, in the network
 * namespace it runs in (use `ip netns exec NS dlcell ...`).
 *
 *   dlcell set [id=N] [cell=N] [port=N] [addr=IPv4|IPv6] [key=HEX64]
 *              [election=raft|bully|ring] [role=voter|member]
 *              [election_ms=N] [heartbeat_ms=N] [lease_ms=N] [delay_ms=N]
 *   dlcell peer-add id=N addr=IP [port=N] [role=voter|member]
 *   dlcell peer-del id=N
 *   dlcell peers                 one line per peer
 *   dlcell status                node= cell= state= leader= term=
 *   dlcell wait-leader MS        until this node knows a leader; prints ms
 *   dlcell ls-add NAME [lvb=32|64]
 *   dlcell ls-del NAME
 *   dlcell lockspaces            one line per lockspace
 *   dlcell locks [LS [RES]]      one line per lock: holders and waiters
 *   dlcell counters [PREFIX]     "name value" lines
 *   dlcell hold LS RES MODE SECS lock (blocking), print grant, sleep, unlock
 *                                (SIGUSR1 after the grant ends the sleep)
 *   dlcell try LS RES MODE       NOQUEUE lock; exit 0 granted, 3 EAGAIN
 *   dlcell count LS RES FILE N   N times: EX lock, FILE += 1, unlock
 *   dlcell watch-revoke LS RES MODE SECS
 *                                lock (blocking), print grant, then wait
 *                                up to SECS for a REVOKED event on the fd:
 *                                print "revoked token=N", exit 0; else 4
 *   dlcell reform                DLOCK_CMD_REFORM on this node
 *
 * dlcell -n NETNS CMD ... runs CMD in the named namespace (/run/netns/NETNS)
 * with setns(), much faster than `ip netns exec` under TCG.
 *
 * Errors print "dlcell: CMD: strerror (extack)" and exit 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/dlock.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "fail_self.h"
#include "genl_util.h"

#define BUF_SIZE	32768

struct msg {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

static struct dl_genl g;
static const char *cmd_name = "";

static void die(int err)
{
	fprintf(stderr, "dlcell: %s: %s%s%s%s\n", cmd_name, strerror(err),
		g.extack[0] ? " (" : "", g.extack, g.extack[0] ? ")" : "");
	exit(1);
}

static void msg_init(struct msg *m, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *gh;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = g.family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nlh.nlmsg_seq = ++g.seq;
	gh = NLMSG_DATA(&m->nlh);
	gh->cmd = cmd;
	gh->version = DLOCK_GENL_VERSION;
}

static struct nlattr *msg_put(struct msg *m, uint16_t type, const void *data,
			      size_t len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void msg_put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static void msg_put_u16(struct msg *m, uint16_t type, uint16_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static struct nlattr *nest_start(struct msg *m, uint16_t type)
{
	return msg_put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msg *m, struct nlattr *a)
{
	a->nla_len = m->buf + m->nlh.nlmsg_len - (char *)a;
}

/* Record the extack message of an error reply. */
static void save_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *a;
	int len;

	g.extack[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	a = (const void *)((const char *)e + sizeof(*e) +
			   (nlh->nlmsg_flags & NLM_F_CAPPED ? 0 :
			    e->msg.nlmsg_len - NLMSG_HDRLEN));
	len = (const char *)nlh + nlh->nlmsg_len - (const char *)a;
	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			snprintf(g.extack, sizeof(g.extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
			return;
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

typedef void (*attr_fn)(const struct nlattr *a, void *arg);

static void for_each_attr(const void *data, int len, attr_fn fn, void *arg)
{
	const struct nlattr *a = data;

	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		fn(a, arg);
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Send @m and read replies until the ack (or dump end); @fn gets the
 * top-level attributes of every reply message.  Returns 0 or -errno.
 */
static int transact(struct msg *m, attr_fn fn, void *arg)
{
	static char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	ssize_t n;

	g.extack[0] = 0;
	if (send(g.fd, m, m->nlh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(g.fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (nlh = (void *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != m->nlh.nlmsg_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (e->error)
					save_extack(nlh);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn)
				for_each_attr((char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
					      nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
					      fn, arg);
		}
	}
}

static const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

static uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

/* "key=value" argument: the value if @arg starts with @key=, else NULL. */
static const char *kv(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(arg, key, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end) {
		fprintf(stderr, "dlcell: %s: bad number '%s'\n", cmd_name, s);
		exit(2);
	}
	return v;
}

static void put_addr(struct msg *m, uint16_t type4, uint16_t type6,
		     const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		msg_put(m, type4, a, 4);
	else if (inet_pton(AF_INET6, s, a) == 1)
		msg_put(m, type6, a, 16);
	else {
		fprintf(stderr, "dlcell: %s: bad address '%s'\n", cmd_name, s);
		exit(2);
	}
}

static uint32_t role(const char *s)
{
	if (!strcmp(s, "voter"))
		return DLOCK_ROLE_VOTER;
	if (!strcmp(s, "member"))
		return DLOCK_ROLE_MEMBER;
	return num(s);
}

static int cmd_set(int argc, char **argv)
{
	struct msg m;
	const char *v;
	int i;

	msg_init(&m, DLOCK_CMD_SET_NODE, 0);
	for (i = 0; i < argc; i++) {
		if ((v = kv(argv[i], "id")))
			msg_put_u32(&m, DLOCK_A_NODE_ID, num(v));
		else if ((v = kv(argv[i], "cell")))
			msg_put_u32(&m, DLOCK_A_CELL_ID, num(v));
		else if ((v = kv(argv[i], "port")))
			msg_put_u16(&m, DLOCK_A_LISTEN_PORT, num(v));
		else if ((v = kv(argv[i], "addr")))
			put_addr(&m, DLOCK_A_LISTEN_ADDR4,
				 DLOCK_A_LISTEN_ADDR6, v);
		else if ((v = kv(argv[i], "key"))) {
			unsigned char key[DLOCK_KEY_LEN];
			int j;

			if (strlen(v) != 2 * DLOCK_KEY_LEN) {
				fprintf(stderr, "dlcell: key: 64 hex digits\n");
				return 2;
			}
			for (j = 0; j < DLOCK_KEY_LEN; j++)
				sscanf(v + 2 * j, "%2hhx", &key[j]);
			msg_put(&m, DLOCK_A_KEY, key, sizeof(key));
		} else if ((v = kv(argv[i], "election"))) {
			uint32_t e = !strcmp(v, "raft") ? DLOCK_ELECTION_RAFT :
				     !strcmp(v, "bully") ? DLOCK_ELECTION_BULLY :
				     !strcmp(v, "ring") ? DLOCK_ELECTION_RING :
				     num(v);
			msg_put_u32(&m, DLOCK_A_ELECTION, e);
		} else if ((v = kv(argv[i], "role")))
			msg_put_u32(&m, DLOCK_A_ROLE, role(v));
		else if ((v = kv(argv[i], "election_ms")))
			msg_put_u32(&m, DLOCK_A_ELECTION_TIMEOUT_MS, num(v));
		else if ((v = kv(argv[i], "heartbeat_ms")))
			msg_put_u32(&m, DLOCK_A_HEARTBEAT_MS, num(v));
		else if ((v = kv(argv[i], "lease_ms")))
			msg_put_u32(&m, DLOCK_A_LEASE_MS, num(v));
		else if ((v = kv(argv[i], "delay_ms")))
			msg_put_u32(&m, DLOCK_A_LOCK_DELAY_MS, num(v));
		else {
			fprintf(stderr, "dlcell: set: unknown '%s'\n", argv[i]);
			return 2;
		}
	}
	return transact(&m, NULL, NULL);
}

static int cmd_peer(int argc, char **argv, uint8_t cmd)
{
	struct nlattr *nest;
	struct msg m;
	const char *v;
	int i;

	msg_init(&m, cmd, 0);
	nest = nest_start(&m, DLOCK_A_PEER);
	for (i = 0; i < argc; i++) {
		if ((v = kv(argv[i], "id")))
			msg_put_u32(&m, DLOCK_A_PEER_ID, num(v));
		else if ((v = kv(argv[i], "addr")))
			put_addr(&m, DLOCK_A_PEER_ADDR4, DLOCK_A_PEER_ADDR6, v);
		else if ((v = kv(argv[i], "port")))
			msg_put_u16(&m, DLOCK_A_PEER_PORT, num(v));
		else if ((v = kv(argv[i], "role")))
			msg_put_u32(&m, DLOCK_A_PEER_ROLE, role(v));
		else {
			fprintf(stderr, "dlcell: peer: unknown '%s'\n", argv[i]);
			return 2;
		}
	}
	nest_end(&m, nest);
	return transact(&m, NULL, NULL);
}

static void peer_attr(const struct nlattr *a, void *arg)
{
	char addr[64];

	switch (a->nla_type) {
	case DLOCK_A_PEER_ID:
		printf("peer id=%u", attr_u32(a));
		break;
	case DLOCK_A_PEER_ROLE:
		printf(" role=%s", attr_u32(a) ? "member" : "voter");
		break;
	case DLOCK_A_PEER_ADDR4:
		printf(" addr=%s", inet_ntop(AF_INET, attr_data(a), addr,
					     sizeof(addr)));
		break;
	case DLOCK_A_PEER_ADDR6:
		printf(" addr=%s", inet_ntop(AF_INET6, attr_data(a), addr,
					     sizeof(addr)));
		break;
	case DLOCK_A_PEER_PORT:
		printf(" port=%u", *(const uint16_t *)attr_data(a));
		break;
	case DLOCK_A_PEER_ALIVE:
		printf(" alive=%u", *(const uint8_t *)attr_data(a));
		break;
	case DLOCK_A_PEER_LAST_HEARD_MS:
		printf(" last_heard_ms=%llu",
		       (unsigned long long)attr_u64(a));
		break;
	case DLOCK_A_PEER_MATCH_INDEX:
		printf(" match_index=%llu", (unsigned long long)attr_u64(a));
		break;
	}
	(void)arg;
}

static void peers_attr(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) != DLOCK_A_PEER)
		return;
	for_each_attr(attr_data(a), a->nla_len - NLA_HDRLEN, peer_attr, arg);
	printf("\n");
}

static int cmd_peers(void)
{
	struct msg m;

	msg_init(&m, DLOCK_CMD_GET_PEERS, NLM_F_DUMP);
	return transact(&m, peers_attr, NULL);
}

struct status {
	uint32_t node, cell, state, leader;
	uint64_t term;
};

static void status_attr(const struct nlattr *a, void *arg)
{
	struct status *st = arg;

	switch (a->nla_type) {
	case DLOCK_A_NODE_ID:
		st->node = attr_u32(a);
		break;
	case DLOCK_A_CELL_ID:
		st->cell = attr_u32(a);
		break;
	case DLOCK_A_STATE:
		st->state = attr_u32(a);
		break;
	case DLOCK_A_LEADER_ID:
		st->leader = attr_u32(a);
		break;
	case DLOCK_A_TERM:
		st->term = attr_u64(a);
		break;
	}
}

static int get_status(struct status *st)
{
	struct msg m;

	memset(st, 0, sizeof(*st));
	msg_init(&m, DLOCK_CMD_GET_STATUS, 0);
	return transact(&m, status_attr, st);
}

static const char *state_name(uint32_t s)
{
	static const char * const names[] = {
		"unconfigured", "follower", "candidate", "leader", "member",
		"catching-up",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int cmd_status(void)
{
	struct status st;
	int ret = get_status(&st);

	if (!ret)
		printf("node=%u cell=%u state=%s leader=%u term=%llu\n",
		       st.node, st.cell, state_name(st.state), st.leader,
		       (unsigned long long)st.term);
	return ret;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int cmd_wait_leader(const char *ms)
{
	uint64_t start = now_ms(), limit = num(ms);
	struct status st;
	int ret;

	for (;;) {
		ret = get_status(&st);
		if (ret)
			return ret;
		if (st.leader && (st.state == DLOCK_STATE_LEADER ||
				  st.state == DLOCK_STATE_FOLLOWER ||
				  st.state == DLOCK_STATE_MEMBER)) {
			printf("%llu\n", (unsigned long long)(now_ms() - start));
			return 0;
		}
		if (now_ms() - start > limit)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

static int cmd_ls(int argc, char **argv, uint8_t cmd)
{
	struct nlattr *nest;
	struct msg m;
	const char *v;
	int i;

	if (argc < 1)
		return -EINVAL;
	msg_init(&m, cmd, 0);
	nest = nest_start(&m, DLOCK_A_LOCKSPACE);
	msg_put(&m, DLOCK_A_LS_NAME, argv[0], strlen(argv[0]) + 1);
	for (i = 1; i < argc; i++) {
		if ((v = kv(argv[i], "lvb")))
			msg_put_u32(&m, DLOCK_A_LS_LVB_LEN, num(v));
		else
			return -EINVAL;
	}
	nest_end(&m, nest);
	return transact(&m, NULL, NULL);
}

static void ls_field(const struct nlattr *a, void *arg)
{
	(void)arg;
	switch (a->nla_type) {
	case DLOCK_A_LS_NAME:
		printf(" name=%s", (const char *)attr_data(a));
		break;
	case DLOCK_A_LS_LVB_LEN:
		printf(" lvb=%u", attr_u32(a));
		break;
	case DLOCK_A_LS_RESOURCES:
		printf(" resources=%u", attr_u32(a));
		break;
	case DLOCK_A_LS_LOCKS:
		printf(" locks=%u", attr_u32(a));
		break;
	}
}

static void lock_field(const struct nlattr *a, void *arg)
{
	(void)arg;
	switch (a->nla_type) {
	case DLOCK_A_LOCK_RESOURCE:
		printf(" res=%.*s", (int)(a->nla_len - NLA_HDRLEN),
		       (const char *)attr_data(a));
		break;
	case DLOCK_A_LOCK_NODE_ID:
		printf(" node=%u", attr_u32(a));
		break;
	case DLOCK_A_LOCK_MODE:
		printf(" mode=%u", attr_u32(a));
		break;
	case DLOCK_A_LOCK_REQ_MODE:
		printf(" req_mode=%u", attr_u32(a));
		break;
	case DLOCK_A_LOCK_WAITING:
		printf(" waiting=%u", *(const uint8_t *)attr_data(a));
		break;
	case DLOCK_A_LOCK_TOKEN:
		printf(" token=%llu", (unsigned long long)attr_u64(a));
		break;
	}
}

static void table_attr(const struct nlattr *a, void *arg)
{
	uint16_t t = a->nla_type & NLA_TYPE_MASK;

	if (t == DLOCK_A_LOCKSPACE)
		for_each_attr(attr_data(a), a->nla_len - NLA_HDRLEN, ls_field,
			      arg);
	else if (t == DLOCK_A_LOCK) {
		for_each_attr(attr_data(a), a->nla_len - NLA_HDRLEN,
			      lock_field, arg);
		printf("\n");
	}
}

static void ls_line(const struct nlattr *a, void *arg)
{
	table_attr(a, arg);
	if ((a->nla_type & NLA_TYPE_MASK) == DLOCK_A_LOCKSPACE)
		printf("\n");
}

static int cmd_lockspaces(void)
{
	struct msg m;

	msg_init(&m, DLOCK_CMD_GET_LOCKSPACES, NLM_F_DUMP);
	return transact(&m, ls_line, NULL);
}

static int cmd_locks(int argc, char **argv)
{
	struct nlattr *nest;
	struct msg m;

	msg_init(&m, DLOCK_CMD_GET_LOCKS, NLM_F_DUMP);
	if (argc > 0) {
		nest = nest_start(&m, DLOCK_A_LOCKSPACE);
		msg_put(&m, DLOCK_A_LS_NAME, argv[0], strlen(argv[0]) + 1);
		nest_end(&m, nest);
	}
	if (argc > 1) {
		nest = nest_start(&m, DLOCK_A_LOCK);
		msg_put(&m, DLOCK_A_LOCK_RESOURCE, argv[1], strlen(argv[1]));
		nest_end(&m, nest);
	}
	return transact(&m, table_attr, NULL);
}

struct ctr_ctx {
	const char *prefix;
	const char *name;
	uint64_t value;
	bool has_value;
};

static void ctr_field(const struct nlattr *a, void *arg)
{
	struct ctr_ctx *c = arg;

	if (a->nla_type == DLOCK_A_CTR_NAME)
		c->name = attr_data(a);
	if (a->nla_type == DLOCK_A_CTR_VALUE) {
		c->value = attr_u64(a);
		c->has_value = true;
	}
}

static void ctr_entry(const struct nlattr *a, void *arg)
{
	struct ctr_ctx *c = arg;

	if ((a->nla_type & NLA_TYPE_MASK) != DLOCK_A_CTR_ENTRY)
		return;
	c->name = NULL;
	c->has_value = false;
	for_each_attr(attr_data(a), a->nla_len - NLA_HDRLEN, ctr_field, c);
	if (c->name && c->has_value &&
	    (!c->prefix || !strncmp(c->name, c->prefix, strlen(c->prefix))))
		printf("%s %llu\n", c->name, (unsigned long long)c->value);
}

static void ctrs_attr(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) == DLOCK_A_COUNTERS)
		for_each_attr(attr_data(a), a->nla_len - NLA_HDRLEN,
			      ctr_entry, arg);
}

static int cmd_counters(const char *prefix)
{
	struct ctr_ctx c = { .prefix = prefix };
	struct msg m;

	msg_init(&m, DLOCK_CMD_GET_COUNTERS, 0);
	return transact(&m, ctrs_attr, &c);
}

/* /dev/dlock helpers: open LS, return fd; ls id in *ls_id. */
static int dev_open_ls(const char *ls, uint32_t *ls_id)
{
	struct dlock_ls_open o = { 0 };
	int fd = open("/dev/dlock", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (strlen(ls) >= sizeof(o.name))
		return -ENAMETOOLONG;
	strcpy((char *)o.name, ls);
	if (ioctl(fd, DLOCK_IOC_LS_OPEN, &o) < 0)
		return -errno;
	*ls_id = o.ls_id;
	return fd;
}

static uint32_t mode_of(const char *s)
{
	static const char * const names[] = { "NL", "CR", "CW", "PR", "PW",
					      "EX" };
	unsigned int i;

	for (i = 0; i < 6; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return num(s);
}

static int dev_lock(int fd, uint32_t ls_id, const char *res, uint32_t mode,
		    uint32_t flags, struct dlock_lock_req *req)
{
	memset(req, 0, sizeof(*req));
	req->ls_id = ls_id;
	req->mode = mode;
	req->flags = flags;
	req->name_len = strlen(res);
	if (req->name_len > DLOCK_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(req->name, res, req->name_len);
	return ioctl(fd, DLOCK_IOC_LOCK, req) < 0 ? -errno : 0;
}

static int dev_unlock(int fd, uint64_t lock_id)
{
	struct dlock_unlock_req u = { .lock_id = lock_id };

	return ioctl(fd, DLOCK_IOC_UNLOCK, &u) < 0 ? -errno : 0;
}

/*
 * With DLCELL_STAMP=LABEL set, hold's lines start with the wall-clock time
 * they were printed at and the label ("@SEC.NSEC LABEL: "): the demo shows
 * two programs' lines on one time line, read from one pipe in the order
 * they were written, and stamping them when its reader gets to them would
 * show a busy guest's scheduling, not the order of grants.
 */
static void __attribute__((format(printf, 1, 2)))
hold_say(const char *fmt, ...)
{
	const char *label = getenv("DLCELL_STAMP");
	struct timespec ts;
	va_list ap;

	if (label) {
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("@%lld.%09ld %s: ", (long long)ts.tv_sec, ts.tv_nsec,
		       label);
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/*
 * SIGUSR1 ends a hold's sleep early, and the hold then releases as when its
 * time runs out ("releasing", unlock): a script can hold a lock exactly
 * until the step that needs it held is done, instead of guessing how long
 * that step takes on a loaded host.
 */
static void hold_wake(int sig)
{
	(void)sig;
}

static int cmd_hold(int argc, char **argv, bool try)
{
	struct sigaction wake = { .sa_handler = hold_wake };
	struct dlock_lock_req req;
	uint32_t ls_id;
	int fd, ret;

	if (argc < (try ? 3 : 4))
		return -EINVAL;
	fd = dev_open_ls(argv[0], &ls_id);
	if (fd < 0)
		return fd;
	if (!try)
		hold_say("requesting %s on %s/%s\n", argv[2], argv[0],
			 argv[1]);
	ret = dev_lock(fd, ls_id, argv[1], mode_of(argv[2]),
		       try ? DLOCK_LKF_NOQUEUE : 0, &req);
	if (try && ret == -EAGAIN) {
		printf("busy\n");
		exit(3);
	}
	if (ret)
		return ret;
	/*
	 * Set before "granted" is printed, so a signal sent on seeing it is
	 * caught; no SA_RESTART, so sleep() returns.  Not before the lock:
	 * it would interrupt the blocking request instead.
	 */
	if (!try && sigaction(SIGUSR1, &wake, NULL))
		return -errno;
	hold_say("granted lock=%llu token=%llu\n",
		 (unsigned long long)req.lock_id,
		 (unsigned long long)req.token);
	if (!try) {
		sleep(num(argv[3]));
		hold_say("releasing lock=%llu\n",
			 (unsigned long long)req.lock_id);
	}
	ret = dev_unlock(fd, req.lock_id);
	if (!ret)
		hold_say("released lock=%llu\n",
			 (unsigned long long)req.lock_id);
	close(fd);
	return ret;
}

/* Hold a lock until the cell takes it away (re-form, lease loss). */
static int cmd_watch_revoke(int argc, char **argv)
{
	struct dlock_lock_req req;
	struct dlock_event ev;
	struct pollfd pfd;
	struct timespec start, now;
	long left_ms;
	uint32_t ls_id;
	int fd, ret;

	if (argc < 4)
		return -EINVAL;
	fd = dev_open_ls(argv[0], &ls_id);
	if (fd < 0)
		return fd;
	ret = dev_lock(fd, ls_id, argv[1], mode_of(argv[2]), 0, &req);
	if (ret)
		return ret;
	printf("granted lock=%llu token=%llu\n",
	       (unsigned long long)req.lock_id, (unsigned long long)req.token);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = num(argv[3]) * 1000L -
			  ((now.tv_sec - start.tv_sec) * 1000L +
			   (now.tv_nsec - start.tv_nsec) / 1000000L);
		if (left_ms <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		ret = poll(&pfd, 1, (int)left_ms);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret <= 0)
			continue;
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			return -EIO;
		if (ev.type == DLOCK_EV_REVOKED && ev.lock_id == req.lock_id) {
			printf("revoked lock=%llu token=%llu\n",
			       (unsigned long long)ev.lock_id,
			       (unsigned long long)ev.token);
			fflush(stdout);
			close(fd);
			return 0;
		}
	}
	printf("not revoked\n");
	close(fd);
	return 4;
}

static int cmd_count(int argc, char **argv)
{
	struct dlock_lock_req req;
	uint32_t ls_id, i, n;
	int fd, ret;

	if (argc < 4)
		return -EINVAL;
	n = num(argv[3]);
	fd = dev_open_ls(argv[0], &ls_id);
	if (fd < 0)
		return fd;
	for (i = 0; i < n; i++) {
		unsigned long v = 0;
		FILE *f;

		ret = dev_lock(fd, ls_id, argv[1], DLOCK_MODE_EX, 0, &req);
		if (ret)
			return ret;
		/* Read, then write back one more: only the lock makes it safe. */
		f = fopen(argv[2], "r");
		if (f) {
			if (fscanf(f, "%lu", &v) != 1)
				v = 0;
			fclose(f);
		}
		f = fopen(argv[2], "w");
		if (!f)
			return -errno;
		fprintf(f, "%lu\n", v + 1);
		if (fclose(f))
			return -errno;
		ret = dev_unlock(fd, req.lock_id);
		if (ret)
			return ret;
	}
	close(fd);
	return 0;
}

/* Enter network namespace @name, as `ip netns exec` would. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc > 2 && !strcmp(argv[1], "-n")) {
		ret = enter_netns(argv[2]);
		if (ret) {
			fprintf(stderr, "dlcell: netns %s: %s\n", argv[2],
				strerror(-ret));
			return 1;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: dlcell CMD [ARGS]\n");
		return 2;
	}
	cmd_name = argv[1];
	ret = dl_genl_open(&g);
	if (ret)
		die(-ret);
	/*
	 * failslab.sh: failures from here on, in the netns with the socket
	 * open (fail_self.h); count's file is on tmpfs.
	 */
	fail_self_arm();

	if (!strcmp(cmd_name, "set"))
		ret = cmd_set(argc - 2, argv + 2);
	else if (!strcmp(cmd_name, "peer-add"))
		ret = cmd_peer(argc - 2, argv + 2, DLOCK_CMD_ADD_PEER);
	else if (!strcmp(cmd_name, "peer-del"))
		ret = cmd_peer(argc - 2, argv + 2, DLOCK_CMD_DEL_PEER);
	else if (!strcmp(cmd_name, "peers"))
		ret = cmd_peers();
	else if (!strcmp(cmd_name, "status"))
		ret = cmd_status();
	else if (!strcmp(cmd_name, "wait-leader") && argc > 2)
		ret = cmd_wait_leader(argv[2]);
	else if (!strcmp(cmd_name, "ls-add"))
		ret = cmd_ls(argc - 2, argv + 2, DLOCK_CMD_ADD_LOCKSPACE);
	else if (!strcmp(cmd_name, "ls-del"))
		ret = cmd_ls(argc - 2, argv + 2, DLOCK_CMD_DEL_LOCKSPACE);
	else if (!strcmp(cmd_name, "lockspaces"))
		ret = cmd_lockspaces();
	else if (!strcmp(cmd_name, "locks"))
		ret = cmd_locks(argc - 2, argv + 2);
	else if (!strcmp(cmd_name, "counters"))
		ret = cmd_counters(argc > 2 ? argv[2] : NULL);
	else if (!strcmp(cmd_name, "hold"))
		ret = cmd_hold(argc - 2, argv + 2, false);
	else if (!strcmp(cmd_name, "try"))
		ret = cmd_hold(argc - 2, argv + 2, true);
	else if (!strcmp(cmd_name, "count"))
		ret = cmd_count(argc - 2, argv + 2);
	else if (!strcmp(cmd_name, "watch-revoke"))
		ret = cmd_watch_revoke(argc - 2, argv + 2);
	else if (!strcmp(cmd_name, "reform")) {
		struct msg m;

		msg_init(&m, DLOCK_CMD_REFORM, 0);
		ret = transact(&m, NULL, NULL);
	}
	else {
		fprintf(stderr, "dlcell: unknown command '%s'\n", cmd_name);
		return 2;
	}
	if (ret > 0)
		return ret;
	if (ret < 0)
		die(-ret);
	return 0;
}
