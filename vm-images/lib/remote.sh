# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/remote.sh - the host's side of --hosts (./run.sh matrix and
# ./run.sh bisect).  Plain bash, coreutils and flock only: the project is
# not unpacked yet when it runs.  Two uses:
#   - sourced by a job script that GNU parallel started on a host, in the
#     job's run directory there (--workdir; its base/ is the basefile:
#     gup-repro.tar, this file as remote.sh and the job script);
#   - sent by vm-images/lib/hosts.sh as the text of "bash -c" for the
#     preflight and the end of a run (gupr_hosts_remote_call).
#
# On a host, gup-repro works in one directory it makes and marks as its
# own, OWN = WORKDIR/.gup-repro (the mark: the file owned-by-gup-repro in
# it), and removes nothing outside it (docs/hosts.md):
#   OWN/runs/ID/    a run's directory (one matrix or bisection), made by the
#                   preflight; the run holds its lock (flock, shared) for
#                   its whole life, each job holds it too
#   OWN/tree-HASH/  the project, unpacked and built once per HASH of
#                   gup-repro.tar; each job holds its lock (shared); the
#                   others are removed when a new one is made
# Every removal is gupr_remote_rm's: inside OWN, on OWN's file system,
# while the mark is there; a run directory or a copy of the project is
# removed only when its lock can be taken exclusively (gupr_remote_drop).

GUPR_REMOTE_MARK=owned-by-gup-repro
GUPR_REMOTE_MARK_TEXT="gup-repro made this directory; it removes only what it made in it (docs/hosts.md)"
# what a WORKDIR used by gup-repro before .gup-repro/ held
GUPR_REMOTE_OLD="runs gup-repro .gup-repro.lock .runs-swept prepare.log"
# a run directory unchanged this long (minutes) whose lock nobody holds is
# what an interrupted run left: the sweep removes it
GUPR_REMOTE_STALE_MIN=1440

# gupr_remote_owned OWN: OWN is a directory (not a symbolic link) with
# gup-repro's mark in it; returns 1 if not.
gupr_remote_owned() {
	[ -d "$1" ] && [ ! -L "$1" ] && [ -f "$1/$GUPR_REMOTE_MARK" ] &&
		[ "$(head -n 1 "$1/$GUPR_REMOTE_MARK" 2>/dev/null)" = "$GUPR_REMOTE_MARK_TEXT" ]
}

# gupr_remote_rm OWN PATH...: remove each PATH (rm -rf --one-file-system)
# that is inside OWN (by its real path, no "." or ".." in it) and on OWN's
# file system, while OWN bears the mark; says on stderr each one it leaves
# and returns 1 then.  A PATH that does not exist is no error.
gupr_remote_rm() {
	local own=$1 real dev p rc=0
	shift
	gupr_remote_owned "$own" || { echo "gup-repro: $own has no $GUPR_REMOTE_MARK: removing nothing" >&2; return 1; }
	real=$(cd -P "$own" && pwd -P) && dev=$(stat -c %d "$real") || return 1
	for p in "$@"; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		case "/$p/" in
		*/../*|*/./*) echo "gup-repro: $p: not removed (. or .. in it)" >&2; rc=1; continue ;;
		esac
		case "$(cd -P "$(dirname "$p")" 2>/dev/null && pwd -P)/" in
		"$real"/*) ;;
		*) echo "gup-repro: $p is not in $own: not removed" >&2; rc=1; continue ;;
		esac
		if [ "$(stat -c %d "$p")" != "$dev" ]; then
			echo "gup-repro: $p is on another file system than $own: not removed" >&2; rc=1; continue
		fi
		rm -rf --one-file-system -- "$p" || rc=1
	done
	return $rc
}

# gupr_remote_drop OWN DIR: remove DIR (a run directory or a copy of the
# project, in OWN) with gupr_remote_rm when its lock can be taken
# exclusively at once, i.e. no run and no job holds it; returns 1 when it
# is held or not removed.  A DIR that is not there is no error.
gupr_remote_drop() {
	local own=$1 dir=$2 fd rc=1
	[ -d "$dir" ] && [ ! -L "$dir" ] || return 0
	exec {fd}<"$dir" || return 1
	flock -n -x "$fd" && { gupr_remote_rm "$own" "$dir"; rc=$?; }
	exec {fd}<&-
	return $rc
}

# gupr_remote_sweep OWN: remove what interrupted runs left in OWN/runs:
# each run directory not changed for GUPR_REMOTE_STALE_MIN minutes whose
# lock nobody holds (gupr_remote_drop).
gupr_remote_sweep() {
	local own=$1 d
	while IFS= read -r -d '' d; do
		gupr_remote_drop "$own" "$d"
	done < <(find "$own/runs" -mindepth 1 -maxdepth 1 -type d -mmin +"$GUPR_REMOTE_STALE_MIN" -print0 2>/dev/null)
	return 0
}

# gupr_remote_home WD: whose home directory WD is ("this login" for
# $HOME, else the user of getent passwd), by the path or by the directory
# itself (a symbolic link to a home is one); prints nothing when WD is
# nobody's home.
gupr_remote_home() {
	local wd=${1%/} u h
	if [ -n "${HOME:-}" ] && { [ "$wd" = "${HOME%/}" ] || [ "$wd" -ef "$HOME" ]; }; then
		echo "this login"
		return 0
	fi
	while IFS=: read -r u _ _ _ _ h _; do
		[ -n "$h" ] && { [ "$wd" = "${h%/}" ] || [ "$wd" -ef "$h" ]; } && { echo "$u"; return 0; }
	done < <(getent passwd 2>/dev/null)
	return 0
}

# gupr_remote_refusal WD: why gup-repro will not work in WD (an existing
# directory, not its own), one line; nothing when WD is empty (but for an
# empty lost+found: the root of a file system of its own).
gupr_remote_refusal() {
	local wd=$1 e n=0 old=1 some=""
	while IFS= read -r -d '' e; do
		[ "$e" = "$wd/lost+found" ] && [ -z "$(ls -A "$e" 2>/dev/null)" ] && continue
		e=${e##*/}
		n=$((n + 1))
		[ $n -le 3 ] && some+="${some:+, }$e"
		[[ " $GUPR_REMOTE_OLD " == *" $e "* ]] || old=0
	done < <(find "$wd" -mindepth 1 -maxdepth 1 -print0)
	[ $n -gt 0 ] || return 0
	[ $n -le 3 ] || some+=", ..."
	if [ $old = 1 ] && [ -f "$wd/gup-repro/.tar-hash" ]; then
		echo "holds an older gup-repro's files ($some), not removed: check that nothing of yours is in them, then remove them there (cd $wd && rm -rf --one-file-system $GUPR_REMOTE_OLD), or name a new directory"
	elif [ -e "$wd/.gup-repro" ] || [ -L "$wd/.gup-repro" ]; then
		echo "has a .gup-repro that gup-repro did not make (no $GUPR_REMOTE_MARK in it): name a new or empty directory"
	else
		echo "is not empty ($some) and not gup-repro's: name a new or empty directory"
	fi
}

# gupr_remote_place WD: why WD is no place for gup-repro whatever it
# holds, one line: not a directory, /, a home directory; nothing if not.
gupr_remote_place() {
	local wd=$1 who
	if [ -e "$wd" ] && [ ! -d "$wd" ]; then
		echo "is not a directory"
	elif [ "$wd" -ef / ]; then
		echo "is the root directory: name a new or empty directory for gup-repro"
	else
		who=$(gupr_remote_home "$wd")
		[ -z "$who" ] || echo "is the home directory of $who: name a new or empty directory for gup-repro"
	fi
}

# gupr_remote_mark OWN: make the directory OWN with gup-repro's mark in it,
# made and marked under another name first: an OWN is never without its
# mark.  Prints why and returns 1 when it cannot.
gupr_remote_mark() {
	local own=$1 tmp why
	tmp=$(mktemp -d "$own.XXXXXX" 2>&1) || { echo "${tmp##*: }"; return 1; }
	why=$({ echo "$GUPR_REMOTE_MARK_TEXT" >"$tmp/$GUPR_REMOTE_MARK" && mv -T -- "$tmp" "$own"; } 2>&1) && return 0
	rm -f -- "$tmp/$GUPR_REMOTE_MARK"
	rmdir -- "$tmp"
	echo "${why##*: }"
	return 1
}

# gupr_remote_own WD: gup-repro's own directory in WD (the hosts file's
# WORKDIR: /path or ~/path), WD/.gup-repro, made and marked when WD is new
# or empty, under WD's lock.  Prints one line: "own=DIR", "refuse=WHY" (bad
# input: gupr_remote_place, gupr_remote_refusal) or "unusable=WHY" (it
# cannot be made).
gupr_remote_own() {
	local wd=$1 fd why own
	case "$wd" in '~/'*) wd=$HOME/${wd#'~/'} ;; esac
	wd=${wd%/} && wd=${wd:-/}
	own=${wd%/}/.gup-repro
	why=$(gupr_remote_place "$wd")
	[ -z "$why" ] || { echo "refuse=working directory $wd $why"; return 0; }
	why=$(mkdir -p -- "$wd" 2>&1) || { echo "unusable=cannot make working directory $wd: ${why##*: }"; return 0; }
	exec {fd}<"$wd" && flock -w 60 -x "$fd" || { echo "unusable=cannot lock working directory $wd"; return 0; }
	if gupr_remote_owned "$own"; then
		echo "own=$(cd -P "$own" && pwd -P)"
	elif why=$(gupr_remote_refusal "$wd") && [ -n "$why" ]; then
		echo "refuse=working directory $wd $why"
	elif why=$(gupr_remote_mark "$own"); then
		echo "own=$(cd -P "$own" && pwd -P)"
	else
		echo "unusable=cannot make $own: $why"
	fi
	exec {fd}<&-
}

# gupr_remote_preflight WD RUN ARCH: the preflight's host side (hosts.sh
# gupr_hosts_preflight): prints uid=, arch=, cpus=; when root on ARCH,
# gupr_remote_own's line for WD, then, with WD usable, rsync=ok (installed
# when missing: GNU parallel copies files with it), flock=ok, and after
# the sweep of OWN (gupr_remote_sweep) the run directory OWN/RUN made:
# run=ok.
gupr_remote_preflight() {
	local wd=$1 run=$2 arch=$3 line own
	echo "uid=$(id -u)"; echo "arch=$(uname -m)"; echo "cpus=$(nproc)"
	[ "$(id -u)" = 0 ] && [ "$(uname -m)" = "$arch" ] || return 0
	line=$(gupr_remote_own "$wd")
	echo "$line"
	case "$line" in own=*) own=${line#own=} ;; *) return 0 ;; esac
	command -v rsync >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive
		apt-get install -y -q --no-install-recommends rsync >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1; apt-get install -y -q --no-install-recommends rsync >/dev/null 2>&1; }; }
	command -v rsync >/dev/null 2>&1 && echo rsync=ok
	command -v flock >/dev/null 2>&1 && echo flock=ok
	gupr_remote_sweep "$own"
	mkdir -p -- "$own/$run" && echo run=ok
}

# gupr_remote_begin DIR: the job's result directory DIR (relative to the
# job's directory; made) is what goes back: at exit, host.txt (host:,
# host-name:, host-workdir:) is written into it and it is packed as DIR.tar
# (GNU parallel's --return takes files; the run's directory goes at the
# end, gupr_hosts_stop).  The job holds its run directory's lock (shared)
# until it exits.  Sets REMOTE_HOST (the host as the hosts file names it),
# REMOTE_RUN (the job's directory), REMOTE_OWN (gup-repro's directory
# there), REMOTE_WD (WORKDIR) and REMOTE_DIR.
gupr_remote_begin() {
	REMOTE_HOST=${PARALLEL_SSHHOST:-$(hostname)}
	REMOTE_RUN=$PWD
	REMOTE_OWN=${REMOTE_RUN%/runs/*}
	REMOTE_WD=${REMOTE_OWN%/.gup-repro}
	REMOTE_DIR=$REMOTE_RUN/$1
	mkdir -p "$REMOTE_DIR"
	trap 'printf "host: %s\nhost-name: %s\nhost-workdir: %s\n" "$REMOTE_HOST" "$(hostname)" "$REMOTE_WD" >"$REMOTE_DIR/host.txt"
	      tar -cf "$REMOTE_DIR.tar" -C "$(dirname "$REMOTE_DIR")" "$(basename "$REMOTE_DIR")" &&
	      gupr_remote_rm "$REMOTE_OWN" "$REMOTE_DIR"' EXIT
	gupr_remote_owned "$REMOTE_OWN" || gupr_remote_fail "$REMOTE_OWN has no $GUPR_REMOTE_MARK: not gup-repro's directory"
	exec {REMOTE_RUN_FD}<"$REMOTE_RUN" && flock -s "$REMOTE_RUN_FD" || gupr_remote_fail "cannot lock $REMOTE_RUN"
}

# gupr_remote_fail WHY: the job could not run on this host: WHY (naming the
# host) into REMOTE_DIR/error.txt and stderr; exit 3 (GNU parallel
# --retries tries the job on another host).
gupr_remote_fail() {
	echo "host $REMOTE_HOST: $*" >"$REMOTE_DIR/error.txt"
	echo "gup-repro: host $REMOTE_HOST: $*" >&2
	exit 3
}

# gupr_remote_project HASH: the host's copy of the project, REMOTE_TREE =
# REMOTE_OWN/tree-HASH, unpacked from base/gup-repro.tar (with fresh
# times: make rebuilds everything it built from an older copy) and built
# (vm-images/host-deps.sh, make host) once per HASH of the tar, under
# REMOTE_OWN's lock; its log is REMOTE_TREE/prepare.log.  The copies of
# other HASHes go then, but for one a job holds (it goes when the next is
# made); a copy whose preparation did not finish is made again.  The job
# holds its copy's lock (shared) until it exits.  A failed preparation
# fails every later job of the same run directory at once
# (gupr_remote_fail).
gupr_remote_project() {
	local hash=$1 why="" fd d
	[[ $hash =~ ^[0-9a-f]{16}$ ]] || gupr_remote_fail "'$hash' is not a project hash"
	REMOTE_TREE=$REMOTE_OWN/tree-$hash
	exec {fd}<"$REMOTE_OWN" && flock -x "$fd" || gupr_remote_fail "cannot lock $REMOTE_OWN"
	if [ -e "$REMOTE_RUN/.prepare-failed" ]; then	# this run tried already
		gupr_remote_fail "$(cat "$REMOTE_RUN/.prepare-failed")"
	elif [ ! -e "$REMOTE_TREE/.prepared" ]; then
		for d in "$REMOTE_OWN"/tree-*; do gupr_remote_drop "$REMOTE_OWN" "$d"; done
		[ ! -e "$REMOTE_TREE" ] || why="$REMOTE_TREE, unfinished, could not be removed"
		[ -n "$why" ] || { mkdir "$REMOTE_TREE" &&
			tar -xf "$REMOTE_RUN/base/gup-repro.tar" -m -C "$REMOTE_TREE" 2>"$REMOTE_TREE/prepare.log"; } ||
			why="unpacking the project into $REMOTE_TREE failed"
		[ -n "$why" ] || "$REMOTE_TREE/vm-images/host-deps.sh" >>"$REMOTE_TREE/prepare.log" 2>&1 ||
			why="vm-images/host-deps.sh failed: $(grep -h 'gup-repro: ' "$REMOTE_TREE/prepare.log" | tail -n 1)"
		[ -n "$why" ] || make -s -C "$REMOTE_TREE" host >>"$REMOTE_TREE/prepare.log" 2>&1 ||
			why="make host failed (see $REMOTE_TREE/prepare.log there)"
		if [ -n "$why" ]; then
			echo "preparing gup-repro failed: $why" >"$REMOTE_RUN/.prepare-failed"
			gupr_remote_fail "preparing gup-repro failed: $why"
		fi
		: >"$REMOTE_TREE/.prepared"
	fi
	exec {REMOTE_TREE_FD}<"$REMOTE_TREE" && flock -s "$REMOTE_TREE_FD" || gupr_remote_fail "cannot lock $REMOTE_TREE"
	exec {fd}<&-
}
