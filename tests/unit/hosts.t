#!/usr/bin/perl
# ./run.sh matrix --hosts FILE without a VM: bad input (a hosts file that
# is missing or has no usable line, a host that is not root or of another
# architecture, a kernel tree) is one line and exit 128 before any cell
# runs; a host that cannot be reached gives ERROR cells naming it and the
# matrix still finishes.  The hosts are stand-in ssh commands (a script that
# runs the remote command here, with stand-ins for id and uname); the real
# ssh round trip is tests/slow/hosts.t.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use JSON::PP;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew run);
use GuprFakeSsh qw(fake_ssh down_ssh);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);

my @small = ('--kernels', 'debian:bookworm', '--fs', 'ext4,tmpfs', '--scenarios', 'control');
# matrix(HOSTS-FILE-TEXT, ARGS...) -> (output, exit, matrix dir)
my $n = 0;
sub matrix {
	my ($hosts, @args) = @_;
	my $f = "$tmp/hosts-" . ++$n;
	spew($f, $hosts) if defined $hosts;
	my $mdir = "$tmp/m-$n";
	my ($out, $rc) = run("$top/run.sh", 'matrix', '--hosts', $f, '-o', $mdir, @small, @args);
	return ($out, $rc, $mdir);
}
sub one_line_128 {
	my ($what, $re, $out, $rc, $mdir) = @_;
	is($rc, 128, "$what: exit 128") or diag($out);
	my @l = grep { !/^Try / } split /\n/, $out;
	is(scalar @l, 1, "$what: one line") or diag($out);
	like($l[0] // '', $re, "$what: says why");
	ok(!-e "$mdir/bookworm", "$what: no cell ran");
}

one_line_128('missing hosts file', qr/^run\.sh matrix: --hosts \S+: no such file$/, matrix(undef));
one_line_128('only comments', qr/no host in it/, matrix("# nothing\n\n   # here\n"));
one_line_128('bad job slots', qr/line 2: job slots N\/ take a number from 1 to 1024, not '0'/, matrix("# a\n0/root\@a\n"));
one_line_128("':' is not a host", qr/line 1: ':' \(this machine\) is not a host/, matrix(":\n"));
one_line_128('host groups', qr/host groups/, matrix("\@g/root\@a\n"));
one_line_128('bad working directory', qr/working directory '\/x\/\.\.\/y'/, matrix("root\@a /x/../y\n"));
# a WORKDIR with white space is refused, not read as the host "dir" with
# the ssh command "root@h /srv/my"; a path after an ssh option is its argument
one_line_128('a working directory with white space', qr/^run\.sh matrix: --hosts \S+ line 2: working directory '\/srv\/my dir' has white space in it: use a path without$/,
	     matrix("# a\nroot\@h /srv/my dir\n"));
one_line_128('a working directory with a tab', qr/line 1: working directory '\/srv\/a b' has white space in it/, matrix("ssh -i /k/key root\@h /srv/a\tb\n"));
one_line_128('--retries without --hosts', qr/--retries goes with --hosts/,
	     run("$top/run.sh", 'matrix', '--retries', '1', '-o', "$tmp/m-r", @small), "$tmp/m-r");
one_line_128('a kernel tree', qr/'\/src\/linux' is a kernel tree on this machine/,
	     matrix("root\@a\n", '--kernels', '/src/linux'));

my $root = fake_ssh($tmp, 'root', 0, `uname -m` =~ s/\s+//r);
my $user = fake_ssh($tmp, 'user', 1000, `uname -m` =~ s/\s+//r);
my $arm = fake_ssh($tmp, 'arm', 0, 'aarch64');
one_line_128('a host without root', qr/^run\.sh matrix: --hosts: hostu logs in as uid 1000, not root/,
	     matrix("$root hostr $tmp/wd-r\n$user hostu $tmp/wd-u\n"));
one_line_128('another architecture', qr/^run\.sh matrix: --hosts: hosta is aarch64, this machine is \S+/,
	     matrix("$arm hosta $tmp/wd-a\n"));
ok(-d "$tmp/wd-r", 'the preflight ran in the host\'s working directory');

# Unreachable: ssh exits 255.  The matrix finishes; every cell is ERROR and
# names the host; matrix.txt says the host was not used.
my $down = down_ssh($tmp);
my ($out, $rc, $mdir) = matrix("$down root\@deadhost\n");
is($rc, 0, 'unreachable host: the matrix finishes') or diag($out);
like($out, qr/^==> host root\@deadhost: unreachable: ssh: connect to host 192\.0\.2\.1 port 22: Connection refused; not used$/m,
     'unreachable host: said before the cells');
my $j = eval { decode_json(slurp("$mdir/matrix.json")) } || {};
my @c = @{ $j->{cells} || [] };
is(scalar @c, 2, 'unreachable host: two cells');
is(scalar(grep { $_->{result} eq 'ERROR:hosts not usable: root@deadhost (unreachable)'  } @c), 2,
   'unreachable host: each cell is ERROR naming the host');
like(slurp("$mdir/matrix.txt"), qr/^host not used: root\@deadhost \(~\/gup-repro-remote\): unreachable/m,
     'unreachable host: matrix.txt names it');
# The shared functions of lib/hosts.sh that matrix and bisect read GNU
# parallel's job log with: a job that did not come back is named by its
# last host and how it ended; a local job (sshlogin ":") has no host.
sub hosts_sh {
	my ($script) = @_;
	my $o = `bash -c '. "\$1/vm-images/lib.sh"; . "\$1/vm-images/lib/hosts.sh"; $script' sh $top 2>&1`;
	return $o;
}
spew("$tmp/joblog", join('', map { join("\t", @$_) . "\n" }
	[qw(Seq Host Starttime JobRuntime Send Receive Exitval Signal Command)],
	[1, "3/$tmp/stage/ssh-0 gupr-a", 1, 1, 0, 0, 255, 0, 'bash x'],
	[2, "1/$tmp/stage/ssh-1 gupr-b", 1, 1, 0, 0, 3, 0, 'bash x'],
	[3, "1/$tmp/stage/ssh-1 gupr-b", 1, 1, 0, 0, -1, 15, 'bash x'],
	[4, ':', 1, 1, 0, 0, 2, 0, 'x']));
is(hosts_sh(qq{gupr_hosts_joblog $tmp/joblog; for i in 1 2 3 4 5; do echo "\$i [\$(gupr_hosts_job_why \$i run)]"; done}),
   "1 [host gupr-a: ssh failed (exit 255): unreachable or connection lost]\n"
   . "2 [host gupr-b: the run failed (exit 3)]\n"
   . "3 [host gupr-b: the run was stopped by signal 15 (--timeout or interrupt)]\n"
   . "4 []\n5 []\n", 'gupr_hosts_job_why: each job by its last host and how it ended; a local job or one not in the log: nothing');
is(hosts_sh('PATH=/nonexistent; gupr_parallel_ok; echo "rc=$?"'),
   "GNU parallel is missing (vm-images/host-deps.sh installs it as root: apt-get install parallel)\nrc=1\n",
   'gupr_parallel_ok: says GNU parallel is missing');

# gupr_hosts_start: the preflight of every host at once; a usable host's
# slots (N/, else -j, else its CPUs) go into the sshlogins file, an
# unreachable one is left out and said
spew("$tmp/hosts-start", "3/$root hostr $tmp/wd-s\n$root hostq $tmp/wd-q\n$down root\@deadhost\n");
my $st = hosts_sh(qq{gupr_hosts_start $tmp/hosts-start 2 || echo "why: \$HOSTS_WHY"
	echo "usable: \${HOSTS_USABLE[*]} slots: \$HOSTS_SLOTS short: \${HOSTS_UNUSABLE_SHORT[*]}"
	sed "s#\$HOSTS_STAGE#STAGE#" "\$HOSTS_STAGE/sshlogins"; s=\$HOSTS_STAGE; gupr_hosts_stop; [ -e "\$s" ] || echo stopped});
is($st, "==> host root\@deadhost: unreachable: ssh: connect to host 192.0.2.1 port 22: Connection refused; not used\n"
   . "usable: 0 1 slots: 5 short: root\@deadhost (unreachable)\n3/STAGE/ssh-0 hostr\n2/STAGE/ssh-1 hostq\nstopped\n",
   'gupr_hosts_start: usable hosts with their slots, the unreachable one said and left out; gupr_hosts_stop removes the stage');
done_testing();
