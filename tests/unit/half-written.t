#!/usr/bin/perl
# Nothing half-written: a write that fails (a full disk) leaves no empty or
# partial result, nor a .tmp file, that a later tool could take for a
# whole one.  gup-repro-verdict (verdict.txt through .verdict.txt.tmp),
# pintrace-report (ordering.txt, report.txt, trace.json), gup-repro-matrix
# (matrix.txt, .md, .json) and run.sh packing an --exec program into its
# initramfs.  A rename that fails needs no root; the full file systems are
# small tmpfs mounts in a mount namespace of the test's own (unshare -m, as
# root, as tests/unit/host-errors.t).
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);
use File::Path qw(make_path);

my $top = "$FindBin::Bin/../..";
$top = `cd $top && pwd -P`; chomp $top;
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
my $host = "$top/build/host";
-x "$host/gup-repro-verdict" or BAIL_OUT("$host missing: run 'make host'");
my $fx = "$top/tests/fixtures/events";

# files(DIR): "NAME SIZE" of every file under DIR, sorted
sub files { my ($d) = @_; return join("\n", sort split /\n/, `cd $d && find . -type f -printf '%P %s\\n'`); }

# 1. gup-repro-verdict: the rename to verdict.txt fails (verdict.txt is a
#    directory): the temporary file goes too
my $d = "$tmp/rename";
make_path("$d/verdict.txt");
spew("$d/verdict.txt/keep", "x\n");
my ($rc, $o) = sh("$host/gup-repro-verdict --dir $d --error 'a test'");
is($rc, 2, 'verdict: a rename that fails: exit 2');
like($o, qr/^gup-repro-verdict: \Q$d\E\/verdict\.txt: cannot write: Is a directory$/m, 'verdict: says why') or diag($o);
ok(!-e "$d/.verdict.txt.tmp", 'verdict: no .verdict.txt.tmp left');

# 2. run.sh: when packing the --exec program fails (here: TMPDIR does not
#    exist), the run still ends in its own directory with a COULD NOT TEST
#    verdict saying why (the packer's variables no longer hide the run's)
my $p = "$tmp/prepared";
system("mkdir -p $p $tmp/tmpdir && echo junk >$p/vmlinuz && echo junk >$p/config && echo junk >$p/initramfs-ext4.img") == 0 or die;
spew("$p/kernel.env", "KSOURCE=debian\nKID=fake\nKREL=6.1.0-fake\nKVERSION=1\nKLABEL=fake\nVMLINUZ=vmlinuz\nKCONFIG=config\nKPREPARED=.\n");
spew("$tmp/small", "#!/bin/sh\nexit 0\n");
chmod 0755, "$tmp/small";
($rc, $o) = sh("cd $top && TMPDIR=$tmp/nonexistent ./run.sh --kernel prepared:$p --exec $tmp/small --out $tmp/run-notmp");
is($rc, 125, '--exec packing fails (no TMPDIR): COULD NOT TEST') or diag($o);
like($o, qr/^verdict: COULD NOT TEST\nreason: cannot make a temporary directory$/m, '... saying why') or diag($o);
like(slurp("$tmp/run-notmp/verdict.txt"), qr/^reason: cannot make a temporary directory$/m, '... in the run directory\'s verdict.txt');
unlike($o, qr/initrd\.exec\.img/, '... no error of the exit handler looking in the wrong directory') or diag($o);
unlike(files("$tmp/run-notmp"), qr/initrd/, '... and nothing of the initramfs left') or diag(files("$tmp/run-notmp"));

SKIP: {
	skip 'needs root (mounts tmpfs file systems in a mount namespace of its own)', 17 if $> != 0;
	mkdir "$tmp/mnt";
	# in_full(PREPARE, COMMAND): COMMAND on a 1 MiB tmpfs at $tmp/mnt,
	# filled up after PREPARE (what must be there before); its output and
	# then "rc=N" and the files left on it
	my $n = 0;
	sub in_full {
		my ($prep, $cmd) = @_;
		my $ns = "$tmp/ns-" . ++$n . '.sh';
		spew($ns, "set -e\nmount -t tmpfs -o size=1m tmpfs $tmp/mnt\n$prep\n" .
		     "dd if=/dev/zero of=$tmp/mnt/filler bs=64k 2>/dev/null || true\nset +e\ncd $top\n$cmd\n" .
		     "echo \"rc=\$?\"\nrm -f $tmp/mnt/filler\nfind $tmp/mnt -type f -printf 'left: %P %s\\n' | sort\n");
		return sh("unshare -m --propagation private bash $ns");
	}

	# 3. gup-repro-verdict on a full disk: no verdict.txt, no .tmp
	($rc, $o) = in_full("mkdir $tmp/mnt/run", "$host/gup-repro-verdict --dir $tmp/mnt/run --error 'a test' >/dev/null");
	like($o, qr/^rc=2$/m, 'verdict, full disk: exit 2') or diag($o);
	like($o, qr/cannot write: No space left on device/, 'verdict, full disk: says why') or diag($o);
	unlike($o, qr/^left: /m, 'verdict, full disk: no verdict.txt or .verdict.txt.tmp left') or diag($o);

	# 4. pintrace-report on a full disk: no empty ordering.txt, report.txt
	#    or trace.json
	($rc, $o) = in_full("mkdir $tmp/mnt/pr",
		"$host/pintrace-report --events $fx/violation.jsonl --steps $fx/violation.steps.jsonl --run $fx/violation.run.txt --out $tmp/mnt/pr >/dev/null");
	like($o, qr/^rc=2$/m, 'pintrace-report, full disk: exit 2') or diag($o);
	like($o, qr/ordering\.txt: cannot write/, 'pintrace-report, full disk: says which file') or diag($o);
	unlike($o, qr/^left: /m, 'pintrace-report, full disk: no file left') or diag($o);
	($rc, $o) = in_full("mkdir $tmp/mnt/pr",
		"$host/pintrace-report --events $fx/violation.jsonl --steps $fx/violation.steps.jsonl --run $fx/violation.run.txt --verdict $fx/violation.verdict.txt --out $tmp/mnt/pr --report-only >/dev/null");
	like($o, qr/^rc=2$/m, 'pintrace-report --report-only, full disk: exit 2') or diag($o);
	unlike($o, qr/^left: /m, 'pintrace-report --report-only, full disk: no report.txt left') or diag($o);

	# 5. gup-repro-matrix on a full disk: no empty matrix.txt, .md, .json;
	#    the cells it read are still there
	($rc, $o) = in_full("mkdir -p $tmp/mnt/m/bookworm/ext4/control && printf 'verdict: NOT REPRODUCED\\ncell: CLEAN\\n' >$tmp/mnt/m/bookworm/ext4/control/verdict.txt",
		"$host/gup-repro-matrix --dir $tmp/mnt/m --kernels debian:bookworm --fs ext4 --scenarios control >/dev/null");
	like($o, qr/^rc=[1-9]\d*$/m, 'matrix tables, full disk: fails') or diag($o);
	like($o, qr/matrix\.txt: No space left on device/, 'matrix tables, full disk: says why') or diag($o);
	is(join("\n", $o =~ /^(left: .*)$/mg), 'left: m/bookworm/ext4/control/verdict.txt 36',
	   'matrix tables, full disk: no matrix.txt, .md or .json left; the cell kept') or diag($o);

	# 6. run.sh: packing a 10 MiB --exec program into an 8 MiB output
	#    directory fails: exit 128 naming the lack of space, and no
	#    initrd.exec.img, .tmp or staging directory is left
	system("{ printf '#!/bin/sh\\nexit 0\\n'; head -c 10M /dev/urandom; } >$tmp/prog && chmod +x $tmp/prog") == 0 or die;
	spew("$tmp/ns-exec.sh", "set -e\nmount -t tmpfs -o size=8m tmpfs $tmp/mnt\nset +e\ncd $top\n" .
	     "TMPDIR=$tmp/tmpdir ./run.sh --kernel prepared:$p --exec $tmp/prog --out $tmp/mnt/run\necho \"rc=\$?\"\n" .
	     "find $tmp/mnt $tmp/tmpdir -mindepth 1 -printf 'left: %P\\n' | sort\n");
	($rc, $o) = sh("unshare -m --propagation private bash $tmp/ns-exec.sh");
	like($o, qr/^rc=128$/m, '--exec packing on a full disk: exit 128 (the machine\'s error)') or diag($o);
	like($o, qr/^run\.sh: host error: a write failed for lack of space \(packing the --exec program failed: .*No space left on device\)/m,
	     '--exec packing on a full disk: one line saying so') or diag($o);
	unlike($o, qr/^left: .*initrd/m, '--exec packing on a full disk: no initrd.exec.img or its .tmp left') or diag($o);
	unlike($o, qr/^left: tmp\./m, '--exec packing on a full disk: no staging directory left in TMPDIR') or diag($o);
	is(join(' ', $o =~ /^left: (.*)$/mg), 'run run/build.log', '--exec packing on a full disk: only build.log') or diag($o);
	unlike($o, qr/initrd\.exec\.img\/|No such file or directory/, '--exec packing on a full disk: the exit handler kept the run directory') or diag($o);
}

done_testing();
