#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/kernel-config.sh - ./run.sh kernel-config TREE [--build]
# [-O DIR]: write a .config suited to the gup-repro guest into the tree's
# build directory and, with --build, build bzImage and modules.
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=vm-images/lib.sh
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<USAGE
usage: ./run.sh kernel-config TREE [--build] [-O DIR]

Writes a guest .config into the build directory of TREE (a kernel source
tree, or its O= build directory): the existing .config (olddefconfig) or
the tree's defconfig, plus vm-images/guest.config merged with the tree's
own scripts/kconfig/merge_config.sh.  Every guest option that did not
survive olddefconfig is listed with what a run cannot do without it.
A .config gup-repro did not write is copied first to
.config.gup-repro-orig (.1, .2, ... when that exists) beside it; the
.config written is stamped as gup-repro's (.config.gup-repro-sha256).
TREE and DIR may have no white space (kbuild cannot build there).

  --build      then build bzImage and modules (make -j\$(nproc), through
               ccache when it is installed); the log goes to
               gup-repro-build.log in the build directory
  -O DIR       build directory for a source TREE (default: the tree itself)
  -v           show make's output
  -h, --help   this text

Exit: 0 done, 1 the build failed, 128 bad usage.
USAGE
}
bad_usage() { echo "run.sh kernel-config: $*" >&2; echo "Try './run.sh kernel-config --help'." >&2; exit 128; }

tree="" build=0 odir=""
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=1; shift ;;
	-O|--build-dir) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; odir=$2; shift 2 ;;
	-v|--verbose) GUPR_VERBOSE=1; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) bad_usage "unknown option '$1'" ;;
	*) [ -z "$tree" ] || bad_usage "one TREE only ('$tree', then '$1')"; tree=$1; shift ;;
	esac
done
why=$(gupr_paths_ok kbuild:TREE "$tree" kbuild:-O "$odir") || bad_usage "$why"
[ -n "$tree" ] || bad_usage "which kernel tree?"
gupr_tree_locate "$tree" || bad_usage "$TREE_WHY"
if [ -n "$odir" ]; then
	[ "$TREE_BUILD" = "$TREE_SRC" ] || bad_usage "-O: '$tree' is a build directory already"
	mkdir -p "$odir" || bad_usage "cannot create -O $odir"
	TREE_BUILD=$(cd "$odir" && pwd -P)
fi
"$GUPR_TOP/vm-images/host-deps.sh" --kernel-build || exit 128
GUPR_DIE_RC=1
if [ $build = 1 ]; then
	gupr_kernel_config --build || exit 1
else
	gupr_kernel_config
fi
