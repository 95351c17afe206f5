# Run ./run.sh matrix and read its matrix.json, and what each cell should
# show (shared by the matrix, trigger and integrity tests).
package GuprMatrix;
use strict;
use warnings;
use JSON::PP;
use Test::More ();
use GuprTest qw(slurp);
use Exporter 'import';
our @EXPORT_OK = qw(run_matrix expected check_expected facts);

# facts(TOP) -> { NAME => value }: vm-images/lib/facts.sh, the harness's
# one statement of the suites, filesystems and defaults (GUPR_SUITES,
# GUPR_FILESYSTEMS, GUPR_DEFAULT_*), as bash sees it.
sub facts {
	my ($top) = @_;
	my %f;
	for (`bash -c '. "\$1/vm-images/lib/facts.sh" && set | grep "^GUPR_[A-Z_]*="' facts $top`) {
		chomp;
		my ($k, $v) = /^(GUPR_[A-Z_]+)=(.*)$/ or next;
		$v =~ s/^'(.*)'$/$1/;
		$f{$k} = $v;
	}
	return \%f;
}

# run_matrix(TOP, ARGS...) -> (exit, output, { "KERNEL FS SCENARIO" => cell }, dir)
sub run_matrix {
	my ($top, @args) = @_;
	my $out = `cd $top && ./run.sh matrix @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> matrix: (\S+)\/matrix\.txt/m;
	my %cell;
	if ($dir) {
		my $j = eval { decode_json(slurp("$top/$dir/matrix.json")) } || {};
		$cell{"$_->{kernel} $_->{fs} $_->{scenario}"} = $_ for @{ $j->{cells} || [] };
	}
	return ($rc, $out, \%cell, $dir ? "$top/$dir" : undef);
}

# expected(TOP, RELEASE, FS) -> { SCENARIO => [regex, why] }: the one
# table of expected outcomes, the driver's rule beside the scenario table
# (gupr_expect() for the scenarios, gupr_expect_trigger() for the
# module-free triggers; gup-repro --expect RELEASE FS).
sub expected {
	my ($top, $release, $fs) = @_;
	my %e;
	return \%e unless $release =~ /^\d+\.\d+/;
	local $/ = "\n";
	for (`$top/build/host/gup-repro --expect '$release' '$fs'`) {
		chomp;
		my ($s, $re, $why) = split /\t/;
		$e{$s} = [qr/$re/, $why];
	}
	return \%e;
}

# check_expected(TOP, CELLS): one test per cell that has a prediction: its
# result matches what expected() says for its kernel release and
# filesystem.  Returns how many cells were checked.
sub check_expected {
	my ($top, $cells) = @_;
	my $n = 0;
	for my $key (sort keys %$cells) {
		my $c = $cells->{$key};
		my $e = expected($top, $c->{release} // '', $c->{fs})->{$c->{scenario}} or next;
		Test::More::like($c->{result}, $e->[0], "$key: $c->{result} ($e->[1])");
		$n++;
	}
	return $n;
}

1;
