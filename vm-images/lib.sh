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
	{
		case "$suite" in
		sid|unstable)
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite main" ;;
		*)
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite main"
			echo "deb [signed-by=$GUPR_KEYRING] $main $suite-updates main"
			[ -n "$sec" ] && echo "deb [signed-by=$GUPR_KEYRING] $sec $suite-security main" ;;
		esac
	} >"$dir/sources.list.new"
	if ! cmp -s "$dir/sources.list.new" "$dir/sources.list" 2>/dev/null; then
		mv "$dir/sources.list.new" "$dir/sources.list"
		rm -f "$dir/lists/"*_Packages* "$dir/updated"
	else
		rm -f "$dir/sources.list.new"
	fi
	cat >"$dir/apt.conf" <<-EOF
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

# gupr_kernel_spec_ok SPEC: true when SPEC has one of the forms below.
gupr_kernel_spec_ok() {
	case "$1" in
	debian:bookworm) return 0 ;;
	[0-9]*.*-*-cloud-amd64) return 0 ;;
	[0-9]*.*-[0-9]*) case "$1" in *[!0-9a-z.+~-]*) return 1 ;; esac; return 0 ;;
	esac
	return 1
}

# gupr_resolve_kernel SPEC: set KSUITE, KREL (e.g. 6.1.0-56-cloud-amd64) and
# KPKGVER (e.g. 6.1.192-2).  SPEC: debian:SUITE (the newest cloud-amd64
# kernel of SUITE), a kernel release "6.1.0-56-cloud-amd64", or a Debian
# package version "6.1.192-2" (both looked up in bookworm unless
# GUP_REPRO_SUITE says otherwise).
gupr_resolve_kernel() {
	local spec=$1 meta dep
	case "$spec" in
	debian:*)
		KSUITE=${spec#debian:}
		case "$KSUITE" in bookworm) ;; *) gupr_die "--kernel $spec: only debian:bookworm is supported so far" ;; esac
		gupr_apt_update "$KSUITE"
		dep=$(gupr_apt "$KSUITE" apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ {print $2; exit}')
		[ -n "$dep" ] || gupr_die "--kernel $spec: no linux-image-cloud-amd64 in $KSUITE"
		KREL=${dep#linux-image-}
		;;
	[0-9]*.*-*-cloud-amd64)
		KSUITE=${GUP_REPRO_SUITE:-bookworm}
		KREL=$spec
		gupr_apt_update "$KSUITE"
		;;
	[0-9]*.*-[0-9]*)
		KSUITE=${GUP_REPRO_SUITE:-bookworm}
		gupr_apt_update "$KSUITE"
		dep=$(gupr_apt "$KSUITE" apt-cache show "linux-image-cloud-amd64=$spec" 2>/dev/null |
			awk -F': ' '/^Depends:/ {print $2; exit}' | grep -o 'linux-image-[^ ,]*' | head -n1)
		[ -n "$dep" ] || gupr_die "--kernel $spec: no linux-image-cloud-amd64 of version $spec in $KSUITE (apt-cache madison linux-image-cloud-amd64 lists them)"
		KREL=${dep#linux-image-}
		;;
	*)
		GUPR_DIE_RC=2 gupr_die "--kernel '$spec': expected debian:bookworm, a kernel release like 6.1.0-56-cloud-amd64, or a Debian version like 6.1.192-2"
		;;
	esac
	KPKGVER=$(gupr_apt "$KSUITE" apt-cache policy "linux-image-$KREL" 2>/dev/null |
		awk '/Candidate:/ {print $2; exit}')
	case "$KPKGVER" in ""|"(none)") gupr_die "--kernel $spec: linux-image-$KREL is not in $KSUITE" ;; esac
}

# gupr_fetch_kernel: download and extract image, headers and kbuild for
# $KREL into $KDIR_ROOT (cached, keyed by the exact version); sets VMLINUZ,
# KDIR (the headers tree to build against) and KMODDIR.
gupr_fetch_kernel() {
	local key="${KREL}_${KPKGVER}" debs p ver common
	KDIR_ROOT="$GUPR_CACHE/kernels/$key"
	if [ ! -e "$KDIR_ROOT/.complete" ]; then
		gupr_say "==> kernel: fetching linux-image-$KREL $KPKGVER and its headers"
		rm -rf "$KDIR_ROOT"; mkdir -p "$KDIR_ROOT/debs" "$KDIR_ROOT/root"
		ver=${KREL%%-*}; ver=${ver%.*}      # 6.1.0 -> 6.1
		common=${KREL%-cloud-amd64}-common
		debs="linux-image-$KREL linux-headers-$KREL linux-headers-$common linux-kbuild-$ver"
		( cd "$KDIR_ROOT/debs" && gupr_vrun gupr_apt "$KSUITE" apt-get -q download $debs ) ||
			gupr_die "apt-get download of $debs failed"
		for p in "$KDIR_ROOT"/debs/*.deb; do
			dpkg-deb -x "$p" "$KDIR_ROOT/root" || gupr_die "cannot extract $p"
		done
		# The headers' Makefile includes /usr/src/...-common by absolute
		# path; point it at our extracted copy instead of installing.
		sed -i "s#^include /usr/src/#include $KDIR_ROOT/root/usr/src/#" \
			"$KDIR_ROOT/root/usr/src/linux-headers-$KREL/Makefile"
		gupr_vrun depmod -b "$KDIR_ROOT/root" "$KREL" || gupr_die "depmod failed for $KREL"
		touch "$KDIR_ROOT/.complete"
	fi
	VMLINUZ="$KDIR_ROOT/root/boot/vmlinuz-$KREL"
	[ -e "$VMLINUZ" ] || VMLINUZ="$KDIR_ROOT/root/usr/lib/modules/$KREL/vmlinuz"
	KDIR="$KDIR_ROOT/root/usr/src/linux-headers-$KREL"
	KMODDIR="$KDIR_ROOT/root/lib/modules/$KREL"
	[ -d "$KMODDIR" ] || KMODDIR="$KDIR_ROOT/root/usr/lib/modules/$KREL"
	[ -e "$VMLINUZ" ] || gupr_die "no vmlinuz in linux-image-$KREL"
}

# --- staleness ------------------------------------------------------------

# gupr_stale OUT INPUT...: true when OUT is missing or older than any input
# file (directories are searched).
gupr_stale() {
	local out=$1; shift
	[ -e "$out" ] || return 0
	[ -n "$(find "$@" -newer "$out" -print -quit 2>/dev/null)" ]
}

# --- module -------------------------------------------------------------

# gupr_build_module: build gup_repro.ko for $KREL in $GUPR_BUILD/$KREL/kmod
# (W=1); sets KO.
gupr_build_module() {
	local dir="$GUPR_BUILD/$KREL/kmod"
	KO="$dir/gup_repro.ko"
	if gupr_stale "$KO" "$GUPR_TOP/repro-kmod" "$KDIR/.config"; then
		gupr_say "==> module: building gup_repro.ko for $KREL"
		rm -rf "$dir"; mkdir -p "$dir"
		cp -r "$GUPR_TOP/repro-kmod/." "$dir/"
		if ! make -C "$KDIR" M="$dir" W=1 modules >"$dir/build.log" 2>&1; then
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

# gupr_build_bpf: vmlinux.h from the guest kernel's BTF, the CO-RE object,
# its bpftool skeleton and the static pintrace loader; sets PINTRACE.
gupr_build_bpf() {
	local dir="$GUPR_BUILD/$KREL/bpf"
	PINTRACE="$dir/pintrace"
	gupr_stale "$PINTRACE" "$GUPR_TOP/bpf/pintrace.bpf.c" "$GUPR_TOP/bpf/pintrace.c" \
		"$GUPR_TOP/bpf/pintrace.h" || return 0
	gupr_say "==> bpf: building pintrace (CO-RE, vmlinux.h from $KREL)"
	mkdir -p "$dir"
	gupr_extract_vmlinux
	{
		bpftool btf dump file "$VMLINUX" format c >"$dir/vmlinux.h" &&
		clang -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I"$dir" -I"$GUPR_TOP/bpf" \
			-c "$GUPR_TOP/bpf/pintrace.bpf.c" -o "$dir/pintrace.bpf.o" &&
		bpftool gen skeleton "$dir/pintrace.bpf.o" >"$dir/pintrace.skel.h" &&
		gcc -static -O2 -Wall -Wextra -Werror -I"$dir" -I"$GUPR_TOP/bpf" \
			"$GUPR_TOP/bpf/pintrace.c" -o "$dir/pintrace.tmp" -lbpf -lelf -lz -ljansson &&
		mv "$dir/pintrace.tmp" "$PINTRACE"
	} >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; gupr_die "building pintrace failed"; }
}

# --- initramfs --------------------------------------------------------------

# Kernel modules the guest needs, resolved with their dependencies by
# modprobe --show-depends; those built into the kernel are skipped.
GUPR_GUEST_MODULES="virtio_pci virtio_blk ext4"

# gupr_build_initramfs: busybox, the static guest binaries, the guest
# init, the needed kernel modules and gup_repro.ko; sets INITRD.
gupr_build_initramfs() {
	local dir="$GUPR_BUILD/$KREL" stage m f rel
	INITRD="$dir/initramfs.cpio.gz"
	if ! gupr_stale "$INITRD" "$KO" "$GUPR_TOP/vm-images/init" "$BUSYBOX" "$PINTRACE" \
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
		rel=${f#"$KMODDIR"/}
		mkdir -p "$stage/lib/modules/$KREL/$(dirname "$rel")"
		cp "$f" "$stage/lib/modules/$KREL/$rel"
	done
	cp "$KMODDIR"/modules.builtin* "$KMODDIR/modules.order" "$stage/lib/modules/$KREL/" 2>/dev/null
	gupr_vrun depmod -b "$stage" "$KREL" || gupr_die "depmod for the initramfs failed"
	( cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet | gzip -1 ) >"$INITRD.tmp" ||
		gupr_die "cpio of the initramfs failed"
	mv "$INITRD.tmp" "$INITRD"
}

# --- scratch filesystem -------------------------------------------------------

# gupr_make_scratch IMG PAGES: a fresh ext4 image holding /victim (PAGES
# pages of '.'), made with mkfs.ext4 -d: no loop mount, no root needed.
gupr_make_scratch() {
	local img=$1 pages=$2 src
	src=$(mktemp -d)
	head -c $((pages * 4096)) /dev/zero | tr '\0' '.' >"$src/victim"
	rm -f "$img"
	gupr_vrun mkfs.ext4 -q -F -L gupr-scratch -d "$src" "$img" 64M ||
		{ rm -rf "$src"; gupr_die "mkfs.ext4 -d failed"; }
	rm -rf "$src"
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
# OUTDIR/guest.log, pintrace's events (ttyS3) to OUTDIR/events.jsonl.  Sets BOOT_ACCEL and BOOT_STATUS: "ok" (QEMU exited),
# "timeout", or "qemu-error".
gupr_boot() {
	local out=$1 tmo=$2 extra=$3 disk=${4:-} accel rc
	local -a drive=()
	[ -n "$disk" ] && drive=(-drive "file=$disk,format=raw,if=virtio")
	if gupr_kvm_usable; then accel=kvm; else accel=tcg; fi
	while :; do
		local -a cpu=(-cpu max)
		[ "$accel" = kvm ] && cpu=(-cpu host)
		: >"$out/console.log"; : >"$out/steps.jsonl"; : >"$out/guest.log"; : >"$out/events.jsonl"
		timeout --kill-after=5 "$tmo" qemu-system-x86_64 \
			-machine q35,accel="$accel" "${cpu[@]}" -smp 2 -m 1024 \
			-kernel "$VMLINUZ" -initrd "$INITRD" \
			-append "console=ttyS0,115200 panic=-1 $extra" \
			"${drive[@]}" -snapshot \
			-display none -monitor none -no-reboot -nodefaults \
			-serial "file:$out/console.log" -serial "file:$out/steps.jsonl" \
			-serial "file:$out/guest.log" -serial "file:$out/events.jsonl" \
			</dev/null >"$out/qemu.log" 2>&1
		rc=$?
		BOOT_ACCEL=$accel
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then BOOT_STATUS=timeout; return 0; fi
		if [ $rc -ne 0 ]; then
			if [ "$accel" = kvm ]; then
				gupr_say "==> qemu: KVM failed to start ($(head -n1 "$out/qemu.log")); retrying with TCG"
				accel=tcg; continue
			fi
			BOOT_STATUS=qemu-error; return 0
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
