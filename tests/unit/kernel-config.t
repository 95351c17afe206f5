#!/usr/bin/perl
# ./run.sh kernel-config leaves a user's .config as found: a .config that
# gup-repro did not write is copied to .config.gup-repro-orig (then .1,
# .2, ...: a copy is never overwritten) before it is changed, and the
# output says so; a .config gup-repro wrote (its sha256 in
# .config.gup-repro-sha256) is refreshed without a copy.  The same holds
# for ./run.sh --kernel TREE --build (gupr_tree_rebuild).  A fake kernel
# tree stands in for kbuild: its Makefile's defconfig and olddefconfig
# and its scripts/kconfig/merge_config.sh only write the .config.
use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use GuprTest qw(slurp spew sh);
use File::Temp qw(tempdir);

my $top = "$FindBin::Bin/../..";
my $tmp = tempdir(CLEANUP => 1);
$ENV{GUP_REPRO_CACHE} = "$tmp/cache";

# fake_tree(NAME, CONFIG or undef): a kbuild-shaped directory whose make
# defconfig writes one line, make olddefconfig appends one, and whose
# merge_config.sh writes BASE followed by the fragment
sub fake_tree {
	my ($name, $config) = @_;
	my $d = "$tmp/$name";
	system("mkdir -p $d/arch/x86 $d/scripts/kconfig && touch $d/Kconfig") == 0 or die;
	spew("$d/Makefile", "VERSION = 6\nPATCHLEVEL = 1\nO ?= .\n" .
	     "defconfig:\n\t\@printf 'CONFIG_FROM_DEFCONFIG=y\\n' >\$(O)/.config\n" .
	     "olddefconfig:\n\t\@printf '# olddefconfig ran\\n' >>\$(O)/.config\n");
	spew("$d/scripts/kconfig/merge_config.sh",
	     "[ \"\$1\" = -m ] && shift\n[ \"\$1\" = -O ] || exit 2\nout=\$2; shift 2\n" .
	     "cat \"\$\@\" >\"\$out/.config.new\" && mv \"\$out/.config.new\" \"\$out/.config\"\n");
	spew("$d/.config", $config) if defined $config;
	return $d;
}
my $mine = "CONFIG_DRM=y\nCONFIG_SOUND=y\n# my own choices\n";

# 1. a hand-made .config: copied before it is changed, and said
my $d = fake_tree('tree', $mine);
my ($rc, $o) = sh("cd $top && ./run.sh kernel-config $d");
is($rc, 0, 'kernel-config of a tree with a hand-made .config: exit 0') or diag($o);
is(slurp("$d/.config.gup-repro-orig"), $mine, 'the hand-made .config is kept as .config.gup-repro-orig');
like($o, qr/^==> kernel-config: starting from your \Q$d\E\/\.config \(not written by gup-repro\), kept as \Q$d\E\/\.config\.gup-repro-orig$/m,
     'the output says where the original is') or diag($o);
like($o, qr/^==> kernel-config: wrote \Q$d\E\/\.config \(yours is \Q$d\E\/\.config\.gup-repro-orig\)$/m, 'and says it again at the end');
my $ours = slurp("$d/.config");
like($ours, qr/^CONFIG_DRM=y\n.*^CONFIG_VIRTIO_BLK=/ms, 'the .config now has the guest options');
like(slurp("$d/.config.gup-repro-sha256"), qr/^[0-9a-f]{64}$/m, 'the .config written is stamped with its sha256');

# 2. the .config gup-repro wrote: refreshed in place, no second copy
($rc, $o) = sh("cd $top && ./run.sh kernel-config $d");
is($rc, 0, 'kernel-config again: exit 0') or diag($o);
like($o, qr/^==> kernel-config: starting from the \.config gup-repro wrote in \Q$d\E$/m, 'again: says it starts from its own .config');
ok(!-e "$d/.config.gup-repro-orig.1", 'again: no second copy');
is(slurp("$d/.config.gup-repro-orig"), $mine, 'again: the copy of the original is untouched');

# 3. edited by hand since: copied again, beside the first copy
spew("$d/.config", slurp("$d/.config") . "CONFIG_EDITED=y\n");
my $edited = slurp("$d/.config");
($rc, $o) = sh("cd $top && ./run.sh kernel-config $d");
is($rc, 0, 'kernel-config after a hand edit: exit 0') or diag($o);
is(slurp("$d/.config.gup-repro-orig.1"), $edited, 'the edited .config is kept as .config.gup-repro-orig.1');
is(slurp("$d/.config.gup-repro-orig"), $mine, 'the first copy is never overwritten');
like($o, qr/kept as \Q$d\E\/\.config\.gup-repro-orig\.1$/m, 'the output names the new copy');

# 4. -O into a new build directory: no .config, nothing to keep
my $s = fake_tree('src', undef);
($rc, $o) = sh("cd $top && ./run.sh kernel-config $s -O $tmp/build");
is($rc, 0, 'kernel-config -O a new build directory: exit 0') or diag($o);
like(slurp("$tmp/build/.config"), qr/^CONFIG_FROM_DEFCONFIG=y$/m, '-O: the .config starts from defconfig');
is(join(' ', map { s{.*/}{}r } glob("$tmp/build/.config.gup-repro-orig*")), '', '-O: no copy of a .config gup-repro wrote itself');
($rc, $o) = sh("cd $top && ./run.sh kernel-config $s -O $tmp/build");
is(join(' ', map { s{.*/}{}r } glob("$tmp/build/.config.gup-repro-orig*")), '', '-O again: still no copy');
ok(!-e "$s/.config", '-O: nothing written into the source tree\'s .config');

# 5. --kernel TREE --build (gupr_tree_rebuild's olddefconfig): a hand-made
#    .config is copied first (the fake tree's build then fails: no compiler
#    named in its .config)
my $r = fake_tree('rebuild', $mine);
($rc, $o) = sh("cd $top && bash -c '. vm-images/lib.sh; gupr_tree_rebuild $r'");
is(slurp("$r/.config.gup-repro-orig"), $mine, '--build: the hand-made .config is kept before olddefconfig');
like($o, qr/^==> build: your \Q$r\E\/\.config \(not written by gup-repro\) is kept as \Q$r\E\/\.config\.gup-repro-orig$/m, '--build: says so') or diag($o);
like(slurp("$r/.config"), qr/^# olddefconfig ran$/m, '--build: olddefconfig did run');
($rc, $o) = sh("cd $top && bash -c '. vm-images/lib.sh; gupr_tree_rebuild $r'");
ok(!-e "$r/.config.gup-repro-orig.1", '--build again: the .config olddefconfig wrote is gup-repro\'s, no second copy');

done_testing();
