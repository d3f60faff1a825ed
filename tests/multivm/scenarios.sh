#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scenarios.sh [full]: every multi-VM scenario in one boot of the guests,
# run in each guest by tests/multivm/run.sh (check.sh runs it: `make
# check-multivm`, and with --full `make check-multivm-full`): algos.sh
# (Bully, Ring and Ricart-Agrawala cells), with "full" partition.sh (the
# Raft leader's guest cut off and healed), rejoin.sh (one guest's node
# leaves by rmmod and joins again) and cache.sh (one guest's cached grant
# called back by another's request), each cell ending with an rmmod and
# insmod of the module; then cell.sh (the Raft cell, which ends by
# killing the leader's guest, so it goes last).  A guest whose script fails
# ends there: the others' next barrier then fails at once (the host writes
# ended.I) instead of waiting.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$MV_DIR/algos.sh" || exit 1
if [ "${1:-}" = full ]; then
	bash "$MV_DIR/partition.sh" || exit 1
	bash "$MV_DIR/rejoin.sh" || exit 1
	bash "$MV_DIR/cache.sh" || exit 1
fi
bash "$MV_DIR/cell.sh"
