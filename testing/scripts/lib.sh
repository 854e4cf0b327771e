# SPDX-License-Identifier: GPL-2.0
# Shared settings for the build and test scripts. Sourced, not run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${IOMMUFD_BUILD:-$REPO/.build}
BASE_TARBALL=${BASE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
BASE=$BUILD/base/linux-source-6.12	# pristine base tree, never modified
SRC=$BUILD/src				# base tree + our overlay + patches
LOGS=$BUILD/logs
JOBS=${JOBS:-$(nproc)}
ALL_ARCHES="x86_64 arm64 ppc64le"

# The paths of the base tree that this repository replaces wholesale.
OVERLAY_DIRS="drivers/iommu/iommufd tools/testing/selftests/iommu"
OVERLAY_FILES="include/uapi/linux/iommufd.h include/linux/iommufd.h Documentation/userspace-api/iommufd.rst"

export CCACHE_BASEDIR=$BUILD
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

die() { echo "error: $*" >&2; exit 1; }
say() { echo ">>> $*"; }

# arch_vars MACHINE: sets KARCH, CROSS, IMAGE, TARGET_CC and FRAGS (the
# config fragments after common.config) for one machine. x86_64-kcsan is
# make soak's x86_64 kernel with KCSAN in place of KASAN.
arch_vars() {
	FRAGS=$1
	case $1 in
	x86_64|x86_64-kcsan)
		[ "$1" = x86_64-kcsan ] && FRAGS="x86_64 x86_64-kcsan"
		KARCH=x86; CROSS=; IMAGE=arch/x86/boot/bzImage
		TARGET_CC=gcc ;;
	arm64)
		KARCH=arm64; CROSS=aarch64-linux-gnu-; IMAGE=arch/arm64/boot/Image
		TARGET_CC=aarch64-linux-gnu-gcc ;;
	ppc64le)
		KARCH=powerpc; CROSS=powerpc64le-linux-gnu-; IMAGE=vmlinux
		TARGET_CC=powerpc64le-linux-gnu-gcc ;;
	*)
		die "unknown machine '$1' (one of: $ALL_ARCHES)" ;;
	esac
	KOUT=$BUILD/$1/kernel
}

# The pSeries machine, for boot.sh's ppc64le machine and make bench
# ARCH=ppc64le: edu alone on a second PHB (a PE, so an IOMMU group, of its
# own) with dynamic DMA windows (ddw=on), and a 64-bit DMA mask so that it
# reaches the DDW at 1 << 59. The cap-* options turn off the Spectre
# mitigations TCG cannot emulate.
PSERIES_QEMU=(qemu-system-ppc64
	-M pseries,usb=off,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	-cpu power9 -smp 2 -m 2G
	-device spapr-pci-host-bridge,index=1,id=phb1,ddw=on
	-device edu,bus=phb1.0,dma_mask=0xffffffffffffffff)

# kmake ARCH ARGS...: run the kernel's make for one machine's build tree.
kmake() {
	local a=$1; shift
	arch_vars "$a"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		make -C "$SRC" O="$KOUT" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"
}

# External conformance: the base tree's own iommufd selftests, built
# unmodified against our headers and run after ours on these machines only.
# Failures are judged against testing/conformance/known-gaps.
CONFORMANCE_ARCHES="x86_64"
CONFORMANCE_PROGS="iommufd iommufd_fail_nth"
KNOWN_GAPS=$REPO/testing/conformance/known-gaps
