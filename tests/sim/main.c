// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - dlock-sim's command line: parse, run seeds S..S+R-1, print one
 * TAP-ish line per run (a failing one with the exact replay command), and a
 * summary with the core's message counters.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "bench.h"

const char *const sim_fault_names[F_COUNT] = {
	[F_CRASH] = "crash",
	[F_RESTART] = "restart",
	[F_PARTITION] = "partition",
	[F_LOSS] = "loss",
	[F_DUP] = "dup",
	[F_REORDER] = "reorder",
	[F_DELAY] = "delay",
	[F_SKEW] = "skew",
};

/* Election algorithms; one is usable once the core builds it in. */
static const struct {
	const char *name;
	u32 election;
} algos[] = {
	{ "raft", DL_ELECT_RAFT },
	{ "bully", DL_ELECT_BULLY },
	{ "ring", DL_ELECT_RING },
};

const struct dl_election_ops *dl_election_find(u32 algo);
int classic_main(int argc, char **argv);

static void usage(FILE *f)
{
	fprintf(f,
"usage: dlock-sim [options]\n"
"  --algo NAME        election algorithm: raft (bully, ring when built in)\n"
"  --nodes N          voters: 3, 5 or 7 (default 3)\n"
"  --members M        non-voting members (default 0)\n"
"  --seed S           first seed (default 1)\n"
"  --runs R           runs, seeds S..S+R-1 (default 1)\n"
"  --faults LIST      none, all, or any of crash,restart,partition,loss,\n"
"                     dup,reorder,delay,skew (default all)\n"
"  --clients C        lock clients spread over the nodes (default 6)\n"
"  --ops O            operations per client (default 20)\n"
"  --duration SEC     length of the fault phase, virtual s (default 8)\n"
"  --grace SEC        bound to answer everything after the heal (default 20)\n"
"  --skew-ppm P       max clock rate error per node with skew (default 200)\n"
"  --scenario NAME    leader-crash: crash the leader, one at a time\n"
"                     vote-restart: --faults, and voters crash right\n"
"                     after granting a vote and restart\n"
"                     snapshot-lag: a cut-off follower catches up by\n"
"                     snapshot from 20,000 locks; chunks counted\n"
"  --layer NAME       node (default: whole nodes, locks) or raft (bare Raft)\n"
"  --cache            the lockspace has the node-level grant cache on\n"
"  --fail-alloc PM    during the fault phase, fail each allocation a node\n"
"                     makes on a datagram or timer with PM/1000 chance\n"
"  --bench            measure core CPU per lock op and bytes per held lock\n"
"  -q, --quiet        print only failures and the summary\n"
"  -v, --verbose      trace every step to stderr (twice: more)\n");
}

static int parse_faults(const char *arg, u32 *out)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	u32 mask = 0, i;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "none"))
			continue;
		if (!strcmp(tok, "all")) {
			mask |= (1U << F_COUNT) - 1;
			continue;
		}
		for (i = 0; i < F_COUNT; i++)
			if (!strcmp(tok, sim_fault_names[i]))
				break;
		if (i == F_COUNT) {
			fprintf(stderr, "dlock-sim: unknown fault '%s'\n",
				tok);
			free(copy);
			return -EINVAL;
		}
		mask |= 1U << i;
	}
	free(copy);
	*out = mask;
	return 0;
}

static int parse_u64(const char *opt, const char *arg, u64 min, u64 max,
		     u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || v < min || v > max ||
	    arg[0] == '-') {
		fprintf(stderr, "dlock-sim: %s wants a number in %" PRIu64
			"..%" PRIu64 ", not '%s'\n", opt, min, max, arg);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_secs(const char *opt, const char *arg, u64 *out)
{
	char *end;
	double v;

	v = strtod(arg, &end);
	if (end == arg || *end || !(v > 0) || v > 3600) {
		fprintf(stderr, "dlock-sim: %s wants seconds in (0, 3600],"
			" not '%s'\n", opt, arg);
		return -EINVAL;
	}
	*out = (u64)(v * NS_PER_SEC);
	return 0;
}

static void faults_string(u32 mask, char *buf, size_t cap)
{
	size_t n = 0;
	u32 i;

	buf[0] = 0;
	for (i = 0; i < F_COUNT; i++)
		if (mask & (1U << i))
			n += snprintf(buf + n, cap - n, "%s%s", n ? "," : "",
				      sim_fault_names[i]);
	if (!n)
		snprintf(buf, cap, "none");
}

static void print_replay(const struct sim_cfg *cfg, u64 seed)
{
	char faults[128], fa[32] = "";

	faults_string(cfg->faults, faults, sizeof(faults));
	if (cfg->fail_alloc_pm)
		snprintf(fa, sizeof(fa), " --fail-alloc %u",
			 cfg->fail_alloc_pm);
	printf("# replay: tests/sim/dlock-sim --algo %s --nodes %u"
	       " --members %u --seed %" PRIu64 " --runs 1 --faults %s"
	       " --clients %u --ops %u --duration %.3f --grace %.3f"
	       " --skew-ppm %u%s%s%s%s -v\n", cfg->algo, cfg->nodes, cfg->members,
	       seed, faults, cfg->clients, cfg->ops,
	       (double)cfg->duration_ns / NS_PER_SEC,
	       (double)cfg->grace_ns / NS_PER_SEC, cfg->skew_ppm,
	       cfg->scenario == SC_LEADER_CRASH ?
	       " --scenario leader-crash" :
	       cfg->scenario == SC_VOTE_RESTART ?
	       " --scenario vote-restart" :
	       cfg->scenario == SC_SNAPSHOT_LAG ?
	       " --scenario snapshot-lag" : "",
	       cfg->layer == LAYER_RAFT ? " --layer raft" : "",
	       cfg->cache ? " --cache" : "", fa);
}

static void add_counters(struct dl_counters *t, const struct dl_counters *c)
{
	const u64 *src = (const u64 *)c;
	u64 *dst = (u64 *)t;
	size_t i;

	/* every field is a u64 counter: sum them as an array */
	for (i = 0; i < sizeof(*c) / sizeof(u64); i++)
		dst[i] += src[i];
}

static double ratio(u64 a, u64 b)
{
	return b ? (double)a / b : 0;
}

static void print_summary(const struct sim_cfg *cfg, u32 passed, u32 failed,
			  const struct dl_counters *c,
			  const struct sim_counts *n)
{
	u32 i;

	printf("# %u voters, %u members, %u clients x %u ops, algo %s\n",
	       cfg->nodes, cfg->members, cfg->clients, cfg->ops, cfg->algo);
	printf("# requests: %" PRIu64 " locks (%" PRIu64 " trylock, %" PRIu64
	       " with timeout), %" PRIu64 " granted, %" PRIu64 " failed"
	       " (EAGAIN %" PRIu64 ", ETIMEDOUT %" PRIu64 ", ECANCELED %"
	       PRIu64 ", other %" PRIu64 "), %" PRIu64 " unlocked, %" PRIu64
	       " revoked, %" PRIu64 " cancels, %" PRIu64 " owner releases\n",
	       n->locks, n->trylocks, n->timeouts_req, n->granted, n->failed,
	       n->fail_by_errno[0], n->fail_by_errno[1], n->fail_by_errno[2],
	       n->fail_by_errno[3], n->unlocked, n->revoked, n->cancels,
	       n->releases);
	if (n->no_req_id || n->stale_events)
		printf("# contract: %" PRIu64 " FAILED events without req_id,"
		       " %" PRIu64 " stale REVOKED events\n", n->no_req_id,
		       n->stale_events);
	printf("# faults: %" PRIu64 " crashes, %" PRIu64 " restarts, %" PRIu64
	       " partitions; network: %" PRIu64 " sent, %" PRIu64
	       " delivered, %" PRIu64 " lost, %" PRIu64 " cut, %" PRIu64
	       " dup, %" PRIu64 " to dead nodes, %" PRIu64 " refused\n",
	       n->crashes, n->restarts, n->partitions, n->sent, n->delivered,
	       n->dropped_loss, n->dropped_part, n->dups, n->dropped_down,
	       n->recv_errors);
	printf("# messages by type (ops sent):");
	for (i = 0; i < DL_OP_TYPE_COUNT; i++)
		if (c->tx_ops[i])
			printf(" %s=%" PRIu64, dl_wire_op_name(i), c->tx_ops[i]);
	printf("\n# messages by cause:");
	for (i = 0; i < DL_CAUSE_COUNT; i++)
		printf(" %s=%" PRIu64, dl_cause_name(i), c->cause_ops[i]);
	printf("\n# messages per acquire %.2f (%" PRIu64 " acquires), per"
	       " release %.2f (%" PRIu64 " releases), per election %.2f (%"
	       PRIu64 " elections)\n",
	       ratio(c->cause_ops[DL_CAUSE_ACQUIRE], c->acquires), c->acquires,
	       ratio(c->cause_ops[DL_CAUSE_RELEASE], c->releases), c->releases,
	       ratio(c->cause_ops[DL_CAUSE_ELECTION], c->elections),
	       c->elections);
	if (cfg->cache)
		printf("# grant cache: %" PRIu64 " local grants (no message),"
		       " %" PRIu64 " cached locks given back, %" PRIu64
		       " blocking notes\n", c->cache_grants, c->cache_drops,
		       c->cache_blocked);
	if (cfg->fail_alloc_pm)
		printf("# --fail-alloc %u: %" PRIu64 " allocations failed, apply"
		       " stopped %" PRIu64 " times; %" PRIu64 " replica tables"
		       " compared equal\n", cfg->fail_alloc_pm, n->alloc_failed,
		       c->apply_stalls, n->replicas_compared);
	printf("# receive batches: %" PRIu64 " drains of more than one"
	       " datagram, %.2f datagrams each\n", n->rx_batches,
	       ratio(n->rx_batched, n->rx_batches));
	printf("# datagrams %" PRIu64 " (%" PRIu64 " bytes), retries %" PRIu64
	       ", leases lost %" PRIu64 ", nodes expired %" PRIu64
	       ", commits proved by followers %" PRIu64 "\n",
	       c->tx_datagrams, c->tx_bytes, c->retries, c->leases_lost,
	       c->nodes_expired, c->follower_commits);
	printf("%u passed, %u failed\n", passed, failed);
}

enum {
	OPT_ALGO = 256, OPT_NODES, OPT_MEMBERS, OPT_SEED, OPT_RUNS,
	OPT_FAULTS, OPT_CLIENTS, OPT_OPS, OPT_DURATION, OPT_GRACE, OPT_SKEW,
	OPT_SCENARIO, OPT_BENCH, OPT_LAYER, OPT_CACHE, OPT_FAIL_ALLOC,
};

static const struct option long_opts[] = {
	{ "algo", required_argument, NULL, OPT_ALGO },
	{ "nodes", required_argument, NULL, OPT_NODES },
	{ "members", required_argument, NULL, OPT_MEMBERS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "runs", required_argument, NULL, OPT_RUNS },
	{ "faults", required_argument, NULL, OPT_FAULTS },
	{ "clients", required_argument, NULL, OPT_CLIENTS },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "skew-ppm", required_argument, NULL, OPT_SKEW },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "bench", no_argument, NULL, OPT_BENCH },
	{ "layer", required_argument, NULL, OPT_LAYER },
	{ "cache", no_argument, NULL, OPT_CACHE },
	{ "fail-alloc", required_argument, NULL, OPT_FAIL_ALLOC },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_args(int argc, char **argv, struct sim_cfg *cfg, bool *bench)
{
	u64 v;
	u32 i;
	int o;

	while ((o = getopt_long(argc, argv, "qvh", long_opts, NULL)) != -1) {
		switch (o) {
		case OPT_ALGO:
			for (i = 0; i < DL_ARRAY_SIZE(algos); i++)
				if (!strcmp(optarg, algos[i].name))
					break;
			if (i == DL_ARRAY_SIZE(algos)) {
				fprintf(stderr, "dlock-sim: unknown algorithm"
					" '%s'\n", optarg);
				return -EINVAL;
			}
			cfg->algo = algos[i].name;
			cfg->election = algos[i].election;
			break;
		case OPT_NODES:
			if (parse_u64("--nodes", optarg, 1, DL_NODE_MAX_VOTERS,
				      &v))
				return -EINVAL;
			cfg->nodes = v;
			break;
		case OPT_MEMBERS:
			if (parse_u64("--members", optarg, 0, 10000, &v))
				return -EINVAL;
			cfg->members = v;
			break;
		case OPT_SEED:
			if (parse_u64("--seed", optarg, 0, UINT64_MAX, &v))
				return -EINVAL;
			cfg->seed = v;
			break;
		case OPT_RUNS:
			if (parse_u64("--runs", optarg, 1, 10000000, &v))
				return -EINVAL;
			cfg->runs = v;
			break;
		case OPT_FAULTS:
			if (parse_faults(optarg, &cfg->faults))
				return -EINVAL;
			break;
		case OPT_CLIENTS:
			if (parse_u64("--clients", optarg, 0, 60000, &v))
				return -EINVAL;
			cfg->clients = v;
			break;
		case OPT_OPS:
			if (parse_u64("--ops", optarg, 0, 1000000, &v))
				return -EINVAL;
			cfg->ops = v;
			break;
		case OPT_DURATION:
			if (parse_secs("--duration", optarg, &cfg->duration_ns))
				return -EINVAL;
			break;
		case OPT_GRACE:
			if (parse_secs("--grace", optarg, &cfg->grace_ns))
				return -EINVAL;
			break;
		case OPT_SKEW:
			if (parse_u64("--skew-ppm", optarg, 0, 100000, &v))
				return -EINVAL;
			cfg->skew_ppm = v;
			break;
		case OPT_SCENARIO:
			if (!strcmp(optarg, "leader-crash")) {
				cfg->scenario = SC_LEADER_CRASH;
			} else if (!strcmp(optarg, "vote-restart")) {
				cfg->scenario = SC_VOTE_RESTART;
			} else if (!strcmp(optarg, "snapshot-lag")) {
				cfg->scenario = SC_SNAPSHOT_LAG;
			} else {
				fprintf(stderr, "dlock-sim: unknown scenario"
					" '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_LAYER:
			if (!strcmp(optarg, "node")) {
				cfg->layer = LAYER_NODE;
			} else if (!strcmp(optarg, "raft")) {
				cfg->layer = LAYER_RAFT;
			} else {
				fprintf(stderr, "dlock-sim: unknown layer"
					" '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_BENCH:
			*bench = true;
			break;
		case OPT_CACHE:
			cfg->cache = true;
			break;
		case OPT_FAIL_ALLOC:
			if (parse_u64("--fail-alloc", optarg, 0, 1000, &v))
				return -EINVAL;
			cfg->fail_alloc_pm = v;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dlock-sim: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (cfg->members && cfg->clients > cfg->nodes + cfg->members) {
		fprintf(stderr, "dlock-sim: more clients than nodes\n");
		return -EINVAL;
	}
	if (cfg->layer == LAYER_RAFT && cfg->election != DL_ELECT_RAFT) {
		fprintf(stderr, "dlock-sim: --layer raft runs Raft only\n");
		return -EINVAL;
	}
	if (cfg->layer == LAYER_NODE && !dl_election_find(cfg->election)) {
		fprintf(stderr, "dlock-sim: algorithm '%s' is not built into"
			" the core yet\n", cfg->algo);
		return -EINVAL;
	}
	return 0;
}

/*
 * A core step that never returns (a loop over a list it corrupted: FINDINGS
 * 16 spun in the client timer at one virtual instant, inside one call, so
 * the livelock guard never ran) would hang a batch silently.  Each run gets
 * DLOCK_SIM_RUN_WALL_S seconds of wall time (default 600; the longest
 * sim-check run takes a few): past that the process names the seed and
 * exits 3, which run-check.sh counts as a failure.
 */
static char watchdog_msg[160];

static void run_watchdog_fire(int sig)
{
	ssize_t w;

	(void)sig;
	w = write(STDOUT_FILENO, watchdog_msg, strlen(watchdog_msg));
	(void)w;
	_exit(3);
}

static unsigned int watchdog_secs;

static void run_watchdog_init(void)
{
	const char *e = getenv("DLOCK_SIM_RUN_WALL_S");

	watchdog_secs = e ? (unsigned int)strtoul(e, NULL, 10) : 600;
	if (watchdog_secs)
		signal(SIGALRM, run_watchdog_fire);
}

static void run_watchdog_arm(u64 seed)
{
	if (!watchdog_secs)
		return;
	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "not ok seed=%" PRIu64 ": no end within %u s of wall time"
		 " (a core call that never returns?); replay with --seed %"
		 PRIu64 " --runs 1\n", seed, watchdog_secs, seed);
	alarm(watchdog_secs);
}

int main(int argc, char **argv)
{
	struct sim_cfg cfg = {
		.algo = "raft", .election = DL_ELECT_RAFT, .nodes = 3,
		.clients = 6, .ops = 20, .seed = 1, .runs = 1,
		.faults = (1U << F_COUNT) - 1,
		.duration_ns = 8 * NS_PER_SEC, .grace_ns = 20 * NS_PER_SEC,
		.skew_ppm = 200,
	};
	struct dl_counters total = { 0 };
	struct sim_counts n = { 0 };
	u32 passed = 0, failed = 0, r;
	bool bench = false;
	/* the slides' algorithms outside the node layer: classic_count.c */
	int classic = classic_main(argc, argv);

	if (classic >= 0)
		return classic;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &cfg, &bench))
		return 2;
	rcu_register_thread();
	if (bench) {
		int ret = sim_bench(&cfg);

		rcu_unregister_thread();
		return ret ? 1 : 0;
	}
	if (cfg.scenario == SC_SNAPSHOT_LAG) {
		int ret = sim_snapshot_lag(&cfg);

		rcu_unregister_thread();
		return ret ? 1 : 0;
	}
	run_watchdog_init();
	for (r = 0; r < cfg.runs; r++) {
		u64 seed = cfg.seed + r;
		struct run_result res;
		size_t i;

		run_watchdog_arm(seed);
		if (sim_run(&cfg, seed, &res)) {
			fprintf(stderr, "dlock-sim: out of memory\n");
			return 2;
		}
		add_counters(&total, &res.ctr);
		for (i = 0; i < sizeof(n) / sizeof(u64); i++)
			((u64 *)&n)[i] += ((const u64 *)&res.n)[i];
		if (res.ok) {
			passed++;
			if (!cfg.quiet)
				printf("ok %u seed=%" PRIu64 " trace=%016"
				       PRIx64 " vtime=%.1fs grants=%lu"
				       " leaders=%lu\n", r + 1, seed,
				       res.trace, (double)res.vtime /
				       NS_PER_SEC, res.st.granted,
				       res.st.leaders);
		} else {
			failed++;
			printf("not ok %u seed=%" PRIu64 " trace=%016" PRIx64
			       "\n", r + 1, seed, res.trace);
			print_replay(&cfg, seed);
		}
	}
	alarm(0);
	if (cfg.cache && cfg.layer == LAYER_NODE && cfg.ops &&
	    !total.cache_grants) {
		/* the runs passed, but the cache they were to test never ran */
		printf("not ok - --cache: no run granted a lock from a node's"
		       " cache\n");
		failed++;
	}
	print_summary(&cfg, passed, failed, &total, &n);
	rcu_unregister_thread();
	return failed ? 1 : 0;
}
