# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/tree.sh - kernel git trees as a kernel source: locate the
# source and build directories, name the commit, check a .config against
# guest.config, write a guest .config (merge_config.sh) and build.
# Sourced by lib.sh.

# the guest config fragment (tests point GUPR_FRAGMENT at a copy of it)
GUPR_FRAGMENT=${GUPR_FRAGMENT:-"$GUPR_TOP/vm-images/guest.config"}
# beside a .config gup-repro wrote: that .config's sha256.  A .config
# without it, or with another hash, is the user's.
GUPR_CONFIG_STAMP=.config.gup-repro-sha256

# gupr_tree_locate PATH: set TREE_SRC (the source tree) and TREE_BUILD (its
# build directory: PATH itself when PATH is an O= build directory, else the
# source tree).  Returns 1 with TREE_WHY set when PATH is neither.
gupr_tree_locate() {
	local p=$1
	TREE_SRC="" TREE_BUILD="" TREE_WHY=""
	if [ ! -d "$p" ]; then
		TREE_WHY="'$p' is not a directory"; return 1
	fi
	p=$(cd "$p" && pwd -P)
	if [ -L "$p/source" ] && [ -f "$p/source/Kconfig" ] && [ -f "$p/Makefile" ]; then
		# an O= build directory: kbuild links "source" to the tree
		TREE_SRC=$(cd "$p/source" && pwd -P)
		TREE_BUILD=$p
	elif [ -f "$p/Kconfig" ] && [ -f "$p/Makefile" ] && [ -d "$p/arch/x86" ] &&
	     grep -q '^VERSION = ' "$p/Makefile"; then
		TREE_SRC=$p
		TREE_BUILD=$p
	else
		TREE_WHY="'$1' is not a kernel source tree or O= build directory (no Kconfig, Makefile and arch/x86)"
		return 1
	fi
}

# gupr_make_tree ARGS...: make in the tree with its build directory.
gupr_make_tree() {
	if [ "$TREE_BUILD" = "$TREE_SRC" ]; then
		make -C "$TREE_SRC" "$@"
	else
		make -C "$TREE_SRC" O="$TREE_BUILD" "$@"
	fi
}

# gupr_config_value CONFIG NAME: y, m, a value, or "" when NAME is unset.
gupr_config_value() {
	sed -n "s/^$2=//p" "$1" | tail -n 1 | tr -d '"'
}

# gupr_config_has WANT HAVE: a .config value HAVE satisfies the fragment's
# WANT: "n" by unset or n, "m" by m or y (built in), anything else only by
# itself.
gupr_config_has() {
	case "$1:$2" in
	n:|n:n|m:m|m:y) return 0 ;;
	esac
	[ "$1" = "$2" ]
}

# gupr_path_key PATH: the short name of PATH's cache directory (a tree's
# record, its bisection build directory, their locks).
gupr_path_key() {
	printf '%s' "$1" | sha1sum | cut -c1-12
}

# gupr_fragment_entries: the fragment as lines "NEED<TAB>OPTION<TAB>VALUE
# <TAB>WHAT", VALUE "n" for "is not set".
gupr_fragment_entries() {
	awk '
	/^#@ / { need = $2; sub(/:$/, "", need); what = $0; sub(/^#@ [^ ]* /, "", what); next }
	/^CONFIG_[A-Za-z0-9_]*=/ { i = index($0, "="); print need "\t" substr($0, 1, i - 1) "\t" substr($0, i + 1) "\t" what; next }
	/^# CONFIG_[A-Za-z0-9_]* is not set$/ { print need "\t" $2 "\tn\t" what }
	' "$GUPR_FRAGMENT"
}

# gupr_config_missing CONFIG NEEDS...: print "OPTION<TAB>WHAT" for every
# fragment option whose NEED is one of NEEDS (e.g. boot disk fs=ext4 trace
# scenario=NAME) and that CONFIG does not have: a "=m" option is satisfied
# by y or m, "=y" only by y, a number or string by that value; "fast"
# options are never missing.
gupr_config_missing() {
	local config=$1 need opt val what have n; shift
	while IFS=$'\t' read -r need opt val what; do
		[ "$val" = n ] && continue
		for n in "$@"; do
			case "$need" in
			"$n") ;;
			scenario=*)
				# scenario=A|B matches the need scenario=A and scenario=B
				[ "${n%%=*}" = scenario ] || continue
				case "|${need#scenario=}|" in *"|${n#scenario=}|"*) ;; *) continue ;; esac ;;
			*) continue ;;
			esac
			have=$(gupr_config_value "$config" "$opt")
			gupr_config_has "$val" "$have" || printf '%s\t%s\n' "$opt" "$what"
			break
		done
	done < <(gupr_fragment_entries)
}

# What gup-repro keeps in a build directory (names starting with a dot, which
# a kernel tree's .gitignore ignores): GUPR_CONFIG_RECORD, the guest config
# its .config was made with (gupr_kernel_config: lines "fragment=SHA256" of
# vm-images/guest.config and "base=SHA256" of the .config it was merged
# into, kept as GUPR_CONFIG_BASE); GUPR_BUILT_RECORD, what its last build
# built (gupr_tree_build: lines "KEY<TAB>VALUE" for commit, describe,
# subject, state and bzimage, the bzImage's size and mtime).
GUPR_CONFIG_RECORD=.gup-repro-config
GUPR_CONFIG_BASE=.gup-repro-base.config
GUPR_BUILT_RECORD=.gup-repro-built

# gupr_sha256 FILE: FILE's sha256 (64 hex digits), "" when it cannot be read.
gupr_sha256() {
	sha256sum <"$1" 2>/dev/null | cut -d' ' -f1
}

# gupr_tree_rev REV: describe commit REV of the tree into TREE_COMMIT,
# TREE_DESCRIBE and TREE_SUBJECT; returns 1 (leaving them as they were)
# when the tree has no such commit.
gupr_tree_rev() {
	local c
	c=$(git -C "$TREE_SRC" rev-parse --verify --quiet "$1^{commit}" 2>/dev/null) || return 1
	TREE_COMMIT=$c
	TREE_DESCRIBE=$(git -C "$TREE_SRC" describe --always --tags "$c" 2>/dev/null)
	TREE_SUBJECT=$(git -C "$TREE_SRC" log -1 --format=%s "$c" 2>/dev/null | tr -d '\000-\037\177')
}

# gupr_tree_head: the tree's checked-out commit now (gupr_tree_rev HEAD) and
# TREE_STATE, clean or dirty (uncommitted changes to tracked files); for a
# tree that is not in git, TREE_DESCRIBE "(not a git tree)" and TREE_STATE
# unknown.
gupr_tree_head() {
	TREE_DESCRIBE="" TREE_COMMIT="" TREE_SUBJECT="" TREE_STATE=""
	if git -C "$TREE_SRC" rev-parse --git-dir >/dev/null 2>&1; then
		gupr_tree_rev HEAD
		if [ -n "$(git -C "$TREE_SRC" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
			TREE_STATE=dirty
		else
			TREE_STATE=clean
		fi
	else
		TREE_DESCRIBE="(not a git tree)" TREE_STATE=unknown
	fi
}

# gupr_bzimage_id: the build directory's bzImage as "SIZE MTIME" (mtime to
# the nanosecond): a later build, by gup-repro or not, changes it.
gupr_bzimage_id() {
	stat -c '%s %.9Y' "$TREE_BUILD/arch/x86/boot/bzImage" 2>/dev/null
}

# gupr_tree_built_write: after a build, record what was built (TREE_COMMIT,
# TREE_DESCRIBE, TREE_SUBJECT, TREE_STATE, set by gupr_tree_head before
# make started) and the bzImage it made into GUPR_BUILT_RECORD.
gupr_tree_built_write() {
	local rec="$TREE_BUILD/$GUPR_BUILT_RECORD"
	printf 'commit\t%s\ndescribe\t%s\nsubject\t%s\nstate\t%s\nbzimage\t%s\n' "$TREE_COMMIT" \
		"$TREE_DESCRIBE" "$TREE_SUBJECT" "$TREE_STATE" "$(gupr_bzimage_id)" >"$rec.tmp" &&
		mv "$rec.tmp" "$rec"
}

# gupr_tree_built_read: set TREE_COMMIT, TREE_DESCRIBE, TREE_SUBJECT and
# TREE_STATE from GUPR_BUILT_RECORD when it is there and names the bzImage
# that is there now; else returns 1.
gupr_tree_built_read() {
	local rec="$TREE_BUILD/$GUPR_BUILT_RECORD" k v commit="" describe="" subject="" state="" bz=""
	[ -s "$rec" ] || return 1
	while IFS=$'\t' read -r k v; do
		case "$k" in
		commit) commit=$v ;; describe) describe=$v ;; subject) subject=$v ;;
		state) state=$v ;; bzimage) bz=$v ;;
		esac
	done <"$rec"
	[ -n "$commit" ] && [ -n "$bz" ] && [ "$bz" = "$(gupr_bzimage_id)" ] || return 1
	TREE_COMMIT=$commit TREE_DESCRIBE=$describe TREE_SUBJECT=$subject TREE_STATE=$state
}

# gupr_tree_release_rev: when the kernel's release string ends in -gSHA
# (CONFIG_LOCALVERSION_AUTO: the commit the build was made from, "-dirty"
# after it when the tree had uncommitted changes), set TREE_COMMIT,
# TREE_DESCRIBE, TREE_SUBJECT (gupr_tree_rev; only the abbreviated id when
# the tree lacks that commit) and TREE_STATE; else returns 1.
gupr_tree_release_rev() {
	local rel sha
	rel=$(cat "$TREE_BUILD/include/config/kernel.release" 2>/dev/null)
	[[ "$rel" =~ -g([0-9a-f]{7,40})(-dirty)?$ ]] || return 1
	sha=${BASH_REMATCH[1]} TREE_STATE=clean
	[ -n "${BASH_REMATCH[2]}" ] && TREE_STATE=dirty
	gupr_tree_rev "$sha" ||
		TREE_COMMIT=$sha TREE_DESCRIBE=$sha TREE_SUBJECT="(commit $sha is not in the tree)"
}

# gupr_tree_ident: name what the build directory's bzImage was built from:
# TREE_COMMIT, TREE_DESCRIBE, TREE_SUBJECT, TREE_STATE (clean|dirty) and
# TREE_FROM, where they come from: "build" (GUPR_BUILT_RECORD, written by
# gupr_tree_build, for this very bzImage), "release" (the -gSHA of the
# kernel's release string) or, with neither, "head" (the tree's HEAD now,
# which need not be what was built); and TREE_CONFIG_HASH (sha256 of the
# build directory's .config, first 12 digits).
gupr_tree_ident() {
	TREE_DESCRIBE="" TREE_COMMIT="" TREE_SUBJECT="" TREE_STATE=""
	if gupr_tree_built_read; then
		TREE_FROM="build"
	elif gupr_tree_release_rev; then
		TREE_FROM="release"
	else
		gupr_tree_head
		TREE_FROM="head"
	fi
	TREE_CONFIG_HASH=$(gupr_sha256 "$TREE_BUILD/.config" | cut -c1-12)
}

# gupr_tree_cc: the compiler the tree was configured with, from its
# CONFIG_CC_VERSION_TEXT: prints "gcc", "gcc-12" or "clang"; returns 1 (and
# prints why) when that compiler is not installed or is another version.
gupr_tree_cc() {
	local text cmd have
	text=$(gupr_config_value "$TREE_BUILD/.config" CONFIG_CC_VERSION_TEXT)
	cmd=${text%% *}
	case "$text" in
	*"clang version"*) cmd=clang ;;
	"") echo "the tree's .config has no CONFIG_CC_VERSION_TEXT"; return 1 ;;
	esac
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "the tree was configured with '$text' and $cmd is not installed"
		return 1
	fi
	have=$("$cmd" --version 2>/dev/null | head -n 1)
	if [ "${have##* }" != "${text##* }" ]; then
		echo "the tree was configured with '$text' but $cmd is '$have'"
		return 1
	fi
	echo "$cmd"
}

# gupr_config_ours DIR: DIR/.config is the one gup-repro wrote last
# (gupr_config_stamp), unchanged since.
gupr_config_ours() {
	[ -s "$1/$GUPR_CONFIG_STAMP" ] &&
		[ "$(sha256sum <"$1/.config" | cut -d' ' -f1)" = "$(head -c 64 "$1/$GUPR_CONFIG_STAMP")" ]
}

# gupr_config_stamp DIR: record DIR/.config as written by gup-repro.
gupr_config_stamp() {
	sha256sum <"$1/.config" | cut -d' ' -f1 >"$1/$GUPR_CONFIG_STAMP"
}

# gupr_config_keep DIR: before gup-repro changes DIR/.config, a copy of it
# when it is the user's (not gupr_config_ours): DIR/.config.gup-repro-orig,
# or .1, .2, ... when that exists (a copy is never overwritten).  Prints
# the copy's path ("" for a .config of gup-repro's); prints why and
# returns 1 when the copy cannot be made.
gupr_config_keep() {
	local dir=$1 b n=0
	gupr_config_ours "$dir" && return 0
	b=$dir/.config.gup-repro-orig
	while [ -e "$b" ] || [ -L "$b" ]; do n=$((n + 1)); b=$dir/.config.gup-repro-orig.$n; done
	if ! cp -p -- "$dir/.config" "$b" 2>/dev/null; then
		rm -f -- "$b"
		echo "cannot keep a copy of $dir/.config as $b: the .config is left as it was"
		return 1
	fi
	echo "$b"
}

# gupr_kernel_config [--build]: write a guest .config into $TREE_BUILD
# (defconfig, or the existing .config, + guest.config through the tree's
# merge_config.sh, then olddefconfig) and list the fragment options that did
# not survive; --build then builds bzImage and modules (-j nproc, ccache
# when installed), logging to $TREE_BUILD/gup-repro-build.log.  A .config
# of the user's is copied first (gupr_config_keep); the .config written is
# stamped as gup-repro's (gupr_config_stamp).
# shellcheck disable=SC2120  # kernel-config.sh passes --build
gupr_kernel_config() {
	local build=0 lost t0 rc kept="" frag
	[ "${1:-}" = --build ] && build=1
	mkdir -p "$TREE_BUILD"
	rm -f "$TREE_BUILD/$GUPR_CONFIG_RECORD"
	if [ -s "$TREE_BUILD/.config" ]; then
		kept=$(gupr_config_keep "$TREE_BUILD") || gupr_die "$kept"
		if [ -n "$kept" ]; then
			gupr_say "==> kernel-config: starting from your $TREE_BUILD/.config (not written by gup-repro), kept as $kept"
		else
			gupr_say "==> kernel-config: starting from the .config gup-repro wrote in $TREE_BUILD"
		fi
	else
		gupr_say "==> kernel-config: make defconfig"
		gupr_vrun gupr_make_tree defconfig || gupr_die "make defconfig failed in $TREE_SRC"
	fi
	cp "$TREE_BUILD/.config" "$TREE_BUILD/$GUPR_CONFIG_BASE" ||
		gupr_die "cannot write $TREE_BUILD/$GUPR_CONFIG_BASE"
	frag=$(gupr_sha256 "$GUPR_FRAGMENT")
	gupr_say "==> kernel-config: merging ${GUPR_FRAGMENT#"$GUPR_TOP"/} (scripts/kconfig/merge_config.sh), olddefconfig"
	( cd "$TREE_BUILD" && gupr_vrun sh "$TREE_SRC/scripts/kconfig/merge_config.sh" -m -O "$TREE_BUILD" \
		"$TREE_BUILD/.config" "$GUPR_FRAGMENT" ) || gupr_die "merge_config.sh failed"
	gupr_vrun gupr_make_tree olddefconfig || gupr_die "make olddefconfig failed in $TREE_SRC"
	printf 'fragment=%s\nbase=%s\n' "$frag" "$(gupr_sha256 "$TREE_BUILD/$GUPR_CONFIG_BASE")" \
		>"$TREE_BUILD/$GUPR_CONFIG_RECORD" || gupr_die "cannot write $TREE_BUILD/$GUPR_CONFIG_RECORD"
	lost=$(gupr_fragment_entries | while IFS=$'\t' read -r need opt val what; do
		have=$(gupr_config_value "$TREE_BUILD/.config" "$opt")
		gupr_config_has "$val" "$have" ||
			printf '    %-40s %s (%s)\n' "$opt=$val" "${have:-not set}" "$what"
	done)
	if [ -n "$lost" ]; then
		gupr_say "==> kernel-config: these guest options did not survive olddefconfig (option=wanted, got, what a run cannot do):"
		gupr_say "$lost"
	else
		gupr_say "==> kernel-config: every guest option is set"
	fi
	gupr_config_stamp "$TREE_BUILD" || gupr_die "cannot write $TREE_BUILD/$GUPR_CONFIG_STAMP"
	gupr_say "==> kernel-config: wrote $TREE_BUILD/.config${kept:+ (yours is $kept)}"
	[ $build = 1 ] || return 0
	gupr_tree_build
}

# gupr_config_stale: whether the build directory's .config was made with
# another guest config than GUPR_FRAGMENT is now, or with none gup-repro
# recorded (GUPR_CONFIG_RECORD): prints why and returns 0; returns 1 when it
# was made with this one.
gupr_config_stale() {
	local was now
	was=$(sed -n 's/^fragment=//p' "$TREE_BUILD/$GUPR_CONFIG_RECORD" 2>/dev/null)
	now=$(gupr_sha256 "$GUPR_FRAGMENT")
	if [ -z "$was" ]; then
		echo "the build directory's .config has no record of the guest config it was made with"
	elif [ "$was" != "$now" ]; then
		echo "${GUPR_FRAGMENT#"$GUPR_TOP"/} changed since the build directory's .config was made (sha256 ${was:0:12}, now ${now:0:12})"
	else
		return 1
	fi
}

# gupr_config_rebase: put back, as the build directory's .config, the base
# config its guest config was merged into (GUPR_CONFIG_BASE, when its
# sha256 is the one recorded), so that merging the fragment again drops
# what an older fragment set; prints what it starts from.
gupr_config_rebase() {
	local base="$TREE_BUILD/$GUPR_CONFIG_BASE" want
	want=$(sed -n 's/^base=//p' "$TREE_BUILD/$GUPR_CONFIG_RECORD" 2>/dev/null)
	if [ -n "$want" ] && [ "$(gupr_sha256 "$base")" = "$want" ] && cp "$base" "$TREE_BUILD/.config"; then
		echo "the base config it was made from ($GUPR_CONFIG_BASE)"
	else
		echo "the existing .config (its base config is not kept)"
	fi
}

# gupr_tree_build: make bzImage modules in the tree (-j nproc, ccache when
# installed, with a progress line); the log is $TREE_BUILD/gup-repro-build.log.
# What was built (the commit checked out as make started, clean or dirty)
# goes to GUPR_BUILT_RECORD (gupr_tree_built_write), which names the kernel
# after the tree has moved on (gupr_tree_ident).  Returns make's status;
# sets TREE_BUILD_SECONDS.
gupr_tree_build() {
	local log="$TREE_BUILD/gup-repro-build.log" t0 pid rc path=$PATH cc
	if [ -d /usr/lib/ccache ]; then
		path=/usr/lib/ccache:$PATH
		# gup-repro's own cache (the user's ccache configuration is not
		# touched), large enough for a kernel with debug info.  Objects of
		# two build directories of one tree hit each other's entries: the
		# build directory is not hashed (the sources' absolute paths are).
		# No CCACHE_BASEDIR: its relative paths defeat the kernel's
		# -fmacro-prefix-map, and WARN() would name "../tree/fs/..." files.
		export CCACHE_DIR=${CCACHE_DIR:-$GUPR_CACHE/ccache} CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
		export CCACHE_NOHASHDIR=true
	fi
	# the compiler the tree was configured with: CC=gcc-N, or LLVM=1
	cc=$(gupr_tree_cc) || { gupr_say "==> build: $cc"; return 1; }
	case "$cc" in clang) cc=LLVM=1 ;; *) cc=CC=$cc ;; esac
	gupr_say "==> build: make -j$(nproc) $cc bzImage modules in $TREE_BUILD (log: gup-repro-build.log)"
	# what this build builds: the commit checked out as make starts (a
	# failed build leaves no record: its objects are of no one commit)
	gupr_tree_head
	rm -f "$TREE_BUILD/$GUPR_BUILT_RECORD"
	t0=$(date +%s)
	PATH=$path gupr_make_tree -j"$(nproc)" "$cc" bzImage modules >"$log" 2>&1 &
	pid=$!
	# progress: one line a minute, or one updated line on a terminal
	local every=60 eol='\n' n=0
	[ -t "${GUPR_SAY_FD:-2}" ] && every=2 eol='\r'
	while sleep 1 && kill -0 $pid 2>/dev/null; do
		[ $((n += 1)) -ge $every ] || continue
		n=0
		printf "==> build: %d s, %d objects, %-50.50s$eol" "$(( $(date +%s) - t0 ))" \
			"$(grep -c '^  [A-Z]' "$log")" "$(tail -n 1 "$log" | tr -cd '[:print:]')" >&"${GUPR_SAY_FD:-2}"
	done
	[ "$eol" = '\r' ] && printf '\n' >&"${GUPR_SAY_FD:-2}"
	wait $pid
	rc=$?
	TREE_BUILD_SECONDS=$(( $(date +%s) - t0 ))
	if [ $rc = 0 ]; then
		gupr_tree_built_write || gupr_say "==> build: cannot write $TREE_BUILD/$GUPR_BUILT_RECORD"
		gupr_say "==> build: done in ${TREE_BUILD_SECONDS} s ($(du -sh "$TREE_BUILD" | cut -f1) in $TREE_BUILD): ${TREE_COMMIT:0:12} $TREE_STATE"
	else
		gupr_say "==> build: FAILED after ${TREE_BUILD_SECONDS} s; last lines of $log:"
		tail -n 15 "$log" >&"${GUPR_SAY_FD:-2}"
	fi
	return $rc
}

# gupr_kernel_tree PATH: the record of a kernel tree the user configured and
# built (PATH: the source tree or its O= build directory), kept in
# $GUPR_CACHE/trees/<hash of the build directory>: the tree's modules are
# installed into a private staging directory there (modules_install with
# INSTALL_MOD_PATH) whenever bzImage is newer; nothing is written into the
# tree.  Bad trees die with status 2 (usage: exit 128) or 125 (cannot test).
# shellcheck disable=SC2034  # the kernel's record (kernel.sh), read by the files that source the library
gupr_kernel_tree() {
	local bz why key
	gupr_tree_locate "$1" || GUPR_DIE_RC=2 gupr_die "--kernel $1: $TREE_WHY"
	[ -s "$TREE_BUILD/.config" ] ||
		GUPR_DIE_RC=2 gupr_die "--kernel $1: the tree is not configured (no $TREE_BUILD/.config): run ./run.sh kernel-config $1 --build"
	bz="$TREE_BUILD/arch/x86/boot/bzImage"
	[ -s "$bz" ] ||
		GUPR_DIE_RC=2 gupr_die "--kernel $1: the tree is not built (no $bz): run ./run.sh kernel-config $1 --build, or make bzImage modules"
	[ -s "$TREE_BUILD/include/config/kernel.release" ] ||
		GUPR_DIE_RC=2 gupr_die "--kernel $1: no include/config/kernel.release in $TREE_BUILD: the build did not finish"
	KCC=$(gupr_tree_cc) || GUPR_DIE_RC=2 gupr_die "--kernel $1: $KCC"
	key=$(gupr_path_key "$TREE_BUILD")
	KSOURCE=tree KID="tree-$key" KCACHE="$GUPR_CACHE/trees/$key"
	KREL=$(cat "$TREE_BUILD/include/config/kernel.release")
	VMLINUZ=$bz KDIR=$TREE_BUILD KCONFIG="$TREE_BUILD/.config" KSUITE="" KTREE=$TREE_SRC
	gupr_tree_ident
	KVERSION=$TREE_DESCRIBE KCOMMIT=$TREE_COMMIT KSUBJECT=$TREE_SUBJECT KSTATE=$TREE_STATE
	KCONFIG_HASH=$TREE_CONFIG_HASH
	KLABEL="tree $TREE_SRC: $TREE_DESCRIBE ${TREE_COMMIT:0:12} \"$TREE_SUBJECT\" $TREE_STATE"
	# with no record of the build and no -gSHA in the release, the commit
	# is the tree's HEAD now, which a bisection or checkout may have moved
	[ "$TREE_FROM" = head ] && KLABEL+=" (the tree's HEAD now, not known to be what was built)"
	KLABEL+=", config $TREE_CONFIG_HASH"
	KBTF="" KBTF_WHY=""
	if [ "$(gupr_config_value "$KCONFIG" CONFIG_DEBUG_INFO_BTF)" != y ]; then
		KBTF_WHY="CONFIG_DEBUG_INFO_BTF is not set"
	elif [ ! -s "$TREE_BUILD/vmlinux" ]; then
		KBTF_WHY="no vmlinux in $TREE_BUILD"
	else
		KBTF="$TREE_BUILD/vmlinux"
	fi
	gupr_lock "kernel-$KID"
	mkdir -p "$KCACHE" || gupr_die "cannot create $KCACHE"
	KMODROOT="$KCACHE/modules"
	if [ "$(gupr_config_value "$KCONFIG" CONFIG_MODULES)" = y ] &&
	   gupr_stale "$KMODROOT/.installed" "$bz" "$KCONFIG"; then
		gupr_say "==> kernel: installing the tree's modules into gup-repro's staging directory"
		rm -rf --one-file-system "$KMODROOT" "$KCACHE/md5sums"
		mkdir -p "$KMODROOT"
		gupr_vrun gupr_make_tree INSTALL_MOD_PATH="$KMODROOT" INSTALL_MOD_STRIP=1 modules_install ||
			gupr_die "make modules_install into $KMODROOT failed for $TREE_BUILD"
		# the installed modules' md5sums, in dpkg's format: a module
		# damaged since is seen when the initramfs is packed, as a Debian
		# kernel's is (gupr_stage_modules)
		( cd "$KMODROOT" && find lib usr -type f -name '*.ko*' -print0 2>/dev/null |
			LC_ALL=C sort -z | xargs -0r md5sum ) >"$KCACHE/md5sums.tmp" &&
			mv "$KCACHE/md5sums.tmp" "$KCACHE/md5sums" ||
			gupr_die "cannot write $KCACHE/md5sums"
		touch "$KMODROOT/.installed"
	fi
	mkdir -p "$KMODROOT/lib/modules/$KREL"
	gupr_record_write "$KCACHE/kernel.env"
	gupr_record_read "$KCACHE/kernel.env"
	gupr_unlock "kernel-$KID"
}

# gupr_kernel_lacks NEED...: print "OPTION<TAB>WHAT" for every guest.config
# option of those NEEDs (boot, disk, fs=FS, trace, scenario=NAME) that the
# kernel does not have.  Debian's cloud kernels have them all.
gupr_kernel_lacks() {
	[ "$KSOURCE" = tree ] || return 0
	gupr_config_missing "$KCONFIG" "$@"
}

# gupr_tree_rebuild PATH: bring a configured tree's build up to date with
# its checked-out sources (olddefconfig, then make bzImage modules) under
# the kernel's lock: what `git bisect run ./run.sh --kernel . --build` does
# at every step.  A .config of the user's is copied first (gupr_config_keep).
# Dies with 2 (usage) when the tree is not configured, with 125 (cannot
# test this commit) when the build fails.
gupr_tree_rebuild() {
	local key kept
	gupr_tree_locate "$1" || GUPR_DIE_RC=2 gupr_die "--kernel $1: $TREE_WHY"
	[ -s "$TREE_BUILD/.config" ] ||
		GUPR_DIE_RC=2 gupr_die "--kernel $1 --build: the tree is not configured (no $TREE_BUILD/.config): run ./run.sh kernel-config $1 first"
	key=$(gupr_path_key "$TREE_BUILD")
	gupr_lock "kernel-tree-$key"
	kept=$(gupr_config_keep "$TREE_BUILD") || gupr_die "$kept"
	[ -z "$kept" ] || gupr_say "==> build: your $TREE_BUILD/.config (not written by gup-repro) is kept as $kept"
	gupr_vrun gupr_make_tree olddefconfig </dev/null ||
		gupr_die "make olddefconfig failed in $TREE_BUILD"
	gupr_config_stamp "$TREE_BUILD" || gupr_die "cannot write $TREE_BUILD/$GUPR_CONFIG_STAMP"
	gupr_tree_build </dev/null || gupr_die "building $TREE_BUILD failed (exit $?, see $TREE_BUILD/gup-repro-build.log)"
	gupr_unlock "kernel-tree-$key"
}

# gupr_tree_make SRC BUILD [WHO]: the kernel of the source tree SRC built in
# the build directory BUILD: the guest config written once
# (gupr_kernel_config: defconfig + vm-images/guest.config) and merged again
# when the fragment or the base changed since (gupr_config_stale: said on
# stdout, the build's log, and on GUPR_SAY_FD, prefixed "==> WHO:"), then
# brought up to date with SRC's checked-out commit (gupr_tree_rebuild:
# olddefconfig, make).  ./run.sh bisect and compare build with it.  Dies
# with 1 when the build fails.
gupr_tree_make() {
	local why from
	mkdir -p "$2" || gupr_die "cannot create $2"
	TREE_SRC=$(cd "$1" && pwd -P) TREE_BUILD=$(cd "$2" && pwd -P)
	if [ ! -s "$TREE_BUILD/.config" ]; then
		gupr_kernel_config || exit 1
	elif why=$(gupr_config_stale); then
		from=$(gupr_config_rebase)
		why="==> ${3:-kernel-config}: $why: merging it again, into $from"
		echo "$why"
		gupr_say "$why"
		gupr_kernel_config || exit 1
	fi
	GUPR_DIE_RC=1 gupr_tree_rebuild "$TREE_BUILD"
}
