#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of our files: checkpatch --strict, kernel-doc on headers,
# sparse (C=2) and W=1 on drivers/iommu/iommufd in the x86_64 tree.
# Prints each finding; writes their number to $LOGS/static.count.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$LOGS"
out=$LOGS/static.log
: >"$out"
findings=0

note() { echo "  static: $*"; echo "$*" >>"$out"; findings=$((findings + 1)); }

cd "$REPO"
files=$(git ls-files -- drivers/iommu/iommufd include/uapi/linux/iommufd.h \
	include/linux/iommufd.h tools/testing/selftests/iommu testing/demo |
	grep -E '\.[ch]$|/Kconfig$')

say "static: checkpatch --strict"
for f in $files; do
	res=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --quiet --no-summary \
		--show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" 2>&1 |
		grep -E '^(ERROR|WARNING|CHECK):' || true)
	[ -z "$res" ] && continue
	while IFS= read -r line; do note "checkpatch: $f: $line"; done <<<"$res"
done

say "static: kernel-doc on headers"
for f in $(echo "$files" | grep '\.h$' | grep -v '^tools/\|^testing/'); do
	res=$("$SRC/scripts/kernel-doc" -none -Wall "$f" 2>&1 || true)
	[ -z "$res" ] && continue
	while IFS= read -r line; do note "kernel-doc: $line"; done <<<"$res"
done

say "static: sparse (C=2) and W=1 on drivers/iommu/iommufd (x86_64 config)"
# A build directory of its own, so that the W=1 objects never mix with the
# test kernel's.
arch_vars x86_64
sout=$BUILD/static
if [ -f "$KOUT/.config" ]; then
	mkdir -p "$sout"
	cmp -s "$KOUT/.config" "$sout/.config" || cp "$KOUT/.config" "$sout/.config"
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$SRC" O="$sout" ARCH=x86 \
		CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" C=2 W=1 \
		drivers/iommu/iommufd/ >"$LOGS/static-build.log" 2>&1 ||
		note "W=1 C=2 build of drivers/iommu/iommufd failed ($LOGS/static-build.log)"
	res=$(grep -E '(iommufd|iova_bitmap)[^ ]*:[0-9]+(:[0-9]+)?: (warning|error)' \
		"$LOGS/static-build.log" | sort -u || true)
	if [ -n "$res" ]; then
		while IFS= read -r line; do note "$line"; done <<<"$res"
	fi
else
	note "x86_64 kernel not configured; sparse and W=1 not run"
fi

echo "$findings" >"$LOGS/static.count"
say "static: $findings findings (log: $out)"
[ $findings = 0 ]
