/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * admin_priv.h - what the administration files of the library share: the
 * handle and one request/reply exchange over generic netlink.
 */
#ifndef DLOCK_LIB_ADMIN_PRIV_H
#define DLOCK_LIB_ADMIN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct dlock_admin {
	struct nl_sock *sk;
	int family;
	bool has_error_msg;
	char error_msg[256];
};

/* Policy for the top-level attributes of any reply from the module. */
extern struct nla_policy dlock_reply_policy[DLOCK_A_MAX + 1];

/* libnl's NLE_* codes back to the errno they stand for. */
int dlock_nlerr_to_errno(int nlerr);

/* Set the handle's explanation of its last failure (len bytes of msg). */
void dlock_admin_set_error_msg(struct dlock_admin *adm, const char *msg,
			       size_t len);

/*
 * A request for cmd with NLM_F_ACK and flags (NLM_F_DUMP for a dump), or
 * NULL without memory.
 */
struct nl_msg *dlock_admin_new_request(struct dlock_admin *adm, uint8_t cmd,
				       int flags);

/*
 * Send msg (consumed) and wait for its ACK, the end of its dump or its
 * error, passing each reply's parsed top-level attributes to parse.
 */
int dlock_admin_transact(struct dlock_admin *adm, struct nl_msg *msg,
			 int (*parse)(struct nlattr **tb, void *arg),
			 void *arg);

#endif /* DLOCK_LIB_ADMIN_PRIV_H */
