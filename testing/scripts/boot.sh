#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one test machine under QEMU (TCG): boot.sh ARCH check|run|soak|shell
# check, run and soak write the console to $LOGS/ARCH-MODE.log (run also
# shows it); shell is interactive (leave with 'poweroff -f', or Ctrl-a x).
# soak (soak.sh) runs the fuzzer and the stress for SOAK_SECONDS; ARCH may
# also be x86_64-kcsan there, where soak.sh sets PANIC_ON_WARN=0.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=${1:?usage: boot.sh ARCH check|run|soak|shell}
mode=${2:-check}
arch_vars "$a"
kernel=$KOUT/$IMAGE
initrd=$BUILD/$a/initramfs.cpio.gz
[ -f "$kernel" ] && [ -f "$initrd" ] || die "$a: build the kernel and initramfs first"

# A WARN is a test failure: panic on it, and leave QEMU on panic.
append="itest=$mode panic_on_warn=${PANIC_ON_WARN:-1} panic=-1 oops=panic"
case $a in
x86_64|x86_64-kcsan)
	timeout=${TIMEOUT:-1100}
	qemu=(qemu-system-x86_64 -M q35 -cpu max -smp 2 -m 2G
	      -device intel-iommu,intremap=on,snoop-control=on
	      -device edu
	      -device pci-bridge,id=br0,chassis_nr=1
	      -device edu,bus=br0,addr=1 -device edu,bus=br0,addr=2)
	# snoop-control: VT-d then offers IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	# so the page tables edu uses carry the snoop bit.
	# The two edu behind the conventional PCI bridge share its requester
	# ID, so they form one IOMMU group (iommufd_edu's edu_pair tests).
	# Not on arm64: 6.12's SMMUv3 driver refuses a second device with the
	# same stream ID ("stream N already in tree").
	# no5lvl: -cpu max offers LA57, and the 6.12 debug kernel then has a
	# window in early boot where identify_cpu() has cleared the boot
	# CPU's feature bits: an interrupt taken there sees the 4-level
	# address layout, and KASAN reports a per-CPU address of the 5-level
	# direct map as a wild access (a panic before /init, about one boot
	# in a few dozen). Our tests do not need 5-level paging.
	append="console=ttyS0 intel_iommu=on no5lvl $append" ;;
arm64)
	timeout=${TIMEOUT:-400}
	qemu=(qemu-system-aarch64 -M virt,gic-version=3,its=on,iommu=smmuv3
	      -cpu cortex-a57 -smp 2 -m 2G -device edu)
	append="console=ttyAMA0 $append" ;;
ppc64le)
	timeout=${TIMEOUT:-400}
	# A second edu, alone on a third PHB: two PEs for one SPAPR container
	# (iommufd_edu_window's edu_spapr.two_groups).
	qemu=("${PSERIES_QEMU[@]}"
	      -device spapr-pci-host-bridge,index=2,id=phb2,ddw=on
	      -device edu,bus=phb2.0,dma_mask=0xffffffffffffffff)
	append="console=hvc0 $append" ;;
esac
if [ "$mode" = soak ]; then
	soak=${SOAK_SECONDS:-1800}
	timeout=${TIMEOUT:-$((soak + 900))}
	append="$append itest_soak=$soak"
fi
# The guest's /init fits its time budgets inside the same limit.
append="$append itest_limit=$timeout"
# ONLY=iommufd_mock,iommufd_core: run only these binaries (a development
# aid; verdict.sh then reports the others as missing).
[ -n "${ONLY:-}" ] && append="$append itest_only=$ONLY"
qemu+=(-nographic -no-reboot -kernel "$kernel" -initrd "$initrd" -append "$append")

if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi

mkdir -p "$LOGS"
log=$LOGS/$a-$mode.log
start=$(date +%s)
set +e
if [ "$mode" = run ]; then
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
	rc=$?
	# A panic before /init (where our code and the tests run) tested
	# nothing: boot once more, keep the first log, and say so. This was
	# the early KASAN report that no5lvl avoids (see above); it stays as a
	# guard against other boot flakes of the emulated machine. A panic
	# after /init started is never retried.
	if grep -q 'Kernel panic' "$log" && ! grep -q 'Run /init' "$log"; then
		mv "$log" "$log.early-panic"
		echo "$a: the kernel panicked during early boot, before /init" \
			"(log: $log.early-panic); booting once more"
		timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$log" 2>&1
		rc=$?
		echo "@@@ HOST: second boot; the first panicked before /init," \
			"see $log.early-panic" >>"$log"
	fi
fi
set -e
echo "$(( $(date +%s) - start ))" >"$LOGS/$a-$mode.seconds"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "@@@ HOST: machine killed after ${timeout}s time limit" >>"$log"
fi
# check's verdict is verdict.sh's; the demo's is its own exit status.
if [ "$mode" = run ] && ! grep -q '^@@@ DEMO rc=0' "$log"; then
	echo "$a: the demo did not complete every step (log: $log)" >&2
	exit 1
fi
exit 0
