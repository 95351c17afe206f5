# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/hosts.sh - --hosts FILE of ./run.sh matrix and ./run.sh
# bisect: the hosts file, the ssh command GNU parallel uses for each host,
# the preflight, the project packed for the hosts, GNU parallel's options
# and what its job log says of a job that did not come back.  Sourced by
# matrix.sh and bisect.sh (and tests/unit/hosts.t).  The host's side is
# vm-images/lib/remote.sh.
#
# The hosts file: one host a line, a GNU parallel sshlogin with an optional
# working directory after it; empty lines and lines starting with # are
# skipped:
#     [N/]SSHLOGIN [WORKDIR]
#   N        that host's job slots (default: its CPU count, or -j)
#   SSHLOGIN [ssh command [options]] [user@]host, as GNU parallel's
#            --sshloginfile takes it; the last word is the host
#   WORKDIR  an absolute path or ~/path on the host (default
#            ~/gup-repro-remote), new, empty or gup-repro's already: the
#            preflight makes WORKDIR/.gup-repro/ and marks it as
#            gup-repro's; the host's copies of the project and the runs
#            live there, and nothing outside it is removed (remote.sh,
#            docs/hosts.md).  /, a home directory and a directory that is
#            not empty and not gup-repro's are refused (bad input).
# Words are split at white space (no quoting).

GUPR_HOSTS_WD_DEFAULT="~/gup-repro-remote"
GUPR_SSH_CONNECT_TIMEOUT=${GUP_REPRO_SSH_CONNECT_TIMEOUT:-10}
# the host's side, sent to the host as the text of "bash -c"
GUPR_REMOTE_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/remote.sh

# gupr_parallel_ok: GNU parallel is there (matrix and bisect run their jobs
# with it, here and on the hosts); else prints why and returns 1.
gupr_parallel_ok() {
	command -v parallel >/dev/null 2>&1 ||
		{ echo "GNU parallel is missing (vm-images/host-deps.sh installs it as root: apt-get install parallel)"; return 1; }
}

# gupr_hosts_read FILE: the hosts of FILE into HOST_CMD[i] (the ssh command
# and its options, one string of words), HOST_NAME[i] (the host word),
# HOST_WD[i] and HOST_CPUS[i] ("" when no N/ was given).  On bad input
# prints one line saying what and returns 1.
gupr_hosts_read() {
	local file=$1 line n=0 cpus wd i
	local -a w
	HOST_CMD=() HOST_NAME=() HOST_WD=() HOST_CPUS=()
	[ -e "$file" ] || { echo "--hosts $file: no such file"; return 1; }
	[ -f "$file" ] && [ -r "$file" ] || { echo "--hosts $file: not a readable file"; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		read -r -a w <<<"$line"
		[ ${#w[@]} -gt 0 ] || continue
		case "${w[0]}" in \#*) continue ;; esac
		cpus=""
		if [[ ${w[0]} =~ ^([0-9]+)/(.*)$ ]]; then
			cpus=${BASH_REMATCH[1]} w[0]=${BASH_REMATCH[2]}
			gupr_number "N/" "$cpus" 1 1024 >/dev/null ||
				{ echo "--hosts $file line $n: job slots N/ take a number from 1 to 1024, not '$cpus'"; return 1; }
			[ -n "${w[0]}" ] || w=("${w[@]:1}")
		fi
		case "${w[0]:-}" in
		'') echo "--hosts $file line $n: no host after '$cpus/'"; return 1 ;;
		@*) echo "--hosts $file line $n: host groups (@group/) are not supported"; return 1 ;;
		esac
		# a WORKDIR with white space: a path word before the last that
		# is no option's argument ("root@h /srv/my dir")
		for ((i = 1; i < ${#w[@]} - 1; i++)); do
			case "${w[i]}" in /*|'~/'*) ;; *) continue ;; esac
			case "${w[i - 1]}" in -*) continue ;; esac
			echo "--hosts $file line $n: working directory '${w[*]:i}' has white space in it: use a path without"
			return 1
		done
		wd=$GUPR_HOSTS_WD_DEFAULT
		if [ ${#w[@]} -ge 2 ]; then
			case "${w[-1]}" in /*|'~/'*) wd=${w[-1]}; unset 'w[-1]' ;; esac
		fi
		case "${w[-1]}" in
		:) echo "--hosts $file line $n: ':' (this machine) is not a host: run the matrix without --hosts for local cells"; return 1 ;;
		-*|*[!A-Za-z0-9._@:%#\[\]-]*) echo "--hosts $file line $n: '${w[-1]}' is not a host name (the sshlogin's last word)"; return 1 ;;
		esac
		case "$wd" in
		*[!A-Za-z0-9._/~+-]*|*/../*|*/..|'~/') echo "--hosts $file line $n: working directory '$wd': use an absolute path or ~/path of [A-Za-z0-9._/+-]"; return 1 ;;
		esac
		HOST_NAME+=("${w[-1]}")
		unset 'w[-1]'
		[ ${#w[@]} -gt 0 ] || w=(ssh)
		HOST_CMD+=("${w[*]}")
		HOST_WD+=("$wd")
		HOST_CPUS+=("$cpus")
	done <"$file"
	[ ${#HOST_NAME[@]} -gt 0 ] || { echo "--hosts $file: no host in it (a line is [N/]SSHLOGIN [WORKDIR])"; return 1; }
}

# gupr_hosts_wrapper I FILE: write FILE, the ssh command GNU parallel is
# given for host I (its sshlogin is "FILE HOST"): the host's own ssh command
# with BatchMode, ConnectTimeout, keep-alives and one shared connection
# (ControlMaster, its socket FILE.cm: a line of its own even when two lines
# name the same machine), every remote command run in gup-repro's own
# directory in the host's working directory, WORKDIR/.gup-repro (made by
# the preflight; with GUPR_HOSTS_NOCD set, in the login's directory: the
# preflight's own ssh).  GNU parallel and the rsync it runs call it as
# "FILE [options] HOST [--] COMMAND...".
gupr_hosts_wrapper() {
	local i=$1 file=$2 wd=${HOST_WD[$1]} q cmd c
	local -a words
	# gup-repro's directory for the remote shell: ~/ unquoted, the rest quoted
	case "$wd" in
	'~/'*) q="~/'${wd#'~/'}/.gup-repro'" ;;
	*) q="'${wd%/}/.gup-repro'" ;;
	esac
	read -r -a words <<<"${HOST_CMD[$i]}"
	cmd=""
	for c in "${words[@]}"; do cmd+="$(printf '%q' "$c") "; done
	# one connection per host, shared by every ssh and rsync of the matrix
	# (gupr_hosts_close ends it)
	[ "${words[0]##*/}" = ssh ] &&
		cmd+="-o BatchMode=yes -o ConnectTimeout=$GUPR_SSH_CONNECT_TIMEOUT -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ControlMaster=auto -o ControlPath=$(printf %q "$file").cm -o ControlPersist=120 "
	cat >"$file" <<EOF
#!/usr/bin/env bash
# gup-repro --hosts: ssh to $(printf %q "${HOST_NAME[$i]}"), every command run in ${wd%/}/.gup-repro
host=$(printf %q "${HOST_NAME[$i]}")
pre=()
while [ \$# -gt 0 ] && [ "\$1" != "\$host" ] && [ "\$1" != "\${host#*@}" ]; do pre+=("\$1"); shift; done
[ \$# -gt 0 ] || exec $cmd"\${pre[@]}"
h=\$1; shift
[ "\${1:-}" = -- ] && shift
[ \$# -gt 0 ] || exec $cmd"\${pre[@]}" "\$h"
[ -z "\${GUPR_HOSTS_NOCD:-}" ] || exec $cmd"\${pre[@]}" "\$h" -- "\$@"
exec $cmd"\${pre[@]}" "\$h" -- $(printf %q "cd $q &&") "\$@"
EOF
	chmod +x "$file"
}

# gupr_hosts_sq WORD: WORD quoted for any POSIX shell (a host's login
# shell reads the commands): in single quotes.
gupr_hosts_sq() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# gupr_hosts_remote_call FUNCTION ARG...: the command that runs FUNCTION
# of vm-images/lib/remote.sh with the ARGs on a host, as "bash -c" with
# the text of remote.sh (the host may have no copy of the project yet, or
# another version of it).
gupr_hosts_remote_call() {
	local c a
	c="bash -c $(gupr_hosts_sq "$(cat "$GUPR_REMOTE_SH")
$1 \"\$@\"") gupr-remote"
	shift
	for a in "$@"; do c+=" $(gupr_hosts_sq "$a")"; done
	printf '%s\n' "$c"
}

# gupr_hosts_preflight I WRAPPER: one quick ssh to host I
# (gupr_remote_preflight there): it must answer within the connect
# timeout, log in as root, have this machine's architecture and a working
# directory gup-repro may work in (gupr_remote_own: its own directory
# made in it); rsync (GNU parallel copies files with it) is installed when
# missing; what interrupted runs left is swept and the run's directory
# HOSTS_MID made.  Prints "ok CPUS", or "unusable WHY" (unreachable, a
# working directory that cannot be made, no rsync or flock), or "bad WHY"
# (bad input: not root, another architecture) or "refused WHY" (bad input:
# the working directory, gupr_remote_own).
gupr_hosts_preflight() {
	local i=$1 wrapper=$2 out rc uid arch cpus own name=${HOST_NAME[$1]} t=$((GUPR_SSH_CONNECT_TIMEOUT * 3 + 120))
	out=$(GUPR_HOSTS_NOCD=1 timeout $t "$wrapper" "$name" \
		"$(gupr_hosts_remote_call gupr_remote_preflight "${HOST_WD[$i]}" "$HOSTS_MID" "$(uname -m)")" 2>&1 </dev/null)
	rc=$?
	uid=$(sed -n 's/^uid=//p' <<<"$out") arch=$(sed -n 's/^arch=//p' <<<"$out") cpus=$(sed -n 's/^cpus=//p' <<<"$out")
	own=$(sed -n 's/^\(own\|refuse\|unusable\)=/\1 /p' <<<"$out" | head -n 1)
	if [ $rc = 124 ]; then
		echo "unusable no answer within $t s"
	elif [ -z "$uid" ] && [ $rc = 255 ]; then
		echo "unusable unreachable: $(grep -v '^\(uid\|arch\|cpus\)=' <<<"$out" | tail -n 1 | tr -d '\r' | cut -c1-160)"
	elif [ -z "$uid" ]; then
		echo "unusable cannot work in ${HOST_WD[$i]}: $(tail -n 1 <<<"$out" | tr -d '\r' | cut -c1-160)"
	elif [ "$uid" != 0 ]; then
		echo "bad logs in as uid $uid, not root (gup-repro runs QEMU, apt-get and mkfs as root)"
	elif [ "$arch" != "$(uname -m)" ]; then
		echo "bad is $arch, this machine is $(uname -m) (the cells boot $(uname -m) kernels)"
	elif [ "${own%% *}" = refuse ]; then
		echo "refused ${own#refuse }"
	elif [ "${own%% *}" != own ]; then
		echo "unusable ${own#unusable }"
	elif ! grep -q '^rsync=ok$' <<<"$out"; then
		echo "unusable has no rsync and apt-get could not install it"
	elif ! grep -q '^flock=ok$' <<<"$out"; then
		echo "unusable has no flock (util-linux)"
	elif ! grep -q '^run=ok$' <<<"$out"; then
		echo "unusable cannot make the run's directory in ${own#own }: $(tail -n 1 <<<"$out" | tr -d '\r' | cut -c1-160)"
	else
		echo "ok ${cpus:-1}"
	fi
}

# gupr_hosts_close I WRAPPER [DIR]: remove DIR (the run's directory,
# relative to gup-repro's directory on host I) unless a job still holds
# it (gupr_remote_drop: the sweep of a later run removes it then), and end
# the shared connection.
gupr_hosts_close() {
	local name=${HOST_NAME[$1]}
	# (the answer is read: the removal is over when the host says so)
	[ -z "${3:-}" ] ||
		[ "$(timeout 60 "$2" "$name" "$(gupr_hosts_remote_call gupr_remote_drop . "$3")"' && echo removed' </dev/null 2>/dev/null)" = removed ]
	grep -q ControlPath= "$2" && timeout 20 "$2" -O exit "$name" </dev/null >/dev/null 2>&1
	return 0
}

# gupr_hosts_hold I: hold the lock of the run's directory HOSTS_MID on host
# I (shared; the sweep of another run removes only a directory whose lock
# it can take) for the run's whole life, whatever job runs there: an ssh
# whose "flock -s" there lasts until its standard input ends.  The input
# is a pipe whose only writer is a tail that ends with this shell ($$), or
# when gupr_hosts_stop stops it.  Adds "TAIL-PID SSH-PID" to HOSTS_HOLD.
gupr_hosts_hold() {
	local i=$1 fd tail
	exec {fd}< <(exec tail -f /dev/null --pid=$$)
	tail=$!
	"$HOSTS_STAGE/ssh-$i" "${HOST_NAME[$i]}" "cd $(gupr_hosts_sq "$HOSTS_MID") && exec flock -s . cat >/dev/null" \
		<&"$fd" >"$HOSTS_STAGE/hold-$i" 2>&1 &
	HOSTS_HOLD+=("$tail $!")
	exec {fd}<&-
}

# gupr_hosts_start FILE JOBS: the hosts of FILE, ready for GNU parallel:
# a staging directory HOSTS_STAGE (removed by gupr_hosts_stop) with an ssh
# wrapper per host and the sshlogins file, after one quick ssh to every
# host, all at once (gupr_hosts_preflight), which makes the run's
# directory HOSTS_MID in gup-repro's directory on each usable host; each
# of them is held (gupr_hosts_hold) until gupr_hosts_stop.  A host's job
# slots: N/ of the file, else JOBS when not empty, else the host's CPU
# count.  Sets HOSTS_USABLE (indices), HOSTS_UNUSABLE ("NAME (WORKDIR):
# why" each) and HOSTS_UNUSABLE_SHORT ("NAME (unreachable)" each),
# HOSTS_SLOTS (their sum); says each host left out on stderr.  Returns 1
# with HOSTS_WHY (one line) on bad input: a file that is missing or has no
# usable line, a host that is not root or of another architecture, a
# working directory that is refused.
gupr_hosts_start() {
	local file=$1 jobs=$2 i state why n
	HOSTS_USABLE=() HOSTS_UNUSABLE=() HOSTS_UNUSABLE_SHORT=() HOSTS_SLOTS=0 HOSTS_STAGE="" HOSTS_WHY="" HOSTS_HOLD=()
	HOSTS_WHY=$(gupr_hosts_read "$file") || return 1
	gupr_hosts_read "$file"
	HOSTS_STAGE=$(mktemp -d "${TMPDIR:-/tmp}/gup-repro-hosts.XXXXXX") ||
		{ HOSTS_WHY="cannot create a temporary directory"; return 1; }
	HOSTS_MID=runs/$(date +%Y%m%d-%H%M%S)-$(hostname -s 2>/dev/null || echo host)-$$
	for i in "${!HOST_NAME[@]}"; do
		gupr_hosts_wrapper "$i" "$HOSTS_STAGE/ssh-$i"
		gupr_hosts_preflight "$i" "$HOSTS_STAGE/ssh-$i" >"$HOSTS_STAGE/preflight-$i" &
	done
	wait
	: >"$HOSTS_STAGE/sshlogins"
	# every usable host first (gupr_hosts_stop removes their run's
	# directories), then the first bad one, else those left out
	for i in "${!HOST_NAME[@]}"; do
		read -r state why <"$HOSTS_STAGE/preflight-$i"
		case "$state" in
		bad) [ -n "$HOSTS_WHY" ] || HOSTS_WHY="--hosts: ${HOST_NAME[$i]} ${why}" ;;
		refused) [ -n "$HOSTS_WHY" ] || HOSTS_WHY="--hosts: ${HOST_NAME[$i]}: ${why}" ;;
		ok) HOSTS_USABLE+=("$i")
		    n=${HOST_CPUS[$i]:-${jobs:-$why}}
		    HOSTS_SLOTS=$((HOSTS_SLOTS + n))
		    echo "$n/$HOSTS_STAGE/ssh-$i ${HOST_NAME[$i]}" >>"$HOSTS_STAGE/sshlogins" ;;
		*) HOSTS_UNUSABLE+=("${HOST_NAME[$i]} (${HOST_WD[$i]}): $why")
		   HOSTS_UNUSABLE_SHORT+=("${HOST_NAME[$i]} (${why%%:*})") ;;
		esac
	done
	[ -z "$HOSTS_WHY" ] || return 1
	for i in "${!HOST_NAME[@]}"; do
		read -r state why <"$HOSTS_STAGE/preflight-$i"
		case "$state" in
		ok) gupr_hosts_hold "$i" ;;
		*) echo "==> host ${HOST_NAME[$i]}: $why; not used" >&2 ;;
		esac
	done
}

# gupr_hosts_stop: end the holds of the run's directory (gupr_hosts_hold),
# remove it (HOSTS_MID) on every usable host, end the shared connections,
# remove HOSTS_STAGE.
gupr_hosts_stop() {
	local i h n
	local -a pids=()
	[ -n "${HOSTS_STAGE:-}" ] && [ -d "$HOSTS_STAGE" ] || return 0
	for h in "${HOSTS_HOLD[@]}"; do kill "${h% *}" 2>/dev/null; done
	for h in "${HOSTS_HOLD[@]}"; do
		for ((n = 0; n < 300; n++)); do kill -0 "${h#* }" 2>/dev/null || break; sleep 0.1; done
		kill "${h#* }" 2>/dev/null
	done
	HOSTS_HOLD=()
	for i in "${!HOST_NAME[@]}"; do
		[ -e "$HOSTS_STAGE/ssh-$i" ] || continue
		if [[ " ${HOSTS_USABLE[*]} " == *" $i "* ]]; then
			gupr_hosts_close "$i" "$HOSTS_STAGE/ssh-$i" "$HOSTS_MID" &
		else
			gupr_hosts_close "$i" "$HOSTS_STAGE/ssh-$i" &
		fi
		pids+=($!)
	done
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
	rm -rf "$HOSTS_STAGE"
	HOSTS_STAGE=""
}

# gupr_hosts_pack SCRIPT: what every job on a host needs, in
# HOSTS_STAGE/base/: gup-repro.tar (the project as git tracks it, or the
# tree without out/ and build/, with fixed times and owners: its hash
# changes with its content only), remote.sh (vm-images/lib/remote.sh) and
# SCRIPT (the job script, under its own name).  Sets HOSTS_HASH (of the
# tar) and HOSTS_PAR, GNU parallel's options for the hosts:
# --sshloginfile, --workdir and one --basefile, the directory base/ (on the
# host: the run's directory/base/; a job runs "bash base/SCRIPT").  One
# directory and not three files: GNU parallel makes each basefile's
# directory and copies it with an ssh each, so three files cost six ssh
# logins a host before the first job, one directory two.  No --cleanup: it
# costs an ssh per job (0.7 -> 0.4 s of ssh and rsync per cell beside the
# cell's own seconds, 8-cell matrix over two loopback hosts);
# gupr_hosts_stop removes the run's whole directory on each host at the end
# instead.  Returns 1 when the project cannot be packed.
gupr_hosts_pack() {
	mkdir -p "$HOSTS_STAGE/base" || return 1
	(cd "$GUPR_TOP" && if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard
	 else
		find . -path ./out -prune -o -path ./build -prune -o -path ./.git -prune -o \( -type f -o -type l \) -print0
	 fi | tar --null -T - --ignore-failed-read --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$HOSTS_STAGE/base/gup-repro.tar" 2>/dev/null) || return 1
	cp "$GUPR_TOP/vm-images/lib/remote.sh" "$HOSTS_STAGE/base/remote.sh" &&
		cp "$1" "$HOSTS_STAGE/base/${1##*/}" || return 1
	HOSTS_HASH=$(sha256sum <"$HOSTS_STAGE/base/gup-repro.tar" | cut -c1-16)
	HOSTS_PAR=(--sshloginfile "$HOSTS_STAGE/sshlogins" --workdir "$HOSTS_MID"
		   --basefile "$HOSTS_STAGE/./base")
}

# gupr_hosts_joblog JOBLOG: GNU parallel's job log into JOB_HOST[seq] (the
# host of the job's last try, "" for this machine), JOB_RC[seq]
# ("exit/signal") and JOB_SECS[seq] (its run time, seconds).
declare -A JOB_HOST JOB_RC JOB_SECS
gupr_hosts_joblog() {
	local seq login secs rc sig
	JOB_HOST=() JOB_RC=() JOB_SECS=()
	[ -s "$1" ] || return 0
	while IFS=$'\t' read -r seq login _ secs _ _ rc sig _; do
		[ "$seq" = Seq ] && continue
		[ "$login" = : ] && login=""
		JOB_HOST[$seq]=${login##* } JOB_RC[$seq]=$rc/$sig JOB_SECS[$seq]=${secs// /}
	done <"$1"
}

# gupr_hosts_job_why SEQ WHAT: why job SEQ (a WHAT: cell, run) did not come
# back, by its job log (gupr_hosts_joblog): its host and how it ended; ""
# when the log does not have it.
gupr_hosts_job_why() {
	local h=${JOB_HOST[$1]:-} rc=${JOB_RC[$1]:-}
	[ -n "$h" ] || return 0
	case "$rc" in
	255/*) echo "host $h: ssh failed (exit 255): unreachable or connection lost" ;;
	*/0) echo "host $h: the $2 failed (exit ${rc%/*})" ;;
	*) echo "host $h: the $2 was stopped by signal ${rc#*/} (--timeout or interrupt)" ;;
	esac
}
