/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal generic netlink client for the dlock selftests: a raw
 * NETLINK_GENERIC socket and hand-built messages, no libnl, so the tests
 * check the kernel's family and nothing of libdlock's.
 */
#ifndef DLOCK_SELFTEST_GENL_UTIL_H
#define DLOCK_SELFTEST_GENL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* What DLOCK_CMD_GET_STATUS answered; has_* tell which attributes came. */
struct dl_status {
	uint32_t abi_version;
	uint32_t node_id;
	uint32_t state;
	bool has_abi_version;
	bool has_node_id;
	bool has_state;
};

/* One open socket and the family id resolved on it. */
struct dl_genl {
	int fd;
	uint16_t family;
	uint32_t seq;
	/* Extended ack message of the last failed request, or "". */
	char extack[256];
};

/*
 * Open a socket in the caller's network namespace (a netlink socket stays
 * in the namespace it was created in) and resolve the "dlock" family.
 * Returns 0 or a negative errno (-ENOENT: the family is not registered).
 */
int dl_genl_open(struct dl_genl *g);
void dl_genl_close(struct dl_genl *g);

/* Resolve a family id by name with CTRL_CMD_GETFAMILY; id or -errno. */
int dl_genl_resolve(struct dl_genl *g, const char *name);

/* DLOCK_CMD_GET_STATUS; 0 or -errno. */
int dl_genl_get_status(struct dl_genl *g, struct dl_status *st);

/* DLOCK_CMD_SET_NODE with DLOCK_A_NODE_ID; 0 or -errno. */
int dl_genl_set_node(struct dl_genl *g, uint32_t node_id);

/* Drop CAP_NET_ADMIN from the effective and permitted sets; 0 or -errno. */
int dl_drop_net_admin(void);

#endif /* DLOCK_SELFTEST_GENL_UTIL_H */
