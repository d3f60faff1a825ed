// SPDX-License-Identifier: GPL-2.0
/*
 * nemesis.c - the fault schedule, drawn from the run seed: fault windows of
 * 0.5-3 s alternate with healing windows of 0.5-2 s until the final heal,
 * after which every node is up (when restarts are allowed) and the network
 * is clean, so every request must get its answer within the grace bound.
 *
 * Crashes never take down more voters at once than a majority can spare
 * (f of 2f+1): losing a majority needs an explicit re-form, which is not a
 * fault the cell is expected to ride out.  Without restarts, a crashed
 * voter stays down, so at most f voters crash in the whole run.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "sim.h"

#define LEADER_CRASH_EVERY	(3 * NS_PER_SEC)
#define LEADER_CRASH_DOWN	(1500 * NS_PER_MS)

static bool on(const struct sim *s, enum sim_fault f)
{
	return s->cfg->faults & (1U << f);
}

static void schedule_restart(struct sim *s, struct dl_env *e, u64 delay)
{
	struct sim_ev *ev = calloc(1, sizeof(*ev));

	if (!ev) {
		fprintf(stderr, "dlock-sim: out of memory\n");
		exit(2);
	}
	ev->kind = EV_RESTART;
	ev->idx = e->idx;
	sim_queue(s, ev, s->now + delay);
}

void nemesis_restart(struct sim *s, struct sim_ev *ev)
{
	struct dl_env *e = &s->envs[ev->idx];

	if (e->up)
		return;
	if (e->voter)
		s->crashed_voters--;
	s->n.restarts++;
	if (node_start(s, e) == 0)
		work_node_up(s, e);
}

/*
 * A voter may go only if a majority of voters that can vote stays: a
 * restarted voter still catching up counts as gone.
 */
static bool voter_may_crash(struct sim *s)
{
	u32 f = (s->cfg->nodes - 1) / 2;
	u32 majority = s->cfg->nodes / 2 + 1;

	return s->crashed_voters < f && sim_voters_available(s) > majority;
}

/*
 * --scenario vote-restart: a voter that just granted a vote crashes (half
 * the time, within 3 ms, before most answers land) and comes back 5-300 ms
 * later as a new incarnation, with no memory of that vote.  The checker's
 * one-leader-per-term rule then tests the vote floor and the catch-up rule
 * of raft.h ("Incarnations").
 */
void nemesis_voted(struct sim *s, struct dl_env *e)
{
	struct sim_ev *ev;

	if (s->cfg->scenario != SC_VOTE_RESTART || s->now >= s->fault_end ||
	    !e->up || !rng_pm(&s->rng_nem, 500))
		return;
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		fprintf(stderr, "dlock-sim: out of memory\n");
		exit(2);
	}
	ev->kind = EV_CRASH;
	ev->idx = e->idx;
	ev->src = (u32)e->crashes;	/* the life that voted */
	sim_queue(s, ev, s->now + rng_below(&s->rng_nem, 3 * NS_PER_MS));
}

void nemesis_crash(struct sim *s, struct sim_ev *ev)
{
	struct dl_env *e = &s->envs[ev->idx];

	if (!e->up || e->crashes != ev->src || !voter_may_crash(s))
		return;
	sim_logf(s, "nemesis: node %u crashes right after voting", e->id);
	node_crash(s, e);
	schedule_restart(s, e, 5 * NS_PER_MS +
			 rng_below(&s->rng_nem, 300 * NS_PER_MS));
}

static struct dl_env *pick_crash_victim(struct sim *s)
{
	bool voter_ok;
	u32 tries;

	voter_ok = voter_may_crash(s);
	/* the leader is the most interesting victim: a third of the time */
	if (rng_pm(&s->rng_nem, 333) && voter_ok) {
		u32 l = sim_leader_idx(s);

		if (l)
			return &s->envs[l - 1];
	}
	for (tries = 0; tries < 16; tries++) {
		struct dl_env *e = &s->envs[rng_below(&s->rng_nem, s->n_envs)];

		if (!e->up)
			continue;
		if (e->voter && !voter_ok)
			continue;
		return e;
	}
	return NULL;
}

static void crash_one(struct sim *s)
{
	struct dl_env *e = pick_crash_victim(s);

	if (!e)
		return;
	node_crash(s, e);
	if (on(s, F_RESTART))
		schedule_restart(s, e, 200 * NS_PER_MS +
				 rng_below(&s->rng_nem, 3 * NS_PER_SEC));
}

static void partition(struct sim *s)
{
	u32 kind = (u32)rng_below(&s->rng_nem, 3), i;
	u32 leader = sim_leader_idx(s);

	s->partitioned = true;
	s->asym = false;
	s->n.partitions++;
	for (i = 0; i < s->n_envs; i++)
		s->envs[i].side = 0;
	switch (kind) {
	case 0:
		/* isolate the leader (or a random voter) from everyone */
		i = leader ? leader - 1 :
		    (u32)rng_below(&s->rng_nem, s->cfg->nodes);
		s->envs[i].side = 1;
		sim_logf(s, "nemesis: isolate node %u", i + 1);
		break;
	case 1:
		/* random split; members land on either side */
		for (i = 0; i < s->n_envs; i++)
			s->envs[i].side = rng_pm(&s->rng_nem, 500);
		sim_logf(s, "nemesis: random split");
		break;
	default:
		/* one-way: a node still hears the cell but is not heard */
		i = (u32)rng_below(&s->rng_nem, s->n_envs);
		if (leader && rng_pm(&s->rng_nem, 500))
			i = leader - 1;
		s->envs[i].side = 1;
		s->asym = true;
		if (rng_pm(&s->rng_nem, 500)) {
			/* or the reverse: it is heard but hears nothing */
			u32 j;

			for (j = 0; j < s->n_envs; j++)
				s->envs[j].side ^= 1;
		}
		sim_logf(s, "nemesis: one-way cut around node %u", i + 1);
		break;
	}
}

static void fault_window(struct sim *s)
{
	bool any = false;

	while (!any) {
		if (on(s, F_LOSS) && rng_pm(&s->rng_nem, 500)) {
			s->loss_pm = 50 + (u32)rng_below(&s->rng_nem, 250);
			any = true;
		}
		if (on(s, F_DUP) && rng_pm(&s->rng_nem, 500)) {
			s->dup_pm = 50 + (u32)rng_below(&s->rng_nem, 150);
			any = true;
		}
		if (on(s, F_REORDER) && rng_pm(&s->rng_nem, 500)) {
			s->reorder_pm = 100 + (u32)rng_below(&s->rng_nem, 300);
			any = true;
		}
		if (on(s, F_DELAY) && rng_pm(&s->rng_nem, 500)) {
			s->delay_pm = 20 + (u32)rng_below(&s->rng_nem, 80);
			any = true;
		}
		if (on(s, F_PARTITION) && rng_pm(&s->rng_nem, 500)) {
			partition(s);
			any = true;
		}
		if (on(s, F_CRASH) && rng_pm(&s->rng_nem, 500)) {
			crash_one(s);
			any = true;
		}
		/* skew alone is set at boot; it needs no window */
		if (!(s->cfg->faults & ~(1U << F_SKEW | 1U << F_RESTART)))
			break;
	}
	sim_logf(s, "nemesis: faults loss=%u dup=%u reorder=%u delay=%u"
		 " part=%d%s", s->loss_pm, s->dup_pm, s->reorder_pm,
		 s->delay_pm, s->partitioned, s->asym ? " (one-way)" : "");
}

static void final_heal(struct sim *s)
{
	u32 i;

	net_heal(s);
	s->healed = true;
	sim_logf(s, "nemesis: final heal");
	if (!on(s, F_RESTART))
		return;
	for (i = 0; i < s->n_envs; i++) {
		struct dl_env *e = &s->envs[i];

		if (e->up)
			continue;
		if (e->voter)
			s->crashed_voters--;
		s->n.restarts++;
		if (node_start(s, e) == 0)
			work_node_up(s, e);
	}
}

static void leader_crash_step(struct sim *s)
{
	u32 l = sim_leader_idx(s);

	if (l && !s->crashed_voters &&
	    sim_voters_available(s) == s->cfg->nodes) {
		node_crash(s, &s->envs[l - 1]);
		schedule_restart(s, &s->envs[l - 1], LEADER_CRASH_DOWN);
	}
	sim_queue(s, &s->nemesis, s->now + LEADER_CRASH_EVERY);
}

void nemesis_start(struct sim *s)
{
	s->fault_end = s->now + s->cfg->duration_ns;
	s->end = s->fault_end + s->cfg->grace_ns;
	s->nemesis.idx = 0;
	sim_queue(s, &s->nemesis, s->now + 200 * NS_PER_MS);
}

void nemesis_step(struct sim *s)
{
	bool faulty = s->nemesis.idx & 1;

	if (s->now >= s->fault_end) {
		final_heal(s);
		return;
	}
	if (s->cfg->scenario == SC_LEADER_CRASH) {
		leader_crash_step(s);
		return;
	}
	if (!faulty && s->cfg->faults) {
		fault_window(s);
		s->nemesis.idx++;
		sim_queue(s, &s->nemesis, DL_MIN(s->fault_end, s->now +
			  500 * NS_PER_MS +
			  rng_below(&s->rng_nem, 2500 * NS_PER_MS)));
		return;
	}
	net_heal(s);
	if (faulty)
		sim_logf(s, "nemesis: heal window");
	s->nemesis.idx = 0;
	sim_queue(s, &s->nemesis, DL_MIN(s->fault_end, s->now +
		  500 * NS_PER_MS + rng_below(&s->rng_nem, 1500 * NS_PER_MS)));
}
