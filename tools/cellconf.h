/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cellconf.h - the cell configuration file of "dlockadm cell load": a node
 * section, peers and lockspaces, read and checked whole before anything is
 * applied.  The format is described in dlockadm(8):
 *
 *   [node]                 id, cell, listen, port, key, key-file, election,
 *                          role, election-timeout, heartbeat, lease,
 *                          lock-delay (as "node set" takes them)
 *   [peer]  (any number)   id, endpoint, role
 *   [lockspace] (any)      name, lvb, algo, cache
 *
 * "key = value" lines; '#' or ';' start a comment line.
 */
#ifndef DLOCKADM_CELLCONF_H
#define DLOCKADM_CELLCONF_H

#include <stdio.h>

#include "dlockadm.h"

#define CELLCONF_MAX_PEERS	64
#define CELLCONF_MAX_LS		256

struct cellconf_ls {
	char name[DLOCK_NAME_MAX];
	uint32_t algo;
	uint32_t lvb_len;
	uint32_t flags;		/* DLOCK_LS_F_* */
};

struct cellconf {
	struct dlock_node_conf node;
	struct dlock_peer peers[CELLCONF_MAX_PEERS];
	size_t npeers;
	struct cellconf_ls ls[CELLCONF_MAX_LS];
	size_t nls;
};

/*
 * Read f (named fname in messages) into *cc.  0, or an exit code after one
 * error line "dlockadm: FILE:LINE: what is wrong".
 */
int cellconf_parse(FILE *f, const char *fname, struct cellconf *cc);

#endif /* DLOCKADM_CELLCONF_H */
