#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: every check of dlock, as `make check` runs it.  Each stage is
# reported as a TAP line; a build or lint stage counts as one result, a
# test stage as each of the TAP results it prints (kselftests, unit tests,
# bats).  The output of a failing stage is shown (its tail), every stage's
# full log is kept in .build/check/logs/.  The last line is exactly
#
#   N passed, N failed
#
# and the exit status is non-zero if anything failed.
#
# To add a stage: write a function stage_NAME that prints its output and
# returns 0 (pass), non-zero (fail) or $SKIP (does not apply yet: counts
# nothing); a TAP stage sets TAP_FILE to the file holding its TAP lines.
# Then list it in STAGES at the bottom.

set -uo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR" || exit 1

CHECK_DIR="$REPO_DIR/.build/check"
LOG_DIR="$CHECK_DIR/logs"
CHECKPATCH="$REPO_DIR/.build/linux-6.1/scripts/checkpatch.pl"
SKIP=77
JOBS="${JOBS:-$(nproc)}"
VM_TIMEOUT="${VM_TIMEOUT:-1500}"
TAIL_LINES="${TAIL_LINES:-40}"

# Same defaults as the top-level Makefile, for running this script alone.
: "${KDIR:=$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null |
	sort -V | tail -n 1)}"
: "${KDIR612:=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null |
	grep -v -e cloud -e rt-amd64 | sort -V | tail -n 1)}"
export KDIR KDIR612

# Any compiler, modpost or sparse diagnostic fails a build stage.
DIAG_RE='(^|[^[:alnum:]_])([Ww]arning|WARNING|error|ERROR):'

n=0
passed=0
failed=0
skipped=0

result() {		# result ok|fail|skip NAME [SKIP_REASON]
	n=$((n + 1))
	case "$1" in
	(ok) passed=$((passed + 1)); echo "ok $n - $2" ;;
	(skip) skipped=$((skipped + 1)); echo "ok $n - $2 # SKIP${3:+ $3}" ;;
	(*) failed=$((failed + 1)); echo "not ok $n - $2" ;;
	esac
}

show_tail() {		# show_tail LOG
	echo "# ---- last $TAIL_LINES lines of $1 ----"
	tail -n "$TAIL_LINES" "$1" | sed 's/^/#   /'
	echo "# ----"
}

# Fail when a build printed any diagnostic; show them.
no_diagnostics() {	# no_diagnostics LOG
	local diags

	diags="$(grep -E "$DIAG_RE" "$1")"
	[ -z "$diags" ] && return 0
	echo "check: diagnostics in a build that must have none:"
	printf '%s\n' "$diags"
	return 1
}

# ---------------------------------------------------------------------------
# Module builds.  Each build runs on a private copy of the sources under
# .build/check/, so the 6.1, 6.12 and sparse builds do not overwrite one
# another's objects (or the developer's kmod/*.o), and every file is
# compiled afresh: warnings are only printed when a file is compiled.

copy_module_tree() {	# copy_module_tree DEST
	rm -rf "$1"
	mkdir -p "$1"
	rsync -a --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.cmd' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--exclude='*.a' --exclude='.*.d' \
		Kbuild kmod uapi "$1/"
}

build_module() {	# build_module KDIR DEST [make args...]
	local kdir="$1" dest="$2" log="$CHECK_DIR/build.$$.log"
	shift 2

	[ -n "$kdir" ] && [ -d "$kdir" ] || {
		echo "check: no kernel headers at '$kdir' (make deps)"
		return 1
	}
	[ -f Kbuild ] || { echo "check: no Kbuild at the top"; return 1; }
	copy_module_tree "$dest" || return 1
	make -C "$kdir" M="$dest" -j"$JOBS" "$@" modules > "$log" 2>&1
	local rc=$?
	cat "$log"
	if [ "$rc" -ne 0 ]; then
		rm -f "$log"
		return 1
	fi
	no_diagnostics "$log"
	rc=$?
	rm -f "$log"
	[ "$rc" -eq 0 ] && [ -f "$dest/kmod/dlock.ko" ] || return 1
}

stage_module_61() {
	build_module "$KDIR" "$CHECK_DIR/mod-6.1" W=1
}

stage_module_612() {
	build_module "$KDIR612" "$CHECK_DIR/mod-6.12" W=1
}

stage_sparse() {
	local dest="$CHECK_DIR/mod-6.1" log="$CHECK_DIR/sparse.$$.log" rc

	command -v sparse >/dev/null || { echo "sparse missing"; return 1; }
	[ -f "$dest/kmod/dlock.ko" ] ||
		{ echo "no 6.1 build to check: it failed"; return 1; }
	# C=2 runs sparse on every source of the fresh 6.1 build; with the
	# same flags as that build (W=1) nothing is compiled again, so all
	# this prints is sparse's findings.
	make -C "$KDIR" M="$dest" -j"$JOBS" W=1 C=2 modules > "$log" 2>&1
	rc=$?
	cat "$log"
	[ "$rc" -eq 0 ] && no_diagnostics "$log"
	rc=$?
	rm -f "$log"
	return "$rc"
}

# ---------------------------------------------------------------------------
# checkpatch --strict on every kernel source and the uapi header: errors
# fail, warnings and checks are shown.

stage_checkpatch() {
	local files out errors notes

	[ -r "$CHECKPATCH" ] || { echo "$CHECKPATCH missing (make deps)"; return 1; }
	mapfile -t files < <(find kmod uapi -type f -name '*.[ch]' \
		-not -name '*.mod.c' | sort)
	[ ${#files[@]} -gt 0 ] || { echo "no sources found"; return 1; }
	# One perl per batch of files (its start-up is most of its cost),
	# batches in parallel; --terse names the file on every line.  It runs
	# from .build/check because in a git checkout it leaves a
	# .checkpatch-camelcase.git.* cache file in its working directory.
	out="$(printf '%s\0' "${files[@]/#/$REPO_DIR/}" |
		(cd "$CHECK_DIR" && xargs -0 -n 8 -P "$JOBS" perl "$CHECKPATCH" \
			--strict --no-tree --terse --no-summary --show-types \
			-f 2>&1) | sed "s|^$REPO_DIR/||" | sort -V)"
	[ -z "$out" ] || printf '%s\n' "$out"
	errors="$(grep -c ': ERROR:' <<< "$out")"
	notes="$(grep -c -E ': (WARNING|CHECK):' <<< "$out")"
	echo "checkpatch: ${#files[@]} files, $errors errors, $notes warnings/checks"
	[ "$errors" -eq 0 ]
}

# ---------------------------------------------------------------------------
# Userspace.

stage_userspace() {
	local log="$CHECK_DIR/user.$$.log" rc

	[ -f lib/Makefile ] || { echo "lib/Makefile: not there yet"; return $SKIP; }
	# Their Makefiles build with -Wall -Wextra -Werror; a warning that
	# slips past them (e.g. from the linker) still fails here.
	make lib tools > "$log" 2>&1
	rc=$?
	cat "$log"
	[ "$rc" -eq 0 ] && no_diagnostics "$log"
	rc=$?
	rm -f "$log"
	return "$rc"
}

stage_selftests_build() {
	make -C tests/selftests/dlock all
}

# The Jepsen test's client and checker (the VM suite runs them: build them
# first), and the checker on its crafted good and bad histories.
stage_jepsen_checker() {
	TAP_FILE="$CHECK_DIR/jepsen-checker.tap"
	make -s -C tests/jepsen all >/dev/null || return 1
	make -s -C tests/jepsen check 2>&1 | tee "$TAP_FILE"
	return "${PIPESTATUS[0]}"
}

stage_unit() {
	[ -f tests/unit/Makefile ] || { echo "no tests/unit yet"; return $SKIP; }
	TAP_FILE="$CHECK_DIR/unit.tap"
	make -s -j"$JOBS" -C tests/unit all >/dev/null || return 1
	make -C tests/unit check 2>&1 | tee "$TAP_FILE"
	return "${PIPESTATUS[0]}"
}

# The simulator: the protocol core's very code under seeded faults, with
# the invariant checker after every step (make sim-check).  One TAP line per
# batch of seeded runs.
stage_sim() {
	[ -f tests/sim/Makefile ] || { echo "no tests/sim yet"; return $SKIP; }
	TAP_FILE="$CHECK_DIR/sim.tap"
	make -s -j"$JOBS" -C tests/sim all >/dev/null || return 1
	make -s -C tests/sim check 2>&1 | tee "$TAP_FILE"
	return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------------------
# One VM boot: kselftests and bats with the freshly built 6.1 module loaded.

stage_vm() {
	local ko="$CHECK_DIR/mod-6.1/kmod/dlock.ko"

	TAP_FILE="$CHECK_DIR/vm.tap"
	: > "$TAP_FILE"
	[ -f "$ko" ] || { echo "no module: the 6.1 build failed"; return 1; }
	bash tests/vm/run.sh --name check --timeout "$VM_TIMEOUT" \
		--module "$ko" --output "$TAP_FILE" -- tests/vm/suite.sh
}

# The 6.12 module is run, not only built: one short VM boot of the 6.12
# kernel with the ioctl tests and a cell that forms and locks (the whole
# suite runs on 6.1 above).
VM612_TESTS="chardev_test lock_ioctl_test cell_form.sh cell_lock.sh"

stage_vm_612() {
	local ko="$CHECK_DIR/mod-6.12/kmod/dlock.ko"

	TAP_FILE="$CHECK_DIR/vm-6.12.tap"
	: > "$TAP_FILE"
	[ -f "$ko" ] || { echo "no module: the 6.12 build failed"; return 1; }
	# shellcheck disable=SC2086 # VM612_TESTS is a list of test names
	# (a 50-round counter: the 500 rounds of the 6.1 run take minutes)
	bash tests/vm/run.sh --name check612 --kernel 6.12 \
		--timeout "$VM_TIMEOUT" --module "$ko" --output "$TAP_FILE" -- \
		env COUNT_N=50 tests/selftests/dlock/run_kselftests.sh $VM612_TESTS
}

# A VM run is healthy when it booted, loaded and unloaded the module, kept
# a clean kernel log and reported back, whatever the tests said.
vm_health_problems() {	# vm_health_problems LOG
	grep -E '^### vm\[[^]]*\]: (FAIL: (timeout|kernel problem|qemu exited|the guest did not)|error: )' "$1"
	grep -E '^###   ' "$1"
}

# ---------------------------------------------------------------------------

# Turn a stage's TAP file into results, one per test case, named after the
# "# suite:"/"# selftest:" headers before them.
count_tap() {		# count_tap NAME FILE; sets tap_failures
	local name="$1" suite="" line status desc reason

	tap_failures=0
	tap_results=0
	while IFS= read -r line; do
		line="${line%$'\r'}"
		case "$line" in
		("# suite: "*) suite="${line#\# suite: }"; continue ;;
		("# selftest: "*) suite="${line#\# selftest: }"; continue ;;
		esac
		[[ "$line" =~ ^(not\ ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?([[:space:]]+(.*))?$ ]] ||
			continue
		desc="${BASH_REMATCH[5]}"
		status=ok
		[ "${BASH_REMATCH[1]}" = ok ] || status=fail
		# TAP directives: "# SKIP" is not a pass; "# TODO" failures are
		# expected and do not count against the run.
		reason=""
		if [[ "$desc" =~ ^(.*[^[:space:]])[[:space:]]+\#[[:space:]]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])([[:space:]]+(.*))?$ ]]; then
			desc="${BASH_REMATCH[1]}"
			reason="${BASH_REMATCH[4]}"
			[[ "${BASH_REMATCH[2]}" != [Tt]* ]] || reason="todo: $reason"
			status=skip
		fi
		tap_results=$((tap_results + 1))
		[ "$status" != fail ] || tap_failures=$((tap_failures + 1))
		result "$status" "$name: ${suite:+$suite: }$desc" "$reason"
	done < "$2"
}

run_stage() {		# run_stage KIND NAME FUNCTION
	local kind="$1" name="$2" fn="$3" log rc problems

	log="$LOG_DIR/$(printf '%02d' "$((${#ran[@]} + 1))")-$fn.log"
	ran+=("$fn")
	TAP_FILE=""
	"$fn" > "$log" 2>&1
	rc=$?
	if [ "$rc" -eq "$SKIP" ]; then
		echo "# skip: $name ($(tail -n 1 "$log"))"
		return
	fi

	if [ "$kind" = single ] || [ -z "$TAP_FILE" ]; then
		if [ "$rc" -eq 0 ]; then
			result ok "$name"
			# Pass, but with notes worth seeing (checkpatch warnings).
			grep -E ': (WARNING|CHECK):' "$log" | head -n 20 |
				sed 's/^/#   /'
		else
			result fail "$name"
			show_tail "$log"
		fi
		return
	fi

	count_tap "$name" "$TAP_FILE"
	if [ "$fn" = stage_vm ] || [ "$fn" = stage_vm_612 ]; then
		local mod=mod-6.1
		[ "$fn" = stage_vm ] || mod=mod-6.12
		problems="$(vm_health_problems "$log")"
		if [ -z "$problems" ] && [ -s "$CHECK_DIR/$mod/kmod/dlock.ko" ] &&
		   grep -q '^### vm\[[^]]*\]: unloaded dlock' "$log"; then
			result ok "$name: boot, insmod, rmmod, clean kernel log"
		else
			result fail "$name: boot, insmod, rmmod, clean kernel log"
			[ -z "$problems" ] || printf '%s\n' "$problems" | sed 's/^/#   /'
			tap_failures=$((tap_failures + 1))
		fi
	fi
	# A stage that failed without a failing result of its own (it died,
	# or printed nothing) must still count as a failure.
	if [ "$rc" -ne 0 ] && [ "$tap_failures" -eq 0 ]; then
		result fail "$name: exited $rc"
		tap_failures=1
	elif [ "$rc" -eq 0 ] && [ "$tap_results" -eq 0 ]; then
		result ok "$name"
	fi
	[ "$tap_failures" -eq 0 ] || show_tail "$log"
}

# KIND (single: one result; tap: one per TAP line)|NAME|FUNCTION
STAGES=(
	"single|module build 6.1 (W=1)|stage_module_61"
	"single|module build 6.12 (W=1)|stage_module_612"
	"single|sparse (C=2)|stage_sparse"
	"single|checkpatch --strict kmod/ uapi/|stage_checkpatch"
	"single|userspace build (lib, tools)|stage_userspace"
	"single|selftests build|stage_selftests_build"
	"tap|jepsen checker|stage_jepsen_checker"
	"tap|unit|stage_unit"
	"tap|sim|stage_sim"
	"tap|vm 6.1|stage_vm"
	"tap|vm 6.12 (short)|stage_vm_612"
)

mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/*.log
ran=()
start=$SECONDS
echo "TAP version 13"
for s in "${STAGES[@]}"; do
	IFS='|' read -r kind name fn <<< "$s"
	echo "# stage: $name"
	stage_start=$SECONDS
	run_stage "$kind" "$name" "$fn"
	echo "# stage: $name: $((SECONDS - stage_start)) s"
done
echo "1..$n"
echo "# logs in $LOG_DIR, $((SECONDS - start)) s"
[ "$skipped" -eq 0 ] || echo "# $skipped skipped (not counted)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
