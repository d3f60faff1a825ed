// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_elect.c - "dlockadm elect campaign|observe|resign": elections for
 * applications, in the way of etcd's Election API, built on one lock.
 *
 * The election NAME of a lockspace is the resource "elect:NAME".  A
 * campaigner waits for EX on it; once granted, it converts down to PW with
 * its value written into the value block, which is how a down-conversion
 * publishes it (DLM semantics).  PW still excludes every other campaigner,
 * and lets observers read the value with NL locks.  Resigning releases the
 * lock with a zeroed value block: "no leader".
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "dlockadm.h"
#include "json.h"
#include "parse.h"

#define ELECT_PREFIX		"elect:"
#define ELECT_OBSERVE_PERIOD_MS	200

static void elect_usage(FILE *out)
{
	fputs("Usage: dlockadm [-j] [-n NETNS] elect campaign LOCKSPACE NAME VALUE\n"
	      "                      [timeout SECONDS] [pidfile FILE]\n"
	      "       dlockadm [-j] [-n NETNS] elect observe LOCKSPACE NAME\n"
	      "                      [count N] [timeout SECONDS]\n"
	      "       dlockadm elect resign pidfile FILE\n"
	      "\n"
	      "  elect campaign  wait to be the leader of election NAME (the\n"
	      "                  lock \"elect:NAME\" of LOCKSPACE), publish VALUE\n"
	      "                  (at most 31 or 63 bytes: the lockspace's value\n"
	      "                  block, less one) and print it with the\n"
	      "                  fencing token; then stay leader until SIGTERM,\n"
	      "                  SIGINT or SIGHUP, and resign.  With timeout,\n"
	      "                  give up after SECONDS (exit status 1).  Exit\n"
	      "                  status 1 as well if the cell revokes the lock.\n"
	      "  elect observe   print the leader's value now and on every\n"
	      "                  change (\"-\" when there is none), until count\n"
	      "                  values or timeout SECONDS.\n"
	      "  elect resign    make the campaign whose pidfile is FILE resign,\n"
	      "                  and wait until it has.\n"
	      "--json prints {\"name\":...,\"value\":...,\"token\":...} lines.\n", out);
}

static int elect_resource(const char *name, char *res)
{
	if (!*name || strlen(ELECT_PREFIX) + strlen(name) > DLOCK_NAME_MAX)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid election name '%s' (1..%zu bytes)",
				      name, DLOCK_NAME_MAX - strlen(ELECT_PREFIX));
	strcpy(res, ELECT_PREFIX);
	strcat(res, name);
	return 0;
}

static int elect_print(struct dlockadm *ctx, const char *name,
		       const char *value, uint64_t token)
{
	struct json_writer w;

	if (!ctx->json) {
		printf("%s %s %llu\n", name, *value ? value : "-",
		       (unsigned long long)token);
		return dlockadm_finish_output(0);
	}
	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "name");
	json_string(&w, name);
	json_key(&w, "value");
	if (*value)
		json_string(&w, value);
	else
		json_null(&w);
	json_key(&w, "token");
	json_u64(&w, token);
	json_object_end(&w);
	return dlockadm_json_finish(&w) ?: dlockadm_finish_output(0);
}

/* Open /dev/dlock in the right namespace and attach lockspace ls. */
static int elect_open(struct dlockadm *ctx, const char *ls,
		      struct dlock_dev **dev, uint32_t *ls_id)
{
	int code, err;

	if (!*ls || strlen(ls) >= DLOCK_NAME_MAX)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid lockspace name '%s' (1..%d bytes)",
				      ls, DLOCK_NAME_MAX - 1);
	code = dlockadm_enter_netns(ctx);
	if (code)
		return code;
	err = dlock_open(dev);
	if (err == -ENOENT)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "dlock module not loaded (no /dev/dlock)");
	if (err)
		return dlockadm_lib_error(err, "cannot open /dev/dlock");
	err = dlock_ls_open(*dev, ls, ls_id);
	if (err) {
		dlock_close(*dev);
		return dlockadm_lib_error(err, "cannot open the lockspace");
	}
	return 0;
}

/* Wait for a signal asking to resign, or for the lock to be revoked. */
static int elect_hold(struct dlock_dev *dev, uint64_t lock_id, int sfd)
{
	struct dlock_event ev;
	struct pollfd fds[2];

	for (;;) {
		fds[0].fd = sfd;
		fds[0].events = POLLIN;
		fds[1].fd = dlock_fd(dev);
		fds[1].events = POLLIN;
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return dlockadm_error(DLOCKADM_EXIT_FAILURE,
					      "poll: %m");
		}
		if (fds[0].revents)
			return 0;
		while (!dlock_read_event(dev, &ev, 0))
			if (ev.type == DLOCK_EV_REVOKED && ev.lock_id == lock_id)
				return dlockadm_error(DLOCKADM_EXIT_FAILURE,
						      "leadership lost: the cell revoked the lock");
	}
}

static int elect_campaign(struct dlockadm *ctx, int argc, char **argv)
{
	const char *pidfile = NULL, *v;
	char res[DLOCK_NAME_MAX + 1];
	uint8_t lvb[DLOCK_LVB_MAX];
	struct dlock_grant grant;
	uint32_t timeout_ms = 0, ls_id;
	struct dlock_dev *dev;
	size_t vlen;
	sigset_t set;
	int i, code, err, sfd;
	FILE *pf;

	if (argc < 4)
		return dlockadm_missing("elect", "campaign",
					"LOCKSPACE, NAME and VALUE");
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "timeout")) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (parse_seconds_ms(v, 1, UINT32_MAX, &timeout_ms))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid timeout '%s' (seconds, 0.001..)",
						      v);
		} else if (!strcmp(argv[i], "pidfile")) {
			pidfile = dlockadm_keyword_value(argc, argv, &i);
			if (!pidfile)
				return DLOCKADM_EXIT_USAGE;
		} else {
			return dlockadm_bad_argument("elect", argv[i]);
		}
	}
	code = elect_resource(argv[2], res);
	if (code)
		return code;
	vlen = strlen(argv[3]);
	if (!vlen || vlen >= DLOCK_LVB_MAX)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "invalid value '%s' (1..%d bytes)",
				      argv[3], DLOCK_LVB_MAX - 1);
	/* Resign on these, from the loop below, not asynchronously. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE, "signalfd: %m");
	code = elect_open(ctx, argv[1], &dev, &ls_id);
	if (code) {
		close(sfd);
		return code;
	}
	/* Signals interrupt the wait for EX (the lock call fails EINTR). */
	err = dlock_lock(dev, ls_id, res, strlen(res), DLOCK_MODE_EX,
			 DLOCK_LKF_VALBLK, timeout_ms, &grant);
	if (err == -ETIMEDOUT) {
		code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "not elected within the timeout");
		goto out;
	}
	if (err) {
		code = dlockadm_lib_error(err, "cannot campaign");
		goto out;
	}
	if (vlen >= grant.lvb_len) {
		code = dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "value of %zu bytes does not fit the lockspace's %u-byte value block",
				      vlen, grant.lvb_len);
		goto out;
	}
	memset(lvb, 0, sizeof(lvb));
	memcpy(lvb, argv[3], vlen);
	err = dlock_convert(dev, ls_id, res, strlen(res), grant.lock_id,
			    DLOCK_MODE_PW, DLOCK_LKF_VALBLK, 0, lvb,
			    grant.lvb_len, NULL);
	if (err) {
		code = dlockadm_lib_error(err, "cannot publish the value");
		goto out;
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pidfile) {
		pf = fopen(pidfile, "we");
		if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 ||
		    fclose(pf)) {
			code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
					      "cannot write pidfile '%s': %m",
					      pidfile);
			goto out;
		}
	}
	code = elect_print(ctx, argv[2], argv[3], grant.token);
	if (!code)
		code = elect_hold(dev, grant.lock_id, sfd);
	if (pidfile)
		unlink(pidfile);
	/* Resign: no leader until the next one publishes its value. */
	memset(lvb, 0, sizeof(lvb));
	err = dlock_unlock(dev, grant.lock_id, lvb, grant.lvb_len);
	if (err && err != -ENOENT && !code)
		code = dlockadm_lib_error(err, "cannot resign");
out:
	dlock_close(dev);
	close(sfd);
	return code;
}

static int64_t elect_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int elect_observe(struct dlockadm *ctx, int argc, char **argv)
{
	char res[DLOCK_NAME_MAX + 1], value[DLOCK_LVB_MAX + 1], last[DLOCK_LVB_MAX + 1];
	uint32_t count = 0, timeout_ms = 0, seen = 0, ls_id;
	struct timespec period = { 0, ELECT_OBSERVE_PERIOD_MS * 1000000L };
	struct dlock_grant grant;
	struct dlock_dev *dev;
	int64_t deadline = 0;
	bool first = true;
	const char *v;
	int i, code, err;

	if (argc < 3)
		return dlockadm_missing("elect", "observe", "LOCKSPACE and NAME");
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "count")) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (parse_u32(v, 1, UINT32_MAX, &count))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid count '%s' (expected 1..%u)",
						      v, UINT32_MAX);
		} else if (!strcmp(argv[i], "timeout")) {
			v = dlockadm_keyword_value(argc, argv, &i);
			if (!v)
				return DLOCKADM_EXIT_USAGE;
			if (parse_seconds_ms(v, 1, INT32_MAX, &timeout_ms))
				return dlockadm_error(DLOCKADM_EXIT_USAGE,
						      "invalid timeout '%s' (seconds, 0.001..)",
						      v);
		} else {
			return dlockadm_bad_argument("elect", argv[i]);
		}
	}
	code = elect_resource(argv[2], res);
	if (code)
		return code;
	code = elect_open(ctx, argv[1], &dev, &ls_id);
	if (code)
		return code;
	if (timeout_ms)
		deadline = elect_now_ms() + timeout_ms;
	last[0] = '\0';
	while (!count || seen < count) {
		/* NL never waits: it reads the value block and goes. */
		err = dlock_lock(dev, ls_id, res, strlen(res), DLOCK_MODE_NL,
				 DLOCK_LKF_VALBLK, 0, &grant);
		if (err) {
			code = dlockadm_lib_error(err, "cannot read the election");
			break;
		}
		dlock_unlock(dev, grant.lock_id, NULL, 0);
		memcpy(value, grant.lvb, grant.lvb_len);
		value[grant.lvb_len] = '\0';
		if (first || strcmp(value, last)) {
			first = false;
			strcpy(last, value);
			seen++;
			code = elect_print(ctx, argv[2], value, grant.token);
			if (code)
				break;
			continue;
		}
		if (deadline && elect_now_ms() >= deadline)
			break;
		nanosleep(&period, NULL);
	}
	dlock_close(dev);
	if (!code && count && seen < count)
		code = dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "%u of %u values before the timeout",
				      seen, count);
	return code;
}

static int elect_resign(int argc, char **argv)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	uint32_t pid;
	char line[32];
	FILE *pf;
	int i;

	if (argc != 3 || strcmp(argv[1], "pidfile"))
		return dlockadm_missing("elect", "resign", "'pidfile FILE'");
	pf = fopen(argv[2], "re");
	if (!pf)
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot read pidfile '%s': %m", argv[2]);
	if (!fgets(line, sizeof(line), pf))
		line[0] = '\0';
	fclose(pf);
	line[strcspn(line, "\n")] = '\0';
	if (parse_u32(line, 2, INT32_MAX, &pid))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "pidfile '%s' holds no process id",
				      argv[2]);
	if (kill((pid_t)pid, SIGTERM))
		return dlockadm_error(DLOCKADM_EXIT_FAILURE,
				      "cannot signal campaign %u: %m", pid);
	/* The campaign removes its pidfile once it has unlocked. */
	for (i = 0; i < 200; i++) {
		if (access(argv[2], F_OK) && errno == ENOENT)
			return 0;
		nanosleep(&pause, NULL);
	}
	return dlockadm_error(DLOCKADM_EXIT_FAILURE,
			      "campaign %u did not resign within 10 seconds",
			      pid);
}

static int elect_run(struct dlockadm *ctx, int argc, char **argv)
{
	bool exit_now = false;

	argc = dlockadm_strip_common(ctx, &dlockadm_cmd_elect, argc, argv,
				     &exit_now);
	if (exit_now)
		return 0;
	if (argc < 2)
		return dlockadm_error(DLOCKADM_EXIT_USAGE,
				      "'elect' needs a subcommand (try 'dlockadm elect help')");
	if (!strcmp(argv[1], "help")) {
		elect_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "campaign"))
		return elect_campaign(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "observe"))
		return elect_observe(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "resign"))
		return elect_resign(argc - 1, argv + 1);
	return dlockadm_unknown_sub("elect", argv[1]);
}

const struct dlockadm_cmd dlockadm_cmd_elect = {
	.name = "elect",
	.summary = "application elections: elect campaign|observe|resign",
	.run = elect_run,
	.usage = elect_usage,
};
