#!/usr/bin/perl
# The predictions of the module-free triggers and the private mappings
# (gupr_expect(), gup-repro --expect RELEASE FS), which the trigger matrix
# (tests/slow/triggers-matrix.t) checks its cells against:
#  - every trigger of repro-user/guest/triggers/ is predicted, and only
#    those (gupr_triggers[] names each once);
#  - a trigger dirties under the folio lock: VIOLATION on ext4 (no
#    warning) and xfs on every kernel, btrfs as for unlocked-dirty, CLEAN
#    on tmpfs;
#  - a private mapping is CLEAN, except io_uring's own refusal of a
#    file-backed fixed buffer before v6.5 on a dirty-tracked filesystem;
#  - what the driver's own scenarios predict is unchanged.
use strict;
use warnings;
use Test::More;
use FindBin;

my $top = "$FindBin::Bin/../..";
my $drv = "$top/build/host/gup-repro";
-x $drv or BAIL_OUT("$drv missing: run 'make host'");
# expect RELEASE FS: { NAME => REGEX } of gup-repro --expect
sub expect { my %e = map { (split /\t/)[0, 1] } `$drv --expect $_[0] $_[1]`; return \%e; }

opendir(my $dh, "$top/repro-user/guest/triggers") or die "triggers: $!";
my @trig = sort map { /^(.+)\.c$/ ? $1 : () } readdir $dh;
closedir $dh;
cmp_ok(scalar @trig, '>=', 3, 'the triggers directory has triggers (' . join(' ', @trig) . ')');
my @scen = `$drv --list-scenarios`;
chomp @scen;
my %known = map { $_ => 1 } @scen, @trig;
for my $rel (qw(5.10.0-46 6.1.0-57 6.12.118 7.2.13)) {
	my $e = expect($rel, 'ext4');
	is_deeply([sort grep { !$known{$_} } keys %$e], [], "$rel ext4: every name predicted is a scenario or a trigger");
	for my $t (@trig) {
		is($e->{$t}, '^VIOLATION$', "$rel ext4 $t: VIOLATION, dirtied under the folio lock (no ext4 warning)");
		is(expect($rel, 'xfs')->{$t}, '^VIOLATION$', "$rel xfs $t: VIOLATION");
		is(expect($rel, 'btrfs')->{$t}, expect($rel, 'btrfs')->{'unlocked-dirty'}, "$rel btrfs $t: as unlocked-dirty");
		is(expect($rel, 'tmpfs')->{$t}, '^CLEAN$', "$rel tmpfs $t: CLEAN, shmem is never cleaned");
	}
	for my $fs (qw(ext4 xfs btrfs tmpfs)) {
		my $f = expect($rel, $fs);
		is($f->{'longterm-private'}, '^CLEAN$', "$rel $fs longterm-private: CLEAN (the anonymous COW copy)");
		my $old = $rel =~ /^(5\.|6\.[0-4]\.)/ && $fs ne 'tmpfs';
		is($f->{'iouring-fixed-buffer-private'}, $old ? '^MITIGATED:EOPNOTSUPP$' : '^CLEAN$',
		   "$rel $fs iouring-fixed-buffer-private: " . ($old ? 'io_uring refuses it itself' : 'CLEAN'));
	}
}
is(expect('6.4.0-1', 'xfs')->{'iouring-fixed-buffer-private'}, '^MITIGATED:EOPNOTSUPP$', '6.4: io_uring still refuses');
is(expect('6.5.0-1', 'xfs')->{'iouring-fixed-buffer-private'}, '^CLEAN$', '6.5: io_uring registers the COW copy');
is(expect('6.1.0-57', 'ext4')->{'unlocked-dirty'}, '^REPRODUCED:ext4_dirty_folio$', 'unlocked-dirty still warns on ext4');
is(expect('6.1.0-57', 'ext4')->{'stripped-buffers'}, '^LOSS$', 'reclaim under a FOLL_GET reference: LOSS (the fault scenarios: tests/unit/matrix.t)');
done_testing();
