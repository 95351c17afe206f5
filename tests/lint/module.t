#!/usr/bin/perl
# repro-kmod is checkpatch.pl --strict clean (the 6.1 tarball's checkpatch),
# its kernel-doc parses without warnings and documents every struct, enum
# and ioctl the ABI header declares, and it builds W=1 without a single
# compiler warning against the headers of every Debian kernel gup-repro
# runs (vm-images/lib/facts.sh's suites).
use strict;
use warnings;
use Test::More;
use FindBin;

my $top = "$FindBin::Bin/../..";
my $kmod = "$top/repro-kmod";

# lib(SCRIPT): run SCRIPT after sourcing lib.sh; (stdout, exit status),
# its stderr as diagnostics
sub lib {
	my ($script) = @_;
	my $out = `cd $top && bash -c '. vm-images/lib.sh; $script' 2>/tmp/gupr-module-t.$$`;
	my $rc = $? >> 8;
	if (open(my $e, '<', "/tmp/gupr-module-t.$$")) { diag($_) for grep { /\S/ } <$e>; }
	unlink("/tmp/gupr-module-t.$$");
	return ($out, $rc);
}

my ($ks) = lib('gupr_fetch_kernel_scripts >&2 && echo "$KSCRIPTS"');
chomp $ks;
BAIL_OUT('no checkpatch.pl') unless $ks && -e "$ks/scripts/checkpatch.pl";
my $cp = "perl $ks/scripts/checkpatch.pl --strict --no-tree --show-types";

for my $f (qw(gup_repro.c uapi/gup_repro.h uapi/gup_repro_flags.h Kbuild Makefile)) {
	my $out = `cd $kmod && $cp -f $f 2>&1`;
	like($out, qr/total: 0 errors, 0 warnings, 0 checks/, "checkpatch --strict: $f") or diag($out);
}
# compat.h is where the version tests live (see its header comment).
my $out = `cd $kmod && $cp --ignore LINUX_VERSION_CODE -f compat.h 2>&1`;
like($out, qr/total: 0 errors, 0 warnings, 0 checks/, 'checkpatch --strict --ignore LINUX_VERSION_CODE: compat.h') or diag($out);
my @lvc = grep { my $f = $_; `grep -lw LINUX_VERSION_CODE $kmod/$f` } qw(gup_repro.c uapi/gup_repro.h Kbuild);
is("@lvc", '', 'LINUX_VERSION_CODE appears in compat.h only');

for my $f (qw(uapi/gup_repro.h gup_repro.c compat.h)) {
	my @w = grep { /warning/i } `cd $kmod && perl $ks/scripts/kernel-doc -v -none $f 2>&1`;
	is(scalar @w, 0, "kernel-doc has no warnings: $f") or diag(@w);
}
# Every struct, enum and ioctl the ABI header declares is one kernel-doc
# parses a comment for (kernel-doc does not warn about a missing one).
my %documented = map { /^\.\. c:(?:type|function):: (?:struct |enum )?(\w+)/ ? ($1 => 1) : () }
	`cd $kmod && perl $ks/scripts/kernel-doc -rst uapi/gup_repro.h 2>/dev/null`;
open(my $h, '<', "$kmod/uapi/gup_repro.h") or die;
my @declared = map { /^(?:struct|enum) (\w+) \{/ ? $1 : /^#define (GUP_REPRO_IOC_[A-Z]+)\s+_IO/ ? $1 : () } <$h>;
ok(@declared >= 15, 'the ABI header declares its structs, enums and ioctls (' . scalar(@declared) . ')');
ok($documented{$_}, "kernel-doc documents $_") for @declared;

# W=1 against every Debian kernel gup-repro supports, each with its own
# compiler (the host's gcc-12 for bookworm, a build root for the others).
my ($suites) = lib('echo "$GUPR_SUITES"');
for my $suite (split ' ', $suites) {
	my ($o, $rc) = lib("gupr_kernel debian:$suite >&2 && gupr_build_root >&2 && d=\"\$GUPR_BUILD/lint/\$KREL\" && " .
			   'rm -rf "$d" && mkdir -p "$d" && cp -r repro-kmod/. "$d/" && echo "$KREL $KCC $d" && ' .
			   'gupr_make_in_root "$d" -C "$KDIR" M="$d" W=1 modules >"$d/log" 2>&1');
	my ($krel, $kcc, $d) = split ' ', ($o // '');
	$krel //= "debian:$suite";
	is($rc, 0, "W=1 build against $krel headers (" . ($kcc // '?') . ')')
		or diag($d && -e "$d/log" ? `tail -n 20 $d/log` : $o);
	my @w = $d && -e "$d/log" ? grep { /warning:|error:/ } `cat $d/log` : ('no build log');
	is(scalar @w, 0, "W=1 build for $krel prints no warning") or diag(@w);
}
done_testing();
