# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/module.sh - gup_repro.ko for the kernel of the record.
# Sourced by lib.sh.

# gupr_build_module: build gup_repro.ko in $GUPR_BUILD/$KID/kmod (W=1) with
# the kernel's own kbuild and compiler (make -C $KDIR M=..., in a build root
# when the host lacks the compiler); sets KO.  Returns 1 after printing the
# build log when the module does not build.
gupr_build_module() {
	local dir="$GUPR_BUILD/$KID/kmod" how
	KO="$dir/gup_repro.ko"
	# .complete is written after a whole build: an interrupted one is
	# never trusted
	if [ -e "$dir/.complete" ] && ! gupr_stale "$dir/.complete" "$GUPR_TOP/repro-kmod" "$KCONFIG" "$VMLINUZ"; then
		return 0
	fi
	gupr_build_root
	if [ -n "$BUILD_ROOT" ]; then how="$KCC in the $KSUITE build root"; else how="host $KCC"; fi
	gupr_say "==> module: building gup_repro.ko for $KREL ($how)"
	rm -rf "$dir"; mkdir -p "$dir"
	cp -r "$GUPR_TOP/repro-kmod/." "$dir/"
	local -a cc=()
	case "$KCC" in clang) cc=(LLVM=1) ;; *) [ "$KSOURCE" = tree ] && cc=(CC="$KCC") ;; esac
	if ! gupr_make_in_root "$dir" -C "$KDIR" M="$dir" W=1 "${cc[@]}" modules >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		rm -f "$KO"
		return 1
	fi
	[ "$GUPR_VERBOSE" = 1 ] && cat "$dir/build.log" >&2
	touch "$dir/.complete"
	return 0
}
