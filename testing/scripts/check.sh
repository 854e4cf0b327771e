#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole test run: check.sh [ARCH...]
# Installs what is missing, prepares the tree, builds each machine's kernel,
# selftests and initramfs, boots it, judges its log, runs the static checks
# and ends with "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
here=$(dirname "$0")
arches=${*:-$ALL_ARCHES}
t0=$(date +%s)
problems=()

elapsed() { echo "$(( ($(date +%s) - t0) / 60 ))m$(( ($(date +%s) - t0) % 60 ))s"; }

"$here/deps.sh" || exit 1
"$here/tree.sh" || exit 1

passed=0 failed=0 skipped=0
for a in $arches; do
	rm -f "$LOGS/$a.counts" "$LOGS/$a.conformance"
	if ! "$here/kernel.sh" "$a"; then
		problems+=("$a: kernel build failed (log: $LOGS/build-$a.log)")
		failed=$((failed + 1)); continue
	fi
	if [ "$a" = x86_64 ] && [ -z "${SKIP_STATIC:-}" ]; then
		"$here/static.sh" || problems+=("static checks: $(cat "$LOGS/static.count") findings (log: $LOGS/static.log)")
		failed=$((failed + $(cat "$LOGS/static.count" 2>/dev/null || echo 1)))
	fi
	if ! "$here/guest.sh" "$a"; then
		problems+=("$a: selftests or initramfs failed to build")
		failed=$((failed + 1)); continue
	fi
	say "$a: booting ($(elapsed) so far)"
	"$here/boot.sh" "$a" check
	"$here/verdict.sh" "$a" || problems+=("$a: see above")
	read -r p f s <"$LOGS/$a.counts"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo
echo "=== summary ($(elapsed)) ==="
for a in $arches; do
	[ -f "$LOGS/$a-check.log" ] && [ -f "$LOGS/$a.counts" ] &&
		"$here/verdict.sh" "$a" 2>/dev/null | head -1
done
for p in "${problems[@]}"; do echo "  $p"; done
# The base tree's own suite is reported apart; only its unexpected
# failures are in the totals below (see testing/conformance/known-gaps).
for a in $arches; do
	[ -f "$LOGS/$a.conformance" ] && cat "$LOGS/$a.conformance"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ ${#problems[@]} = 0 ]
