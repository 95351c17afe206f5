#!/usr/bin/perl
# --hosts: a host's working directory is gup-repro's only where gup-repro
# made it, WORKDIR/.gup-repro (docs/hosts.md).  The hosts are stand-in ssh
# commands (tests/lib/GuprFakeSsh.pm) whose make fails: each job stops
# when it prepares the project, so a matrix is the host's whole side of a
# run (preflight, sweep, the run's directory, the copy of the project, the
# end) without a guest.
#   1. a user's runs/precious-old in WORKDIR outlives a run and the sweep
#      of stale runs; nothing of a run is left outside WORKDIR/.gup-repro;
#   2. WORKDIR /, a home directory, a directory that is not empty and not
#      gup-repro's (an older gup-repro's, a .gup-repro it did not make) are
#      refused at the preflight: one line, exit 128, nothing made or
#      removed there;
#   3. the sweep leaves a run directory older than a day whose lock is held
#      (a run that lasts longer than a day) and removes a stale one; a run
#      holds its directory's lock from its preflight to its end;
#   4. nothing is removed across a file system boundary (tmpfs mounts in a
#      mount namespace of the test's own, as root);
#   5. gupr_remote_rm removes only inside a marked directory.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use Fcntl qw(O_RDONLY LOCK_SH);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew run lib_sh);
use GuprFakeSsh qw(fake_ssh);

my $top = "$FindBin::Bin/../..";
# as CI runs: no SHELL (GNU parallel then ran a host's job under /bin/sh,
# which did nothing: lib/common.sh GUPR_PARALLEL)
delete $ENV{SHELL};
my $tmp = tempdir(CLEANUP => 1);
my $arch = `uname -m` =~ s/\s+//r;

# entries(DIR) -> its entries, sorted, "" when none
sub entries { my ($d) = @_; opendir(my $dh, $d) or return "(no $d)"; return join(' ', sort grep { !/^\.\.?$/ } readdir $dh); }
sub age { my @p = @_; system('touch', '-d', '2 days ago', @p) == 0 or die "touch @p"; }

my $host = fake_ssh($tmp, 'root', 0, $arch, make_fails => 1);
my @small = ('--kernels', 'debian:bookworm', '--fs', 'ext4', '--scenarios', 'control');
# matrix(WORKDIR [, SSH]) -> (output, exit, matrix dir): ./run.sh matrix
# over one stand-in host with that WORKDIR
my $n = 0;
sub matrix {
	my ($wd, $ssh) = @_;
	$n++;
	spew("$tmp/hosts-$n", ($ssh // $host) . " hostr $wd\n");
	my ($out, $rc) = run("$top/run.sh", 'matrix', '--hosts', "$tmp/hosts-$n", '-o', "$tmp/m-$n", @small);
	return ($out, $rc, "$tmp/m-$n");
}
# the stamp of the once-a-day sweep of gup-repro before .gup-repro/, when
# there is one: made old, so that the next run sweeps
sub age_stamps { my ($wd) = @_; age($_) for grep { -e } map { "$_/.runs-swept" } ($wd, "$wd/.gup-repro"); }
# hosts_sh(SCRIPT) -> output of SCRIPT in bash with lib.sh and lib/hosts.sh
sub hosts_sh { return (lib_sh($top, ". vm-images/lib/hosts.sh\n$_[0]"))[1]; }
# refused(WHAT, WORKDIR, RE [, SSH]): the matrix stops at the preflight:
# exit 128, one line RE, no cell
sub refused {
	my ($what, $wd, $re, $ssh) = @_;
	my ($out, $rc, $mdir) = matrix($wd, $ssh);
	is($rc, 128, "$what: exit 128") or diag($out);
	my @l = grep { !/^Try / } split /\n/, $out;
	is(scalar @l, 1, "$what: one line") or diag($out);
	like($l[0] // '', $re, "$what: says why");
	ok(!-e "$mdir/bookworm", "$what: no cell ran");
}

# 1. a user's runs/precious-old in WORKDIR
my $wd = "$tmp/wd-user";
mkdir $wd; mkdir "$wd/runs"; mkdir "$wd/runs/precious-old";
spew("$wd/runs/precious-old/data", "precious\n");
age("$wd/runs/precious-old");
refused('a WORKDIR holding runs/precious-old', $wd,
	qr/^run\.sh matrix: --hosts: hostr: working directory \Q$wd\E is not empty \(runs\) and not gup-repro's: name a new or empty directory$/);
is(slurp("$wd/runs/precious-old/data"), "precious\n", 'refused: runs/precious-old is still there');
is(entries($wd), 'runs', 'refused: nothing made in the WORKDIR');

# ... and in a WORKDIR of gup-repro's own, beside .gup-repro: a run, then
# a run that sweeps
$wd = "$tmp/wd-own";
my ($out, $rc, $mdir) = matrix($wd);
is($rc, 0, 'a new WORKDIR: the matrix finishes') or diag($out);
like(slurp("$mdir/matrix.txt"), qr/ERROR:host hostr: preparing gup-repro failed: make host failed/,
     'the host ran the job (its stand-in make failed)') or diag($out);
is(entries($wd), '.gup-repro', 'a run leaves nothing in WORKDIR outside .gup-repro');
like(slurp("$wd/.gup-repro/owned-by-gup-repro"), qr/^gup-repro made this directory/, '.gup-repro bears the mark');
my @runs = split /\n/, `find $wd -maxdepth 2 -type d -name runs`;
is(scalar @runs, 1, 'one runs directory') or diag("@runs");
my $runs = $runs[0] // "$wd/none";
is(entries($runs), '', 'the run\'s directory is removed at the end');
mkdir "$wd/runs"; mkdir "$wd/runs/precious-old";
spew("$wd/runs/precious-old/data", "precious\n");
spew("$wd/notes.txt", "mine\n");
# 3. a run directory of another run older than a day, its lock held; a
# stale one (an interrupted run's, base/ and all)
for my $r (qw(live-old stale-old)) { system('mkdir', '-p', "$runs/$r/base"); spew("$runs/$r/base/gup-repro.tar", "x"); }
# (its lock held here, as a job of that run holds it: flock -s)
my $live;
sysopen($live, "$runs/live-old", O_RDONLY) && flock($live, LOCK_SH) or die "$runs/live-old: $!";
age("$wd/runs/precious-old", "$runs/live-old", "$runs/stale-old");
age_stamps($wd);
# copies of the project of other versions: one a job of another run holds,
# one nobody holds; the run's job makes its own copy and removes the latter
my ($held, $free) = map { "$wd/.gup-repro/tree-$_" } ('a' x 16, 'b' x 16);
for my $t ($held, $free) { system('mkdir', '-p', "$t/build"); spew("$t/.prepared", ''); spew("$t/run.sh", "x"); }
my $tree;
sysopen($tree, $held, O_RDONLY) && flock($tree, LOCK_SH) or die "$held: $!";
($out, $rc) = matrix($wd);
is($rc, 0, 'a WORKDIR of gup-repro\'s with files of the user beside .gup-repro: the matrix runs') or diag($out);
ok(-e "$held/run.sh", 'a new copy of the project leaves the copy of another version a job holds');
ok(!-e $free, 'a new copy of the project replaces the copy of another version nobody holds');
close($tree);
is(slurp("$wd/runs/precious-old/data"), "precious\n", 'after the sweep, runs/precious-old is still there');
is(slurp("$wd/notes.txt"), "mine\n", 'after the sweep, notes.txt is still there');
ok(-e "$runs/live-old/base/gup-repro.tar", 'the sweep leaves a run directory older than a day whose lock is held');
ok(!-e "$runs/stale-old", 'the sweep removes a stale run directory nobody holds');
close($live);
age("$runs/live-old");
age_stamps($wd);
($out, $rc) = matrix($wd);
is($rc, 0, 'a third run') or diag($out);
ok(!-e "$runs/live-old", 'once its lock is let go, the old run directory is swept');
is(slurp("$wd/runs/precious-old/data"), "precious\n", 'runs/precious-old is still there');

# a run holds its directory's lock from the preflight on, with no job
# running; another run's sweep leaves it although it is older than a day;
# the end removes it
spew("$tmp/hosts-hold", "$host hostr $tmp/wd-hold\n");
my $h = hosts_sh(qq{gupr_hosts_start $tmp/hosts-hold "" || echo "why: \$HOSTS_WHY"
	r=$tmp/wd-hold/.gup-repro/\$HOSTS_MID
	[ -d "\$r" ] && echo made
	for i in 1 2 3 4 5 6 7 8 9 10; do flock -n -x "\$r" true || break; sleep 0.5; done
	flock -n -x "\$r" true || echo held
	touch -d "2 days ago" "\$r"
	(HOSTS_STAGE=""; gupr_hosts_start $tmp/hosts-hold "" && gupr_hosts_stop)
	[ -d "\$r" ] && echo kept
	gupr_hosts_stop
	[ -d "\$r" ] || echo removed});
is($h, "made\nheld\nkept\nremoved\n",
   'a run\'s directory is made and held by the preflight, kept by another run\'s sweep, removed at the end');

# 2. WORKDIRs refused at the preflight
$wd = "$tmp/wd-full";
mkdir $wd; spew("$wd/notes.txt", "mine\n");
refused('a WORKDIR that is not empty', $wd,
	qr/^run\.sh matrix: --hosts: hostr: working directory \Q$wd\E is not empty \(notes\.txt\) and not gup-repro's/);
is(entries($wd), 'notes.txt', 'not empty: nothing made or removed there');
$wd = "$tmp/wd-old";
mkdir $wd; mkdir "$wd/$_" for qw(runs gup-repro runs/20250101-000000-x-1);
spew("$wd/gup-repro/.tar-hash", "0123456789abcdef\n");
spew("$wd/$_", "") for qw(.gup-repro.lock .runs-swept prepare.log);
refused('a WORKDIR of gup-repro before .gup-repro/', $wd,
	qr/^run\.sh matrix: --hosts: hostr: working directory \Q$wd\E holds an older gup-repro's files \(.*\), not removed: .* then remove them there \(cd \Q$wd\E && rm -rf --one-file-system runs gup-repro \.gup-repro\.lock \.runs-swept prepare\.log\), or name a new directory$/);
is(entries($wd), '.gup-repro.lock .runs-swept gup-repro prepare.log runs', 'an older gup-repro\'s: nothing removed');
ok(-d "$wd/runs/20250101-000000-x-1", 'an older gup-repro\'s: its runs are still there');
$wd = "$tmp/wd-foreign";
mkdir $wd; mkdir "$wd/.gup-repro"; spew("$wd/.gup-repro/keep", "x");
refused('a WORKDIR with a .gup-repro gup-repro did not make', $wd,
	qr/^run\.sh matrix: --hosts: hostr: working directory \Q$wd\E has a \.gup-repro that gup-repro did not make/);
is(entries("$wd/.gup-repro"), 'keep', 'a .gup-repro without the mark: left as it was');
$wd = "$tmp/home-u";
mkdir $wd;
refused('the login\'s home directory', $wd,
	qr/^run\.sh matrix: --hosts: hostr: working directory \Q$wd\E is the home directory of this login: name a new or empty directory for gup-repro$/,
	fake_ssh($tmp, 'homeu', 0, $arch, make_fails => 1, home => $wd));
is(entries($wd), '', 'the login\'s home directory: nothing made there');
# / and a home of getent passwd, here: the matrix is run only when the
# preflight alone refuses them (hosts_sh), never in / or /root themselves
my $root_home = (getpwnam('root'))[7];
for my $c (['/', qr/working directory \/ is the root directory/], [$root_home, qr/working directory \Q$root_home\E is the home directory of root/]) {
	my ($dir, $re) = @$c;
	spew("$tmp/hosts-pre", fake_ssh($tmp, 'homeo', 0, $arch, make_fails => 1, home => "$tmp/home-o") . " hostr $dir\n");
	my $p = hosts_sh(qq{if gupr_hosts_start $tmp/hosts-pre ""; then echo started; else echo "\$HOSTS_WHY"; fi; gupr_hosts_stop});
	if (like($p, qr/^--hosts: hostr: $re/, "the preflight refuses WORKDIR $dir")) {
		refused("WORKDIR $dir", $dir, qr/^run\.sh matrix: --hosts: hostr: $re/,
			fake_ssh($tmp, 'homeo', 0, $arch, make_fails => 1, home => "$tmp/home-o"));
	}
}
ok(!-e '/.gup-repro' && !-e "$root_home/.gup-repro", 'nothing made in / or root\'s home');

# 4. no removal across a file system boundary: in a mount namespace of the
# test's own, tmpfs mounts at a stale run directory and inside another;
# the sweep of the next run leaves both mounts' files
SKIP: {
	skip('tmpfs mounts need root', 4) unless $> == 0;
	$wd = "$tmp/wd-mnt";
	($out, $rc) = matrix($wd);
	is($rc, 0, 'mounts: a first run') or diag($out);
	my ($r) = split /\n/, `find $wd -maxdepth 2 -type d -name runs`;
	$r //= "$wd/none";
	mkdir "$r/$_" for qw(stale-mnt stale-in);
	mkdir "$r/stale-in/sub";
	spew("$tmp/hosts-mnt", "$host hostr $wd\n");
	spew("$tmp/ns.sh", <<"EOF");
set -e
mount -t tmpfs gupr-mnt $r/stale-mnt
mount -t tmpfs gupr-in $r/stale-in/sub
echo keep >$r/stale-mnt/file
echo keep >$r/stale-in/sub/file
touch -d '2 days ago' $r/stale-mnt $r/stale-in
for s in $wd/.runs-swept $wd/.gup-repro/.runs-swept; do [ ! -e \$s ] || touch -d '2 days ago' \$s; done
set +e
$top/run.sh matrix --hosts $tmp/hosts-mnt -o $tmp/m-mnt @small >$tmp/ns.out 2>&1
echo "rc=\$?"
cat $r/stale-mnt/file $r/stale-in/sub/file
EOF
	my $o = `unshare -m --propagation private bash $tmp/ns.sh 2>&1`;
	skip("unshare -m: $o", 3) if $o =~ /^unshare: /m;
	like($o, qr/^rc=0$/m, 'mounts: the run that sweeps finishes') or diag($o, slurp("$tmp/ns.out"));
	like($o, qr/^keep\nkeep$/m, 'the sweep removes nothing on the tmpfs mounted at a stale run directory, nor on the one inside another')
		or diag($o);
	ok(-d "$r/stale-mnt", 'the mount point is still there');
}

# 5. gupr_remote_rm: inside a marked directory, by real paths, only
sub remote_sh {
	my ($script) = @_;
	return scalar `bash -c '. "\$1/vm-images/lib/remote.sh"; $script' sh $top 2>&1`;
}
my $o = "$tmp/own";
system("mkdir -p $o/runs/a $o/link-target-parent $tmp/outside/victim && ln -s $tmp/outside $o/runs/escape");
is(remote_sh(qq{gupr_remote_rm $o $o/runs/a; echo "rc=\$?"; [ -d $o/runs/a ] && echo kept}),
   "gup-repro: $o has no owned-by-gup-repro: removing nothing\nrc=1\nkept\n", 'gupr_remote_rm: nothing without the mark');
spew("$o/owned-by-gup-repro", "gup-repro made this directory; it removes only what it made in it (docs/hosts.md)\n");
is(remote_sh(qq{gupr_remote_rm $o $o/runs/escape/victim $tmp/outside/victim $o/runs/../runs/a; echo "rc=\$?"}),
   "gup-repro: $o/runs/escape/victim is not in $o: not removed\ngup-repro: $tmp/outside/victim is not in $o: not removed\n"
   . "gup-repro: $o/runs/../runs/a: not removed (. or .. in it)\nrc=1\n",
   'gupr_remote_rm: not through a symbolic link out of the directory, not outside, not with ..');
ok(-d "$tmp/outside/victim" && -d "$o/runs/a", 'gupr_remote_rm: they are still there');
is(remote_sh(qq{gupr_remote_rm $o $o/runs/a $o/runs/escape; echo "rc=\$?"}), "rc=0\n", 'gupr_remote_rm: inside, it removes');
ok(!-e "$o/runs/a" && !-l "$o/runs/escape" && -d "$tmp/outside/victim", 'gupr_remote_rm: a symbolic link is removed, not what it points to');
done_testing();
