# SPDX-License-Identifier: GPL-2.0
# vm-images/lib/hosts.sh - ./run.sh matrix --hosts FILE: the hosts file, the
# ssh command GNU parallel uses for each host, and the preflight.  Sourced
# by matrix.sh (and tests/unit/hosts.t).
#
# The hosts file: one host a line, a GNU parallel sshlogin with an optional
# working directory after it; empty lines and lines starting with # are
# skipped:
#     [N/]SSHLOGIN [WORKDIR]
#   N        that host's job slots (default: its CPU count, or -j)
#   SSHLOGIN [ssh command [options]] [user@]host, as GNU parallel's
#            --sshloginfile takes it; the last word is the host
#   WORKDIR  an absolute path or ~/path on the host (default
#            ~/gup-repro-remote): the host's copy of the project and the
#            cells it runs live there
# Words are split at white space (no quoting).

GUPR_HOSTS_WD_DEFAULT="~/gup-repro-remote"
GUPR_SSH_CONNECT_TIMEOUT=${GUP_REPRO_SSH_CONNECT_TIMEOUT:-10}

# gupr_hosts_read FILE: the hosts of FILE into HOST_CMD[i] (the ssh command
# and its options, one string of words), HOST_NAME[i] (the host word),
# HOST_WD[i] and HOST_CPUS[i] ("" when no N/ was given).  On bad input
# prints one line saying what and returns 1.
gupr_hosts_read() {
	local file=$1 line n=0 cpus wd
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
# name the same machine), every remote command run
# in the host's working directory (created on first use).  GNU parallel and
# the rsync it runs call it as "FILE [options] HOST [--] COMMAND...".
gupr_hosts_wrapper() {
	local i=$1 file=$2 wd=${HOST_WD[$1]} q cmd c
	local -a words
	# the working directory for the remote shell: ~/ unquoted, the rest quoted
	case "$wd" in
	'~/'*) q="~/'${wd#'~/'}'" ;;
	*) q="'$wd'" ;;
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
# gup-repro --hosts: ssh to $(printf %q "${HOST_NAME[$i]}"), every command run in $wd
host=$(printf %q "${HOST_NAME[$i]}")
pre=()
while [ \$# -gt 0 ] && [ "\$1" != "\$host" ] && [ "\$1" != "\${host#*@}" ]; do pre+=("\$1"); shift; done
[ \$# -gt 0 ] || exec $cmd"\${pre[@]}"
h=\$1; shift
[ "\${1:-}" = -- ] && shift
[ \$# -gt 0 ] || exec $cmd"\${pre[@]}" "\$h"
exec $cmd"\${pre[@]}" "\$h" -- $(printf %q "mkdir -p $q && cd $q &&") "\$@"
EOF
	chmod +x "$file"
}

# gupr_hosts_preflight I WRAPPER: one quick ssh to host I: it must answer
# within the connect timeout, log in as root, have this machine's
# architecture, a working directory it can create; rsync (GNU parallel
# copies files with it) is installed when missing.  Prints "ok CPUS", or
# "unusable WHY" (unreachable, no working directory, no rsync), or
# "bad WHY" (bad input: not root, another architecture).
gupr_hosts_preflight() {
	local i=$1 wrapper=$2 out rc uid arch cpus name=${HOST_NAME[$1]}
	out=$(timeout $((GUPR_SSH_CONNECT_TIMEOUT * 3 + 120)) "$wrapper" "$name" \
		'echo "uid=$(id -u)"; echo "arch=$(uname -m)"; echo "cpus=$(nproc)";
		 command -v rsync >/dev/null 2>&1 || { export DEBIAN_FRONTEND=noninteractive;
			apt-get install -y -q --no-install-recommends rsync >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1; apt-get install -y -q --no-install-recommends rsync >/dev/null 2>&1; }; }
		 command -v rsync >/dev/null 2>&1 && echo rsync=ok' 2>&1 </dev/null)
	rc=$?
	uid=$(sed -n 's/^uid=//p' <<<"$out") arch=$(sed -n 's/^arch=//p' <<<"$out") cpus=$(sed -n 's/^cpus=//p' <<<"$out")
	if [ $rc = 124 ]; then
		echo "unusable no answer within $((GUPR_SSH_CONNECT_TIMEOUT * 3 + 120)) s"
	elif [ -z "$uid" ] && [ $rc = 255 ]; then
		echo "unusable unreachable: $(grep -v '^\(uid\|arch\|cpus\|rsync\)=' <<<"$out" | tail -n 1 | tr -d '\r' | cut -c1-160)"
	elif [ -z "$uid" ]; then
		echo "unusable cannot work in ${HOST_WD[$i]}: $(tail -n 1 <<<"$out" | tr -d '\r' | cut -c1-160)"
	elif [ "$uid" != 0 ]; then
		echo "bad logs in as uid $uid, not root (gup-repro runs QEMU, apt-get and mkfs as root)"
	elif [ "$arch" != "$(uname -m)" ]; then
		echo "bad is $arch, this machine is $(uname -m) (the cells boot $(uname -m) kernels)"
	elif ! grep -q '^rsync=ok$' <<<"$out"; then
		echo "unusable has no rsync and apt-get could not install it"
	else
		echo "ok ${cpus:-1}"
	fi
}

# gupr_hosts_close I WRAPPER [DIR]: remove DIR (relative to the host's
# working directory) on host I, and end the shared connection.
gupr_hosts_close() {
	local name=${HOST_NAME[$1]}
	# (the answer is read: the removal is over when the host says so)
	[ -z "${3:-}" ] || [ "$(timeout 60 "$2" "$name" "rm -rf --one-file-system ${3@Q}; echo removed" </dev/null 2>/dev/null)" = removed ]
	grep -q ControlPath= "$2" && timeout 20 "$2" -O exit "$name" </dev/null >/dev/null 2>&1
	return 0
}
