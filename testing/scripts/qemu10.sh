#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# QEMU 10 from Debian 13 (trixie) for the x86_64 machine, where it runs as
# a client of /dev/iommu (its -object iommufd backend; iommufd_qemu tests
# it): qemu10.sh
#
#   $BUILD/qemu10/root           debootstrap --variant=minbase trixie, plus
#                                qemu-system-x86 and strace (about 350 MB,
#                                250 MB of it downloaded packages); made
#                                once, kept across runs like the base tree
#   $BUILD/qemu10/qemu10.cpio.gz /qemu10 in the machine: a root with only
#                                qemu-system-x86_64, strace, what they load
#                                (libraries, kvmvapic.bin)
#                                and a BIOS that halts (about 70 MB, 25 MB
#                                compressed); guest.sh appends it to the
#                                x86_64 initramfs
#
# The host's apt configuration is not touched: debootstrap fetches from
# the mirror the host's sources name (deb.debian.org by default).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$BUILD/qemu10
root=$dir/root
out=$dir/qemu10.cpio.gz
# Bump to rebuild both after a change of what goes in.
stamp="qemu10 v2"

[ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$out" ] && exit 0
[ "$(id -u)" = 0 ] || die "qemu10: debootstrap needs root"
command -v debootstrap >/dev/null || die "qemu10: debootstrap is missing (deps.sh)"
mkdir -p "$dir" "$LOGS"
log=$LOGS/qemu10.log
: >"$log"

mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources \
	2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

if [ ! -x "$root/usr/bin/apt-get" ]; then
	say "qemu10: debootstrap trixie from $mirror (log: $log)"
	rm -rf "$root"
	debootstrap --variant=minbase trixie "$root" "$mirror" >>"$log" 2>&1 ||
		{ tail -20 "$log"; die "qemu10: debootstrap failed"; }
fi
if [ ! -x "$root/usr/bin/qemu-system-x86_64" ] || [ ! -x "$root/usr/bin/strace" ]; then
	say "qemu10: installing qemu-system-x86 and strace in it"
	mount -t proc proc "$root/proc"
	rc=0
	DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q \
		--no-install-recommends qemu-system-x86 strace >>"$log" 2>&1 || rc=$?
	chroot "$root" apt-get clean >>"$log" 2>&1 || true
	umount "$root/proc"
	[ $rc = 0 ] || { tail -20 "$log"; die "qemu10: apt-get install failed"; }
fi

say "qemu10: packing /qemu10 for the x86_64 machine"
slim=$dir/slim
rm -rf "$slim"
mkdir -p "$slim/qemu10"
bins="/usr/bin/qemu-system-x86_64 /usr/bin/strace"
files=$( (for f in $bins; do
	# what the loader maps for each, as the root resolves it
	chroot "$root" ldd "$f" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'
	echo "$f"
done) | sort -u)
# The root's own merged-/usr links first (bin -> usr/bin, lib -> usr/lib,
# ...), then each file where it really is, as a link to its target if it
# is one, and the target.
(cd "$root" && cp -a bin lib lib64 sbin "$slim/qemu10/" &&
for f in $files /usr/share/qemu/kvmvapic.bin /etc/ld.so.cache; do
	dir=$(readlink -f "$root$(dirname "$f")")
	dir=${dir#"$root"/}
	name=$dir/$(basename "$f")
	real=$(readlink -f "$root/$name")
	real=${real#"$root"/}
	cp -a --parents "$name" "$slim/qemu10/"
	[ "$real" = "$name" ] || cp -a --parents "$real" "$slim/qemu10/"
done)
# The machine's BIOS: 64 KiB of hlt, so that the inner CPU never runs
# firmware that would move the BARs the test programs.
head -c 65536 /dev/zero | tr '\0' '\364' >"$slim/qemu10/hlt.bin"
mkdir -p "$slim/qemu10"/{dev,proc,sys,tmp}
(cd "$slim" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
echo "$stamp" >"$dir/.stamp"
say "qemu10: ready: $out ($(du -sm "$slim" | cut -f1) MB, $(du -m "$out" | cut -f1) MB packed)"
