#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The long run of the fuzzer and the concurrency stress (make soak; not part
# of make check): soak.sh [MACHINE...], by default on the x86_64 debug
# kernel (KASAN, lockdep, kmemleak, panic_on_warn) and then on x86_64-kcsan,
# the same kernel with the data-race detector KCSAN in place of KASAN.
# SOAK_MINUTES (default 30) is the time each machine spends in the tests.
#
# The guest's /init (itest=soak) runs iommufd_fuzz and iommufd_stress in
# turns, each round with a new seed, until the time is up; this script then
# writes a summary per machine to $LOGS/soak-MACHINE.summary: rounds and
# seeds run, ioctls issued, and every report found. A report is a test
# failure (a TAP failure, a model mismatch, a non-zero exit), a kernel WARN,
# BUG, KASAN, lockdep or kmemleak report, or a KCSAN data race whose stacks
# reach iommufd or vfio. KCSAN races entirely outside them are listed
# apart (the rest of the kernel is not ours to judge) and do not fail the
# run. Under KCSAN panic_on_warn is off, since KCSAN counts as a WARN:
# there a WARN is found in the log instead of stopping the machine.
# soak.sh summary [MACHINE...] prints the summaries of the last logs again.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
only_summary=
if [ "${1:-}" = summary ]; then
	only_summary=1
	shift
fi
machines=${*:-x86_64 x86_64-kcsan}
minutes=${SOAK_MINUTES:-30}
bad=0

# summarize MACHINE LOG: print the summary; non-zero if anything was found.
summarize() {
	tr -d '\r' <"$2" | sed 's/^\[ *[0-9.]*\] //' | awk -v m="$1" '
	/^@@@ SOAK ROUND / { rounds++ }
	/seed [0-9]+ \(IOMMUFD_FUZZ_SEED\)/ {
		s = $0; sub(/.*seed /, "", s); sub(/ .*/, "", s); fseeds[s] = 1
	}
	/IOMMUFD_STRESS_SEED=/ {
		s = $0; sub(/.*IOMMUFD_STRESS_SEED=/, "", s); sub(/ .*/, "", s)
		sseeds[s] = 1
	}
	/^# [0-9]+ iterations, seed/ { fuzz += $2 }
	/ [0-9]+ calls +[0-9]+ ok/ {
		for (i = 1; i < NF; i++) if ($(i + 1) == "calls") stress += $i
	}
	/^@@@ SOAK RC / && $5 != 0 { rep[nr++] = "test: " $4 " exited with status " $5 }
	/^not ok / { rep[nr++] = "test: " $0 }
	/MISMATCH|^# .*FAIL/ { rep[nr++] = "test: " $0 }
	/^@@@ SOAK DONE/ { done = 1 }
	/^BUG: KCSAN:/ { kcsan = 1; title = $0; ours = 0; next }
	kcsan && /\[iommufd\]|\[vfio|iommufd_|iopt_/ { ours = 1 }
	kcsan && /^==========/ {
		kcsan = 0
		if (ours) rep[nr++] = "kernel: " title
		else if (!(title in other)) { other[title] = 1; no++ }
		next
	}
	!kcsan && /(WARNING:|BUG:|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|possible circular locking|INFO: task .* blocked|unreferenced object)/ {
		rep[nr++] = "kernel: " $0
	}
	END {
		if (!done) rep[nr++] = "machine: did not reach the end of the soak (panic, hang or time limit)"
		nf = 0; for (s in fseeds) nf++
		ns = 0; for (s in sseeds) ns++
		printf "%s: %d rounds, %d fuzzer seeds, %d stress seeds, %d ioctls (fuzzer %d, stress %d), %d reports\n", \
			m, rounds, nf, ns, fuzz + stress, fuzz, stress, nr
		for (i = 0; i < nr; i++) print "  REPORT " rep[i]
		if (no) {
			printf "  %d KCSAN data races outside iommufd and vfio (not ours):\n", no
			for (t in other) print "    " t
		}
		exit nr != 0
	}'
}

if [ -n "$only_summary" ]; then
	for a in $machines; do
		summarize "$a" "$LOGS/$a-soak.log" || bad=1
	done
	exit $bad
fi

"$here/deps.sh" || exit 1
"$here/tree.sh" || exit 1
for a in $machines; do
	if ! "$here/kernel.sh" "$a" || ! "$here/guest.sh" "$a"; then
		echo "$a: build failed" >&2
		bad=1
		continue
	fi
	say "$a: soaking for $minutes minutes (log: $LOGS/$a-soak.log)"
	pow=1
	case $a in *-kcsan) pow=0 ;; esac
	SOAK_SECONDS=$((minutes * 60)) PANIC_ON_WARN=$pow \
		"$here/boot.sh" "$a" soak
	summarize "$a" "$LOGS/$a-soak.log" | tee "$LOGS/soak-$a.summary"
	[ "${PIPESTATUS[0]}" = 0 ] || bad=1
done
exit $bad
