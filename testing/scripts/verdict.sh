#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge one machine's console log: verdict.sh ARCH [LOG]
# Prints a summary and every failure with its test and the log's path,
# writes "passed failed skipped" to $LOGS/ARCH.counts, and exits non-zero
# if anything failed. Beyond failed TAP results it fails on: a test binary
# with a missing or short plan or a non-zero exit, a machine that did not
# reach the end of its run (timeout, panic, hang), and any kernel WARN,
# BUG, oops, KASAN, lockdep or kmemleak report anywhere in the log.
#
# Binaries marked "@@@ BEGIN NAME external" are the base tree's own suite
# (external conformance). Their results are counted apart from ours and
# written to $LOGS/ARCH.conformance: a failure is allowed only for a test
# named in testing/conformance/known-gaps; any other failure is unexpected
# and adds to our failed count, as does a missing or short plan. A listed
# test that passes gets a notice ("now passing, remove from known-gaps").
#
# A binary that stops early (per-binary time budget in the guest's /init,
# or a crash of the harness itself) leaves its remaining tests without a
# result. We cannot name those tests from the log, so they are not matched
# against known-gaps: the short plan is reported as one unexpected failure
# of that binary and its unreported tests count as not passed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=${1:?usage: verdict.sh ARCH [LOG]}
log=${2:-$LOGS/$a-check.log}
[ -f "$log" ] || die "$a: no log $log"

conf_expect=
case " $CONFORMANCE_ARCHES " in *" $a "*) conf_expect=$CONFORMANCE_PROGS ;; esac
rm -f "$LOGS/$a.conformance"

# Kernel logs arrive with CRs and timestamps; normalise before parsing.
tr -d '\r' <"$log" | awk -v arch="$a" -v logf="$log" -v counts="$LOGS/$a.counts" \
	-v gapsf="$KNOWN_GAPS" -v expect="$conf_expect" -v confout="$LOGS/$a.conformance" \
	-v buildlog="$LOGS/conformance-build-$a.log" '
function fail(msg) { failures[nf++] = msg }
# A failure of the base tree suite that known-gaps does not allow.
function xfail(msg) { fail(msg); ext_unexpected++ }
function note(msg) { notices[nn++] = msg }
# The test name of a TAP result line: drop "ok N " / "not ok N " and any
# directive or diagnostic after " #".
function tapname(line) {
	sub(/^(not )?ok [0-9]+ /, "", line)
	sub(/ +#.*$/, "", line)
	return line
}
function close_binary(rc,    what, n0) {
	what = ext ? bin " (external)" : bin
	n0 = nf
	if (!have_plan)
		fail(arch ": " what ": no TAP plan (crashed or not a TAP test?)")
	else if (seen != planned)
		fail(arch ": " what ": TAP plan says " planned " tests, " seen " reported" \
		     (timed_out[bin] ? " (stopped by its time budget)" : ""))
	if (rc != 0 && bin_failed == 0)
		fail(arch ": " what ": exited with status " rc " without a failed test")
	if (ext) {
		if (seen != planned) ext_short = 1
		if (totals != "" && totals != ext_pass[bin] " " bin_failed " " ext_skip[bin])
			fail(arch ": " what ": TAP results (pass fail skip: " ext_pass[bin] " " \
			     bin_failed " " ext_skip[bin] ") disagree with the harness Totals (" \
			     totals ")")
		ext_unexpected += nf - n0
	}
	in_bin = 0
}
BEGIN {
	while ((getline line < gapsf) > 0) {
		sub(/#.*/, "", line)
		gsub(/[ \t]+/, "", line)
		if (line != "") gap[line] = 1
	}
	nexpect = split(expect, expected, " ")
}
/@@@ MODPROBE-FAILED/ { fail(arch ": modprobe " $3 " failed") }
/@@@ BEGIN / {
	bin = $3; ext = ($4 == "external"); in_bin = 1; have_plan = 0; seen = 0
	planned = -1; bin_failed = 0; totals = ""
	if (ext) { ext_ran[bin] = 1; ext_pass[bin] = 0; ext_skip[bin] = 0 }
	else binaries++
	next
}
/@@@ END / {
	rc = $4; sub(/rc=/, "", rc)
	close_binary(rc + 0); next
}
/@@@ TIMEOUT / { timed_out[$3] = 1; next }
/@@@ TESTS END/ { finished = 1 }
/@@@ KMEMLEAK BEGIN/ { in_leak = 1; next }
/@@@ KMEMLEAK END/ { in_leak = 0; next }
in_leak && /unreferenced object/ { fail(arch ": kmemleak: " $0) }
in_bin && /^1\.\.[0-9]+/ && !have_plan {
	have_plan = 1; planned = substr($1, 4) + 0
	if (ext) ext_planned[bin] = planned
	next
}
in_bin && ext && /^# Totals: pass:[0-9]+ fail:[0-9]+ xfail:[0-9]+ xpass:[0-9]+ skip:[0-9]+/ {
	# pass, xfail and xpass are "ok" lines without a SKIP directive.
	split($0, v, /[^0-9]+/)
	totals = (v[2] + v[4] + v[5]) " " v[3] " " v[6]
	next
}
in_bin && /^ok [0-9]+/ {
	seen++; if (ext) ext_seen_n[bin] = seen
	if (!ext) {
		if ($0 ~ /# [Ss][Kk][Ii][Pp]/) skipped++; else passed++
		next
	}
	t = tapname($0); ext_seen[t] = 1
	if ($0 ~ /# [Ss][Kk][Ii][Pp]/) { ext_skip[bin]++; ext_skipped++; next }
	ext_pass[bin]++
	if (t in gap) note("now passing, remove from known-gaps: " t)
	next
}
in_bin && /^not ok [0-9]+/ {
	seen++; if (ext) ext_seen_n[bin] = seen
	t = tapname($0)
	if (ext) ext_seen[t] = 1
	if ($0 ~ /# [Ss][Kk][Ii][Pp]/) {
		if (ext) { ext_skip[bin]++; ext_skipped++ } else skipped++
		next
	}
	bin_failed++
	if (!ext) {
		failed++
		fail(arch ": " bin ": FAILED " t)
	} else if (t in gap) {
		ext_known++
	} else {
		xfail(arch ": " bin " (external): FAILED " t " (not in testing/conformance/known-gaps)")
	}
	next
}
/(WARNING:|BUG:|BUG kmalloc|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|possible circular locking|INFO: task .* blocked|kmemleak: [0-9]+ new suspected)/ {
	kernel_problem = 1
	fail(arch ": kernel: " $0)
}
/@@@ HOST: machine killed/ { fail(arch ": " substr($0, 11)) }
END {
	if (in_bin && ext) {
		ext_short = 1
		xfail(arch ": " bin " (external): did not finish (machine died while it ran)")
	} else if (in_bin) fail(arch ": " bin ": did not finish (machine died while it ran)")
	if (!finished) fail(arch ": the machine did not reach the end of its test run")
	if (binaries == 0) fail(arch ": no test binary ran")
	line = ""
	for (i = 1; i <= nexpect; i++) {
		p = expected[i]
		if (!(p in ext_ran)) {
			ext_short = 1
			line = line (i > 1 ? ", " : "") p " did not run"
			if (finished)
				xfail(arch ": external " p " did not run (built? see " buildlog ")")
			continue
		}
		line = line (i > 1 ? ", " : "") p " " ext_pass[p] "/" \
			(p in ext_planned ? ext_planned[p] : "?") " passed"
		if ((p in ext_planned) && ext_seen_n[p] < ext_planned[p])
			line = line " (" ext_planned[p] - ext_seen_n[p] " unreported)"
	}
	# A stale name in known-gaps (renamed or removed test, typo) can only
	# be told when every external binary reported every test.
	if (nexpect && !ext_short)
		for (g in gap) if (!(g in ext_seen))
			note("known-gaps names a test that did not run: " g)
	# The files first: check.sh reads this script through head -1.
	print passed + 0, failed + 0 + (nf > failed ? nf - failed : 0), skipped + 0 > counts
	close(counts)
	if (nexpect) {
		line = arch ": external conformance (base tree suite): " line "; " \
			ext_known + 0 " known gaps, " ext_unexpected + 0 " unexpected failures"
		if (ext_skipped) line = line ", " ext_skipped " skipped"
		for (i = 0; i < nn; i++) if (notices[i] ~ /^now passing/) npass++
		if (npass) line = line ", " npass " known gaps now passing"
		print line > confout
		close(confout)
	}
	printf "%s: %d passed, %d failed, %d skipped, %d test binaries\n", arch, passed, failed, skipped, binaries
	if (nexpect) print line
	for (i = 0; i < nf; i++) print "  " failures[i]
	for (i = 0; i < nn; i++) print "  notice: " notices[i]
	if (nf) print "  full log: " logf
	exit nf ? 1 : 0
}'
