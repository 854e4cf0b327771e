#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the same benchmark on our kernel and on the base tree's own
# (upstream iommufd), booted in the same QEMU machine, then a table of the
# two results and their ratio.
#
#   bench.sh [kernels|table]
#     kernels: build the two kernels only
#     table:   print the table of the last run again, from its logs
#
# Both kernels are tinyconfig + common.config + bench.config (no debugging):
# ours built from $SRC, upstream's from a copy of the pristine $BASE. One
# initramfs (testing/bench/init and iommufd_bench, compiled against our
# installed uAPI headers) boots both.
#
# The build directories are placed so that each kernel's sources are at the
# same relative path, ../../src, from its build directory:
#   ours:  $BUILD/src        built in $BUILD/bench/ours
#   stock: $BUILD/bench/src  built in $BUILD/bench/stock/kernel
# ccache rewrites paths under $BUILD relative to the build directory, so
# the two kernels could share compiled objects. They do not today: our
# Kconfig selects MMU_NOTIFIER and the base tree's does not, and that one
# difference in autoconf.h, which every file includes, makes each kernel's
# first build a cold one. Later builds of either are incremental.
# Environment:
#   BENCH_NICE=N     build the kernels under nice -n N (shared machines)
#   BENCH_TIMEOUT=S  seconds each machine may run (default 1500)
#   BENCH_OPTS=a,b   options for iommufd_bench, comma separated (-q: quick)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$BUILD/bench
frags="$REPO/testing/configs/common.config $REPO/testing/configs/bench.config"
nice=()
[ -n "${BENCH_NICE:-}" ] && nice=(nice -n "$BENCH_NICE")
timeout=${BENCH_TIMEOUT:-1500}

stock_src=$out/src
declare -A tree=([ours]=$SRC [stock]=$stock_src)
declare -A kout=([ours]=$out/ours [stock]=$out/stock/kernel)

# bmake NAME ARGS...: the kernel's make for one benchmark kernel.
bmake() {
	local name=$1
	shift
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "${nice[@]}" \
		make -C "${tree[$name]}" O="${kout[$name]}" ARCH=x86 \
		CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"
}

# build_kernel NAME: configure (when the fragments changed) and build.
build_kernel() {
	local name=$1 kdir=${kout[$1]} log=$LOGS/bench-build-$1.log
	local cstamp line sym bad=0
	mkdir -p "$kdir" "$LOGS"
	cstamp=$(cat $frags | sha1sum | cut -c1-40)
	if [ "$(cat "$kdir/.frag-stamp" 2>/dev/null)" != "$cstamp" ] ||
	   [ ! -f "$kdir/.config" ]; then
		say "bench: configuring the $name kernel"
		bmake "$name" tinyconfig >"$log" 2>&1 ||
			{ tail -20 "$log"; die "bench: $name: tinyconfig failed"; }
		(cd "$kdir" && ARCH=x86 "${tree[$name]}/scripts/kconfig/merge_config.sh" -m \
			-O "$kdir" "$kdir/.config" $frags) >>"$log" 2>&1
		bmake "$name" olddefconfig >>"$log" 2>&1 ||
			{ tail -20 "$log"; die "bench: $name: olddefconfig failed"; }
		# The last word of the fragments on each option must have stuck.
		while IFS= read -r line; do
			case $line in
			CONFIG_*=n)
				sym=${line%=n}
				if grep -q "^$sym=" "$kdir/.config"; then
					echo "bench: $name: $sym wanted off, is on"; bad=1
				fi ;;
			CONFIG_*=*)
				grep -qx "$line" "$kdir/.config" ||
					{ echo "bench: $name: $line did not stick"; bad=1; } ;;
			esac
		done < <(cat $frags | awk -F= '/^CONFIG_/ { v[$1] = $0 } END { for (k in v) print v[k] }')
		[ $bad = 0 ] || die "bench: $name: config fragment not satisfied (see $kdir/.config)"
		echo "$cstamp" >"$kdir/.frag-stamp"
	fi
	say "bench: building the $name kernel (log: $log)"
	if ! bmake "$name" bzImage >>"$log" 2>&1; then
		grep -E 'error|Error|undefined|ERROR' "$log" | head -30
		die "bench: $name: kernel build failed (log: $log)"
	fi
}

# boot NAME: run the benchmark machine on one kernel; its console goes to
# $LOGS/bench-NAME.log. Fails unless the benchmark ran to its end.
boot() {
	local name=$1 log=$LOGS/bench-$1.log start rc
	local append="console=ttyS0 quiet panic=-1 oops=panic panic_on_warn=1"
	append="$append hugepagesz=2M hugepages=${BENCH_HUGEPAGES:-544}"
	append="$append transparent_hugepage=madvise bench_opts=${BENCH_OPTS:-none}"
	say "bench: running on the $name kernel (log: $log)"
	start=$(date +%s)
	set +e
	timeout -k 10 "$timeout" qemu-system-x86_64 -M q35 -cpu max -smp 2 -m 6G \
		-nographic -no-reboot -kernel "${kout[$name]}/arch/x86/boot/bzImage" \
		-initrd "$out/initramfs.cpio.gz" -append "$append" </dev/null >"$log" 2>&1
	rc=$?
	set -e
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	say "bench: $name took $(( $(date +%s) - start )) s"
	[ $rc = 124 ] || [ $rc = 137 ] && die "bench: $name: killed after ${timeout} s (log: $log)"
	grep -q '^@@@ BENCH-END rc=0' "$log" ||
		{ tail -30 "$log"; die "bench: $name: the benchmark did not finish (log: $log)"; }
}

# The whole run; "table" only prints the last run's table again.
if [ "${1:-}" != table ]; then
	# The copy of the base tree, refreshed when tree.sh extracted a new one.
	if [ "$(cat "$stock_src/.bench-stamp" 2>/dev/null)" != "$(cat "$BUILD/base/.stamp")" ]; then
		say "bench: copying the base tree to $stock_src"
		rm -rf "$stock_src" "$out/stock"
		mkdir -p "$out"
		cp -a "$BASE/." "$stock_src"
		cp "$BUILD/base/.stamp" "$stock_src/.bench-stamp"
	fi
	build_kernel stock
	build_kernel ours
	bmake ours headers_install INSTALL_HDR_PATH="$out/headers" \
		>>"$LOGS/bench-build-ours.log" 2>&1 || die "bench: headers_install failed"
	[ "${1:-}" = kernels ] && exit 0

	say "bench: building iommufd_bench and the initramfs"
	root=$out/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,usr/bin,usr/sbin}
	gcc -O2 -Wall -Wextra -static -isystem "$out/headers/include" \
		-I "$REPO/drivers/iommu/iommufd" -o "$root/iommufd_bench" \
		"$REPO/testing/bench/iommufd_bench.c" || die "bench: iommufd_bench failed to build"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$REPO/testing/bench/init" "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

	boot stock
	boot ours
fi

# One row per result line of the benchmark ("@@@ BENCH name|unit|target|value"),
# in the benchmark's order. Units per second are throughputs (higher is
# better), others are costs (lower is better); the ratio is always
# oriented so that above 1 means ours is faster.
{
	echo "make bench, $(date -u +%Y-%m-%d), host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
	echo "guest: qemu-system-x86_64 $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG, -M q35 -cpu max -smp 2 -m 6G, no emulated IOMMU"
	# (the firmware's screen control codes may precede the first line)
	echo "upstream: $(grep -m1 '@@@ BENCH-MACHINE' "$LOGS/bench-stock.log" | sed 's/.*@@@ BENCH-MACHINE //')"
	echo "ours:     $(grep -m1 '@@@ BENCH-MACHINE' "$LOGS/bench-ours.log" | sed 's/.*@@@ BENCH-MACHINE //')"
	echo "ratio = ours/upstream for throughput, upstream/ours for costs: above 1 means ours is faster"
	echo
	awk -F'|' '
	FNR == 1 { f++ }
	!/@@@ BENCH [^-]/ { next }
	{ sub(/^.*@@@ BENCH /, "") }
	f == 1 { order[n++] = $1; unit[$1] = $2; target[$1] = $3; up[$1] = $4 }
	f == 2 { ours[$1] = $4 }
	END {
		fmt = "%-44s %-6s %10s %10s %6s %6s  %s\n"
		printf fmt, "row", "unit", "upstream", "ours", "ratio", "target", ""
		for (i = 0; i < n; i++) {
			k = order[i]
			if (!(k in ours) || up[k] <= 0 || ours[k] <= 0) {
				printf fmt, k, unit[k], up[k], ours[k], "-", target[k], "MISSING"
				bad++
				continue
			}
			r = unit[k] ~ /\/s$/ ? ours[k] / up[k] : up[k] / ours[k]
			v = r >= target[k] ? "" : (r < 1 ? "SLOWER" : "below target")
			if (v != "")
				bad++
			printf fmt, k, unit[k], sprintf("%.4g", up[k]), sprintf("%.4g", ours[k]),
				sprintf("%.2f", r), target[k], v
		}
		printf "\n%d rows, %d below target\n", n, bad
	}' "$LOGS/bench-stock.log" "$LOGS/bench-ours.log"
} | tee "$out/results.txt"
say "bench: table saved in $out/results.txt"
