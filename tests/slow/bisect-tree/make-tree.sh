#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tests/slow/bisect-tree/make-tree.sh DIR: the bisect test's kernel tree.
# Debian's linux-source-6.1 (the exact tree of the bookworm guest) unpacked
# into a git repository at DIR and committed, then one commit per patch
# beside this script: (1) an unrelated change, (2) mm/gup.c refusing
# FOLL_LONGTERM|FOLL_WRITE pins of dirty-tracked file mappings (the v6.5
# rule), (3) another unrelated change.  Idempotent: an existing DIR with
# those commits is kept (and its build directories stay incremental).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm-images/lib.sh
. "$here/../../../vm-images/lib.sh"
dir=${1:?usage: make-tree.sh DIR}
G=(git -C "$dir" -c user.name=gup-repro -c user.email=gup-repro@invalid -c commit.gpgsign=false)
patches=("$here"/[0-9]-*.patch)
have=0
if [ -e "$dir/.git" ] && "${G[@]}" log -1 --format=%s "$("${G[@]}" rev-list --max-parents=0 HEAD 2>/dev/null | tail -n 1)" 2>/dev/null |
	grep -q '^linux-source-6.1 '; then
	have=$(( $("${G[@]}" rev-list --count HEAD) - 1 ))
	[ -z "$("${G[@]}" status --porcelain --untracked-files=no)" ] || gupr_die "$dir has uncommitted changes"
else
	gupr_linux_source_deb
	rm -rf --one-file-system "$dir"
	mkdir -p "$dir"
	gupr_say "==> bisect tree: unpacking linux-source-6.1 $LINUX_SOURCE_VERSION into a git repository"
	dpkg-deb --fsys-tarfile "$LINUX_SOURCE_DEB" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$dir" --strip-components=1
	"${G[@]}" init -q -b main
	# Debian's .gitignore ignores everything at the top level: add by force
	"${G[@]}" add -f -A .
	"${G[@]}" commit -q -m "linux-source-6.1 $LINUX_SOURCE_VERSION (Debian)"
fi
# the patches not yet committed, in order
for p in "${patches[@]:$have}"; do
	"${G[@]}" apply "$p"
	"${G[@]}" add -A .
	"${G[@]}" commit -q -F <(sed -n '1s/^Subject: //p' "$p"; sed -n '2,/^--- /p' "$p" | sed '$d')
done
