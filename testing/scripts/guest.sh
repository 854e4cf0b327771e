#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build one machine's selftests and its initramfs: guest.sh ARCH
# Needs the machine's kernel (for its installed uAPI headers and modules).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=${1:?usage: guest.sh ARCH}
arch_vars "$a"
out=$BUILD/$a
tests=$out/tests
root=$out/initramfs
hdrs=$out/headers/include
[ -d "$hdrs" ] || die "$a: no installed headers; build the kernel first"

# The selftests are a kselftest target (their Makefile includes ../lib.mk),
# so they build inside the kernel tree: bring it up to date first.
say "$a: building selftests"
"$(dirname "$0")/tree.sh"
mkdir -p "$tests"
env -u MAKEFLAGS make -s -C "$SRC/tools/testing/selftests/iommu" \
	CC="$TARGET_CC" OUTPUT="$tests" KHDR_INCLUDES="-isystem $hdrs" \
	USERLDFLAGS=-static ||
	die "$a: selftests failed to build"
"$TARGET_CC" -O2 -Wall -Wextra -static -isystem "$hdrs" \
	-I "$REPO/tools/testing/selftests/iommu/include" \
	-o "$tests/iommufd_demo" "$REPO/testing/demo/iommufd_demo.c" \
	"$REPO/tools/testing/selftests/iommu/lib/edu.c" ||
	die "$a: demo failed to build"

# The base tree's own suite, pristine, in a scratch tree of the same shape
# (it includes ../kselftest_harness.h and
# ../../../../drivers/iommu/iommufd/iommufd_test.h), with our iommufd_test.h
# and our installed uAPI headers. A suite that does not build does not stop
# this machine: verdict.sh reports the missing binaries as failures.
conf=
case " $CONFORMANCE_ARCHES " in *" $a "*) conf=$out/conformance ;; esac
if [ -n "$conf" ]; then
	say "$a: building the base tree's iommufd selftests (external conformance)"
	csrc=$conf/src
	cdir=$csrc/tools/testing/selftests/iommu
	rm -rf "$conf"
	mkdir -p "$csrc/tools/testing/selftests" "$csrc/drivers/iommu/iommufd" \
		"$conf/bin" "$LOGS"
	cp -a "$BASE/tools/testing/selftests/iommu" "$cdir"
	cp "$BASE/tools/testing/selftests/kselftest.h" \
		"$BASE/tools/testing/selftests/kselftest_harness.h" \
		"$csrc/tools/testing/selftests/"
	cp "$REPO/drivers/iommu/iommufd/iommufd_test.h" "$csrc/drivers/iommu/iommufd/"
	clog=$LOGS/conformance-build-$a.log
	: >"$clog"
	for p in $CONFORMANCE_PROGS; do
		# The flags of the base tree's iommu/Makefile and lib.mk, static
		# like ours for the initramfs.
		(cd "$cdir" && "$TARGET_CC" -static -D_GNU_SOURCE= -O2 -Wall \
			-Wno-unused-function -Wno-address-of-packed-member \
			-isystem "$hdrs" "$p.c" -o "$conf/bin/$p" -lpthread) >>"$clog" 2>&1 ||
			echo "$a: external $p failed to build against our headers (log: $clog)"
	done
fi

say "$a: building initramfs"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,tests,usr/bin,usr/sbin}
case $a in
x86_64|x86_64-kcsan) bb=/bin/busybox ;;
arm64) bb=$BUILD/busybox/arm64/bin/busybox ;;
ppc64le) bb=$BUILD/busybox/ppc64el/bin/busybox ;;
esac
cp "$bb" "$root/bin/busybox"
# Same busybox version on every architecture: the host's lists the applets.
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$REPO/testing/guest/init" "$root/init"
# The test programs only, not the library objects beside them.
find "$tests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$root/tests/" \;
if [ -n "$conf" ]; then
	mkdir -p "$root/conformance"
	for p in $CONFORMANCE_PROGS; do
		if [ -f "$conf/bin/$p" ]; then cp "$conf/bin/$p" "$root/conformance/"; fi
	done
fi
if [ -d "$out/modroot/lib/modules" ]; then
	cp -a "$out/modroot/lib" "$root/"
	printf 'iommufd\nvfio-pci\n' >"$root/etc/modules"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"
# x86_64: QEMU 10 as a client of /dev/iommu (iommufd_qemu), a second
# archive the kernel unpacks after the first.
if [ "$a" = x86_64 ]; then
	"$(dirname "$0")/qemu10.sh"
	cat "$BUILD/qemu10/qemu10.cpio.gz" >>"$out/initramfs.cpio.gz"
fi
say "$a: initramfs ready: $out/initramfs.cpio.gz"
