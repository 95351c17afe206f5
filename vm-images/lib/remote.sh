# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/remote.sh - the host's side of --hosts (./run.sh matrix and
# ./run.sh bisect): sourced by a job script that GNU parallel started on a
# host, in the job's directory there (--workdir: WORKDIR/runs/<id>, whose
# base/ is the basefile: gup-repro.tar, this file as remote.sh and the job
# script).  Plain bash and coreutils only: the project is not unpacked yet
# when it runs.

# gupr_remote_begin DIR: the job's result directory DIR (relative to the
# job's directory; made) is what goes back: at exit, host.txt (host:,
# host-name:, host-workdir:) is written into it and it is packed as DIR.tar
# (GNU parallel's --return takes files; the run's directory goes at the
# end, gupr_hosts_stop).  Sets
# REMOTE_HOST (the host as the hosts file names it), REMOTE_RUN (the job's
# directory), REMOTE_WD (WORKDIR), REMOTE_TREE (the host's copy of the
# project) and REMOTE_DIR.
gupr_remote_begin() {
	REMOTE_HOST=${PARALLEL_SSHHOST:-$(hostname)}
	REMOTE_RUN=$PWD
	REMOTE_WD=${REMOTE_RUN%/runs/*}
	REMOTE_TREE=$REMOTE_WD/gup-repro
	REMOTE_DIR=$REMOTE_RUN/$1
	mkdir -p "$REMOTE_DIR"
	trap 'printf "host: %s\nhost-name: %s\nhost-workdir: %s\n" "$REMOTE_HOST" "$(hostname)" "$REMOTE_WD" >"$REMOTE_DIR/host.txt"
	      tar -cf "$REMOTE_DIR.tar" -C "$(dirname "$REMOTE_DIR")" "$(basename "$REMOTE_DIR")" && rm -rf "$REMOTE_DIR"' EXIT
}

# gupr_remote_fail WHY: the job could not run on this host: WHY (naming the
# host) into REMOTE_DIR/error.txt and stderr; exit 3 (GNU parallel
# --retries tries the job on another host).
gupr_remote_fail() {
	echo "host $REMOTE_HOST: $*" >"$REMOTE_DIR/error.txt"
	echo "gup-repro: host $REMOTE_HOST: $*" >&2
	exit 3
}

# gupr_remote_project HASH: the host's copy of the project, REMOTE_TREE,
# unpacked from base/gup-repro.tar (with fresh times: make rebuilds everything it
# built from an older copy) and built (vm-images/host-deps.sh, make host)
# once per HASH of the tar, under a lock; its log is WORKDIR/prepare.log.
# A failed preparation fails every later job of the same run directory at
# once (gupr_remote_fail).  Also removes what interrupted runs left in
# WORKDIR/runs/, once a day.
gupr_remote_project() {
	local hash=$1 why=""
	exec 9>>"$REMOTE_WD/.gup-repro.lock" && flock 9 || gupr_remote_fail "cannot lock $REMOTE_WD/.gup-repro.lock"
	[ -n "$(find "$REMOTE_WD/.runs-swept" -mmin -1440 2>/dev/null)" ] || {
		find "$REMOTE_WD/runs" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf --one-file-system {} + 2>/dev/null
		touch "$REMOTE_WD/.runs-swept"
	}
	if [ -e "$REMOTE_RUN/.prepare-failed" ]; then	# this run tried already
		gupr_remote_fail "$(cat "$REMOTE_RUN/.prepare-failed")"
	elif [ "$(cat "$REMOTE_TREE/.tar-hash" 2>/dev/null)" != "$hash" ]; then
		rm -rf --one-file-system "$REMOTE_TREE" && mkdir -p "$REMOTE_TREE" &&
			tar -xf "$REMOTE_RUN/base/gup-repro.tar" -m -C "$REMOTE_TREE" 2>"$REMOTE_WD/prepare.log" ||
			why="unpacking the project into $REMOTE_TREE failed"
		[ -n "$why" ] || "$REMOTE_TREE/vm-images/host-deps.sh" >>"$REMOTE_WD/prepare.log" 2>&1 ||
			why="vm-images/host-deps.sh failed: $(grep -h 'gup-repro: ' "$REMOTE_WD/prepare.log" | tail -n 1)"
		[ -n "$why" ] || make -s -C "$REMOTE_TREE" host >>"$REMOTE_WD/prepare.log" 2>&1 ||
			why="make host failed (see $REMOTE_WD/prepare.log there)"
		if [ -n "$why" ]; then
			echo "preparing gup-repro failed: $why" >"$REMOTE_RUN/.prepare-failed"
			gupr_remote_fail "preparing gup-repro failed: $why"
		fi
		echo "$hash" >"$REMOTE_TREE/.tar-hash"
	fi
	exec 9>&-
}
