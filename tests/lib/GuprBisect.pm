# Small git repositories shaped like a kernel tree and ./run.sh bisect on
# them with the test-only hooks standing in for the build and the runs
# (GUP_REPRO_TEST_BISECT_BUILD, GUP_REPRO_TEST_BISECT_RUN), for the
# bisect tests.
package GuprBisect;
use strict;
use warnings;
use GuprTest qw(slurp_maybe);
use Exporter 'import';
our @EXPORT_OK = qw(bisect_repo run_bisect rev);

my $G = 'git -c user.name=t -c user.email=t@invalid';

# bisect_repo(DIR, MARKS): commits c0..c8 in DIR (made anew), each with
# its number in notes.txt (a file the kernel is not built from); MARKS maps
# a commit number to the files it adds ("REPRO": its number appended;
# "PATH=TEXT": TEXT appended; a slash makes the directory) or removes
# ("-NAME").  Returns DIR.
sub bisect_repo {
	my ($d, %marks) = @_;
	system("rm -rf $d && mkdir -p $d/arch/x86 && cd $d && git init -q -b main && printf 'VERSION = 6\\n' >Makefile && touch Kconfig arch/x86/.keep && git add -A && $G commit -qm c0") == 0
		or die "cannot make $d";
	for my $i (1 .. 8) {
		my $add = '';
		for my $m (@{ $marks{$i} || [] }) {
			if ($m =~ /^-(.*)/) { $add .= "rm -f $1 && "; next; }
			my ($path, $text) = $m =~ /^([^=]*)(?:=(.*))?$/;
			$add .= "mkdir -p \$(dirname $path) && echo '" . ($text // $i) . "' >>$path && ";
		}
		system("cd $d && echo $i >notes.txt && $add git add -A && $G commit -qm 'c$i: change $i'") == 0 or die "commit c$i";
	}
	return $d;
}

# rev(DIR, REV) -> the commit id
sub rev { my ($d, $r) = @_; my $s = `git -C $d rev-parse $r`; chomp $s; return $s; }

# run_bisect(TOP, OUT, TREE, BUILD-HOOK, RUN-HOOK, ARGS...) -> (exit, output,
# bisect.txt): ./run.sh bisect --tree TREE -o OUT ARGS with the hooks
sub run_bisect {
	my ($top, $out, $tree, $build, $run, @args) = @_;
	local $ENV{GUP_REPRO_TEST_BISECT_BUILD} = $build;
	local $ENV{GUP_REPRO_TEST_BISECT_RUN} = $run;
	my $o = `cd $top && ./run.sh bisect --tree $tree -o $out @args 2>&1`;
	my $rc = $? >> 8;
	return ($rc, $o, slurp_maybe("$out/bisect.txt") // '');
}

1;
