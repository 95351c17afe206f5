# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash  # sourced by vm-images/lib.sh
# vm-images/lib/apt.sh - the Debian archive the host uses, and a private apt
# configuration per suite under $GUPR_CACHE/apt: own sources.list, lists,
# cache and an empty dpkg status.  The host's apt configuration is neither
# read for parts nor modified.  Sourced by lib.sh.

GUPR_KEYRING=${GUP_REPRO_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# Re-read the archive's package lists when they are older than this (minutes).
GUPR_APT_MAX_AGE_MIN=${GUP_REPRO_APT_MAX_AGE_MIN:-1440}

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
	# A third-party repository may name the same suite: prefer the entry
	# whose path is the Debian archive'"'"'s own (/debian, /debian-security)
	# and that has the main component; else the first that names the suite.
	function flush(   u, score) {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris != "" && want(suites)) {
			split(uris, u, /[ \t]+/)
			score = 1
			if (u[1] ~ (kind == "security" ? "/debian-security/?$" : "/debian/?$") &&
			    (comps == "" || comps ~ /(^|[ \t])main([ \t]|$)/))
				score = 2
			if (score > best) { best = score; uri = u[1] }
		}
		types = ""; uris = ""; suites = ""; comps = ""
	}
	FNR == 1 { flush() }
	FILENAME ~ /\.sources$/ {
		if ($0 ~ /^[ \t]*$/) { flush(); next }
		if ($0 ~ /^#/) next
		if (tolower($1) == "types:") { $1 = ""; types = $0 }
		if (tolower($1) == "uris:") { $1 = ""; sub(/^[ \t]+/, ""); uris = $0 }
		if (tolower($1) == "suites:") { $1 = ""; suites = $0 }
		if (tolower($1) == "components:") { $1 = ""; comps = $0 }
		next
	}
	{
		flush()
		if ($1 != "deb") next
		i = 2
		if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
		types = "deb"; uris = $i; suites = $(i + 1)
		comps = ""; for (j = i + 2; j <= NF; j++) comps = comps " " $j
		flush()
	}
	END { flush(); if (best) print uri; else exit 1 }
	' "${files[@]}"
}

# --- private apt ----------------------------------------------------------

# gupr_apt_dir SUITE: the private apt directory of SUITE.
gupr_apt_dir() { echo "$GUPR_CACHE/apt/$1"; }

# gupr_apt_sources SUITE: SUITE's "deb" lines, one a line, from the host's
# archive URIs: main, and for a release also -updates and -security.
gupr_apt_sources() {
	local suite=$1 main sec
	main=$(gupr_host_uri main) || gupr_die "no Debian archive URI in the host's apt sources; set GUP_REPRO_MIRROR"
	sec=$(gupr_host_uri security || true)
	echo "deb [signed-by=$GUPR_KEYRING] $main $suite main"
	case "$suite" in
	sid|unstable) ;;
	*)
		echo "deb [signed-by=$GUPR_KEYRING] $main $suite-updates main"
		[ -n "$sec" ] && echo "deb [signed-by=$GUPR_KEYRING] $sec $suite-security main" ;;
	esac
	return 0
}

# gupr_apt_setup SUITE: the private configuration of SUITE (sources.list,
# apt.conf, directories), rewritten only when it changed.
gupr_apt_setup() {
	local suite=$1 dir
	dir=$(gupr_apt_dir "$suite")
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/etc/apt.conf.d" \
		"$dir/etc/preferences.d" "$dir/etc/sources.list.d"
	[ -e "$dir/status" ] || : >"$dir/status"
	# Written to a private temporary file and renamed only when changed, so
	# that concurrent runs (matrix cells) never read a half-written file.
	local tmp
	tmp=$(mktemp "$dir/.sources.XXXXXX")
	gupr_apt_sources "$suite" >"$tmp"
	if ! cmp -s "$tmp" "$dir/sources.list" 2>/dev/null; then
		mv "$tmp" "$dir/sources.list"
		rm -f "$dir/lists/"*_Packages* "$dir/updated"
	else
		rm -f "$tmp"
	fi
	tmp=$(mktemp "$dir/.apt.conf.XXXXXX")
	cat >"$tmp" <<-EOF
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
	if cmp -s "$tmp" "$dir/apt.conf" 2>/dev/null; then rm -f "$tmp"; else mv "$tmp" "$dir/apt.conf"; fi
}

# gupr_apt SUITE ARGS...: run apt-get/apt-cache (first ARG) against SUITE
# through a private configuration under $GUPR_CACHE/apt/SUITE: own
# sources.list, lists, cache and an empty dpkg status.  The host's apt
# configuration is neither read for parts nor modified.
gupr_apt() {
	local suite=$1; shift
	APT_CONFIG="$(gupr_apt_dir "$suite")/apt.conf" "$@"
}

# gupr_apt_update SUITE: refresh the private lists when missing or stale.
gupr_apt_update() {
	local suite=$1 dir
	dir=$(gupr_apt_dir "$suite")
	gupr_lock "apt-$suite"
	gupr_apt_setup "$suite"
	if [ -e "$dir/updated" ] && [ -z "$(find "$dir/updated" -mmin +"$GUPR_APT_MAX_AGE_MIN")" ] &&
	   [ "${GUP_REPRO_APT_UPDATE:-0}" != 1 ]; then
		gupr_unlock "apt-$suite"
		return 0
	fi
	gupr_say "==> apt: reading the $suite package lists (private apt configuration)"
	gupr_vrun gupr_apt "$suite" apt-get -q update || gupr_die "apt-get update for $suite failed"
	touch "$dir/updated"
	gupr_unlock "apt-$suite"
}
