# Run ./run.sh matrix and read its matrix.json (shared by the matrix tests).
package GuprMatrix;
use strict;
use warnings;
use JSON::PP;
use Exporter 'import';
our @EXPORT_OK = qw(run_matrix);

# run_matrix(TOP, ARGS...) -> (exit, output, { "KERNEL FS SCENARIO" => cell }, dir)
sub run_matrix {
	my ($top, @args) = @_;
	my $out = `cd $top && ./run.sh matrix @args 2>&1`;
	my $rc = $? >> 8;
	my ($dir) = $out =~ /^==> matrix: (\S+)\/matrix\.txt/m;
	my %cell;
	if ($dir) {
		open(my $fh, '<', "$top/$dir/matrix.json") or return ($rc, $out, \%cell, "$top/$dir");
		local $/;
		my $j = eval { decode_json(<$fh>) } || {};
		$cell{"$_->{kernel} $_->{fs} $_->{scenario}"} = $_ for @{ $j->{cells} || [] };
	}
	return ($rc, $out, \%cell, $dir ? "$top/$dir" : undef);
}

1;
