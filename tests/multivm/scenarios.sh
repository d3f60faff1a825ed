#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scenarios.sh: every multi-VM scenario in one boot of the guests, run in
# each guest by tests/multivm/run.sh (check.sh --script scenarios.sh, what
# `make check-multivm` runs): algos.sh (Bully, Ring and Ricart-Agrawala
# cells, each ending with an rmmod and insmod of the module), then cell.sh
# (the Raft cell, which ends by killing the leader's guest, so it goes
# last).  A guest whose algos.sh fails ends there: the others' next
# barrier then fails at once (the host writes ended.I) instead of waiting.

MV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$MV_DIR/algos.sh" && bash "$MV_DIR/cell.sh"
