# SPDX-License-Identifier: GPL-2.0
#
# dlock top-level Makefile.  The module is built by Kbuild (see Kbuild and
# kmod/Kbuild); userspace pieces by the Makefiles of their folders.
#
#   make            module, libdlock, tools
#   make check      every check and test; ends with "N passed, N failed"
#   make demo       boot a VM, form a 3-node cell, show election and failover
#   make deps       install what is missing (Debian packages, kernel pieces)
#   make fuzz       the core's libFuzzer targets (clang), FUZZ_SECONDS each
#   make kfuzz      the kernel-interface fuzzers at full counts, in a VM
#   make check-debug  kselftests, fuzzers, failslab, jepsen on the debug
#                   kernel (KASAN, lockdep, kmemleak); builds it once (long)
#   make jepsen     minutes of random faults on a 5-node cell in the VM, its
#                   lock history checked (JEPSEN_SECONDS, JEPSEN_SEED)
#   make check-multivm  the cell on three separate kernels (three qemu
#                   guests, one node each): Bully, Ring and Ricart-Agrawala
#                   cells, then form, elect, lock across guests, lose the
#                   leader's guest (MULTIVM_NODES=5 for five)
#   make check-multivm-full  the same with, in between, the Raft leader's
#                   guest cut off and healed, a guest's node leaving by
#                   rmmod and joining again, and the grant cache across
#                   guests
#   make jepsen-multivm  the Jepsen run on that cell of separate kernels
#                   (JEPSEN_SECONDS=60, JEPSEN_SEED, MULTIVM_NODES=3)
#   make bench      benchmarks against the floor and peers (fs/dlm, etcd);
#                   writes bench/results.md and bench/results.json

# Kernel build tree: the running kernel's when it has one, else the newest
# Debian 6.1 headers installed.  KDIR612 is the second kernel we build for.
KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; else \
		ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1; fi)
KDIR612 ?= $(shell ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | \
		grep -v -e cloud -e rt-amd64 | sort -V | tail -n 1)
PREFIX ?= /usr/local
DESTDIR ?=
export KDIR KDIR612 PREFIX DESTDIR

.PHONY: all modules modules-612 lib tools check deps demo sim sim-check unit jepsen \
	install clean bench bench-deps kfuzz check-debug fuzz check-multivm \
	check-multivm-full jepsen-multivm

all: modules lib tools

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules-612:
	$(MAKE) -C $(KDIR612) M=$(CURDIR) modules

lib:
	$(MAKE) -C lib

tools: lib
	$(MAKE) -C tools

unit: lib
	$(MAKE) -C tests/unit check

sim:
	$(MAKE) -C tests/sim

sim-check:
	$(MAKE) -C tests/sim check

fuzz:
	$(MAKE) -C tests/fuzz fuzz

deps:
	bash tests/deps.sh

check: deps
	bash tests/check.sh

demo: deps
	bash tests/vm/demo.sh

jepsen: deps
	bash tests/jepsen/run-vm.sh

MULTIVM_NODES ?= 3
check-multivm: deps modules tools
	$(MAKE) -C tests/selftests/dlock
	bash tests/multivm/check.sh --nodes $(MULTIVM_NODES)

check-multivm-full: deps modules tools
	$(MAKE) -C tests/selftests/dlock
	bash tests/multivm/check.sh --nodes $(MULTIVM_NODES) --full

jepsen-multivm: deps modules
	MULTIVM_NODES=$(MULTIVM_NODES) bash tests/jepsen/run-multivm.sh

# The kernel-interface fuzzers at the issue's counts (132,000 /dev/dlock
# operations, up to 120,000 netlink messages (batches that wait on a
# leaderless node stop at their time budget: ~100,000 sent), 1,050,000
# datagrams; make check runs 1/40 of that, 10,000 datagrams): KFUZZ_SEED=S
# replays a run.
KFUZZ_SCALE ?= 40
KFUZZ_DATAGRAMS ?= 1050000
kfuzz: deps modules
	$(MAKE) -C tests/selftests/dlock
	bash tests/vm/run.sh --name kfuzz --timeout 7200 -- env \
		KFUZZ_SCALE=$(KFUZZ_SCALE) KFUZZ_DATAGRAMS=$(KFUZZ_DATAGRAMS) \
		$(if $(KFUZZ_SEED),KFUZZ_SEED=$(KFUZZ_SEED)) \
		tests/selftests/dlock/kfuzz.sh

# The debug kernel (KASAN, lockdep, kmemleak, UBSAN, failslab): built once
# and cached in /var/cache/dlock-debug-kernel (over an hour on 2 cores), then
# kselftests, fuzzers, failslab and a short jepsen on it.  Not in make check.
check-debug: deps
	bash tests/debug-kernel/check-debug.sh

bench-deps:
	bash tests/deps.sh --bench

bench: bench-deps
	bash tests/bench/run.sh

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(MAKE) -C lib install
	$(MAKE) -C tools install
	install -D -m 0644 uapi/linux/dlock.h $(DESTDIR)$(PREFIX)/include/linux/dlock.h

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C lib clean
	-$(MAKE) -C tools clean
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/sim clean
	-$(MAKE) -C tests/jepsen clean
	rm -rf .build
