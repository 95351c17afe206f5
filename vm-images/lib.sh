# SPDX-License-Identifier: GPL-2.0
# vm-images/lib.sh - host-side glue sourced by run.sh and the tests:
# private apt configuration, guest kernel fetch/extract, module build,
# initramfs, scratch filesystem image and the QEMU boot.
#
# Nothing here touches the host's apt configuration, /usr/src or
# /lib/modules: kernels live under $GUPR_CACHE (XDG cache), build products
# under $GUPR_BUILD.

GUPR_TOP=${GUPR_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
GUPR_CACHE=${GUP_REPRO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gup-repro}
GUPR_BUILD=${GUP_REPRO_BUILD:-$GUPR_TOP/build}
GUPR_KEYRING=${GUP_REPRO_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# Re-read the archive's package lists when they are older than this (minutes).
GUPR_APT_MAX_AGE_MIN=${GUP_REPRO_APT_MAX_AGE_MIN:-1440}
GUPR_VERBOSE=${GUPR_VERBOSE:-0}

gupr_say() { printf '%s\n' "$*" >&"${GUPR_SAY_FD:-2}"; }
gupr_die() { printf 'gup-repro: error: %s\n' "$*" >&2; exit "${GUPR_DIE_RC:-125}"; }
gupr_vrun() {
	# Run a command; its output is shown with --verbose, else kept in $GUPR_LOG.
	if [ "$GUPR_VERBOSE" = 1 ]; then "$@"; else "$@" >>"${GUPR_LOG:-/dev/null}" 2>&1; fi
}

# --- mirror -----------------------------------------------------------------

# gupr_host_uri KIND: print the archive URI the host's own apt sources use.
# KIND is "main" (the Debian archive) or "security".  GUP_REPRO_MIRROR and
# GUP_REPRO_SECURITY_MIRROR override.  Reads both deb822 .sources files and
# one-line sources.list entries; writes nothing.
gupr_host_uri() {
	local kind=$1
	if [ "$kind" = main ] && [ -n "${GUP_REPRO_MIRROR:-}" ]; then
		echo "$GUP_REPRO_MIRROR"; return 0
	fi
	if [ "$kind" = security ] && [ -n "${GUP_REPRO_SECURITY_MIRROR:-}" ]; then
		echo "$GUP_REPRO_SECURITY_MIRROR"; return 0
	fi
	local files=() f etc=${GUP_REPRO_APT_ETC:-/etc/apt}
	for f in "$etc/sources.list" "$etc"/sources.list.d/*.list \
		 "$etc"/sources.list.d/*.sources; do
		[ -r "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 1
	awk -v kind="$kind" '
	function want(suites,   n, i, s, a) {
		n = split(suites, a, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			s = a[i]
			if (kind == "security" && s ~ /-security$/) return 1
			if (kind == "main" && s ~ /^(bullseye|bookworm|trixie|forky|sid|stable|testing|unstable|oldstable)$/) return 1
		}
		return 0
	}
	function flush() {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "" && want(suites) && !found) {
			split(uris, u, /[ \t]+/); print u[1]; found = 1
		}
		types = ""; uris = ""; suites = ""
	}
	FNR == 1 { flush() }
	FILENAME ~ /\.sources$/ {
		if ($0 ~ /^[ \t]*$/) { flush(); next }
		if ($0 ~ /^#/) next
		if (tolower($1) == "types:") { $1 = ""; types = $0 }
		if (tolower($1) == "uris:") { $1 = ""; sub(/^[ \t]+/, ""); uris = $0 }
		if (tolower($1) == "suites:") { $1 = ""; suites = $0 }
		next
	}
	{
		flush()
		if ($1 != "deb") next
		i = 2
		if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
		types = "deb"; uris = $i; suites = $(i + 1); flush()
	}
	END { flush() }
	' "${files[@]}"
}

# --- private apt ----------------------------------------------------------

# gupr_apt SUITE ARGS...: run apt-get/apt-cache (first ARG) against SUITE
# through a private configuration under $GUPR_CACHE/apt/SUITE: own
# sources.list, lists, cache and an empty dpkg status.  The host's apt
# configuration is neither read for parts nor modified.
gupr_apt_dir() { echo "$GUPR_CACHE/apt/$1"; }

gupr_apt_setup() {
	local suite=$1 dir main sec
	dir=$(gupr_apt_dir "$suite")
	main=$(gupr_host_uri main) || gupr_die "no Debian archive URI in the host's apt sources; set GUP_REPRO_MIRROR"
	sec=$(gupr_host_uri security || true)
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc/apt.conf.d" \
		"$dir/etc/preferences.d" "$dir/etc/sources.list.d"
	[ -e "$dir/status" ] || : >"$dir/status"
	# Written to a private temporary file and renamed only when changed, so
	# that concurrent runs (matrix cells) never read a half-written file.
	local tmp
	tmp=$(mktemp "$dir/.sources.XXXXXX")
	{
		case "$suite" in
		sid|unstable)
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite main" ;;
		*)
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite main"
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite-updates main"
			[ -n "$sec" ] && echo "deb [signed-by=$GUPR_KEYRING] $sec $suite-security main" ;;
		esac
	} >"$tmp"
	if ! cmp -s "$tmp" "$dir/sources.list" 2>/dev/null; then
		mv "$tmp" "$dir/sources.list"
		rm -f "$dir/lists/"*_Packages* "$dir/updated"
	else
		rm -f "$tmp"
	fi
	tmp=$(mktemp "$dir/.apt.conf.XXXXXX")
	cat >"$tmp" <<-EOF
	Dir::Etc::SourceList "$dir/sources.list";
	Dir::Etc::SourceParts "$dir/etc/sources.list.d";
	Dir::Etc::Parts "$dir/etc/apt.conf.d";
	Dir::Etc::Preferences "$dir/etc/preferences";
	Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
	Dir::State "$dir/";
	Dir::State::Lists "$dir/lists";
	Dir::State::status "$dir/status";
	Dir::Cache "$dir/cache";
	APT::Architecture "amd64";
	APT::Sandbox::User "root";
	Acquire::Languages "none";
	// The archive mirror may serve a sid Release file past its Valid-Until:
	// signatures are still checked, only the freshness date is not.
	Acquire::Check-Valid-Until "false";
	EOF
	if cmp -s "$tmp" "$dir/apt.conf" 2>/dev/null; then rm -f "$tmp"; else mv "$tmp" "$dir/apt.conf"; fi
}

gupr_apt() {
	local suite=$1; shift
	APT_CONFIG="$(gupr_apt_dir "$suite")/apt.conf" "$@"
}

# gupr_apt_update SUITE: refresh the private lists when missing or stale.
gupr_apt_update() {
	local suite=$1 dir
	dir=$(gupr_apt_dir "$suite")
	gupr_apt_setup "$suite"
	if [ -e "$dir/updated" ] && [ -z "$(find "$dir/updated" -mmin +"$GUPR_APT_MAX_AGE_MIN")" ] &&
	   [ "${GUP_REPRO_APT_UPDATE:-0}" != 1 ]; then
		return 0
	fi
	gupr_say "==> apt: reading the $suite package lists (private apt configuration)"
	gupr_vrun gupr_apt "$suite" apt-get -q update || gupr_die "apt-get update for $suite failed"
	touch "$dir/updated"
}

# --- kernel -----------------------------------------------------------------

# Debian suites with a cloud-amd64 kernel gup-repro knows how to fetch.
GUPR_SUITES="bullseye bookworm trixie sid"
GUPR_KERNEL_SPEC_FORMS="debian:bullseye|bookworm|trixie|sid, a kernel release like 6.1.0-56-cloud-amd64, or a Debian version like 6.1.192-2"

# gupr_kernel_spec_ok SPEC: true when SPEC has one of the forms below.
gupr_kernel_spec_ok() {
	case "$1" in
	debian:bullseye|debian:bookworm|debian:trixie|debian:sid) return 0 ;;
	*[!0-9a-z.+~-]*) return 1 ;;
	[0-9]*.*-cloud-amd64) return 0 ;;
	[0-9]*.*-[0-9]*) return 0 ;;
	esac
	return 1
}

# gupr_suite_of_release KREL: the suite a kernel release belongs to, from
# Debian's ABI naming (GUP_REPRO_SUITE overrides).
gupr_suite_of_release() {
	if [ -n "${GUP_REPRO_SUITE:-}" ]; then echo "$GUP_REPRO_SUITE"; return; fi
	case "$1" in
	5.10.*) echo bullseye ;;
	6.1.*) echo bookworm ;;
	*+deb13*) echo trixie ;;
	*) echo sid ;;
	esac
}

# gupr_resolve_kernel SPEC: set KSUITE, KREL (e.g. 6.1.0-56-cloud-amd64) and
# KPKGVER (e.g. 6.1.192-2).  SPEC: debian:SUITE (the newest cloud-amd64
# kernel of SUITE), a kernel release "6.12.117+deb13-cloud-amd64", or a
# Debian package version "6.1.192-2" of linux-image-cloud-amd64 (looked up
# in every suite, or in GUP_REPRO_SUITE).
gupr_resolve_kernel() {
	local spec=$1 dep suite
	# A matrix cell gets the resolution its matrix made: no apt at all.
	if [ -n "${GUPR_RESOLVED:-}" ]; then
		read -r KSUITE KREL KPKGVER <<<"$GUPR_RESOLVED"
		return 0
	fi
	case "$spec" in
	debian:*)
		KSUITE=${spec#debian:}
		gupr_apt_update "$KSUITE"
		dep=$(gupr_apt "$KSUITE" apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ {print $2; exit}')
		[ -n "$dep" ] || gupr_die "--kernel $spec: no linux-image-cloud-amd64 in $KSUITE"
		KREL=${dep#linux-image-}
		;;
	[0-9]*.*-cloud-amd64)
		KREL=$spec
		KSUITE=$(gupr_suite_of_release "$KREL")
		gupr_apt_update "$KSUITE"
		;;
	[0-9]*.*-[0-9]*)
		KREL=""
		for suite in ${GUP_REPRO_SUITE:-$GUPR_SUITES}; do
			gupr_apt_update "$suite"
			dep=$(gupr_apt "$suite" apt-cache show "linux-image-cloud-amd64=$spec" 2>/dev/null |
				awk -F': ' '/^Depends:/ {print $2; exit}' | grep -o 'linux-image-[^ ,]*' | head -n1)
			if [ -n "$dep" ]; then KREL=${dep#linux-image-}; KSUITE=$suite; break; fi
		done
		[ -n "$KREL" ] || gupr_die "--kernel $spec: no linux-image-cloud-amd64 of version $spec in ${GUP_REPRO_SUITE:-$GUPR_SUITES} (apt-cache madison linux-image-cloud-amd64 lists them)"
		;;
	*)
		GUPR_DIE_RC=2 gupr_die "--kernel '$spec': expected $GUPR_KERNEL_SPEC_FORMS"
		;;
	esac
	KPKGVER=$(gupr_apt "$KSUITE" apt-cache policy "linux-image-$KREL" 2>/dev/null |
		awk '/Candidate:/ {print $2; exit}')
	case "$KPKGVER" in ""|"(none)") gupr_die "--kernel $spec: linux-image-$KREL is not in $KSUITE" ;; esac
}

# gupr_kernel_debs: the packages that make up linux-image-$KREL and
# linux-headers-$KREL in $KSUITE: image (in sid a metapackage over
# linux-binary-* and linux-modules-*), headers, -common headers, kbuild,
# linux-base-*; never the -unsigned or -dbg twins.
gupr_kernel_debs() {
	gupr_apt "$KSUITE" apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances \
		"linux-image-$KREL" "linux-headers-$KREL" 2>/dev/null |
		grep -E '^linux-(image|binary|modules|headers|kbuild|base)-[0-9]' |
		grep -vE -- '-(unsigned|dbg)$' | sort -u
}

# gupr_fetch_kernel: download and extract the kernel packages of $KREL into
# $KDIR_ROOT (cached, keyed by the exact version); sets VMLINUZ, KDIR (the
# headers tree to build against) and KMODDIR.
gupr_fetch_kernel() {
	local key="${KREL}_${KPKGVER}" debs p
	KDIR_ROOT="$GUPR_CACHE/kernels/$key"
	if [ ! -e "$KDIR_ROOT/.complete" ]; then
		debs=$(gupr_kernel_debs)
		[ -n "$debs" ] || gupr_die "no packages found for linux-image-$KREL in $KSUITE"
		gupr_say "==> kernel: fetching $(echo $debs | wc -w) packages of linux-image-$KREL $KPKGVER ($KSUITE)"
		rm -rf "$KDIR_ROOT"; mkdir -p "$KDIR_ROOT/debs" "$KDIR_ROOT/root"
		( cd "$KDIR_ROOT/debs" && gupr_vrun gupr_apt "$KSUITE" apt-get -q download $debs ) ||
			gupr_die "apt-get download of $(echo $debs) failed"
		for p in "$KDIR_ROOT"/debs/*.deb; do
			dpkg-deb -x "$p" "$KDIR_ROOT/root" || gupr_die "cannot extract $p"
		done
		# The headers' Makefile includes /usr/src/...-common by absolute
		# path; point it at our extracted copy instead of installing.
		sed -i "s#\([ =]\)/usr/src/#\1$KDIR_ROOT/root/usr/src/#g" \
			"$KDIR_ROOT/root/usr/src/linux-headers-$KREL/Makefile"
		# merged-/usr packages (sid) have their modules in /usr/lib/modules:
		# depmod -b and modprobe -d look in ROOT/lib/modules
		[ -e "$KDIR_ROOT/root/lib" ] || ln -s usr/lib "$KDIR_ROOT/root/lib"
		gupr_vrun depmod -b "$KDIR_ROOT/root" "$KREL" || gupr_die "depmod failed for $KREL"
		touch "$KDIR_ROOT/.complete"
	fi
	VMLINUZ="$KDIR_ROOT/root/boot/vmlinuz-$KREL"
	[ -e "$VMLINUZ" ] || VMLINUZ="$KDIR_ROOT/root/usr/lib/modules/$KREL/vmlinuz"
	KDIR="$KDIR_ROOT/root/usr/src/linux-headers-$KREL"
	KMODDIR="$KDIR_ROOT/root/lib/modules/$KREL"
	[ -e "$VMLINUZ" ] || gupr_die "no vmlinuz in the packages of linux-image-$KREL"
	[ -e "$KMODDIR/modules.dep" ] || gupr_die "no modules.dep for $KREL (depmod failed?)"
}

# --- staleness ------------------------------------------------------------

# gupr_stale OUT INPUT...: true when OUT is missing or older than any input
# file (directories are searched).
gupr_stale() {
	local out=$1; shift
	[ -e "$out" ] || return 0
	[ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}

# --- build roots ------------------------------------------------------------

# gupr_kernel_cc: the compiler the kernel was built with (gcc-N), from
# CONFIG_CC_VERSION_TEXT of its headers.
gupr_kernel_cc() {
	sed -n 's/^CONFIG_CC_VERSION_TEXT="\(x86_64-linux-gnu-\)\{0,1\}\(gcc-[0-9]*\) .*/\2/p' "$KDIR/.config"
}

# gupr_build_root: when the host lacks the kernel's compiler (Debian 12 has
# gcc-12; bullseye's kernel wants gcc-10, trixie's gcc-14, sid's newer), a
# minbase root of $KSUITE with that compiler, make and the kbuild tools'
# libraries, made by mmdebstrap through the same mirror and cached per
# suite and compiler.  Sets BUILD_ROOT ("" when the host compiler serves).
gupr_build_root() {
	local cc pkgs main sec stamp
	cc=$(gupr_kernel_cc)
	[ -n "$cc" ] || gupr_die "cannot tell the compiler of $KREL from its .config"
	BUILD_ROOT=""
	if command -v "$cc" >/dev/null 2>&1 && [ "$KSUITE" = bookworm ]; then
		return 0
	fi
	BUILD_ROOT="$GUPR_CACHE/buildroots/$KSUITE-$cc"
	# the compiler package the headers ask for, and the kbuild tools' libraries
	pkgs=$(gupr_apt "$KSUITE" apt-cache depends "linux-headers-$KREL" $(cd "$KDIR_ROOT/debs" && ls linux-kbuild-*.deb | sed 's/_.*//') 2>/dev/null |
		awk '$1 == "Depends:" && $2 !~ /^</ && $2 !~ /^linux-(headers|kbuild|image|base)/ {print $2}' |
		sort -u | tr '\n' ',')
	# perl: kernel-doc, which W=1 runs on the module from v6.x
	pkgs="make,libc6-dev,perl,${pkgs%,}"
	stamp="$BUILD_ROOT/.gupr-packages"
	if [ -e "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
		return 0
	fi
	command -v mmdebstrap >/dev/null 2>&1 || gupr_die "mmdebstrap is needed to build for $KREL ($cc)"
	gupr_say "==> build root: $KSUITE minbase with $cc for $KREL (mmdebstrap, once per suite)"
	main=$(gupr_host_uri main) || gupr_die "no Debian archive URI"
	sec=$(gupr_host_uri security || true)
	local -a src=("deb [signed-by=$GUPR_KEYRING] $main $KSUITE main")
	if [ "$KSUITE" != sid ]; then
		src+=("deb [signed-by=$GUPR_KEYRING] $main $KSUITE-updates main")
		[ -n "$sec" ] && src+=("deb [signed-by=$GUPR_KEYRING] $sec $KSUITE-security main")
	fi
	rm -rf "$BUILD_ROOT"
	mkdir -p "$(dirname "$BUILD_ROOT")"
	gupr_vrun mmdebstrap --variant=minbase --include="$pkgs" \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		"$KSUITE" "$BUILD_ROOT" "${src[@]}" ||
		{ rm -rf "$BUILD_ROOT"; gupr_die "mmdebstrap of a $KSUITE build root with $pkgs failed"; }
	echo "$pkgs" >"$stamp"
}

# gupr_make_in_root DIR ARGS...: run make ARGS in $BUILD_ROOT with the kernel
# tree and DIR bind-mounted at their host paths and /proc mounted (objtool
# needs it); plain make when there is no build root.
gupr_make_in_root() {
	local dir=$1 rc; shift
	if [ -z "$BUILD_ROOT" ]; then
		make "$@"
		return
	fi
	mkdir -p "$BUILD_ROOT$KDIR_ROOT" "$BUILD_ROOT$dir"
	mount --bind "$KDIR_ROOT" "$BUILD_ROOT$KDIR_ROOT" &&
	mount --bind "$dir" "$BUILD_ROOT$dir" &&
	mount -t proc proc "$BUILD_ROOT/proc" || {
		umount "$BUILD_ROOT/proc" "$BUILD_ROOT$dir" "$BUILD_ROOT$KDIR_ROOT" 2>/dev/null
		return 1
	}
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		chroot "$BUILD_ROOT" make "$@"
	rc=$?
	umount "$BUILD_ROOT/proc" "$BUILD_ROOT$dir" "$BUILD_ROOT$KDIR_ROOT"
	return $rc
}

# --- module -------------------------------------------------------------

# gupr_build_module: build gup_repro.ko for $KREL in $GUPR_BUILD/$KREL/kmod
# (W=1) with the kernel's own compiler; sets KO.
gupr_build_module() {
	local dir="$GUPR_BUILD/$KREL/kmod"
	KO="$dir/gup_repro.ko"
	if gupr_stale "$KO" "$GUPR_TOP/repro-kmod" "$KDIR/.config"; then
		gupr_build_root
		if [ -n "$BUILD_ROOT" ]; then
			gupr_say "==> module: building gup_repro.ko for $KREL ($(gupr_kernel_cc) in the $KSUITE build root)"
		else
			gupr_say "==> module: building gup_repro.ko for $KREL (host $(gupr_kernel_cc))"
		fi
		rm -rf "$dir"; mkdir -p "$dir"
		cp -r "$GUPR_TOP/repro-kmod/." "$dir/"
		if ! gupr_make_in_root "$dir" -C "$KDIR" M="$dir" W=1 modules >"$dir/build.log" 2>&1; then
			cat "$dir/build.log" >&2
			rm -f "$KO"
			return 1
		fi
		[ "$GUPR_VERBOSE" = 1 ] && cat "$dir/build.log" >&2
	fi
	return 0
}

# --- BPF -------------------------------------------------------------------

# gupr_extract_vmlinux: the uncompressed vmlinux (ELF with .BTF) out of
# $VMLINUZ, found by the compressors' magic numbers as
# scripts/extract-vmlinux does; cached as $KDIR_ROOT/vmlinux.
gupr_extract_vmlinux() {
	VMLINUX="$KDIR_ROOT/vmlinux"
	[ -s "$VMLINUX" ] && return 0
	local magic tool off
	for magic in '\x1f\x8b\x08:gzip -dc' '\xfd\x37\x7a\x58\x5a\x00:xz -dc' \
		     '\x28\xb5\x2f\xfd:zstd -dcq' '\x02\x21\x4c\x18:lz4 -dcq' \
		     '\x42\x5a\x68:bzip2 -dcq' '\x5d\x00\x00\x00:xz -dc --format=lzma'; do
		tool=${magic#*:}; magic=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "$magic" "$VMLINUZ" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$VMLINUZ" | $tool >"$VMLINUX.tmp" 2>/dev/null
			if readelf -h "$VMLINUX.tmp" >/dev/null 2>&1; then
				mv "$VMLINUX.tmp" "$VMLINUX"
				return 0
			fi
		done
	done
	rm -f "$VMLINUX.tmp"
	gupr_die "cannot find the compressed vmlinux in $VMLINUZ"
}

# gupr_build_bpf: one CO-RE object for every guest kernel, compiled against
# the vmlinux.h of a reference kernel (GUP_REPRO_BPF_REF, default
# debian:bookworm); its bpftool skeleton and the static pintrace loader.
# Sets PINTRACE.
gupr_build_bpf() {
	local dir="$GUPR_BUILD/bpf" ref=${GUP_REPRO_BPF_REF:-debian:bookworm} vmlinux
	PINTRACE="$dir/pintrace"
	gupr_stale "$PINTRACE" "$GUPR_TOP/bpf/pintrace.bpf.c" "$GUPR_TOP/bpf/pintrace.c" \
		"$GUPR_TOP/bpf/pintrace.h" || return 0
	mkdir -p "$dir"
	vmlinux=$( (gupr_resolve_kernel "$ref" && gupr_fetch_kernel && gupr_extract_vmlinux &&
		    echo "$VMLINUX:$KREL") ) || gupr_die "cannot get the vmlinux of $ref for vmlinux.h"
	gupr_say "==> bpf: building pintrace (CO-RE, vmlinux.h from ${vmlinux##*:})"
	{
		bpftool btf dump file "${vmlinux%:*}" format c >"$dir/vmlinux.h" &&
		clang -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I"$dir" -I"$GUPR_TOP/bpf" \
			-c "$GUPR_TOP/bpf/pintrace.bpf.c" -o "$dir/pintrace.bpf.o" &&
		bpftool gen skeleton "$dir/pintrace.bpf.o" >"$dir/pintrace.skel.h" &&
		gcc -static -O2 -Wall -Wextra -Werror -I"$dir" -I"$GUPR_TOP/bpf" \
			"$GUPR_TOP/bpf/pintrace.c" -o "$dir/pintrace.tmp" -lbpf -lelf -lz -ljansson &&
		mv "$dir/pintrace.tmp" "$PINTRACE"
	} >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; gupr_die "building pintrace failed"; }
}

# --- initramfs --------------------------------------------------------------

# Kernel modules the guest needs (disk and every filesystem gup-repro
# tests), resolved with their dependencies by modprobe --show-depends;
# those built into the kernel are skipped.
GUPR_GUEST_MODULES="virtio_pci virtio_blk ext4 xfs btrfs"

# gupr_build_initramfs: busybox, the static guest binaries, the guest
# init, the needed kernel modules and gup_repro.ko; sets INITRD.
gupr_build_initramfs() {
	local dir="$GUPR_BUILD/$KREL" stage m f rel
	INITRD="$dir/initramfs.cpio.gz"
	if ! gupr_stale "$INITRD" "$KO" "$GUPR_TOP/vm-images/init" "$GUPR_TOP/vm-images/lib.sh" "$BUSYBOX" "$PINTRACE" \
		"$GUPR_BUILD/host/gup-repro" "$GUPR_BUILD/host/gup-repro-abi-test"; then
		return 0
	fi
	gupr_say "==> initramfs: packing busybox, gup-repro and modules for $KREL"
	stage="$dir/initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,mnt/scratch,lib/modules/"$KREL"/extra}
	cp "$BUSYBOX" "$stage/bin/busybox"
	for f in sh mount umount mkdir cat echo dmesg grep sed awk sleep sync poweroff kill \
		 modprobe insmod rmmod stty ls head tail tr cut date uname wc stat; do
		ln -s busybox "$stage/bin/$f"
	done
	cp "$GUPR_TOP/vm-images/init" "$stage/init"; chmod 755 "$stage/init"
	cp "$GUPR_BUILD/host/gup-repro" "$GUPR_BUILD/host/gup-repro-abi-test" "$PINTRACE" "$stage/bin/"
	cp "$KO" "$stage/lib/modules/$KREL/extra/"
	for m in $GUPR_GUEST_MODULES; do
		modprobe -d "$KDIR_ROOT/root" -S "$KREL" --show-depends "$m" 2>/dev/null |
			awk '$1 == "insmod" {print $2}'
	done | sort -u | while read -r f; do
		# busybox insmod wants plain .ko: decompress .ko.xz / .ko.zst / .ko.gz
		rel=${f#"$KDIR_ROOT/root/"}
		rel=${rel#usr/}
		rel=${rel#lib/modules/"$KREL"/}
		mkdir -p "$stage/lib/modules/$KREL/$(dirname "$rel")"
		case "$f" in
		*.ko.xz) xz -dc "$f" >"$stage/lib/modules/$KREL/${rel%.xz}" ;;
		*.ko.zst) zstd -dcq "$f" >"$stage/lib/modules/$KREL/${rel%.zst}" ;;
		*.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$KREL/${rel%.gz}" ;;
		*) cp "$f" "$stage/lib/modules/$KREL/$rel" ;;
		esac
	done
	cp "$KMODDIR"/modules.builtin* "$KMODDIR/modules.order" "$stage/lib/modules/$KREL/" 2>/dev/null
	gupr_vrun depmod -b "$stage" "$KREL" || gupr_die "depmod for the initramfs failed"
	( cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet | gzip -1 ) >"$INITRD.tmp" ||
		gupr_die "cpio of the initramfs failed"
	mv "$INITRD.tmp" "$INITRD"
}

# --- scratch filesystem -------------------------------------------------------

# gupr_make_scratch IMG PAGES FS: a fresh image of FS (ext4, xfs, btrfs)
# holding /victim (PAGES pages of '.'), populated by the mkfs itself
# (mkfs.ext4 -d, mkfs.xfs -p protofile, mkfs.btrfs --rootdir): no loop
# mount, no root needed.  tmpfs needs no image (the guest makes the file).
gupr_make_scratch() {
	local img=$1 pages=$2 fs=${3:-ext4} src rc=0
	rm -f "$img"
	[ "$fs" = tmpfs ] && return 0
	src=$(mktemp -d)
	head -c $((pages * 4096)) /dev/zero | tr '\0' '.' >"$src/victim"
	case "$fs" in
	ext4)
		gupr_vrun mkfs.ext4 -q -F -L gupr-scratch -d "$src" "$img" 64M || rc=$? ;;
	xfs)
		# 300 MiB is mkfs.xfs's minimum; the image is sparse.  bigtime and
		# inobtcount off so that 5.10 mounts it too.
		printf '/dev/null\n0 0\nd--755 0 0\nvictim ---644 0 0 %s\n$\n' "$src/victim" >"$src/proto"
		truncate -s 300M "$img" &&
		gupr_vrun mkfs.xfs -q -f -L gupr-scratch -m bigtime=0,inobtcount=0 -p "$src/proto" "$img" || rc=$? ;;
	btrfs)
		rm -f "$src/proto"
		truncate -s 256M "$img" &&
		gupr_vrun mkfs.btrfs -q -f -L gupr-scratch --rootdir "$src" "$img" || rc=$? ;;
	*)
		rc=2 ;;
	esac
	rm -rf "$src"
	[ $rc = 0 ] || gupr_die "making the $fs scratch image failed"
}

# --- QEMU -------------------------------------------------------------------

# gupr_kvm_usable: /dev/kvm opens read-write AND the CPU has vmx or svm.
gupr_kvm_usable() {
	[ "${GUP_REPRO_ACCEL:-}" = tcg ] && return 1
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo || return 1
	( exec 3<>/dev/kvm ) 2>/dev/null
}

# gupr_boot OUTDIR TIMEOUT CMDLINE-EXTRA [DISK]: boot $VMLINUZ + $INITRD with
# -snapshot; the console goes to OUTDIR/console.log, the guest's step
# lines (ttyS1) to OUTDIR/steps.jsonl, its report (ttyS2) to
# OUTDIR/guest.log, pintrace's events (ttyS3) to OUTDIR/events.jsonl.
# A guest whose console stays silent for GUP_REPRO_STALL seconds (default
# 60; a run prints all the time) is hung and killed, as is one that runs
# past TIMEOUT.  A hang before the guest init started (a boot flake seen
# under TCG) is retried once.  Sets BOOT_ACCEL, BOOT_ATTEMPTS, BOOT_DETAIL
# and BOOT_STATUS: "ok" (QEMU exited), "timeout", or "qemu-error".
gupr_boot() {
	local out=$1 tmo=$2 extra=$3 disk=${4:-} accel rc pid wd
	local stall_max=${GUP_REPRO_STALL:-60}
	local -a drive=()
	[ -n "$disk" ] && drive=(-drive "file=$disk,format=raw,if=virtio")
	if gupr_kvm_usable; then accel=kvm; else accel=tcg; fi
	BOOT_ATTEMPTS=0
	while :; do
		local -a cpu=(-cpu max)
		[ "$accel" = kvm ] && cpu=(-cpu host)
		BOOT_ATTEMPTS=$((BOOT_ATTEMPTS + 1))
		BOOT_DETAIL=""
		: >"$out/console.log"; : >"$out/steps.jsonl"; : >"$out/guest.log"; : >"$out/events.jsonl"
		timeout --kill-after=5 "$tmo" qemu-system-x86_64 \
			-machine q35,accel="$accel" "${cpu[@]}" -smp 2 -m 1024 \
			-kernel "$VMLINUZ" -initrd "$INITRD" \
			-append "console=ttyS0,115200 panic=-1 $extra" \
			"${drive[@]}" -snapshot \
			-display none -monitor none -no-reboot -nodefaults \
			-serial "file:$out/console.log" -serial "file:$out/steps.jsonl" \
			-serial "file:$out/guest.log" -serial "file:$out/events.jsonl" \
			</dev/null >"$out/qemu.log" 2>&1 &
		pid=$!
		# The watchdog runs beside QEMU, so that its exit is seen at once.
		rm -f "$out/.stalled"
		(
			last=-1 stall=0
			while sleep 1 && kill -0 "$pid" 2>/dev/null; do
				size=$(stat -c %s "$out/console.log" 2>/dev/null || echo 0)
				if [ "$size" != "$last" ]; then
					last=$size stall=0
				elif [ $((stall += 1)) -ge "$stall_max" ]; then
					: >"$out/.stalled"
					kill -TERM "$pid" 2>/dev/null
					exit 0
				fi
			done
		) &
		wd=$!
		wait "$pid"
		rc=$?
		kill "$wd" 2>/dev/null
		wait "$wd" 2>/dev/null
		if [ -e "$out/.stalled" ]; then
			BOOT_DETAIL="no console output for ${stall_max}s"
			rm -f "$out/.stalled"
		fi
		BOOT_ACCEL=$accel
		# QEMU exits 0 on the SIGTERM the watchdog sends: BOOT_DETAIL tells
		if [ -n "$BOOT_DETAIL" ] || [ $rc -eq 124 ] || [ $rc -eq 137 ] || [ $rc -eq 143 ]; then
			BOOT_STATUS=timeout
			[ -n "$BOOT_DETAIL" ] || BOOT_DETAIL="still running after ${tmo}s"
			if [ "$BOOT_ATTEMPTS" = 1 ] && ! grep -q 'gup-repro: guest init started' "$out/console.log"; then
				mv "$out/console.log" "$out/console.hung-boot.log"
				gupr_say "==> qemu: the guest hung before its init ran ($BOOT_DETAIL); booting once more"
				continue
			fi
			return 0
		fi
		if [ $rc -ne 0 ]; then
			if [ "$accel" = kvm ]; then
				gupr_say "==> qemu: KVM failed to start ($(head -n1 "$out/qemu.log")); retrying with TCG"
				accel=tcg; continue
			fi
			BOOT_STATUS=qemu-error; BOOT_DETAIL=$(head -n1 "$out/qemu.log"); return 0
		fi
		BOOT_STATUS=ok; return 0
	done
}

# --- everything the guest needs -------------------------------------------

# gupr_prepare SPEC: resolve and fetch the kernel, build the module and the
# initramfs (each only when stale).  Returns 1 (after printing the build
# log) when the module does not build; dies on fetch errors.
gupr_prepare() {
	BUSYBOX=${GUP_REPRO_BUSYBOX:-/bin/busybox}
	[ -x "$BUSYBOX" ] || gupr_die "no static busybox at $BUSYBOX (package busybox-static)"
	gupr_resolve_kernel "$1"
	gupr_fetch_kernel
	gupr_build_module || return 1
	gupr_build_bpf
	gupr_build_initramfs
}

# gupr_fetch_kernel_scripts: checkpatch.pl and kernel-doc (with the data
# files they read) from the linux-source-6.1 tarball of bookworm, cached;
# sets KSCRIPTS to the directory holding scripts/.
gupr_fetch_kernel_scripts() {
	local dir ver
	gupr_apt_update bookworm
	ver=$(gupr_apt bookworm apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2; exit}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || gupr_die "linux-source-6.1 not found in bookworm"
	dir="$GUPR_CACHE/linux-source/$ver"
	KSCRIPTS="$dir/linux-source-6.1"
	[ -e "$dir/.complete" ] && return 0
	gupr_say "==> lint: fetching linux-source-6.1 $ver for checkpatch.pl"
	rm -rf "$dir"; mkdir -p "$dir"
	( cd "$dir" && gupr_vrun gupr_apt bookworm apt-get -q download "linux-source-6.1=$ver" ) ||
		gupr_die "apt-get download linux-source-6.1 failed"
	dpkg-deb --fsys-tarfile "$dir"/linux-source-6.1_*.deb |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$dir" linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch \
			linux-source-6.1/scripts/kernel-doc ||
		gupr_die "cannot extract checkpatch.pl from linux-source-6.1"
	rm -f "$dir"/linux-source-6.1_*.deb
	touch "$dir/.complete"
}
. "$GUPR_TOP/vm-images/lib/tree.sh"
