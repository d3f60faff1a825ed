/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fail_self_arm(): with DLOCK_MAKE_IT_FAIL=1 in the environment, make this
 * process's slab allocations fail from now on (failslab's task filter,
 * /proc/self/make-it-fail; tests/debug-kernel/failslab.sh sets the rate).
 *
 * The program arms itself, once it is set up, instead of being armed from
 * outside a while after it starts: exec, the dynamic loader and path walks
 * over the VM's root (9p under an overlay) must never run with failures
 * on.  One such walk that failed for memory left the guest's root unable
 * to load libc.so.6 for every process after it, turning the rest of the
 * debug run into noise, and under load no delay is long enough to be sure
 * the loader is done.  So: every page the program has mapped is faulted in
 * first (mlockall), and callers arm only once they have opened what they
 * need from the file system; afterwards they touch only /dev, sockets,
 * netlink and tmpfs.  Failure to arm is fatal: a run that claims failures
 * it did not inject would test nothing.  (LD_BIND_NOW=1, which failslab.sh
 * also sets, keeps the loader from resolving symbols lazily later.)
 *
 * make-it-fail is inherited by threads and fork children created after
 * arming: the harness's forked tests and kfuzz_ioctl's racer fail too.
 * It stays set while the process exits, when its mapped files are
 * released: failslab.sh runs static copies from tmpfs, so that none of
 * them is a 9p file.
 */
#ifndef DLOCK_FAIL_SELF_H
#define DLOCK_FAIL_SELF_H

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static inline void fail_self_arm(void)
{
	const char *on = getenv("DLOCK_MAKE_IT_FAIL");
	int fd;

	if (!on || strcmp(on, "1"))
		return;
	if (mlockall(MCL_CURRENT)) {
		perror("fail_self: mlockall");
		exit(125);
	}
	fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		perror("fail_self: /proc/self/make-it-fail");
		exit(125);
	}
	close(fd);
}

/*
 * For the kselftest binaries, whose main() is the harness's: each test
 * runs in a child the harness forks, so the child arms itself as it starts
 * (an atfork handler), and the harness itself (its shared results page,
 * the fork, the wait) runs without failures: armed from the start, it
 * failed its first mmap and never ran a test.
 */
#define FAIL_SELF_IN_TESTS()						\
	static void __attribute__((constructor)) fail_self_in_tests(void) \
	{								\
		const char *on = getenv("DLOCK_MAKE_IT_FAIL");		\
									\
		if (on && !strcmp(on, "1") &&				\
		    pthread_atfork(NULL, NULL, fail_self_arm)) {	\
			fprintf(stderr, "fail_self: pthread_atfork failed\n"); \
			exit(125);					\
		}							\
	}

#endif /* DLOCK_FAIL_SELF_H */
