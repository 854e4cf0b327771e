# SPDX-License-Identifier: GPL-2.0
#
# Build our /dev/iommu into Linux 6.12 and test it in three QEMU machines.
#
#   make check              everything: all machines and the static checks
#   make check ARCH=arm64   one machine (x86_64, arm64 or ppc64le)
#   make run                the guided demo on x86_64 (VT-d); ARCH= as for check
#   make shell ARCH=...     an interactive shell in a machine
#   make static             checkpatch, kernel-doc, sparse and W=1 only
#   make bench              performance against the base tree's iommufd (not a test)
#   make bench ARCH=ppc64le the same against VFIO's SPAPR TCE container
#   make soak               long fuzzer and stress runs on the x86_64 debug
#                           kernel and its KCSAN twin (not a test; takes
#                           SOAK_MINUTES=30 per kernel; ARCH= picks one)
#   make clean              remove .build (ccache is kept)
#
# All output goes to .build/ (override with IOMMUFD_BUILD=dir).

SCRIPTS := testing/scripts
MACHINES := $(if $(filter command line,$(origin ARCH)),$(ARCH),x86_64 arm64 ppc64le)
ONE := $(if $(filter command line,$(origin ARCH)),$(ARCH),x86_64)

# Our scripts drive the kernel's make themselves; do not leak ARCH to them.
unexport ARCH

.PHONY: check run shell static build bench soak clean

check:
	@$(SCRIPTS)/check.sh $(MACHINES)

run:
	@$(SCRIPTS)/deps.sh && $(SCRIPTS)/tree.sh && $(SCRIPTS)/kernel.sh $(ONE) && \
	 $(SCRIPTS)/guest.sh $(ONE) && $(SCRIPTS)/boot.sh $(ONE) run

shell:
	@$(SCRIPTS)/deps.sh && $(SCRIPTS)/tree.sh && $(SCRIPTS)/kernel.sh $(ONE) && \
	 $(SCRIPTS)/guest.sh $(ONE) && $(SCRIPTS)/boot.sh $(ONE) shell

static:
	@$(SCRIPTS)/deps.sh && $(SCRIPTS)/tree.sh && $(SCRIPTS)/kernel.sh x86_64 && \
	 $(SCRIPTS)/static.sh

build:
	@$(SCRIPTS)/deps.sh && $(SCRIPTS)/tree.sh && \
	 for a in $(MACHINES); do $(SCRIPTS)/kernel.sh $$a && $(SCRIPTS)/guest.sh $$a || exit 1; done

# A benchmark, never part of check: two kernels built and booted in turn,
# x86_64 unless ARCH= says ppc64le.
bench:
	@$(SCRIPTS)/deps.sh && $(SCRIPTS)/tree.sh && $(SCRIPTS)/bench.sh $(ONE)

# Long fuzzer and stress runs, never part of check: x86_64 and x86_64-kcsan
# unless ARCH= names machines.
soak:
	@$(SCRIPTS)/soak.sh $(if $(filter command line,$(origin ARCH)),$(ARCH))

clean:
	rm -rf .build
