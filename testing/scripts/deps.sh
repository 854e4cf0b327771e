#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the test machines need, if it is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$BUILD"

# A partial index refresh (a mirror mid-sync) is not fatal: the install or
# download that follows says whether what we need is reachable.
apt_update() { apt-get update -q >/dev/null 2>&1 || true; }

# package -> why we need it
declare -A WHY=(
	[linux-source-6.12]="the base kernel tree we overlay"
	[build-essential]="host compiler and make"
	[flex]="kernel build" [bison]="kernel build" [bc]="kernel build"
	[libelf-dev]="kernel build (objtool)" [libssl-dev]="kernel build"
	[cpio]="initramfs" [kmod]="kernel build" [rsync]="overlay sync"
	[ccache]="fast rebuilds" [sparse]="static checks (C=2)"
	[perl]="checkpatch"
	[gcc-aarch64-linux-gnu]="arm64 kernel and tests"
	[gcc-powerpc64le-linux-gnu]="ppc64le kernel and tests"
	[libc6-dev-arm64-cross]="arm64 tests (the cross compiler's libc)"
	[libc6-dev-ppc64el-cross]="ppc64le tests (the cross compiler's libc)"
	[qemu-system-x86]="x86_64 machine" [qemu-system-arm]="arm64 machine"
	[qemu-system-ppc]="ppc64le machine"
	[busybox-static]="x86_64 initramfs userland"
	[debootstrap]="QEMU 10 from Debian 13 in the x86_64 machine (qemu10.sh)"
)

missing=()
for p in "${!WHY[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
need_update=1
if [ ${#missing[@]} -gt 0 ]; then
	for p in "${missing[@]}"; do say "installing $p: ${WHY[$p]}"; done
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	apt_update
	need_update=0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >"$BUILD/apt.log" 2>&1 ||
		{ tail -20 "$BUILD/apt.log"; die "apt-get install failed (see $BUILD/apt.log)"; }
fi

# The arm64 and ppc64el busybox-static packages conflict with the host's, so
# they are unpacked into the build directory rather than installed.
for deb_arch in arm64 ppc64el; do
	dir=$BUILD/busybox/$deb_arch
	[ -x "$dir/bin/busybox" ] && continue
	say "fetching busybox-static:$deb_arch: $deb_arch initramfs userland"
	if ! dpkg --print-foreign-architectures | grep -qx "$deb_arch"; then
		dpkg --add-architecture "$deb_arch"
		need_update=1
	fi
	[ $need_update = 1 ] && { apt_update; need_update=0; }
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "busybox-static:$deb_arch" >/dev/null 2>&1) ||
		die "apt-get download busybox-static:$deb_arch failed"
	mkdir -p "$dir"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$dir"
	rm -rf "$tmp"
done
exit 0
