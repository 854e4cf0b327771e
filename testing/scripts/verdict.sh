#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge one machine's console log: verdict.sh ARCH [LOG]
# Prints a summary and every failure with its test and the log's path,
# writes "passed failed skipped" to $LOGS/ARCH.counts, and exits non-zero
# if anything failed. Beyond failed TAP results it fails on: a test binary
# with a missing or short plan or a non-zero exit, a machine that did not
# reach the end of its run (timeout, panic, hang), and any kernel WARN,
# BUG, oops, KASAN, lockdep or kmemleak report anywhere in the log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=${1:?usage: verdict.sh ARCH [LOG]}
log=${2:-$LOGS/$a-check.log}
[ -f "$log" ] || die "$a: no log $log"

# Kernel logs arrive with CRs and timestamps; normalise before parsing.
tr -d '\r' <"$log" | awk -v arch="$a" -v logf="$log" -v counts="$LOGS/$a.counts" '
function fail(msg) { failures[nf++] = msg }
function close_binary(rc) {
	if (!have_plan)
		fail(arch ": " bin ": no TAP plan (crashed or not a TAP test?)")
	else if (seen != planned)
		fail(arch ": " bin ": TAP plan says " planned " tests, " seen " reported")
	if (rc != 0 && bin_failed == 0)
		fail(arch ": " bin ": exited with status " rc " without a failed test")
	in_bin = 0
}
/@@@ MODPROBE-FAILED/ { fail(arch ": modprobe " $3 " failed") }
/@@@ BEGIN / { bin = $3; in_bin = 1; have_plan = 0; seen = 0; planned = -1; bin_failed = 0; binaries++; next }
/@@@ END / {
	rc = $4; sub(/rc=/, "", rc)
	close_binary(rc + 0); next
}
/@@@ TESTS END/ { finished = 1 }
/@@@ KMEMLEAK BEGIN/ { in_leak = 1; next }
/@@@ KMEMLEAK END/ { in_leak = 0; next }
in_leak && /unreferenced object/ { fail(arch ": kmemleak: " $0) }
in_bin && /^1\.\.[0-9]+/ && !have_plan { have_plan = 1; planned = substr($1, 4) + 0; next }
in_bin && /^ok [0-9]+/ {
	seen++
	if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skipped++; else passed++
	next
}
in_bin && /^not ok [0-9]+/ {
	seen++
	if ($0 ~ /# [Ss][Kk][Ii][Pp]/) { skipped++; next }
	failed++; bin_failed++
	t = $0; sub(/^not ok [0-9]+ /, "", t)
	fail(arch ": " bin ": FAILED " t)
	next
}
/(WARNING:|BUG:|BUG kmalloc|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|possible circular locking|INFO: task .* blocked|kmemleak: [0-9]+ new suspected)/ {
	kernel_problem = 1
	fail(arch ": kernel: " $0)
}
/@@@ HOST: machine killed/ { fail(arch ": " substr($0, 11)) }
END {
	if (in_bin) fail(arch ": " bin ": did not finish (machine died while it ran)")
	if (!finished) fail(arch ": the machine did not reach the end of its test run")
	if (binaries == 0) fail(arch ": no test binary ran")
	printf "%s: %d passed, %d failed, %d skipped, %d test binaries\n", arch, passed, failed, skipped, binaries
	for (i = 0; i < nf; i++) print "  " failures[i]
	if (nf) print "  full log: " logf
	print passed + 0, failed + 0 + (nf > failed ? nf - failed : 0), skipped + 0 > counts
	exit nf ? 1 : 0
}'
