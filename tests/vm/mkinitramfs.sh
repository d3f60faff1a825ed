#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT: build the test VM's initramfs for Debian kernel
# KVER into OUT (a gzip'd newc cpio).  It holds busybox-static, stage 1
# (init-stage1.sh) and the modules stage 1 needs to reach the host's root
# over virtio-9p and overlay it, in load order.  Modules the kernel has
# built in are left out; Debian's compressed .ko.xz/.ko.zst (6.12 ships
# them) are decompressed, because busybox insmod cannot read them.
# MKINITRAMFS_MODDIR overrides /lib/modules/KVER: the debug kernel's build
# tree, whose modules.builtin lists everything stage 1 needs.

set -euo pipefail

VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The order stage 1 loads them in; dependencies not listed are added first.
WANTED_MODULES=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev
	virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay)
BUSYBOX_APPLETS=(sh mount umount mkdir insmod switch_root poweroff sleep cat
	echo ls)

die() {
	echo "mkinitramfs.sh: error: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: mkinitramfs.sh KVER OUT"
KVER="$1"
OUT="$2"
MODDIR="${MKINITRAMFS_MODDIR:-/lib/modules/$KVER}"
BUSYBOX=/bin/busybox

[ -d "$MODDIR" ] || die "$MODDIR missing: is linux-image-$KVER installed?"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: install busybox-static"
# A dynamically linked busybox would need the host's libc inside the
# initramfs; Debian's busybox-static replaces /bin/busybox with a static one.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked: install busybox-static"
fi

STAGE="$(mktemp -d "${OUT}.stage.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,dev,proc,sys,lib/modules}

# Prints "builtin", a module file path, or nothing when the kernel has no such
# module at all (e.g. fscache became part of netfs in 6.12).
module_file() {
	local f

	if grep -q "/$1.ko\$" "$MODDIR/modules.builtin" 2>/dev/null ||
	   grep -q "/${1//_/-}.ko\$" "$MODDIR/modules.builtin" 2>/dev/null; then
		echo builtin
		return
	fi
	f="$(modinfo -k "$KVER" -n "$1" 2>/dev/null)" || return 0
	case "$f" in
	(builtin|"(builtin)") echo builtin ;;
	(/*) echo "$f" ;;
	esac
}

declare -A seen=()
order=()

# Depth-first: a module's dependencies go into the load order before it.
add_module() {
	local name="$1" file dep

	[ -z "${seen[$name]:-}" ] || return 0
	seen[$name]=1
	file="$(module_file "$name")"
	[ -n "$file" ] && [ "$file" != builtin ] || return 0
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		add_module "$dep"
	done
	case "$file" in
	(*.ko) cp "$file" "$STAGE/lib/modules/$name.ko" ;;
	(*.ko.xz) xz -dc "$file" > "$STAGE/lib/modules/$name.ko" ;;
	(*.ko.zst) zstd -qdc "$file" > "$STAGE/lib/modules/$name.ko" ;;
	(*.ko.gz) gzip -dc "$file" > "$STAGE/lib/modules/$name.ko" ;;
	(*) die "unknown module format: $file" ;;
	esac
	order+=("$name")
}

for m in "${WANTED_MODULES[@]}"; do
	add_module "$m"
done
# Without 9p and overlay (built in or as modules) stage 1 cannot work.
for m in 9p 9pnet_virtio overlay; do
	[ -n "$(module_file "$m")" ] || die "kernel $KVER has no $m module"
done
printf '%s\n' "${order[@]}" > "$STAGE/modules.order"

cp "$BUSYBOX" "$STAGE/bin/busybox"
for a in "${BUSYBOX_APPLETS[@]}"; do
	ln -s busybox "$STAGE/bin/$a"
done
install -m 0755 "$VM_DIR/init-stage1.sh" "$STAGE/init"

(cd "$STAGE" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) |
	gzip -1 > "$OUT.tmp.$$"
# Atomic, so VMs booting in parallel never read a half-written image.
mv -f "$OUT.tmp.$$" "$OUT"
