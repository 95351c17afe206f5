#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm-images/matrix.sh - ./run.sh matrix: every kernel x filesystem x scenario
# cell in its own fresh VM (WARN_ON_ONCE fires once per boot), up to -j at a
# time, then one table (matrix.txt, matrix.md, matrix.json).
set -u
GUPR_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$GUPR_TOP/vm-images/lib.sh"

usage() {
	cat <<EOF
usage: ./run.sh matrix [options]

  --kernels LIST    comma-separated kernel specs (default:
                    $(printf 'debian:%s,' $GUPR_SUITES | sed 's/,$//'))
  --fs LIST         filesystems (default: ${GUPR_FILESYSTEMS// /,})
  --scenarios LIST  scenarios (default:
                    ${GUPR_MATRIX_SCENARIOS// /,})
  -j, --jobs N      VMs at a time (default: number of CPUs)
  -t, --timeout SEC per cell (default: 300)
      --no-trace    no BPF probes in the cells
  --repeat N    N runs per cell, each in a fresh VM (the cell shows the
                commonest reproducing result; the rate is in its verdict.txt)
  -o, --out DIR     matrix directory (default: out/matrix-<timestamp>)
  -h, --help

Cells: CORRUPT:<fsck tool> (FS CORRUPTION), LOSS (DATA LOSS),
REPRODUCED:<warning site>, VIOLATION (ordering violated, no warning),
MITIGATED:<errno>, CLEAN, ERROR:<why>.  A kernel that fails to build or boot
gives ERROR cells; the matrix always finishes.  Exit 0 when it finished,
128 on bad usage.
EOF
}

bad_usage() { echo "run.sh matrix: $*" >&2; echo "Try './run.sh matrix --help'." >&2; exit 128; }

kernels=$(printf 'debian:%s,' $GUPR_SUITES); kernels=${kernels%,}
fslist=${GUPR_FILESYSTEMS// /,}
scenarios=${GUPR_MATRIX_SCENARIOS// /,}
jobs=$(nproc) timeout=300 trace_opt="" mdir="" repeat_opt=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernels) [ $# -ge 2 ] || bad_usage "$1 needs a list"; kernels=$2; shift 2 ;;
	--fs) [ $# -ge 2 ] || bad_usage "$1 needs a list"; fslist=$2; shift 2 ;;
	--scenarios) [ $# -ge 2 ] || bad_usage "$1 needs a list"; scenarios=$2; shift 2 ;;
	-j|--jobs) [ $# -ge 2 ] || bad_usage "$1 needs a number"; jobs=$2; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-t|--timeout) [ $# -ge 2 ] || bad_usage "$1 needs seconds"; timeout=$2; shift 2 ;;
	--no-trace) trace_opt=--no-trace; shift ;;
	--repeat) [ $# -ge 2 ] || bad_usage "$1 needs a number"
		case "$2" in ''|*[!0-9]*|0*) bad_usage "--repeat takes a whole number from 1 to 1000, not '$2'" ;; esac
		[ "${#2}" -le 4 ] && [ "$2" -le 1000 ] || bad_usage "--repeat takes a whole number from 1 to 1000, not '$2'"
		repeat_opt=(--repeat "$2"); shift 2 ;;
	-o|--out) [ $# -ge 2 ] || bad_usage "$1 needs a directory"; mdir=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option '$1'" ;;
	esac
done
why=$(gupr_paths_ok) || bad_usage "$why"
why=$(gupr_number -j "$jobs" 1 64) || bad_usage "$why"
why=$(gupr_number --timeout "$timeout" 10 86400) || bad_usage "$why (seconds)"
IFS=, read -r -a K <<<"$kernels"
IFS=, read -r -a F <<<"$fslist"
IFS=, read -r -a S <<<"$scenarios"
[ ${#K[@]} -gt 0 ] && [ ${#F[@]} -gt 0 ] && [ ${#S[@]} -gt 0 ] || bad_usage "empty list"
for k in "${K[@]}"; do gupr_kernel_spec_ok "$k" || bad_usage "--kernels: '$k' is not a kernel spec"; done
for f in "${F[@]}"; do
	gupr_in_list "$f" "$GUPR_FILESYSTEMS" || bad_usage "--fs: '$f' is not $(gupr_or_list "$GUPR_FILESYSTEMS")"
done

"$GUPR_TOP/vm-images/host-deps.sh" || exit 128
make -s -C "$GUPR_TOP" host >/dev/null || { echo "run.sh matrix: building the host tools failed" >&2; exit 128; }
for s in "${S[@]}"; do
	gupr_is_trigger "$s" && [ -x "$GUPR_HOST/triggers/$s" ] && continue	# module-free trigger
	"$GUPR_HOST/gup-repro" --dry-run --scenario "$s" >/dev/null || exit 128
done

[ -n "$mdir" ] || mdir="$GUPR_TOP/out/matrix-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$mdir" && mdir=$(cd "$mdir" && pwd)
: >"$mdir/.done"
t0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
total=$(( ${#K[@]} * ${#F[@]} * ${#S[@]} ))
echo "==> matrix: ${#K[@]} kernels x ${#F[@]} filesystems x ${#S[@]} scenarios = $total cells, $jobs at a time" >&2

# Prepare every kernel first (fetch, build root, module, initramfs), one at
# a time: the cells then only boot.  A kernel that cannot be prepared gives
# ERROR cells with the reason.
declare -A kerr kres klabel
# each kernel's directory name, by gup-repro-matrix's one rule (debian:sid
# -> sid, a tree's path -> tree-<name>)
mapfile -t L < <("$GUPR_HOST/gup-repro-matrix" --print-labels --kernels "$kernels")
for i in "${!K[@]}"; do klabel[${K[$i]}]=${L[$i]}; done
for k in "${K[@]}"; do
	lbl=${klabel[$k]}
	echo "==> prepare $k" >&2
	if (GUPR_LOG="$mdir/prepare-$lbl.log" gupr_prepare "$k" &&
	    echo "$GUPR_KERNEL_ENV" >"$mdir/.resolved-$lbl") >>"$mdir/prepare-$lbl.log" 2>&1; then
		kres[$k]=$(cat "$mdir/.resolved-$lbl")
		rm -f "$mdir/.resolved-$lbl"
	else
		why=$(grep -h '^gup-repro: error: ' "$mdir/prepare-$lbl.log" | tail -n 1 | sed 's/^gup-repro: error: //')
		kerr[$k]=${why:-module build failed (see prepare-$lbl.log)}
		echo "==> prepare $k: ERROR: ${kerr[$k]}" >&2
	fi
done

run_cell() {	# run_cell KERNEL FS SCENARIO
	local k=$1 f=$2 s=$3 dir="$mdir/${klabel[$1]}/$2/$3" tc n r
	mkdir -p "$dir"
	tc=$(date +%s.%N)
	if [ -n "${kerr[$k]:-}" ]; then
		"$GUPR_HOST/gup-repro-verdict" --dir "$dir" --error "${kerr[$k]}" >/dev/null
	else
		# run.sh wants an empty --out: its output joins the cell after
		GUPR_MATRIX_CELL=1 GUPR_KERNEL_ENV="${kres[$k]}" \
			"$GUPR_TOP/run.sh" --kernel "$k" --fs "$f" --scenario "$s" \
			--out "$dir" --timeout "$timeout" $trace_opt "${repeat_opt[@]}" >"$dir.run.out" 2>&1
		mv "$dir.run.out" "$dir/run.out"
		[ -s "$dir/verdict.txt" ] ||
			"$GUPR_HOST/gup-repro-verdict" --dir "$dir" --error "no verdict: run.sh left none" >/dev/null
	fi
	n=$(flock "$mdir/.done" sh -c 'echo x >>"$1"; wc -l <"$1"' sh "$mdir/.done")
	r=$(sed -n 's/^cell: //p' "$dir/verdict.txt")
	printf '[%2d/%d] %-16s %-5s %-20s %s (%s s)\n' "$n" "$total" "${klabel[$k]}" "$f" "$s" "$r" "$(elapsed "$tc")" >&2
}

# SIGINT, SIGTERM, SIGHUP: every cell's run.sh gets SIGTERM (and leaves an
# "interrupted" verdict), everything below is stopped, the tables are
# written from what finished; exit 128+signal.
interrupted() {
	trap - INT TERM HUP
	echo "run.sh matrix: interrupted by SIG$1; stopping the running cells" >&2
	gupr_kill_tree $$
	"$GUPR_HOST/gup-repro-matrix" --dir "$mdir" --kernels "$kernels" --fs "$fslist" \
		--scenarios "$scenarios" >/dev/null 2>&1
	echo "interrupted by SIG$1" >>"$mdir/matrix.txt"
	exit "$2"
}
trap 'interrupted INT 130' INT
trap 'interrupted TERM 143' TERM
trap 'interrupted HUP 129' HUP

running=0
for k in "${K[@]}"; do
	for f in "${F[@]}"; do
		for s in "${S[@]}"; do
			while [ "$running" -ge "$jobs" ]; do
				wait -n
				running=$((running - 1))
			done
			run_cell "$k" "$f" "$s" &
			running=$((running + 1))
		done
	done
done
wait

"$GUPR_HOST/gup-repro-matrix" --dir "$mdir" --kernels "$kernels" --fs "$fslist" \
	--scenarios "$scenarios" || exit 125
echo "matrix wall time: $(elapsed "$t0") s" | tee -a "$mdir/matrix.txt"
echo "==> matrix: ${mdir#"$GUPR_TOP"/}/matrix.txt (matrix.md, matrix.json)" >&2
rm -f "$mdir/.done"
exit 0
