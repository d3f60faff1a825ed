// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * strerror.c - messages for the errors libdlock returns.
 *
 * Only errnos whose meaning is fixed across dlock get dlock wording; every
 * other errno gets the C library's description.  strerrordesc_np() is used
 * rather than strerror() because it returns constant strings and never a
 * shared buffer, which keeps dlock_strerror() safe to call from any thread.
 */
#include <errno.h>
#include <string.h>

#include "dlock.h"

static const char *dlock_errno_message(int err)
{
	switch (err) {
	case 0:
		return "success";
	case EPERM:
		return "operation not permitted (dlock administration needs CAP_NET_ADMIN)";
	case ENOENT:
		return "not found (is the dlock module loaded?)";
	case EAGAIN:
		return "lock is held in an incompatible mode";
	case ETIMEDOUT:
		return "timed out waiting for the lock";
	case ECANCELED:
		return "lock request was cancelled";
	case EDEADLK:
		return "lock request would deadlock";
	case ENOTTY:
		return "operation not supported by the loaded dlock module";
	case EOPNOTSUPP:
		return "not supported by the loaded dlock module yet";
	case EPROTO:
		return "unexpected reply from the dlock module (ABI mismatch?)";
	default:
		return NULL;
	}
}

const char *dlock_strerror(int err)
{
	const char *msg;

	/* Both signs are accepted; INT_MIN has no positive twin. */
	if (err < 0) {
		if (err == -err)
			return "unknown error";
		err = -err;
	}
	msg = dlock_errno_message(err);
	if (msg)
		return msg;
	msg = strerrordesc_np(err);
	return msg ? msg : "unknown error";
}
