#!/usr/bin/perl
# The module-free triggers and the run.sh options around them, without a
# guest:
#  - every repro-user/guest/triggers/NAME.c builds standalone, in an empty
#    directory holding only it and the folder's shared headers (trigger.h,
#    window-fault.h, disk-check.h), with exactly
#    the cc command of its header's "Build:" line;
#    --help exits 0 with its usage; bad arguments exit non-zero with it
#    (the triggers are never run for real on the host);
#  - run.sh refuses bad --exec/--repeat/--slow-dev input with one line and
#    exit 128 before anything is built or booted;
#  - the --repeat arithmetic (Wilson interval, counts, exit rule) and the
#    extraction of an --exec program's output from an untrusted guest log;
#  - disk-check.h's integrity records are JSON whatever byte the disk held.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh lib_sh);
use File::Temp qw(tempdir);
use JSON::PP;

my $top = "$FindBin::Bin/../..";

my @triggers = map { m{/([^/]+)\.c$} } glob("$top/repro-user/guest/triggers/*.c");
is_deeply([sort @triggers], [sort qw(pvw-uffd odirect-delayed iouring-read-delayed)],
	  'the three triggers exist');

for my $t (@triggers) {
	my $src = "$top/repro-user/guest/triggers/$t.c";
	my ($cmd) = slurp($src) =~ /^ \* Build:\s+(cc .*)$/m;
	ok($cmd, "$t: header has a Build: line") or next;
	like($cmd, qr/^cc -static -O2 -o \Q$t\E \Q$t\E\.c -lpthread( -luring)?$/,
	     "$t: the one-line cc command");
	my $d = tempdir(CLEANUP => 1);
	system('cp', $src, "$d/$t.c") == 0 or die;
	system('cp', glob("$top/repro-user/guest/triggers/*.h"), $d) == 0 or die;
	my ($rc, $out) = sh("cd $d && $cmd");
	is($rc, 0, "$t: builds standalone with '$cmd'") or diag($out);
	($rc, $out) = sh("$d/$t --help");
	is($rc, 0, "$t --help exits 0");
	like($out, qr/^usage: \Q$t\E /m, "$t --help prints its usage");
	for my $bad (['--bogus'], ['extra-argument'], ['--file']) {
		($rc, $out) = sh("$d/$t @$bad");
		is($rc, 2, "$t @$bad: exit 2");
		like($out, qr/^usage: \Q$t\E /m, "$t @$bad: prints its usage");
	}
	($rc, $out) = sh("$d/$t --fault bogus");
	is($rc, 2, "$t --fault bogus: exit 2");
	like($out, qr/--fault takes reclaim, cold, drop-caches, truncate or punch-hole, not 'bogus'/,
	     "$t --fault bogus says which faults it takes");
	($rc, $out) = sh("GUPR_FAULT=bogus $d/$t --help");
	is($rc, 2, "$t with GUPR_FAULT=bogus: exit 2 (run.sh asks a trigger this way)");
	($rc, $out) = sh("GUPR_FAULT=truncate $d/$t --help");
	is($rc, 0, "$t with GUPR_FAULT=truncate: accepted");
	like($out, qr/--fault NAME/, "$t --help documents --fault");
	if ($t =~ /delayed/) {
		($rc, $out) = sh("env -u GUPR_SLOW_DEV $d/$t");
		is($rc, 2, "$t without a delayed device: exit 2");
		like($out, qr/no delayed block device/, "$t without a device says so");
		($rc, $out) = sh("$d/$t --dev /dev/null --wait-ms 0");
		is($rc, 2, "$t --wait-ms 0: exit 2");
		like($out, qr/--wait-ms takes 1\.\.600000, not '0'/, "$t --wait-ms 0 says so");
	}
	my $file = `file -b $d/$t 2>/dev/null` || `readelf -lW $d/$t`;
	unlike(`readelf -lW $d/$t 2>&1`, qr/INTERP/, "$t is static (the guest has no libc)");
}

# disk-check.h's page records (which gup-repro-verdict reads with jansson)
# are valid JSON for every byte expected and found, '"' and '\' too
{
	my $d = tempdir(CLEANUP => 1);
	spew("$d/rec.c", "#define _GNU_SOURCE\n#include \"disk-check.h\"\nint main(void)\n{\n" .
	     "\tfor (int b = 0; b < 256; b++)\n" .
	     "\t\tgupr_disk_page_record(stdout, \"final\", 0, \"lost\", \"pin\", -1, -1, -1, b, 255 - b, 0);\n" .
	     "\treturn 0;\n}\n");
	my ($rc, $out) = sh("cc -Wall -Werror -I$top/repro-user/guest/triggers -o $d/rec $d/rec.c && $d/rec");
	is($rc, 0, 'disk-check.h: page records for every byte') or diag($out);
	my @bad = grep { !eval { decode_json($_); 1 } } split /\n/, $out;
	is(scalar(split /\n/, $out), 256, 'disk-check.h: 256 page records');
	is_deeply(\@bad, [], 'disk-check.h: every page record is one JSON object');
}

# run.sh bad input: one clear line, exit 128, nothing built or booted
my $d = tempdir(CLEANUP => 1);
spew("$d/noexec", "#!/bin/sh\necho hi\n");
spew("$d/bash.sh", "#!/bin/bash\necho hi\n"); chmod 0755, "$d/bash.sh";
spew("$d/ok.sh", "#!/bin/sh\necho hi\n"); chmod 0755, "$d/ok.sh";
spew("$d/text", "hello\n"); chmod 0755, "$d/text";
my @bad = (
	[['--exec', "$d/missing"], qr/--exec: '.*missing' does not exist/],
	[['--exec', "$d/noexec"], qr/--exec: '.*noexec' is not executable/],
	[['--exec', '/bin/true'], qr/--exec: '\/bin\/true' is dynamically linked; the guest has no libc/],
	[['--exec', "$d/bash.sh"], qr/starts with '#!\/bin\/bash'; the guest runs only static programs and #!\/bin\/sh scripts/],
	[['--exec', "$d/text"], qr/neither an ELF program nor a #!\/bin\/sh script/],
	[['--exec', $d], qr/is not a regular file/],
	[['--exec', "$d/ok.sh", '--scenario', 'pvw-uffd'], qr/--exec .* does not go with --scenario or --steps/],
	[['--exec', "$d/ok.sh", '--steps', 'pin'], qr/does not go with --scenario or --steps/],
	[['--scenario', 'control', '--exec', "$d/ok.sh"], qr/does not go with --scenario or --steps/],
	[['--exec-arg', 'x'], qr/--exec-arg goes with --exec/],
	[['--exec'], qr/--exec needs a program/],
	[['--repeat', '0'], qr/--repeat takes a number from 1 to 1000, not '0'/],
	[['--repeat', 'abc'], qr/not 'abc'/],
	[['--repeat', '-3'], qr/not '-3'/],
	[['--repeat', '1001'], qr/not '1001'/],
	[['--repeat', '07'], qr/not '07'/],
	[['--repeat', ''], qr/not ''/],
	[['--slow-dev', '0'], qr/--slow-dev takes a number from 1 to 10000, not '0' \(milliseconds\)/],
	[['--slow-dev', '10001'], qr/not '10001'/],
	[['--slow-dev', '1.5'], qr/not '1.5'/],
	[['--slow-dev', 'x'], qr/not 'x'/],
	[['--scenario', 'pvw-uffd', '--repeat', '0'], qr/--repeat takes/],
	[['--scenario', 'pvw-uffd', '--fault', 'bogus'], qr/--fault: 'bogus' is not reclaim, cold, drop-caches, truncate or punch-hole/],
	[['--scenario', 'pvw-uffd', '--fault', 'a;b'], qr/--fault: 'a;b' is not a fault name/],
	[['--scenario', 'pvw-uffd', '--fault'], qr/--fault needs a fault name/],
	[['--scenario', 'unlocked-dirty', '--fault', 'reclaim'], qr/--fault goes with a module-free trigger or --exec/],
	[['--fault', 'reclaim'], qr/--fault goes with a module-free trigger or --exec/],
);
for my $b (@bad) {
	my ($args, $msg) = @$b;
	my ($rc, $out) = sh("cd $top && GUP_REPRO_STALL=1 timeout 60 ./run.sh " . join(' ', map { "'$_'" } @$args));
	is($rc, 128, "run.sh @$args: exit 128");
	like($out, $msg, "run.sh @$args: says what was wrong");
	my @lines = grep { /^run\.sh: / } split /\n/, $out;
	is(scalar @lines, 1, "run.sh @$args: one line");
	unlike($out, qr/==> (boot|kernel|scratch)/, "run.sh @$args: nothing booted");
}
my ($rc, $out) = sh("cd $top && ./run.sh --list");
is($rc, 0, 'run.sh --list exits 0');
like($out, qr/^  $_\s+\S/m, "--list names the trigger $_") for @triggers;
like($out, qr/^  $_\s+\S/m, "--list names the scenario $_") for qw(longterm-private iouring-fixed-buffer-private);

# --repeat arithmetic, through the library run.sh uses
(undef, $out) = lib_sh($top, 'gupr_wilson 20 20'); is($out, "83.9%-100.0%\n", 'Wilson 20/20: 83.9%-100.0%');
(undef, $out) = lib_sh($top, 'gupr_wilson 0 20'); is($out, "0.0%-16.1%\n", 'Wilson 0/20: 0.0%-16.1%');
(undef, $out) = lib_sh($top, 'gupr_wilson 19 20'); is($out, "76.4%-99.1%\n", 'Wilson 19/20: 76.4%-99.1%');
(undef, $out) = lib_sh($top, 'gupr_wilson 10 20'); is($out, "29.9%-70.1%\n", 'Wilson 10/20: 29.9%-70.1%');

my $r = tempdir(CLEANUP => 1);
sub runs {
	my @v = @_;
	system("rm -rf $r/*");
	for my $i (1 .. @v) {
		my $n = sprintf('%02d', $i);
		mkdir "$r/run-$n";
		next unless defined $v[$i - 1];
		my ($verdict, $cell) = @{ $v[$i - 1] };
		spew("$r/run-$n/verdict.txt", "verdict: $verdict\ncell: $cell\n");
	}
	return lib_sh($top, "gupr_repeat_summary $r " . scalar(@v));
}
my $V = ['VIOLATION', 'VIOLATION'];
my $N = ['NOT REPRODUCED', 'CLEAN'];
my $E = ['COULD NOT TEST', 'ERROR:timeout'];
($rc, $out) = runs($V, $V, $N, $V);
is($rc, 1, 'repeat: any run reproduced -> exit 1');
like($out, qr/^verdict: VIOLATION 3, NOT REPRODUCED 1 of 4 runs; reproduced 3\/4 = 75\.0% \(95% Wilson interval 30\.1%-95\.4%\)$/m,
     'repeat: counts per verdict, rate, Wilson interval');
like($out, qr/^cell: VIOLATION$/m, 'repeat: the cell is the reproducing result');
($rc, $out) = runs($N, $N, $E);
is($rc, 125, 'repeat: none reproduced, one could not be tested -> 125');
like($out, qr/reproduced 0\/2 = 0\.0%/, 'repeat: untested runs are left out of the rate');
like($out, qr/^cell: CLEAN$/m, 'repeat: the cell is the commonest result');
($rc, $out) = runs($N, $N);
is($rc, 0, 'repeat: none reproduced, all tested -> 0');
($rc, $out) = runs($N, undef);
is($rc, 125, 'repeat: a run without verdict.txt counts as COULD NOT TEST');
like($out, qr/COULD NOT TEST 1/, 'repeat: ... and is counted');

# an --exec program's output out of an untrusted guest log
spew("$r/guest.log", "gupr-meta: exec=/exec/prog\r\ngupr-out: hello \x1b[31mred\x07\r\ngupr-err: oops\ngupr-out: two\ngupr-meta: exec_rc=7\ngupr-meta: exec_rc=7; rm -rf /\n");
lib_sh($top, "gupr_exec_outputs $r/guest.log $r");
is(slurp("$r/exec.stdout"), "hello [31mred\ntwo\n", 'exec.stdout: the program\'s lines, control characters dropped');
is(slurp("$r/exec.stderr"), "oops\n", 'exec.stderr');
is(slurp("$r/exec.rc"), "7\n", 'exec.rc: only a plain number is taken');

done_testing();
