// SPDX-License-Identifier: GPL-2.0
/*
 * netns.c - -n NETNS: run in a network namespace named by ip-netns(8).
 *
 * A dlock node lives in each network namespace, and both the netlink socket
 * and /dev/dlock bind to the namespace of the thread that opens them, so
 * entering the namespace before opening anything is all it takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dlockadm.h"
#include "parse.h"

#define NETNS_RUN_DIR	"/run/netns"

int dlockadm_enter_netns(struct dlockadm *ctx)
{
	char path[PATH_MAX];
	int fd, err;

	if (!ctx->netns || ctx->netns_entered)
		return 0;
	/* The name was checked when the option was parsed. */
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ctx->netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot open network namespace '%s': %s",
				      ctx->netns, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(fd);
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot enter network namespace '%s': %s",
				      ctx->netns, strerror(err));
	}
	close(fd);
	ctx->netns_entered = true;
	return 0;
}
