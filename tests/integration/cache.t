#!/usr/bin/perl
# Caches that go bad are found and mended, never a failure every run: in a
# cache of its own, the Debian 6.1 kernel is fetched, then
#  - its vmlinuz truncated: the next run sees the md5sum mismatch and
#    fetches the kernel again;
#  - a module (.ko.xz) truncated: packing the initramfs fails naming the
#    file, and the run after fetches the kernel again and succeeds;
#  - the extracted vmlinux (the BTF source) truncated: extracted again;
#  - the package lists damaged: read again.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(spew lib_sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";
$ENV{GUP_REPRO_BUILD} = "$tmp/build";

my ($rc, $out) = lib_sh($top, 'gupr_kernel debian:bookworm && echo "V=$VMLINUZ" && echo "C=$KCACHE"');
is($rc, 0, 'the kernel is fetched into a cache of its own') or diag($out);
my ($vmlinuz) = $out =~ /^V=(.*)$/m;
my ($kcache) = $out =~ /^C=(.*)$/m;
ok(-s "$kcache/md5sums", 'the packages\' md5sums are kept beside the extracted files');

# 1. a truncated vmlinuz
truncate($vmlinuz, 1000) or die;
($rc, $out) = lib_sh($top, 'gupr_kernel debian:bookworm && md5sum "$VMLINUZ"');
is($rc, 0, 'truncated vmlinuz: the run goes on') or diag($out);
like($out, qr/\S+vmlinuz\S* is damaged: md5sum [0-9a-f]{32}, expected [0-9a-f]{32} \(\S+\); fetching the kernel again/, 'truncated vmlinuz: seen and said');
ok(-s $vmlinuz > 1000000, 'truncated vmlinuz: fetched again');

# 2. a truncated module
my ($ko) = grep { -s } glob("$kcache/root/lib/modules/*/kernel/drivers/block/virtio_blk.ko*");
ok($ko, 'the kernel has virtio_blk as a module') or diag("no module: $kcache");
truncate($ko, 100) if $ko;
($rc, $out) = lib_sh($top, 'make -s -C . host >/dev/null && gupr_prepare debian:bookworm');
isnt($rc, 0, 'truncated module: packing the initramfs fails');
like($out, qr/\S*virtio_blk\.ko\S* is damaged: md5sum [0-9a-f]{32}, expected [0-9a-f]{32} \(\S+\): the cached modules of \S+ will be fetched again on the next run/,
     'truncated module: the message names the file and what happens next');
($rc, $out) = lib_sh($top, 'gupr_prepare debian:bookworm && echo "I=$INITRD"');
is($rc, 0, 'truncated module: the next run fetches the kernel again and packs the initramfs') or diag($out);
ok($ko && -s $ko > 1000, 'truncated module: fetched again');

# 3. a truncated vmlinux (the BTF source of vmlinux.h)
($rc, $out) = lib_sh($top, 'gupr_kernel debian:bookworm && gupr_extract_vmlinux && echo "B=$KBTF"');
my ($btf) = $out =~ /^B=(.*)$/m;
ok($btf && -s $btf, 'vmlinux extracted') or diag($out);
my $size = -s $btf;
truncate($btf, int($size / 2)) if $btf;
($rc, $out) = lib_sh($top, 'gupr_kernel debian:bookworm && gupr_extract_vmlinux && stat -c %s "$KBTF"');
like($out, qr/^$size$/m, 'truncated vmlinux: extracted again, whole');

# 4. damaged package lists
for my $f (glob("$tmp/cache/apt/bookworm/lists/*_Packages")) {
	spew($f, "Package: garbage\nVersion: \x01\n\nnot a stanza\n");
}
($rc, $out) = lib_sh($top, 'gupr_kernel debian:bookworm && echo "K=$KREL"');
is($rc, 0, 'damaged package lists: the run goes on') or diag($out);
like($out, qr/reading the package lists again/, 'damaged package lists: read again');
like($out, qr/^K=\S+-cloud-amd64$/m, 'damaged package lists: the kernel is resolved');
done_testing();
