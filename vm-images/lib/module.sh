# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/module.sh - gup_repro.ko for the kernel of the record.
# Sourced by lib.sh.

# gupr_build_module: gup_repro.ko in $GUPR_BUILD/$KID/kmod (W=1), built by
# the Makefile's module rule with the kernel's own kbuild and compiler (in
# a build root when the host lacks the compiler); make decides whether it
# is stale.  Sets KO.  Returns 1 after printing the build log when the
# module does not build.
gupr_build_module() {
	local log="$GUPR_BUILD/$KID/kmod.log" how
	KO="$GUPR_BUILD/$KID/kmod/gup_repro.ko"
	local -a vars=(GUPR_BUILD="$GUPR_BUILD" KMOD_KDIR="$KDIR" KMOD_CONFIG="$KCONFIG" KMOD_IMAGE="$VMLINUZ")
	case "$KCC" in clang) vars+=(KMOD_CC=LLVM=1) ;; *) [ "$KSOURCE" = tree ] && vars+=(KMOD_CC="CC=$KCC") ;; esac
	make -q -C "$GUPR_TOP" "$KO" "${vars[@]}" 2>/dev/null && return 0
	gupr_build_root
	if [ -n "$BUILD_ROOT" ]; then how="$KCC in the $KSUITE build root"; else how="host $KCC"; fi
	gupr_say "==> module: building gup_repro.ko for $KREL ($how)"
	[ -n "$BUILD_ROOT" ] && vars+=(KMOD_ROOT="$BUILD_ROOT" KMOD_CACHE="$KCACHE")
	mkdir -p "$GUPR_BUILD/$KID"
	make -C "$GUPR_TOP" "$KO" "${vars[@]}" >"$log" 2>&1 &
	if ! wait $!; then
		cat "$log" >&2
		return 1
	fi
	[ "$GUPR_VERBOSE" = 1 ] && cat "$log" >&2
	return 0
}
