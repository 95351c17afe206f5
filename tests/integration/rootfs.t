#!/usr/bin/perl
# --rootfs debian in real guests (Debian 6.1, ext4): the same kernel on the
# Debian userland of its suite (docs/rootfs.md).
#  - the default scenario gives the cell the busybox initramfs gives
#    (REPRODUCED:ext4_dirty_folio, exit 1), with every file the verdict
#    reads (steps, guest report, trace, integrity, fsck) and the run done by
#    the same init from the Debian root, the module loaded from the image's
#    /lib/modules;
#  - --exec of a bash script that calls xfs_io (dynamically linked, from
#    --exec-pkgs xfsprogs) runs: its output, stderr and exit status come
#    back, its arguments arrive, it sees the Debian userland; the second
#    run with the same packages in another order reuses the image;
#  - a python script without python3 in the image is refused before boot.
use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew run_sh);

my $top = "$FindBin::Bin/../..";

# (a) the default scenario on the Debian userland, and on the busybox
# initramfs for its cell
my ($out, $rc, $dir) = run_sh($top);
my ($cell) = slurp("$dir/verdict.txt") =~ /^cell: (.*)$/m;
is($cell, 'REPRODUCED:ext4_dirty_folio', 'busybox initramfs, default scenario: REPRODUCED:ext4_dirty_folio') or diag($out);
($out, $rc, $dir) = run_sh($top, '--rootfs', 'debian');
is($rc, 1, '--rootfs debian, default scenario (6.1 ext4): exit 1') or diag($out);
like(slurp("$dir/verdict.txt"), qr/^verdict: REPRODUCED$/m, '... REPRODUCED');
like(slurp("$dir/verdict.txt"), qr/^cell: \Q$cell\E$/m, '... the cell of the busybox guest');
my $con = slurp("$dir/console.log") =~ s/\r//gr;
like($con, qr/^gup-repro: guest init runs in the Debian userland \(\/gupr\/init\)$/m,
     'the init ran again from the Debian root');
like(slurp("$dir/guest.log"), qr/^gupr-meta: module=loaded/m, 'gup_repro.ko loaded there (kmod, /lib/modules of the image)');
like(slurp("$dir/steps.jsonl"), qr/"step":"dirty-unlocked","result":"ok"/, 'steps.jsonl: the driver\'s steps (ttyS1)');
like(slurp("$dir/events.jsonl"), qr/^\{"event":"end",.*"lost":0\}/m, 'events.jsonl: the trace ended, nothing lost (ttyS3)');
like(slurp("$dir/events.jsonl"), qr/^\{"event":"start",.*"btf":"\/gupr\/lib\/pintrace\.btf"/m, '... pintrace from /gupr with its BTF');
like(slurp("$dir/ordering.txt"), qr/^ordering: VIOLATION/m, 'the ordering checker saw the violation');
like(slurp("$dir/verdict.txt"), qr/^integrity: 1 of 1 pages as expected/m, 'the integrity check ran');
like(slurp("$dir/verdict.txt"), qr/^fsck: e2fsck: clean/m, 'the scratch image was checked');
like(slurp("$dir/run.txt"), qr/^rootfs: debian bookworm \(kmod,procps\)$/m, 'run.txt names the userland');
my ($img) = slurp("$dir/run.txt") =~ /^rootfs-image: (\S+)$/m;
ok($img && -s $img, 'the cached image is there');

# a script whose interpreter the image lacks: one line before the boot
my $d = tempdir(CLEANUP => 1);
spew("$d/hello.py", "#!/usr/bin/python3\nprint('hello')\n");
chmod 0755, "$d/hello.py";
$out = `cd $top && ./run.sh --rootfs debian --exec $d/hello.py 2>&1`;
is($? >> 8, 128, '--exec of a python script without python3 in the image: exit 128');
like($out, qr{^run\.sh: --exec: '\Q$d\E/hello\.py' needs /usr/bin/python3, not in the Debian bookworm image \(kmod,procps\): add the package that has it to --exec-pkgs$}m,
     '... one line naming what is missing');
unlike($out, qr/==> boot/, '... before the guest boots');

# (b) a bash script calling xfs_io, with --exec-pkgs xfsprogs
spew("$d/xfsio.sh", <<'EOF');
#!/bin/bash
set -e
echo "bash=${BASH_VERSINFO[0]} rootfs=$GUPR_ROOTFS os=$(. /etc/os-release; echo "$ID-$VERSION_ID")"
xfs_io -c 'pread -v 0 8' "$GUPR_VICTIM"
echo "args=[$1][$2]"
ldd "$(command -v xfs_io)" >/dev/null && echo "xfs_io is dynamically linked"
echo "to stderr" >&2
exit 0
EOF
chmod 0755, "$d/xfsio.sh";
my @x = ('--rootfs', 'debian', '--exec', "$d/xfsio.sh", '--exec-arg', "'two words'", '--exec-arg', 'x');
($out, $rc, $dir) = run_sh($top, @x, '--exec-pkgs', 'xfsprogs,procps');
is($rc, 0, '--exec of a bash script with xfs_io: exit 0 (completed, nothing reproduced)') or diag($out);
my $so = slurp("$dir/exec.stdout");
like($so, qr/^bash=5 rootfs=debian os=debian-12$/m, 'bash ran it, on Debian 12, GUPR_ROOTFS=debian');
like($so, qr/^00000000:  2e 2e 2e 2e 2e 2e 2e 2e  \.{8}$/m, 'xfs_io read the victim\'s dots');
like($so, qr/^read 8\/8 bytes at offset 0$/m, '... and said so');
like($so, qr/^args=\[two words\]\[x\]$/m, 'the arguments arrived, spaces kept');
like($so, qr/^xfs_io is dynamically linked$/m, 'xfs_io is dynamically linked');
is(slurp("$dir/exec.stderr"), "to stderr\n", 'stderr came back apart');
is(slurp("$dir/exec.rc"), "0\n", 'exec.rc: 0');
like(slurp("$dir/run.txt"), qr/^rootfs: debian bookworm \(kmod,procps,xfsprogs\)$/m, 'run.txt names the packages');
my ($img2) = slurp("$dir/run.txt") =~ /^rootfs-image: (\S+)$/m;
isnt($img2, $img, 'another package list, another image');
($out, $rc, $dir) = run_sh($top, @x, '--exec-pkgs', 'procps,xfsprogs');
is($rc, 0, 'again with the packages in another order: exit 0') or diag($out);
unlike($out, qr/==> rootfs: building/, '... the image is not built again');
my ($img3) = slurp("$dir/run.txt") =~ /^rootfs-image: (\S+)$/m;
is($img3, $img2, '... the same image');
like(slurp("$dir/exec.stdout"), qr/^read 8\/8 bytes at offset 0$/m, '... and the script ran as before');

done_testing();
