# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/buildroot.sh - a build root with the kernel's own compiler
# when the host lacks it.  Sourced by lib.sh.

# gupr_build_root: when the host lacks the compiler a Debian kernel was
# built with (Debian 12 has gcc-12; bullseye's kernel wants gcc-10,
# trixie's gcc-14, sid's newer), a minbase root of $KSUITE with that
# compiler, make and the kbuild tools' libraries, made by mmdebstrap through
# the same mirror and cached per suite and compiler.  Sets BUILD_ROOT (""
# when the host compiler serves: always for a kernel tree, whose compiler
# must be installed on the host).
gupr_build_root() {
	local pkgs
	BUILD_ROOT=""
	[ "$KSOURCE" = tree ] && return 0
	if command -v "$KCC" >/dev/null 2>&1 && [ "$KSUITE" = bookworm ]; then
		return 0
	fi
	BUILD_ROOT="$GUPR_CACHE/buildroots/$KSUITE-$KCC"
	# the compiler package the headers ask for, and the kbuild tools' libraries
	# shellcheck disable=SC2046  # split on purpose: one package name a word (Debian's have no white space)
	pkgs=$(gupr_apt "$KSUITE" apt-cache depends "linux-headers-$KREL" $(cd "$KCACHE/debs" && ls linux-kbuild-*.deb | sed 's/_.*//') 2>/dev/null |
		awk '$1 == "Depends:" && $2 !~ /^</ && $2 !~ /^linux-(headers|kbuild|image|base)/ {print $2}' |
		sort -u | tr '\n' ',')
	# perl: kernel-doc, which W=1 runs on the module from v6.x
	pkgs="make,libc6-dev,perl,${pkgs%,}"
	gupr_root_make "$BUILD_ROOT" "$KSUITE" "$pkgs" "$KCC for $KREL"
}

# gupr_root_make ROOT SUITE PKGS WHAT: ROOT, a minbase root of SUITE with
# PKGS (comma-separated), made by mmdebstrap through the host's archive URI
# (apt.sh) under the lock buildroot-<name of ROOT>, once: ROOT/.gupr-packages
# holds PKGS when it is complete, and another PKGS makes it anew.  WHAT
# says what it is for in the progress line.  Dies when mmdebstrap fails
# (nothing is left of ROOT).
gupr_root_make() {
	local root=$1 suite=$2 pkgs=$3 what=$4 stamp="$1/.gupr-packages" name=${1##*/}
	if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
		return 0
	fi
	gupr_lock "buildroot-$name"
	if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
		gupr_unlock "buildroot-$name"
		return 0
	fi
	command -v mmdebstrap >/dev/null 2>&1 || gupr_die "mmdebstrap is needed to build $what"
	gupr_say "==> build root: $suite minbase with $what (mmdebstrap, once per suite)"
	local -a src
	mapfile -t src < <(gupr_apt_sources "$suite")
	[ ${#src[@]} -gt 0 ] || gupr_die "no Debian archive URI"
	# build roots are only ever mounted inside their own mount namespace
	# (gupr_make_in_root), so nothing can be mounted below them here
	rm -rf --one-file-system "$root"
	mkdir -p "$(dirname "$root")"
	gupr_vrun mmdebstrap --variant=minbase --include="$pkgs" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		"$suite" "$root" "${src[@]}" ||
		{ rm -rf --one-file-system "$root"; gupr_die "mmdebstrap of a $suite build root with $pkgs failed"; }
	echo "$pkgs" >"$stamp"
	gupr_unlock "buildroot-$name"
}

# gupr_make_in_root DIR ARGS...: run make ARGS in $BUILD_ROOT with the
# kernel's cache directory and DIR bind-mounted (vm-images/make-in-root.sh);
# plain make when there is no build root.  In the background, waited for:
# a signal to the script runs its trap at once.
gupr_make_in_root() {
	local dir=$1; shift
	"$GUPR_TOP/vm-images/make-in-root.sh" "$BUILD_ROOT" "${KCACHE:-/}" "$dir" "$@" &
	wait $!
}
