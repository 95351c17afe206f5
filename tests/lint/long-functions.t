#!/usr/bin/perl
# No function of gup-repro, C or shell, is longer than 60 lines but those
# docs/code.md lists under "Functions longer than 60 lines", each with its
# file, its length and why it is kept whole (tests/lint/long-functions.pl
# finds them); and the lister sees a long function of either language.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $lister = "$FindBin::Bin/long-functions.pl";

# long(TOP): the lister's lines for TOP, as "FILE FUNCTION" => LINES
sub long {
	my ($dir) = @_;
	my $out = `perl '$lister' '$dir' 2>&1`;
	is($? >> 8, 0, "long-functions.pl runs on $dir") or diag($out);
	my %l;
	for (split /\n/, $out) {
		my ($n, $file, $name) = split /\t/;
		$l{"$file $name"} = $n if defined $name;
	}
	return %l;
}

# docs/code.md's table: "FILE FUNCTION" => [LINES, WHY]
my %doc;
open(my $fh, '<', "$top/docs/code.md") or die "docs/code.md: $!";
my $in = 0;
while (<$fh>) {
	$in = /^## Functions longer than 60 lines/ if /^## /;
	next unless $in && /^\| `([^`]+)` \| `(\w+)\(\)` \| (\d+) \| (.*) \|$/;
	$doc{"$1 $2"} = [$3, $4];
}
ok(%doc, 'docs/code.md lists the long functions');

my %long = long($top);
for my $k (sort keys %long) {
	ok($doc{$k}, "$k ($long{$k} lines) is listed in docs/code.md with its reason")
		and is($doc{$k}[0], $long{$k}, "$k: docs/code.md says its length");
}
for my $k (sort keys %doc) {
	ok($long{$k}, "$k, listed in docs/code.md, is longer than 60 lines");
	like($doc{$k}[1], qr/\w{3}/, "$k: docs/code.md gives a reason");
}

# the lister is not blind: a 61-line function in C and in shell
my $tmp = tempdir(CLEANUP => 1);
system("git init -q '$tmp'") == 0 or die "git init";
open(my $c, '>', "$tmp/long.c") or die;
print $c "int long_c(void)\n{\n", ("\tint x = 0;\n") x 58, "}\n\nint short_c(void)\n{\n\treturn 0;\n}\n";
close($c);
open(my $s, '>', "$tmp/long.sh") or die;
print $s "#!/usr/bin/env bash\nlong_sh() {\n", ("\techo x\n") x 59, "}\nshort_sh() {\n\techo y\n}\n";
close($s);
my %t = long($tmp);
is_deeply(\%t, { 'long.c long_c' => 61, 'long.sh long_sh' => 61 },
	  'a 61-line function is listed, in C and in shell; a short one is not');

done_testing();
