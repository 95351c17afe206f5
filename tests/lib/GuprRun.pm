# Run ./run.sh and find its run directory (shared by the guest tests).
package GuprRun;
use strict;
use warnings;
use Test::More ();
use Exporter 'import';
our @EXPORT_OK = qw(run_sh);

# run_sh(TOP, ARGS...) -> (output, exit status, run directory or undef)
sub run_sh {
	my ($top, @args) = @_;
	my $out = `cd $top && ./run.sh @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> artifacts: (\S+)/m;
	Test::More::diag("run.sh @args: no artifacts line:\n$out") unless $dir;
	return ($out, $rc, $dir ? ($dir =~ m{^/} ? $dir : "$top/$dir") : undef);
}

1;
