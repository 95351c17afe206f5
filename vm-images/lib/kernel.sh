# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/kernel.sh - "a kernel" as one record.
#
# gupr_kernel SPEC finds the kernel SPEC names, fetches or checks it, and
# writes its record, kernel.env, into the kernel's cache directory; every
# later step (module, initramfs, boot, verdict) reads the record, whatever
# the source.  Two sources: Debian's cloud-amd64 packages (this file) and a
# kernel tree the user built (tree.sh).  Sourced by lib.sh.
#
# The record (shell assignments, %q-quoted):
#   KSOURCE   debian | tree
#   KID       directory name of the kernel's build products under build/
#   KREL      the kernel release (uname -r)
#   KVERSION  Debian package version, or the tree's git describe
#   KSUITE    Debian suite (empty for a tree)
#   KLABEL    one line naming the kernel for run.txt, reports and matrices
#   KCACHE    the kernel's cache directory (holds kernel.env)
#   VMLINUZ   the image QEMU boots
#   KDIR      the kbuild directory modules are built against (make -C KDIR M=)
#   KMODROOT  the root whose lib/modules/$KREL holds the kernel's modules
#   KCC       the compiler the kernel was built with (gcc-12, clang, ...)
#   KBTF      the vmlinux whose BTF the tracer uses ("" when none)
#   KBTF_WHY  why there is no BTF ("" when there is)
#   KCONFIG   the kernel's .config
#   KTREE, KCOMMIT, KSUBJECT, KSTATE, KCONFIG_HASH   (trees only)
#   KPREPARED the prepared kernel's directory (prepared:DIR only, below)
#
# A third kind, prepared:DIR, is a kernel that was prepared elsewhere and
# packed with gupr_kernel_pack (./run.sh bisect does it once per step for
# the step's runs, local or on --hosts): DIR holds its record (kernel.env),
# the image (vmlinuz), its .config (config) and the initramfs for one
# filesystem; a run boots it as it is, with no kernel tree, kbuild,
# module build or apt.

# The Debian suites with a cloud-amd64 kernel gup-repro knows how to fetch
# are GUPR_SUITES (facts.sh).
GUPR_KERNEL_SPEC_FORMS="debian:${GUPR_SUITES// /|}, a kernel release like 6.1.0-56-cloud-amd64, a Debian version like 6.1.192-2, the path of a kernel tree you built, or prepared:DIR"
GUPR_RECORD_VARS="KSOURCE KID KREL KVERSION KSUITE KLABEL KCACHE VMLINUZ KDIR KMODROOT KCC KBTF KBTF_WHY KCONFIG KTREE KCOMMIT KSUBJECT KSTATE KCONFIG_HASH KPREPARED"

# gupr_kernel_spec_kind SPEC: prints "debian", "tree" or "prepared";
# returns 1 when SPEC has none of the forms above.  A path (with a slash,
# or an existing directory) is a tree.
gupr_kernel_spec_kind() {
	case "$1" in
	prepared:?*) echo prepared; return 0 ;;
	debian:*) gupr_in_list "${1#debian:}" "$GUPR_SUITES" && { echo debian; return 0; } ;;
	*/*|.|..) echo tree; return 0 ;;
	esac
	[ -d "$1" ] && { echo tree; return 0; }
	case "$1" in
	*[!0-9a-z.+~-]*) return 1 ;;
	[0-9]*.*-cloud-amd64|[0-9]*.*-[0-9]*) echo debian; return 0 ;;
	esac
	return 1
}
gupr_kernel_spec_ok() { gupr_kernel_spec_kind "$1" >/dev/null; }

# gupr_kernel_path_ok WHAT SPEC: gupr_path_ok on the path in a kernel SPEC
# (named WHAT: "--kernel"): a tree's is kbuild's, prepared:DIR's is DIR; a
# Debian kernel has none.
gupr_kernel_path_ok() {
	case "$(gupr_kernel_spec_kind "$2")" in
	tree) gupr_path_ok "$1" "$2" kbuild ;;
	prepared) gupr_path_ok "$1" "${2#prepared:}" ;;
	esac
}

# gupr_record_write FILE: write the record variables to FILE (atomically).
gupr_record_write() {
	local v
	for v in $GUPR_RECORD_VARS; do printf '%s=%q\n' "$v" "${!v:-}"; done >"$1.tmp" &&
		mv "$1.tmp" "$1"
}

# gupr_record_read FILE: set the record variables from FILE, which only
# gupr_record_write writes (each line NAME=%q-quoted value).
gupr_record_read() {
	local v
	for v in $GUPR_RECORD_VARS; do unset "$v"; done
	[ -r "$1" ] || gupr_die "no kernel record $1"
	# shellcheck disable=SC1090  # a kernel.env: gupr_record_write's NAME=%q lines
	. "$1"
	[ -n "${KREL:-}" ] && [ -n "${VMLINUZ:-}" ] || gupr_die "kernel record $1 is incomplete; remove it"
	GUPR_KERNEL_ENV=$1
	# a prepared kernel's files are beside its record (gupr_kernel_pack)
	if [ -n "${KPREPARED:-}" ]; then
		KPREPARED=$(cd "$(dirname "$1")" && pwd)
		VMLINUZ="$KPREPARED/vmlinuz" KCONFIG="$KPREPARED/config" KCACHE=$KPREPARED
		KID="prepared-$(gupr_path_key "$KPREPARED")" INITRD="$KPREPARED/initramfs.img"
	fi
}

# gupr_kernel SPEC: the record of SPEC (see the top of this file), written
# once per kernel and read by every later step.  A matrix cell is given its
# matrix's record in GUPR_KERNEL_ENV and reads it, with no apt at all.
gupr_kernel() {
	if [ -n "${GUPR_KERNEL_ENV:-}" ]; then
		gupr_record_read "$GUPR_KERNEL_ENV"
		return 0
	fi
	case "$(gupr_kernel_spec_kind "$1")" in
	debian) gupr_kernel_debian "$1" ;;
	tree) gupr_kernel_tree "$1" ;;
	prepared) gupr_kernel_prepared "${1#prepared:}" ;;
	*) GUPR_DIE_RC=2 gupr_die "--kernel '$1': expected $GUPR_KERNEL_SPEC_FORMS" ;;
	esac
}

# --- prepared kernels -----------------------------------------------------------

# gupr_kernel_pack DIR FS...: the kernel of the record, prepared (gupr_prepare:
# module, pintrace and initramfs built), as a prepared kernel in DIR (made
# anew): kernel.env, vmlinuz, config and, for each FS, the initramfs a run
# on FS boots (initramfs-FS.img: gupr_initrd_for) and the one with the
# tools part that the module-free triggers need (initramfs-FS-tools.img).
# The record keeps every name of the kernel (KLABEL, the tree, its commit:
# run.txt and the verdict say the same as a run on the tree itself); its
# paths are relative to DIR.
gupr_kernel_pack() {
	local dir=$1 fs f; shift
	rm -rf --one-file-system "$dir" && mkdir -p "$dir" &&
		cp "$VMLINUZ" "$dir/vmlinuz" && cp "$KCONFIG" "$dir/config" ||
		gupr_die "cannot write the prepared kernel $dir"
	for fs in "$@"; do
		fs=${fs/tmpfs/ext4}
		for f in "$(gupr_initrd_for "$fs")" "$(gupr_initrd_for "$fs" tools)"; do
			[ "$f" = "$INITRD" ] && f=""	# no such part: the whole one is not it
			[ -z "$f" ] || cp "$f" "$dir/${f##*/}" || gupr_die "cannot write the prepared kernel $dir"
		done
	done
	( VMLINUZ=vmlinuz KCONFIG=config KCACHE="" KMODROOT="" KBTF="" KPREPARED=.
	  gupr_record_write "$dir/kernel.env" ) || gupr_die "cannot write $dir/kernel.env"
}

# gupr_kernel_prepared DIR: the record of a prepared kernel (gupr_kernel_pack)
# with its paths in DIR (gupr_record_read); INITRD is its initramfs.  A DIR
# without a prepared kernel is bad usage (status 2).
gupr_kernel_prepared() {
	[ -s "$1/kernel.env" ] && [ -s "$1/vmlinuz" ] && grep -q '^KPREPARED=.' "$1/kernel.env" ||
		GUPR_DIE_RC=2 gupr_die "--kernel prepared:$1: no prepared kernel there (kernel.env, vmlinuz)"
	gupr_record_read "$1/kernel.env"
}

# --- Debian packages ----------------------------------------------------------

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

# gupr_resolve_debian SPEC: set KSUITE, KREL (e.g. 6.1.0-56-cloud-amd64) and
# KVERSION (e.g. 6.1.192-2).  SPEC: debian:SUITE (the newest cloud-amd64
# kernel of SUITE), a kernel release "6.12.117+deb13-cloud-amd64", or a
# Debian package version "6.1.192-2" of linux-image-cloud-amd64 (looked up
# in every suite, or in GUP_REPRO_SUITE).  Package lists that apt cannot
# read, or that lack the kernel, are read once more before it gives up.
gupr_resolve_debian() {
	gupr_resolve_debian_once "$1" && return 0
	gupr_say "==> apt: $RESOLVE_WHY; reading the package lists again"
	# lists apt cannot parse are not refreshed by an update (the archive
	# answers "not modified"): remove them first
	rm -f "$(gupr_apt_dir "$KSUITE")"/lists/*_Packages* "$(gupr_apt_dir "$KSUITE")/updated"
	gupr_apt_update "$KSUITE"
	gupr_resolve_debian_once "$1" || gupr_die "$RESOLVE_WHY"
}

# gupr_resolve_memo SPEC: the memo of SPEC's resolution in its suite's apt
# directory; gupr_resolve_memo_read SPEC sets KREL and KVERSION from it when
# no package list, sources.list or "updated" stamp is newer (a list read
# again or damaged since is newer); it saves the apt-cache runs.
gupr_resolve_memo() { echo "$(gupr_apt_dir "$KSUITE")/resolved/${1//[^A-Za-z0-9._+-]/_}"; }
gupr_resolve_memo_read() {
	local memo dir
	memo=$(gupr_resolve_memo "$1") dir=$(gupr_apt_dir "$KSUITE")
	[ -s "$memo" ] && [ -e "$dir/updated" ] || return 1
	[ -z "$(find "$dir/lists" "$dir/sources.list" "$dir/updated" -newer "$memo" -print -quit 2>/dev/null)" ] || return 1
	read -r KREL KVERSION <"$memo" && [ -n "$KREL" ] && [ -n "$KVERSION" ]
}

# gupr_resolve_debian_once SPEC: as above, from the lists as they are;
# returns 1 with RESOLVE_WHY (and KSUITE: the suite to read again).
gupr_resolve_debian_once() {
	local spec=$1 dep suite memo=""
	case "$spec" in
	debian:*)
		KSUITE=${spec#debian:}
		gupr_apt_update "$KSUITE"
		gupr_resolve_memo_read "$spec" && return 0
		memo=$(gupr_resolve_memo "$spec")
		dep=$(gupr_apt "$KSUITE" apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ {print $2; exit}')
		[ -n "$dep" ] || { RESOLVE_WHY="--kernel $spec: no linux-image-cloud-amd64 in $KSUITE"; return 1; }
		KREL=${dep#linux-image-}
		;;
	[0-9]*.*-cloud-amd64)
		KREL=$spec
		KSUITE=$(gupr_suite_of_release "$KREL")
		gupr_apt_update "$KSUITE"
		gupr_resolve_memo_read "$spec" && return 0
		memo=$(gupr_resolve_memo "$spec")
		;;
	*)
		KREL=""
		for suite in ${GUP_REPRO_SUITE:-$GUPR_SUITES}; do
			gupr_apt_update "$suite"
			dep=$(gupr_apt "$suite" apt-cache show "linux-image-cloud-amd64=$spec" 2>/dev/null |
				awk -F': ' '/^Depends:/ {print $2; exit}' | grep -o 'linux-image-[^ ,]*' | head -n1)
			if [ -n "$dep" ]; then KREL=${dep#linux-image-}; KSUITE=$suite; break; fi
		done
		if [ -z "$KREL" ]; then
			# a version that is in no suite: no list to blame
			GUPR_DIE_RC=125 gupr_die "--kernel $spec: no linux-image-cloud-amd64 of version $spec in ${GUP_REPRO_SUITE:-$GUPR_SUITES} (apt-cache madison linux-image-cloud-amd64 lists them)"
		fi
		;;
	esac
	KVERSION=$(gupr_apt "$KSUITE" apt-cache policy "linux-image-$KREL" 2>/dev/null |
		awk '/Candidate:/ {print $2; exit}')
	case "$KVERSION" in
	""|"(none)") RESOLVE_WHY="--kernel $spec: linux-image-$KREL is not in $KSUITE"; return 1 ;;
	esac
	if [ -n "$memo" ]; then
		mkdir -p "${memo%/*}" && echo "$KREL $KVERSION" >"$memo.tmp" && mv "$memo.tmp" "$memo"
	fi
	return 0
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

# gupr_kernel_debian SPEC: resolve SPEC, then download and extract its
# packages into $GUPR_CACHE/kernels/KREL_KVERSION/root (once, under the
# kernel's lock) and write the record there.
# shellcheck disable=SC2034  # the kernel's record (kernel.sh), read by the files that source the library
gupr_kernel_debian() {
	local debs p
	gupr_resolve_debian "$1"
	KSOURCE=debian KID=$KREL KCACHE="$GUPR_CACHE/kernels/${KREL}_${KVERSION}"
	if [ -e "$KCACHE/.complete" ] && [ -e "$KCACHE/kernel.env" ]; then
		gupr_record_read "$KCACHE/kernel.env"
		gupr_kernel_intact && return 0
		# damaged since: fetch it again
		KSOURCE=debian KID=$KREL KCACHE="$GUPR_CACHE/kernels/${KREL}_${KVERSION}"
		rm -f "$KCACHE/.complete"
	fi
	gupr_lock "kernel-$KID"
	if [ ! -e "$KCACHE/.complete" ]; then
		debs=$(gupr_kernel_debs)
		[ -n "$debs" ] || gupr_die "no packages found for linux-image-$KREL in $KSUITE"
		gupr_say "==> kernel: fetching $(echo $debs | wc -w) packages of linux-image-$KREL $KVERSION ($KSUITE)"
		rm -rf --one-file-system "$KCACHE"; mkdir -p "$KCACHE/debs" "$KCACHE/root"
		( cd "$KCACHE/debs" && gupr_vrun gupr_apt "$KSUITE" apt-get -q download $debs ) ||
			gupr_die "apt-get download of $(echo $debs) failed"
		gupr_debs_extract "$KCACHE" "$KCACHE"/debs/*.deb
		touch "$KCACHE/.complete"
	fi
	VMLINUZ="$KCACHE/root/boot/vmlinuz-$KREL"
	[ -e "$VMLINUZ" ] || VMLINUZ="$KCACHE/root/usr/lib/modules/$KREL/vmlinuz"
	KDIR="$KCACHE/root/usr/src/linux-headers-$KREL"
	KMODROOT="$KCACHE/root"
	KCONFIG="$KDIR/.config"
	[ -e "$VMLINUZ" ] || gupr_die "no vmlinuz in the packages of linux-image-$KREL"
	[ -e "$KMODROOT/lib/modules/$KREL/modules.dep" ] || gupr_die "no modules.dep for $KREL (depmod failed?)"
	# the compiler the kernel was built with (gcc-N), from its headers
	KCC=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(x86_64-linux-gnu-\)\{0,1\}\(gcc-[0-9]*\) .*/\2/p' "$KCONFIG")
	[ -n "$KCC" ] || gupr_die "cannot tell the compiler of $KREL from its .config"
	# Debian builds every cloud kernel with BTF; the tracer reads it from
	# /sys/kernel/btf/vmlinux in the guest, the host from this vmlinux
	KBTF="$KCACHE/vmlinux" KBTF_WHY=""
	KLABEL="linux-image-$KREL $KVERSION ($KSUITE)"
	KTREE="" KCOMMIT="" KSUBJECT="" KSTATE="" KCONFIG_HASH=""
	gupr_record_write "$KCACHE/kernel.env"
	gupr_record_read "$KCACHE/kernel.env"
	gupr_unlock "kernel-$KID"
}

# gupr_kernel_intact: the cached vmlinuz of the record still matches its
# package's md5sum (a truncated or damaged file is seen every run, cheaply:
# one file).  Says what is wrong and returns 1 when not.
gupr_kernel_intact() {
	local why
	why=$(gupr_md5_check "$KMODROOT" "$(gupr_kernel_sums)" "$VMLINUZ") && return 0
	[ $? = 2 ] && return 0	# nothing to check against (a cache from before md5sums were kept)
	gupr_say "==> kernel: $why; fetching the kernel again"
	return 1
}

# --- cached files against their packages' md5sums ------------------------------

# gupr_kernel_sums: the md5sums of the files under $KMODROOT (dpkg's
# format, paths relative to KMODROOT): $KCACHE/md5sums, the packages' own
# for a Debian kernel (gupr_debs_extract), written after modules_install
# for a tree (gupr_kernel_tree).  A prepared kernel has none.
gupr_kernel_sums() {
	[ -n "${KPREPARED:-}" ] && return 0
	echo "${KCACHE:+$KCACHE/md5sums}"
}

# gupr_md5_check ROOT SUMS FILE: FILE, a path under ROOT, against its line
# in SUMS, an md5sums file as dpkg keeps them ("MD5  PATH", PATH relative to
# ROOT).  The line is looked up by FILE's path relative to ROOT as given and
# with its directories resolved, so that a module reached through the link
# lib -> usr/lib that a merged-/usr package set gets (gupr_debs_extract:
# depmod -b and modprobe -d look in ROOT/lib/modules) finds the package's
# usr/lib/modules/... line, and a classic package's lib/modules/... line is
# found as it is.  Returns 0 when FILE's content matches; 1 when it does
# not, or FILE cannot be read, after printing "FILE is damaged: md5sum
# FOUND, expected WANT (SUMS)"; 2, silently, when there is nothing to check
# against (no SUMS, or no line for FILE in it).
gupr_md5_check() {
	local root=$1 sums=$2 file=$3 rel real want have
	[ -n "$sums" ] && [ -s "$sums" ] || return 2
	rel=${file#"$root/"}
	real=$(cd "$(dirname "$file")" 2>/dev/null && pwd -P)/${file##*/}
	real=${real#"$(cd "$root" 2>/dev/null && pwd -P)/"}
	want=$(awk -v a="$rel" -v b="$real" 'substr($0, 35) == a || substr($0, 35) == b { print $1; exit }' "$sums")
	[ -n "$want" ] || return 2
	have=$(md5sum <"$file" 2>/dev/null) || have="(unreadable)"
	have=${have%% *}
	[ "$have" = "$want" ] && return 0
	printf '%s is damaged: md5sum %s, expected %s (%s)\n' "$file" "$have" "$want" "$sums"
	return 1
}

# gupr_debs_extract DIR DEB...: the kernel packages DEB, extracted as dpkg
# would lay them out into DIR/root, and their md5sums into DIR/md5sums;
# every extracted file is checked against them (a mismatch dies naming the
# first file, its md5sum and the expected one).  Then, for $KREL: the
# headers' Makefile pointed at the extracted -common headers, the link lib
# -> usr/lib for a merged-/usr package set, and depmod.
gupr_debs_extract() {
	local dir=$1 p bad why; shift
	: >"$dir/md5sums" || gupr_die "cannot write $dir/md5sums"
	for p in "$@"; do
		dpkg-deb -x "$p" "$dir/root" || gupr_die "cannot extract $p"
		dpkg-deb --ctrl-tarfile "$p" | tar -xO ./md5sums >>"$dir/md5sums" 2>/dev/null
	done
	# what was extracted, checked against the packages' own md5sums
	if ! ( cd "$dir/root" && md5sum -c --quiet "$dir/md5sums" ) >"$dir/md5sums.log" 2>&1; then
		bad=$(sed -n 's/: FAILED.*$//p' "$dir/md5sums.log" | head -n 1)
		why=$(gupr_md5_check "$dir/root" "$dir/md5sums" "$dir/root/$bad")
		gupr_die "the packages of linux-image-$KREL do not match their md5sums: ${why:-see $dir/md5sums.log}; they will be fetched again on the next run"
	fi
	# The headers' Makefile includes /usr/src/...-common by absolute
	# path; point it at our extracted copy instead of installing.
	# (the cache path escaped for sed: it may hold '#', '&' or '\\')
	if [ -e "$dir/root/usr/src/linux-headers-$KREL/Makefile" ]; then
		sed -i "s#\([ =]\)/usr/src/#\1$(printf '%s' "$dir/root/usr/src/" | sed 's/[#&\\]/\\&/g')#g" \
			"$dir/root/usr/src/linux-headers-$KREL/Makefile"
	fi
	# merged-/usr packages (trixie, sid) have their modules in
	# /usr/lib/modules: depmod -b and modprobe -d look in ROOT/lib/modules
	[ -e "$dir/root/lib" ] || ln -s usr/lib "$dir/root/lib"
	gupr_vrun depmod -b "$dir/root" "$KREL" || gupr_die "depmod failed for $KREL"
}

# gupr_config_summary CONFIG: the options of GUPR_CONFIG_MATTERS as CONFIG
# (a .config) sets them, "OPTION=VALUE" space-separated, "n" for unset.
gupr_config_summary() {
	local o
	for o in $GUPR_CONFIG_MATTERS; do
		printf '%s=%s ' "$o" "$(gupr_config_value "$1" "$o" 2>/dev/null || true)"
	done | sed 's/= /=n /g; s/ $//'
}

# gupr_elf_whole FILE: FILE is a 64-bit ELF whose section headers lie
# within it (a truncated vmlinux is not).
gupr_elf_whole() {
	local size shoff shentsize shnum
	size=$(stat -c %s "$1" 2>/dev/null) || return 1
	[ "$(head -c 5 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c4602 ] || return 1
	shoff=$(od -An -tu8 -j 40 -N 8 "$1" | tr -d ' ')
	shentsize=$(od -An -tu2 -j 58 -N 2 "$1" | tr -d ' ')
	shnum=$(od -An -tu2 -j 60 -N 2 "$1" | tr -d ' ')
	[ -n "$shoff" ] && [ -n "$shnum" ] && [ $((shoff + shentsize * shnum)) -le "$size" ]
}

# gupr_boot_image: KBOOT, the image QEMU boots.  A Debian kernel built
# with CONFIG_PVH boots its uncompressed vmlinux (extracted once, the $KBTF
# the tracer's build uses) through the PVH entry point (QEMU's ELF loader:
# -kernel ELF with the XEN_ELFNOTE_PHYS32_ENTRY note): no decompressor, no
# real-mode setup, which under TCG are a visible part of every boot
# (docs/benchmarks.md).  PVH loads the kernel at its
# link address (no KASLR: the decompressor chooses it).  Anything else (a
# tree, no CONFIG_PVH, an extraction that fails): VMLINUZ.
# GUP_REPRO_BOOT_IMAGE=bzimage keeps VMLINUZ.
# shellcheck disable=SC2034  # the kernel's record (kernel.sh), read by the files that source the library
gupr_boot_image() {
	KBOOT=$VMLINUZ
	[ "${GUP_REPRO_BOOT_IMAGE:-pvh}" = pvh ] && [ "${KSOURCE:-}" = debian ] && [ -n "${KBTF:-}" ] || return 0
	grep -qx 'CONFIG_PVH=y' "$KCONFIG" 2>/dev/null || return 0
	( gupr_extract_vmlinux ) >/dev/null 2>&1 || return 0
	KBOOT=$KBTF
}

# gupr_extract_vmlinux: the uncompressed vmlinux (ELF with .BTF) of a
# Debian kernel, out of $VMLINUZ, found by the compressors' magic numbers as
# scripts/extract-vmlinux does; cached as $KBTF.
gupr_extract_vmlinux() {
	gupr_elf_whole "$KBTF" && return 0
	local magic tool off
	for magic in '\x1f\x8b\x08:gzip -dc' '\xfd\x37\x7a\x58\x5a\x00:xz -dc' \
		     '\x28\xb5\x2f\xfd:zstd -dcq' '\x02\x21\x4c\x18:lz4 -dcq' \
		     '\x42\x5a\x68:bzip2 -dcq' '\x5d\x00\x00\x00:xz -dc --format=lzma'; do
		tool=${magic#*:}; magic=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "$magic" "$VMLINUZ" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$VMLINUZ" | $tool >"$KBTF.tmp" 2>/dev/null
			if gupr_elf_whole "$KBTF.tmp"; then
				mv "$KBTF.tmp" "$KBTF"
				return 0
			fi
		done
	done
	rm -f "$KBTF.tmp"
	gupr_die "cannot find the compressed vmlinux in $VMLINUZ"
}
