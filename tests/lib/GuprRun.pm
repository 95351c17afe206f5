# Run ./run.sh and find its run directory (shared by the guest tests).
package GuprRun;
use strict;
use warnings;
use Test::More ();
use File::Temp ();
use Exporter 'import';
our @EXPORT_OK = qw(run_sh fstests_bundle fstests_clone);

# run_sh(TOP, ARGS...) -> (output, exit status, run directory or undef)
sub run_sh {
	my ($top, @args) = @_;
	my $out = `cd $top && ./run.sh @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> artifacts: (\S+)/m;
	Test::More::diag("run.sh @args: no artifacts line:\n$out") unless $dir;
	return ($out, $rc, $dir ? ($dir =~ m{^/} ? $dir : "$top/$dir") : undef);
}

# fstests_bundle(TOP) -> the fstests snapshot ($GUPR_FSTESTS_BUNDLE, else
# ../shared/fstests/fstests.bundle beside the repository TOP or beside its
# main worktree), or undef
sub fstests_bundle {
	my ($top) = @_;
	my $common = `git -C $top rev-parse --path-format=absolute --git-common-dir 2>/dev/null`;
	chomp $common;
	my ($b) = grep { -s $_ } ($ENV{GUPR_FSTESTS_BUNDLE} // (), "$top/../shared/fstests/fstests.bundle",
				  $common ? "$common/../../shared/fstests/fstests.bundle" : ());
	return $b;
}

# fstests_clone(TOP) -> a clone of the fstests snapshot (fstests_bundle) in
# a temporary directory removed at exit; skips the whole test when there is
# no snapshot, bails out when it cannot be cloned.  Commits into it (the
# exports) get a fixed date: the same code exported makes the same commit,
# which ./run.sh fstests builds once (its build is keyed by HEAD).
sub fstests_clone {
	my ($top) = @_;
	$ENV{GIT_AUTHOR_DATE} = $ENV{GIT_COMMITTER_DATE} = '2026-01-02T00:00:00Z';
	my $b = fstests_bundle($top);
	Test::More::plan(skip_all => 'no fstests bundle (../shared/fstests/fstests.bundle)') unless $b;
	my $d = File::Temp::tempdir(CLEANUP => 1);
	system("git clone -q $b $d/fstests") == 0 or Test::More::BAIL_OUT('cannot clone the fstests bundle');
	return "$d/fstests";
}

1;
