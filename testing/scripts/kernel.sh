#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build one machine's kernel: kernel.sh ARCH
# The configuration is tinyconfig plus testing/configs/common.config and the
# machine's fragments (ARCH.config; see arch_vars in lib.sh);
# every option the fragments ask for is checked to have stuck, so a renamed
# or unmet dependency cannot silently drop a feature from the test kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
a=${1:?usage: kernel.sh ARCH}
arch_vars "$a"
mkdir -p "$KOUT" "$LOGS"
log=$LOGS/build-$a.log
frags="$REPO/testing/configs/common.config"
for f in $FRAGS; do frags="$frags $REPO/testing/configs/$f.config"; done

cstamp=$(cat $frags | sha1sum | cut -c1-40)
if [ "$(cat "$KOUT/.frag-stamp" 2>/dev/null)" != "$cstamp" ] || [ ! -f "$KOUT/.config" ]; then
	say "$a: configuring"
	kmake "$a" tinyconfig >"$log" 2>&1 || { tail -20 "$log"; die "$a: tinyconfig failed"; }
	(cd "$KOUT" && ARCH=$KARCH "$SRC/scripts/kconfig/merge_config.sh" -m -O "$KOUT" \
		"$KOUT/.config" $frags) >>"$log" 2>&1
	kmake "$a" olddefconfig >>"$log" 2>&1 || { tail -20 "$log"; die "$a: olddefconfig failed"; }
	bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=n)
			sym=${line%=n}
			grep -q "^$sym=" "$KOUT/.config" && { echo "$a: $sym wanted off, is on"; bad=1; } ;;
		CONFIG_*=*)
			grep -qx "$line" "$KOUT/.config" || { echo "$a: $line did not stick"; bad=1; } ;;
		esac
	done < <(cat $frags | awk -F= '/^CONFIG_/ { v[$1] = $0; if (!($1 in o)) o[$1] = n++ }
		END { for (k in v) print o[k] "\t" v[k] }' | sort -n | cut -f2)
	[ $bad = 0 ] || die "$a: config fragment not satisfied (see $KOUT/.config)"
	echo "$cstamp" >"$KOUT/.frag-stamp"
fi

say "$a: building kernel (log: $log)"
targets=$(basename "$IMAGE")
grep -q '^CONFIG_MODULES=y' "$KOUT/.config" && targets="$targets modules"
if ! kmake "$a" $targets >>"$log" 2>&1; then
	grep -E 'error|Error|undefined|ERROR' "$log" | head -30
	die "$a: kernel build failed (log: $log)"
fi
kmake "$a" headers_install INSTALL_HDR_PATH="$BUILD/$a/headers" >>"$log" 2>&1 ||
	die "$a: headers_install failed (log: $log)"
if grep -q '^CONFIG_MODULES=y' "$KOUT/.config"; then
	rm -rf "$BUILD/$a/modroot"
	kmake "$a" modules_install INSTALL_MOD_PATH="$BUILD/$a/modroot" \
		INSTALL_MOD_STRIP=1 >>"$log" 2>&1 || die "$a: modules_install failed (log: $log)"
fi
say "$a: kernel ready: $KOUT/$IMAGE"
