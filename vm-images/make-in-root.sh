#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/make-in-root.sh ROOT KCACHE DIR ARGS...: run make ARGS in the
# build root ROOT with the kernel's cache directory KCACHE and DIR
# bind-mounted at their host paths and /proc mounted (objtool needs it),
# all inside a mount namespace of its own (unshare -m): when make ends or
# is killed the mounts go with it, and the host never sees them.  Plain
# make when ROOT is "".  The Makefile's module rule runs kbuild through it
# (KMOD_ROOT, KMOD_CACHE), and so does tests/lint/module.t.
set -u
root=$1 kcache=$2 dir=$3; shift 3
[ -n "$root" ] || exec make "$@"
mkdir -p "$root$kcache" "$root$dir" "$root/proc" || exit 1
exec unshare -m --propagation private -- bash -c '
	root=$1 kcache=$2 dir=$3; shift 3
	mount --bind "$kcache" "$root$kcache" &&
	mount --bind "$dir" "$root$dir" &&
	mount -t proc proc "$root/proc" || exit 1
	exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		chroot "$root" make "$@"
' make-in-root "$root" "$kcache" "$dir" "$@"
