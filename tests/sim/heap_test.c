// SPDX-License-Identifier: GPL-2.0
/*
 * heap_test.c - the event queue decides the order of every step of a run,
 * so determinism rests on it: (time, seq) order, FIFO among equal times,
 * and removal of arbitrary items (re-armed timers) without losing order.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "heap.h"

TEST(orders_by_time_then_queue_order)
{
	struct heap_item it[6];
	uint64_t times[6] = { 30, 10, 20, 10, 30, 10 };
	int expect[6] = { 1, 3, 5, 2, 0, 4 };
	struct heap h;
	int i;

	heap_init(&h);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, heap_push(&h, &it[i], times[i]));
	for (i = 0; i < 6; i++) {
		struct heap_item *top = heap_pop(&h);

		ASSERT_NE(NULL, top);
		EXPECT_EQ(expect[i], top - it);
		EXPECT_FALSE(top->queued);
	}
	EXPECT_EQ(NULL, heap_pop(&h));
	heap_free(&h);
}

/* Random pushes, removals and re-pushes against a brute-force model. */
TEST(random_against_model)
{
	enum { N = 500 };
	static struct heap_item it[N];
	struct heap h;
	uint64_t x = 88172645463325252ULL;
	int round, i;

	heap_init(&h);
	memset(it, 0, sizeof(it));
	for (round = 0; round < 20000; round++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = x % N;
		if (it[i].queued && (x >> 20) % 3 == 0) {
			heap_remove(&h, &it[i]);
		} else if (it[i].queued) {
			/* re-arm: remove and push at a new time */
			heap_remove(&h, &it[i]);
			ASSERT_EQ(0, heap_push(&h, &it[i], (x >> 32) % 1000));
		} else {
			ASSERT_EQ(0, heap_push(&h, &it[i], (x >> 32) % 1000));
		}
		if (round % 97 == 0) {
			/* the top must be the minimum over queued items */
			struct heap_item *best = NULL;
			int j;

			for (j = 0; j < N; j++) {
				if (!it[j].queued)
					continue;
				if (!best || it[j].time < best->time ||
				    (it[j].time == best->time &&
				     it[j].seq < best->seq))
					best = &it[j];
			}
			ASSERT_EQ(best, heap_top(&h));
		}
	}
	/* drain: non-decreasing (time, seq) */
	{
		uint64_t lt = 0, ls = 0;
		struct heap_item *top;
		bool first = true;

		while ((top = heap_pop(&h))) {
			if (!first)
				ASSERT_TRUE(top->time > lt ||
					    (top->time == lt && top->seq > ls));
			first = false;
			lt = top->time;
			ls = top->seq;
		}
	}
	heap_free(&h);
}

TEST_HARNESS_MAIN
