#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing dlock needs, from Debian's archive only,
# and extract the few kernel-source files we use (checkpatch, the kselftest
# harness) into .build/linux-6.1/.
#
# Idempotent: when everything is present it touches neither apt nor the
# network, so `make check` can call it every time.  With --bench it also
# installs what `make bench` needs.  It runs unattended
# (CI=true, no stdin): apt never prompts.

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
EXTRACT_DIR="$REPO_DIR/.build/linux-6.1"
export DEBIAN_FRONTEND=noninteractive

# Every package the build, the lint stages and the VM tests use (libssl-dev:
# the datagram fuzzer seals like a node; flex, bison, libelf-dev: the debug
# kernel of make check-debug).  The 6.12
# headers are handled apart: their exact name changes with each Debian point
# release.
PACKAGES=(
	build-essential linux-headers-amd64 linux-image-amd64
	qemu-system-x86 busybox-static cpio kmod xz-utils
	libnl-3-dev libnl-genl-3-dev liburcu-dev pkg-config
	bats sparse clang llvm iproute2 nftables iputils-ping rsync
	bc python3 libclang-rt-14-dev
	linux-source-6.1
	libssl-dev flex bison libelf-dev
)

# Only for `make bench` (tests/deps.sh --bench): the peers it measures dlock
# against (fs/dlm's userspace, etcd), a virtual switch for multi-VM
# runs, and perf for tests/bench/vm_profile.sh.  make check does not need
# them.
BENCH_PACKAGES=(
	corosync dlm-controld libdlm-dev etcd-server etcd-client vde2 curl
	linux-perf
)
if [ "${1:-}" = --bench ]; then
	PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

# Files taken from the kernel source tarball, relative to its top directory.
KERNEL_FILES=(
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
)

die() {
	echo "deps.sh: error: $*" >&2
	exit 1
}

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
		grep -q '^install ok installed$'
}

# The newest Debian 6.12 headers package (e.g. linux-headers-6.12.117+deb12-
# amd64), not the cloud or realtime flavours.  Needs apt lists.
newest_612_headers() {
	apt-cache search --names-only '^linux-headers-6\.12\..*\+deb12-amd64$' |
		awk '{ print $1 }' | grep -v -e cloud -e '-rt-' | sort -V | tail -n 1
}

have_612_headers() {
	dpkg-query -W -f='${Package} ${Status}\n' \
		'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
		grep -v -e cloud -e '-rt-' | grep -q ' install ok installed$'
}

missing=()
for pkg in "${PACKAGES[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]})) || ! have_612_headers; then
	[ "$(id -u)" -eq 0 ] ||
		die "missing packages (${missing[*]:-6.12 headers}); run as root"
	echo "deps.sh: installing: ${missing[*]:-} (and 6.12 headers if absent)"
	apt-get update -q || die "apt-get update failed"
	if ! have_612_headers; then
		hdr="$(newest_612_headers)"
		[ -n "$hdr" ] || die "no linux-headers-6.12.*+deb12-amd64 in apt"
		missing+=("$hdr")
	fi
	apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		die "apt-get install ${missing[*]} failed"
	# The headers package pulls in its image only as a recommendation on
	# some releases; the VM needs the image, so ask for it by name.
	img="$(dpkg-query -W -f='${Package}\n' \
		'linux-headers-6.12.*+deb12-amd64' 2>/dev/null |
		grep -v -e cloud -e '-rt-' | sort -V | tail -n 1 |
		sed 's/^linux-headers-/linux-image-/')"
	if [ -n "$img" ] && ! installed "$img"; then
		apt-get install -y -q --no-install-recommends "$img" ||
			die "apt-get install $img failed"
	fi
fi

need_extract=()
for f in "${KERNEL_FILES[@]}"; do
	[ -s "$EXTRACT_DIR/$f" ] || need_extract+=("$f")
done
if ((${#need_extract[@]})); then
	[ -r "$SRC_TARBALL" ] || die "$SRC_TARBALL missing (linux-source-6.1)"
	echo "deps.sh: extracting ${need_extract[*]} from $SRC_TARBALL"
	mkdir -p "$EXTRACT_DIR"
	# The tarball's top directory is linux-source-6.1/; strip it so the
	# files land at the same relative paths as in a kernel tree.
	tar -xJf "$SRC_TARBALL" -C "$EXTRACT_DIR" --strip-components=1 \
		"${need_extract[@]/#/linux-source-6.1/}" ||
		die "extracting from $SRC_TARBALL failed"
	for f in "${need_extract[@]}"; do
		[ -s "$EXTRACT_DIR/$f" ] || die "$f not found in $SRC_TARBALL"
	done
fi

exit 0
