#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the same benchmark on our kernel and on the base tree's own,
# booted in the same QEMU machine, then a table of the two results and
# their ratio.
#
#   bench.sh [ARCH] [kernels|table]
#     ARCH:    x86_64 (default) or ppc64le
#     kernels: build the two kernels only
#     table:   print the table of the last run again, from its logs
#
# x86_64 (testing/bench/iommufd_bench.c): the IOAS commands with mock
# domains, and with edu devices attached through VT-d, ours against
# upstream iommufd. Both kernels are tinyconfig + common.config +
# bench.config (no debugging), one configuration for every row.
# ppc64le (testing/bench/tce_bench.c): map + unmap of a few pages into a
# pSeries dynamic DMA window with QEMU's edu device attached, ours
# (/dev/iommu) against VFIO's legacy SPAPR TCE v2 container of the base
# tree's kernel. Both kernels are tinyconfig + common.config +
# bench-ppc64le.config; ours adds bench-ppc64le-ours.config (the VFIO
# cdev and our TCE backend, which the base tree does not have), and each
# kernel's fragments are checked against its own configuration.
#
# Ours is built from $SRC, the base tree's ("stock") from a copy of the
# pristine $BASE. One initramfs per ARCH (testing/bench/init and the
# benchmark, compiled against our installed uAPI headers, which are a
# superset of the base tree's) boots both.
#
# The build directories are placed so that each kernel's sources are at the
# same relative path, ../../src, from its build directory:
#   ours:  $BUILD/src        built in $BUILD/bench/ours (ppc64le: ours-ppc64le)
#   stock: $BUILD/bench/src  built in $BUILD/bench/stock/kernel
#                            (ppc64le: stock-ppc64le/kernel)
# ccache rewrites paths under $BUILD relative to the build directory, so
# the two kernels could share compiled objects. They do not today: our
# Kconfig selects MMU_NOTIFIER and the base tree's does not, and that one
# difference in autoconf.h, which every file includes, makes each kernel's
# first build a cold one. Later builds of either are incremental.
# Environment:
#   BENCH_NICE=N     build the kernels under nice -n N (shared machines)
#   BENCH_TIMEOUT=S  seconds each machine may run (default 1500)
#   BENCH_BOOTS=N    boot each kernel N times, alternately, and keep each
#                    row's best (default 1 on x86_64, 3 on ppc64le)
#   BENCH_OPTS=a,b   options for the benchmark, comma separated (-q: quick)
#   BENCH_VTD_OPTS=o more properties of x86_64's intel-iommu, such as
#                    caching-mode=on (every map then flushes the IOTLB)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=x86_64
case ${1:-} in x86_64|arm64|ppc64le) a=$1; shift ;; esac
arch_vars "$a"
out=$BUILD/bench
cfg=$REPO/testing/configs
nice=()
[ -n "${BENCH_NICE:-}" ] && nice=(nice -n "$BENCH_NICE")
timeout=${BENCH_TIMEOUT:-1500}

stock_src=$out/src
declare -A tree=([ours]=$SRC [stock]=$stock_src)
# Per ARCH: build directories, config fragments, and the names of what
# the run leaves behind (x86_64's are those of the first make bench).
case $a in
x86_64)
	declare -A kout=([ours]=$out/ours [stock]=$out/stock/kernel)
	declare -A frags=([ours]="$cfg/common.config $cfg/bench.config"
			  [stock]="$cfg/common.config $cfg/bench.config")
	tag=
	boots=${BENCH_BOOTS:-1}
	prog="$REPO/testing/bench/iommufd_bench.c $REPO/tools/testing/selftests/iommu/lib/edu.c"
	bb=/bin/busybox
	# (the mock domain's test header, and the edu library's)
	cflags=(-I "$REPO/drivers/iommu/iommufd"
		-I "$REPO/tools/testing/selftests/iommu/include")
	stock_label=upstream ;;
ppc64le)
	declare -A kout=([ours]=$out/ours-ppc64le [stock]=$out/stock-ppc64le/kernel)
	declare -A frags=(
		[ours]="$cfg/common.config $cfg/bench-ppc64le.config $cfg/bench-ppc64le-ours.config"
		[stock]="$cfg/common.config $cfg/bench-ppc64le.config")
	tag=-ppc64le
	# A boot takes seconds, and the cost of our kernel's calls varies
	# from boot to boot more than the container's (by up to a third on
	# a busy host): the best of a few boots is the one compared.
	boots=${BENCH_BOOTS:-3}
	prog="$REPO/testing/bench/tce_bench.c $REPO/tools/testing/selftests/iommu/lib/edu.c"
	bb=$BUILD/busybox/ppc64el/bin/busybox
	cflags=(-I "$REPO/tools/testing/selftests/iommu/include")
	# The base tree's side here is VFIO's SPAPR container, not iommufd.
	stock_label=stock ;;
*)
	die "make bench: no benchmark for $a (x86_64 or ppc64le)" ;;
esac
hdrs=$out/headers$tag
initrd=$out/initramfs$tag.cpio.gz
results=$out/results$tag.txt

# bmake NAME ARGS...: the kernel's make for one benchmark kernel.
bmake() {
	local name=$1
	shift
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS "${nice[@]}" \
		make -C "${tree[$name]}" O="${kout[$name]}" ARCH="$KARCH" \
		CROSS_COMPILE="$CROSS" CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

# build_kernel NAME: configure (when the fragments changed) and build.
build_kernel() {
	local name=$1 kdir=${kout[$1]} log=$LOGS/bench$tag-build-$1.log
	local fr=${frags[$1]} cstamp line sym bad=0
	mkdir -p "$kdir" "$LOGS"
	cstamp=$(cat $fr | sha1sum | cut -c1-40)
	if [ "$(cat "$kdir/.frag-stamp" 2>/dev/null)" != "$cstamp" ] ||
	   [ ! -f "$kdir/.config" ]; then
		say "bench: configuring the $name kernel"
		bmake "$name" tinyconfig >"$log" 2>&1 ||
			{ tail -20 "$log"; die "bench: $name: tinyconfig failed"; }
		(cd "$kdir" && ARCH=$KARCH "${tree[$name]}/scripts/kconfig/merge_config.sh" -m \
			-O "$kdir" "$kdir/.config" $fr) >>"$log" 2>&1
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
		done < <(cat $fr | awk -F= '/^CONFIG_/ { v[$1] = $0 } END { for (k in v) print v[k] }')
		[ $bad = 0 ] || die "bench: $name: config fragment not satisfied (see $kdir/.config)"
		echo "$cstamp" >"$kdir/.frag-stamp"
	fi
	say "bench: building the $name kernel (log: $log)"
	if ! bmake "$name" "$(basename "$IMAGE")" >>"$log" 2>&1; then
		grep -E 'error|Error|undefined|ERROR' "$log" | head -30
		die "bench: $name: kernel build failed (log: $log)"
	fi
}

# boot NAME [I [vtd]]: run the benchmark machine on one kernel; its
# console goes to $LOGS/bench[-ARCH]-NAME.log, or for the I-th boot (from
# 2) $LOGS/bench[-ARCH]-NAME.I.log. Fails unless the benchmark ran to its
# end. On x86_64, "vtd" is the machine with VT-d and two edu devices, for
# the VT-d rows; the other machine has no IOMMU and runs the mock rows.
boot() {
	local name=$1 log=$LOGS/bench$tag-$1.log start rc opts
	[ "${2:-1}" = 1 ] || log=$LOGS/bench$tag-$1.$2.log
	local append="quiet panic=-1 oops=panic panic_on_warn=1" qemu
	case $a in
	x86_64)
		opts=${BENCH_OPTS:+$BENCH_OPTS,}-m
		append="console=ttyS0 $append hugepagesz=2M hugepages=${BENCH_HUGEPAGES:-544}"
		qemu=(qemu-system-x86_64 -M q35 -cpu max -smp 2 -m 6G)
		if [ "${3:-}" = vtd ]; then
			opts=${BENCH_OPTS:+$BENCH_OPTS,}-v
			append="intel_iommu=on $append"
			# Each edu on the root bus is alone in its IOMMU group.
			qemu+=(-device "intel-iommu,intremap=on${BENCH_VTD_OPTS:+,$BENCH_VTD_OPTS}"
			       -device edu -device edu)
		fi
		append="$append transparent_hugepage=madvise bench_opts=$opts" ;;
	ppc64le)
		# tce_bench is told which kernel it runs on.
		opts=${BENCH_OPTS:-}
		if [ "$opts" != shell ]; then
			[ "$name" = ours ] && opts=${opts:+$opts,}-m,ours
			[ "$name" = stock ] && opts=${opts:+$opts,}-m,container
		fi
		append="console=hvc0 $append bench_opts=$opts"
		qemu=("${PSERIES_QEMU[@]}") ;;
	esac
	say "bench: running on the $name kernel (log: $log)"
	start=$(date +%s)
	set +e
	timeout -k 10 "$timeout" "${qemu[@]}" \
		-nographic -no-reboot -kernel "${kout[$name]}/$IMAGE" \
		-initrd "$initrd" -append "$append" </dev/null >"$log" 2>&1
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
		rm -rf "$stock_src" "$out"/stock "$out"/stock-*
		mkdir -p "$out"
		cp -a "$BASE/." "$stock_src"
		cp "$BUILD/base/.stamp" "$stock_src/.bench-stamp"
	fi
	build_kernel stock
	build_kernel ours
	bmake ours headers_install INSTALL_HDR_PATH="$hdrs" \
		>>"$LOGS/bench$tag-build-ours.log" 2>&1 || die "bench: headers_install failed"
	[ "${1:-}" = kernels ] && exit 0

	say "bench: building the benchmark and the initramfs"
	root=$out/initramfs$tag
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,usr/bin,usr/sbin}
	# (always /iommufd_bench in the machine, which init runs)
	# shellcheck disable=SC2086
	"$TARGET_CC" -O2 -Wall -Wextra -static -pthread -isystem "$hdrs/include" \
		"${cflags[@]}" -o "$root/iommufd_bench" $prog ||
		die "bench: the benchmark failed to build"
	cp "$bb" "$root/bin/busybox"
	# Same busybox version on every architecture: the host's lists the applets.
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$REPO/testing/bench/init" "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"

	rm -f "$LOGS/bench$tag"-stock.[0-9]*.log "$LOGS/bench$tag"-ours.[0-9]*.log
	for i in $(seq 1 "$boots"); do
		boot stock "$i"
		boot ours "$i"
	done
	# x86_64: the VT-d rows, in the other machine; their logs count as
	# further boots (each row is the best over every log it is in).
	if [ "$a" = x86_64 ]; then
		for i in $(seq 1 "$boots"); do
			boot stock $((boots + i)) vtd
			boot ours $((boots + i)) vtd
		done
	fi
fi

# One row per result line of the benchmark ("@@@ BENCH name|unit|target|value"),
# in the benchmark's order. Units per second are throughputs (higher is
# better), others are costs (lower is better); the ratio is always
# oriented so that above 1 means ours is faster.
stock_log=$LOGS/bench$tag-stock.log
ours_log=$LOGS/bench$tag-ours.log
# Every boot's log, the first one first
shopt -s nullglob
stock_logs=("$stock_log" "$LOGS/bench$tag"-stock.[0-9]*.log)
ours_logs=("$ours_log" "$LOGS/bench$tag"-ours.[0-9]*.log)
shopt -u nullglob
{
	case $a in
	x86_64)
		echo "make bench, $(date -u +%Y-%m-%d), host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
		echo "guest: qemu-system-x86_64 $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') TCG, -M q35 -cpu max -smp 2 -m 6G; mock rows without an IOMMU, VT-d rows with intel-iommu (intremap=on) and 2 edu"
		echo "both kernels: tinyconfig + common.config + bench.config (VT-d, VFIO cdev, IOMMUFD_TEST; no debugging)" ;;
	ppc64le)
		echo "make bench ARCH=ppc64le, $(date -u +%Y-%m-%d), host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
		echo "guest: qemu-system-ppc64 $(qemu-system-ppc64 --version | head -1 | awk '{print $4}') TCG, -M pseries -cpu power9 -smp 2 -m 2G, edu alone on a PHB with ddw=on"
		echo "rows: ns per 64K page of a map + unmap cycle of 4 or 16 pages in a 1 GiB DDW of 64K TCEs at 1 << 59, edu attached"
		echo "  (a) ours, /dev/iommu, memory pinned nowhere else; (b) ours, memory also mapped in a staging IOAS"
		echo "  (c) stock: VFIO SPAPR TCE v2 container, memory preregistered; the same (c) in the three rows of a size"
		echo "  (d) ours: the same program on /dev/vfio/vfio served by iommufd (VFIO_CONTAINER=n)" ;;
	esac
	# (the firmware's screen control codes may precede the first line)
	printf '%-9s %s\n' "$stock_label:" "$(grep -m1 '@@@ BENCH-MACHINE' "$stock_log" | sed 's/.*@@@ BENCH-MACHINE //')"
	printf '%-9s %s\n' "ours:" "$(grep -m1 '@@@ BENCH-MACHINE' "$ours_log" | sed 's/.*@@@ BENCH-MACHINE //')"
	case $a in
	x86_64)
		echo "ratio = ours/upstream for throughput and speedup, upstream/ours for costs: above 1 means ours is better" ;;
	ppc64le)
		echo "ratio = stock/ours (costs): above 1 means ours is faster" ;;
	esac
	# (x86_64 boots each kernel in two machines, one log each per boot)
	nb_stock=${#stock_logs[@]} nb_ours=${#ours_logs[@]}
	[ $a = x86_64 ] && nb_stock=$((nb_stock / 2)) nb_ours=$((nb_ours / 2))
	[ $nb_stock = 1 ] && [ $nb_ours = 1 ] ||
		echo "each row: the best of $nb_stock boots of the stock kernel, $nb_ours of ours"
	echo
	# (with several boots, the best: the highest throughput, least cost)
	# (units: "/s" throughput and "x" speedup, higher is better; others
	# costs; a fifth field bounds ours by itself: at least, at most for a
	# cost; target "-": a row only ours prints, judged by its bound alone)
	awk -F'|' -v stock="$stock_label" -v nstock=${#stock_logs[@]} '
	function higher(u) { return u ~ /\/s$/ || u == "x" }
	function better(u, a, b) { return higher(u) == (a + 0 > b + 0) ? a : b }
	FNR == 1 { f++ }
	!/@@@ BENCH [^-]/ { next }
	{ sub(/^.*@@@ BENCH /, "") }
	NF >= 5 { bound[$1] = $5 }
	f <= nstock && !($1 in up) { order[n++] = $1; unit[$1] = $2; target[$1] = $3; up[$1] = $4; next }
	f <= nstock { up[$1] = better(unit[$1], up[$1], $4); next }
	!($1 in unit) { order[n++] = $1; unit[$1] = $2; target[$1] = $3 }
	!($1 in ours) { ours[$1] = $4; next }
	{ ours[$1] = better(unit[$1], ours[$1], $4) }
	END {
		fmt = "%-47s %-6s %10s %10s %6s %6s  %s\n"
		printf fmt, "row", "unit", stock, "ours", "ratio", "target", ""
		for (i = 0; i < n; i++) {
			k = order[i]
			ob = (k in bound) && (k in ours) &&
			     (higher(unit[k]) ? ours[k] + 0 < bound[k] + 0 : ours[k] + 0 > bound[k] + 0)
			if (target[k] == "-") {
				v = !(k in ours) ? "MISSING" : ob ? "beyond " bound[k] " " unit[k] : ""
				if (v != "")
					bad++
				printf fmt, k, unit[k], "-", sprintf("%.4g", ours[k]), "-", bound[k], v
				continue
			}
			# Memory (every row maps 1 GiB): the counters move a
			# page at a time, and other work can take or give back
			# a page meanwhile, so one 4 KiB page per GiB (1/64 of a
			# byte per 4 KiB) is within the resolution; a kernel
			# holding nothing measurable has 0, and no ratio.
			if (unit[k] ~ /^B\// && (k in ours)) {
				u = up[k] > 0 ? up[k] : 0
				o = ours[k] > 0 ? ours[k] : 0
				v = o <= u + 1 / 64 ? "" : "MORE"
				if (v != "")
					bad++
				r = (u > 1 / 16 && o > 1 / 16) ? sprintf("%.2f", u / o) : "-"
				printf fmt, k, unit[k], sprintf("%.4g", u), sprintf("%.4g", o),
					r, target[k], v
				continue
			}
			if (!(k in ours) || up[k] <= 0 || ours[k] <= 0) {
				printf fmt, k, unit[k], up[k], ours[k], "-", target[k], "MISSING"
				bad++
				continue
			}
			r = higher(unit[k]) ? ours[k] / up[k] : up[k] / ours[k]
			v = r >= target[k] ? "" : (r < 1 ? "SLOWER" : "below target")
			if (v == "" && ob)
				v = "beyond " bound[k] " " unit[k]
			if (v != "")
				bad++
			printf fmt, k, unit[k], sprintf("%.4g", up[k]), sprintf("%.4g", ours[k]),
				sprintf("%.2f", r), target[k], v
		}
		printf "\n%d rows, %d below target\n", n, bad
	}' "${stock_logs[@]}" "${ours_logs[@]}"
} | tee "$results"
say "bench: table saved in $results"
