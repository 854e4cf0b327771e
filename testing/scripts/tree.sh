#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the kernel source tree we build: Debian's linux-source-6.12,
# extracted once (pristine, for reference and for upstream's own selftests),
# copied, with our directories laid over it and patches/ applied in order.
# Re-running only rewrites files whose content changed, so kbuild rebuilds
# just what we touched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing (run testing/scripts/deps.sh)"

stamp=$(stat -c '%s %Y' "$BASE_TARBALL")
if [ "$(cat "$BUILD/base/.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "extracting $BASE_TARBALL"
	rm -rf "$BUILD/base" "$SRC"
	mkdir -p "$BUILD/base"
	tar -C "$BUILD/base" -xf "$BASE_TARBALL"
	echo "$stamp" >"$BUILD/base/.stamp"
fi

# The source tree is rebuilt from scratch when the patch set changes.
shopt -s nullglob
patches=("$REPO"/patches/*.patch)
pstamp=$(cat "$BUILD/base/.stamp" "${patches[@]}" | sha1sum | cut -c1-40)
if [ "$(cat "$SRC/.iommufd-stamp" 2>/dev/null)" != "$pstamp" ]; then
	say "creating $SRC"
	rm -rf "$SRC"
	# "$BASE/." so that a symlinked base (README's worktree recipe) is
	# copied, not linked: $SRC is modified below and $BASE must stay
	# pristine.
	mkdir -p "$SRC"
	cp -a "$BASE/." "$SRC/"
	for d in $OVERLAY_DIRS; do rm -rf "${SRC:?}/$d"; done
	for p in "${patches[@]}"; do
		say "applying patches/$(basename "$p")"
		patch -d "$SRC" -p1 --quiet --forward <"$p" ||
			die "patches/$(basename "$p") does not apply"
	done
	echo "$pstamp" >"$SRC/.iommufd-stamp"
fi

for d in $OVERLAY_DIRS; do
	mkdir -p "$SRC/$d"
	rsync -rc --delete --exclude='*.o' --exclude='.*' "$REPO/$d/" "$SRC/$d/"
done
for f in $OVERLAY_FILES; do
	rsync -c "$REPO/$f" "$SRC/$f"
done
