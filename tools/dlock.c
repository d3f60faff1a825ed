// SPDX-License-Identifier: GPL-2.0
/*
 * dlock.c - dlock(1): run a command while holding a cell-wide lock, with
 * flock(1)'s conventions.
 *
 *   dlock [-s|-x] [-n] [-w SECONDS] [-E CODE] [-T] LOCKSPACE RESOURCE \
 *         [--] COMMAND [ARGS...]
 *
 * The lock is held by this process's /dev/dlock file, which the command
 * does not inherit (close-on-exec): the command cannot release it early,
 * and if dlock itself dies the kernel releases it.  The command learns the
 * lock's fencing token from DLOCK_TOKEN, to pass to whatever it writes to.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../lib/dlock.h"
#include "parse.h"

/* Exit codes of dlock itself, as flock(1) and sysexits.h have them. */
#define DLOCK_EXIT_CONFLICT	1	/* -n or -w: lock not taken (-E) */
#define DLOCK_EXIT_USAGE	64	/* EX_USAGE */
#define DLOCK_EXIT_UNAVAILABLE	69	/* EX_UNAVAILABLE: no lock service */
#define DLOCK_EXIT_OSERR	71	/* EX_OSERR: fork and the like */
#define DLOCK_EXIT_CANNOT_EXEC	126
#define DLOCK_EXIT_NOT_FOUND	127

struct dlock_opts {
	uint32_t mode;
	bool noqueue;
	uint32_t wait_ms;	/* 0: no limit */
	bool have_wait;
	bool print_token;
	int conflict_code;
	const char *lockspace;
	const char *resource;
	char **command;
};

static volatile sig_atomic_t child_pid;

static void usage(FILE *out)
{
	fputs("Usage: dlock [-s|-x] [-n] [-w SECONDS] [-E CODE] [-T] LOCKSPACE RESOURCE\n"
	      "             [--] COMMAND [ARGS...]\n"
	      "\n"
	      "Run COMMAND while holding the dlock lock RESOURCE of LOCKSPACE.\n"
	      "\n"
	      "  -x, --exclusive        exclusive lock, mode EX (the default)\n"
	      "  -s, --shared           shared lock, mode PR\n"
	      "  -n, --nonblock         fail rather than wait if the lock is held\n"
	      "  -w, --wait SECONDS     fail if not granted within SECONDS (0.001..)\n"
	      "  -E, --conflict-exit-code CODE\n"
	      "                         exit status when -n or -w fails (default 1)\n"
	      "  -T, --print-token      print the fencing token on stdout first\n"
	      "  -h, --help             show this help\n"
	      "  -V, --version          show the version\n"
	      "\n"
	      "COMMAND runs with DLOCK_TOKEN set to the lock's fencing token.\n"
	      "The exit status is COMMAND's (128+N if signal N killed it); 1 (or\n"
	      "-E's) when -n or -w gave up, 64 on a usage error, 69 when the\n"
	      "lock service refused, 126/127 when COMMAND cannot run.\n", out);
}

static int die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dlock: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* An option's value: the next argument; NULL after an error line. */
static const char *option_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		die(DLOCK_EXIT_USAGE, "option '%s' needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* 0, a negative value to exit 0 (help, version), or an exit code. */
static int parse_args(int argc, char **argv, struct dlock_opts *o)
{
	bool shared = false, exclusive = false;
	const char *v;
	uint32_t n;
	int i;

	o->mode = DLOCK_MODE_EX;
	o->conflict_code = DLOCK_EXIT_CONFLICT;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--shared")) {
			shared = true;
		} else if (!strcmp(a, "-x") || !strcmp(a, "--exclusive")) {
			exclusive = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--nonblock")) {
			o->noqueue = true;
		} else if (!strcmp(a, "-T") || !strcmp(a, "--print-token")) {
			o->print_token = true;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--wait")) {
			v = option_value(argc, argv, &i);
			if (!v)
				return DLOCK_EXIT_USAGE;
			/* -w 0 means do not wait at all, as for flock. */
			if (parse_seconds_ms(v, 0, UINT32_MAX, &o->wait_ms))
				return die(DLOCK_EXIT_USAGE,
					   "invalid wait '%s' (seconds, up to 3 decimals, at most %u)",
					   v, UINT32_MAX / 1000);
			o->have_wait = true;
		} else if (!strcmp(a, "-E") ||
			   !strcmp(a, "--conflict-exit-code")) {
			v = option_value(argc, argv, &i);
			if (!v)
				return DLOCK_EXIT_USAGE;
			if (parse_u32(v, 0, 255, &n))
				return die(DLOCK_EXIT_USAGE,
					   "invalid exit code '%s' (expected 0..255)",
					   v);
			o->conflict_code = (int)n;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("dlock %s (libdlock %s)\n", DLOCK_TOOL_VERSION,
			       dlock_lib_version());
			return -1;
		} else {
			return die(DLOCK_EXIT_USAGE,
				   "unknown option '%s' (try 'dlock --help')",
				   a);
		}
	}
	if (shared && exclusive)
		return die(DLOCK_EXIT_USAGE,
			   "-s and -x exclude each other");
	if (shared)
		o->mode = DLOCK_MODE_PR;
	if (o->have_wait && !o->wait_ms)
		o->noqueue = true;
	if (o->noqueue && o->have_wait && o->wait_ms)
		return die(DLOCK_EXIT_USAGE,
			   "-n and -w exclude each other");
	if (argc - i < 2)
		return die(DLOCK_EXIT_USAGE,
			   "missing LOCKSPACE and RESOURCE (try 'dlock --help')");
	o->lockspace = argv[i++];
	o->resource = argv[i++];
	if (!*o->lockspace || strlen(o->lockspace) >= DLOCK_NAME_MAX)
		return die(DLOCK_EXIT_USAGE,
			   "invalid lockspace '%s' (1..%d bytes)",
			   o->lockspace, DLOCK_NAME_MAX - 1);
	if (!*o->resource || strlen(o->resource) > DLOCK_NAME_MAX)
		return die(DLOCK_EXIT_USAGE,
			   "invalid resource '%s' (1..%d bytes)",
			   o->resource, DLOCK_NAME_MAX);
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return die(DLOCK_EXIT_USAGE,
			   "missing COMMAND (try 'dlock --help')");
	o->command = argv + i;
	return 0;
}

/* Pass a termination request on to the command, which decides. */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static int take_lock(const struct dlock_opts *o, struct dlock_dev **devp,
		     struct dlock_grant *grant)
{
	uint32_t ls_id;
	int err;

	err = dlock_open(devp);
	if (err == -ENOENT)
		return die(DLOCK_EXIT_UNAVAILABLE,
			   "dlock module not loaded (no /dev/%s)",
			   DLOCK_DEVICE_NAME);
	if (err)
		return die(DLOCK_EXIT_UNAVAILABLE, "cannot open /dev/%s: %s",
			   DLOCK_DEVICE_NAME, dlock_strerror(err));
	err = dlock_ls_open(*devp, o->lockspace, &ls_id);
	if (!err)
		err = dlock_lock(*devp, ls_id, o->resource,
				 strlen(o->resource), o->mode,
				 o->noqueue ? DLOCK_LKF_NOQUEUE : 0,
				 o->noqueue ? 0 : o->wait_ms, grant);
	if (!err)
		return 0;
	dlock_close(*devp);
	*devp = NULL;
	if (err == -EAGAIN || err == -ETIMEDOUT)
		return die(o->conflict_code, "%s/%s: %s", o->lockspace,
			   o->resource,
			   err == -EAGAIN ? "held by another owner" :
					    "not granted in time");
	if (err == -ENOENT)
		return die(DLOCK_EXIT_UNAVAILABLE, "no lockspace '%s' in the cell",
			   o->lockspace);
	if (err == -EINTR)
		return die(DLOCK_EXIT_CONFLICT, "%s/%s: interrupted",
			   o->lockspace, o->resource);
	return die(DLOCK_EXIT_UNAVAILABLE, "cannot lock %s/%s: %s",
		   o->lockspace, o->resource, dlock_strerror(err));
}

static pid_t run_command(const struct dlock_opts *o, uint64_t token)
{
	char value[24];
	pid_t pid;
	int err;

	snprintf(value, sizeof(value), "%" PRIu64, token);
	pid = fork();
	if (pid)
		return pid;
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (setenv("DLOCK_TOKEN", value, 1)) {
		die(DLOCK_EXIT_OSERR, "cannot set DLOCK_TOKEN: %s",
		    strerror(errno));
		_exit(DLOCK_EXIT_OSERR);
	}
	execvp(o->command[0], o->command);
	/* Saved first: writing the message may change errno. */
	err = errno;
	die(0, "%s: %s", o->command[0], strerror(err));
	_exit(err == ENOENT ? DLOCK_EXIT_NOT_FOUND : DLOCK_EXIT_CANNOT_EXEC);
}

/*
 * Wait for the command, watching the lock meanwhile: if the cell revokes
 * it (lease lost, cell re-formed), the command no longer runs under the
 * lock, so it is told to stop with SIGTERM.  Returns the exit status.
 */
static int wait_command(struct dlock_dev *dev, const struct dlock_grant *g,
			pid_t pid)
{
	struct dlock_event ev;
	bool revoked = false;
	struct pollfd pfd;
	int status, pidfd;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		if (pidfd >= 0) {
			struct pollfd fds[2] = {
				{ .fd = pidfd, .events = POLLIN },
				{ .fd = dlock_fd(dev), .events = POLLIN },
			};

			if (poll(fds, 2, -1) < 0 && errno != EINTR)
				break;
			if (fds[0].revents)
				break;
			pfd = fds[1];
		} else {
			/* No pidfd (old kernel): no revocation watch. */
			break;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		while (!dlock_read_event(dev, &ev, 0)) {
			if (ev.type == DLOCK_EV_REVOKED &&
			    ev.lock_id == g->lock_id && !revoked) {
				revoked = true;
				die(0, "lock revoked by the cell; sending SIGTERM to %s",
				    "the command");
				kill(pid, SIGTERM);
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return die(DLOCK_EXIT_OSERR, "waitpid: %s",
				   strerror(errno));
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct dlock_opts o = { 0 };
	struct sigaction sa;
	struct dlock_grant grant;
	struct dlock_dev *dev;
	int code, err;
	pid_t pid;

	code = parse_args(argc, argv, &o);
	if (code)
		return code < 0 ? 0 : code;
	code = take_lock(&o, &dev, &grant);
	if (code)
		return code;
	if (o.print_token) {
		printf("%" PRIu64 "\n", grant.token);
		if (fflush(stdout)) {
			dlock_close(dev);
			return die(DLOCK_EXIT_OSERR, "cannot write the token: %s",
				   strerror(errno));
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pid = run_command(&o, grant.token);
	if (pid < 0) {
		dlock_close(dev);
		return die(DLOCK_EXIT_OSERR, "fork: %s", strerror(errno));
	}
	child_pid = pid;
	code = wait_command(dev, &grant, pid);

	/* Closing would release it too; unlocking waits for the cell. */
	err = dlock_unlock(dev, grant.lock_id, NULL, 0);
	if (err && err != -ENOENT)
		die(0, "warning: unlock of %s/%s: %s", o.lockspace, o.resource,
		    dlock_strerror(err));
	dlock_close(dev);
	return code;
}
