#!/usr/bin/perl
# libFuzzer on the host parsers (tests/fuzz/): first every regression input
# of tests/fixtures/crash/ through its harness, then each harness for a
# bounded time (GUPR_FUZZ_SECONDS, default 15 s each) on a corpus seeded
# from tests/fixtures.  Any crash, sanitizer report or failed output check
# is a failure; the input is kept under build/fuzz/findings/.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew);
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use File::Path qw(make_path);

my $top = "$FindBin::Bin/../..";
my $fx = "$top/tests/fixtures";
my $secs = $ENV{GUPR_FUZZ_SECONDS} // 15;
$secs =~ /^\d+$/ && $secs > 0 or BAIL_OUT("GUPR_FUZZ_SECONDS must be a positive number of seconds");

# Build the harnesses (make fuzz) if they are missing or stale.
my $mk = `make -s -C $top fuzz 2>&1`;
is($? >> 8, 0, 'make fuzz builds the harnesses') or BAIL_OUT("make fuzz failed:\n$mk");
-x "$top/build/host/gup-repro-verdict" or BAIL_OUT("build/host missing: run 'make host'");

sub ls { my ($d, $re) = @_; opendir(my $dh, $d) or return (); my @f = sort grep { $_ =~ $re } readdir $dh; closedir $dh; return map { "$d/$_" } @f; }

my $work = tempdir(CLEANUP => 1);
my $findings = "$top/build/fuzz/findings";
make_path($findings);

# Seed corpora from the fixtures.
my %seeds = (
	verdict => [ls($fx, qr/\.log$/)],
	events  => [ls("$fx/events", qr/\.jsonl$/)],
	matrix  => [],
);
# a matrix cell: the verdict.txt gup-repro-verdict writes for each console log, NUL, a run.txt
my $run = slurp("$fx/events/violation.run.txt");
for my $log (@{ $seeds{verdict} }) {
	(my $n = $log) =~ s{.*/}{};
	my $v = `$top/build/host/gup-repro-verdict $log 2>/dev/null`;
	spew("$work/cell-$n", "$v\0$run");
	push @{ $seeds{matrix} }, "$work/cell-$n";
}
spew("$work/cell-violation", slurp("$fx/events/violation.verdict.txt") . "\0" . $run);
push @{ $seeds{matrix} }, "$work/cell-violation";

my %total = (execs => 0, secs => 0, findings => 0);
for my $h (qw(verdict events matrix)) {
	my $bin = "$top/build/fuzz/fuzz-$h";

	# 1. the regression inputs, once each
	my @crash = ls("$fx/crash", qr/^\Q$h\E-/);
	ok(@crash, "fuzz-$h: has regression inputs in tests/fixtures/crash") if $h ne 'matrix' || @crash;
	for my $in (@crash) {
		my $out = `$bin -runs=1 $in 2>&1`;
		(my $n = $in) =~ s{.*/}{};
		is($? >> 8, 0, "fuzz-$h: regression input crash/$n passes") or diag(substr($out, 0, 2000));
	}

	# 2. a bounded run on the seeded corpus
	my $corpus = "$work/corpus-$h";
	mkdir $corpus;
	copy($_, $corpus) or die "$_: $!" for @{ $seeds{$h} };
	my $art = "$work/art-$h";
	mkdir $art;
	my $t0 = time;
	my $out = `$bin -max_total_time=$secs -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$art/ $corpus 2>&1`;
	my $rc = $? >> 8;
	my $dt = time - $t0;
	my ($execs) = $out =~ /stat::number_of_executed_units:\s*(\d+)/;
	my ($new) = $out =~ /stat::new_units_added:\s*(\d+)/;
	my @found = ls($art, qr/^(crash|leak|timeout|oom|slow-unit)-/);
	for my $f (@found) { (my $n = $f) =~ s{.*/}{}; copy($f, "$findings/$h-$n"); }
	$total{execs} += $execs // 0;
	$total{secs} += $dt;
	$total{findings} += @found;
	note(sprintf("fuzz-%s: %d executions in %d s, %d new corpus units, %d finding(s)",
		     $h, $execs // 0, $dt, $new // 0, scalar @found));
	is($rc, 0, "fuzz-$h: no crash, sanitizer report or failed check in ${secs} s") or
		diag(join("\n", grep { /ERROR|SUMMARY|runtime error|abort|invalid|control byte|line longer|dropped|Test unit written/ } split /\n/, $out) .
		     "\ninputs kept in $findings");
	ok(defined $execs && $execs > 0, "fuzz-$h: ran (" . ($execs // 0) . " executions)");
	is(scalar @found, 0, "fuzz-$h: no finding");
}
note("fuzzing in all: $total{execs} executions, $total{secs} s, $total{findings} finding(s)");

# fuzz-verdict writes its input as files of a run directory: one directory
# per process, removed when the process ends, in a plain run and in
# -fork mode (many processes).  /tmp is a tmpfs of its own (unshare -m)
# so that only this run's directories are seen.
SKIP: {
	skip 'needs root (mounts a tmpfs on /tmp in a mount namespace of its own)', 4 if $> != 0;
	my $w = tempdir(DIR => "$top/build", CLEANUP => 1);	# not under the new /tmp
	system("cp -r $work/corpus-verdict $w/corpus") == 0 or die;
	for my $mode (['-runs=200', 'a plain run'], ['-fork=2 -max_total_time=4', '-fork=2']) {
		my ($flags, $what) = @$mode;
		spew("$w/ns.sh", "mount -t tmpfs tmpfs /tmp\ncd $w\nunset TMPDIR\n" .
		     "$top/build/fuzz/fuzz-verdict $flags $w/corpus >$w/log 2>&1\necho \"rc=\$?\"\nls -A /tmp\n");
		my $out = `unshare -m --propagation private bash $w/ns.sh 2>&1`;
		like($out, qr/^rc=0$/m, "fuzz-verdict $what: exit 0") or diag($out . slurp("$w/log"));
		unlike($out, qr/^fuzz-verdict-/m, "fuzz-verdict $what: no /tmp/fuzz-verdict-* directory left") or diag($out);
	}
}
done_testing();
