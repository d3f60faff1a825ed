#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cell_ring.sh: cell_bully.sh's tests on a cell electing with Ring.
ELECTION=ring exec "$(dirname "${BASH_SOURCE[0]}")/cell_bully.sh" "$@"
