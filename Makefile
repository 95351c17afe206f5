# SPDX-License-Identifier: GPL-2.0
# gup-repro: `make` builds, `make check` tests, `make bench` measures.
#
#   make              host tools + module and initramfs for the default kernel
#   make host         only the user-space binaries (build/host/)
#   make guest        fetch the guest kernel, build gup_repro.ko and the initramfs
#   make check        TAP tests under prove (real Debian 6.1 and 6.12 guests,
#                     resumed from snapshots; the guest tests once more booted)
#   make check-slow   the full kernel x filesystem x scenario matrix
#   make lint         checkpatch --strict and a W=1 build of the module
#   make bench        wall time and reproduction rate (not part of check)
#   make fuzz         libFuzzer harnesses of the host parsers (build/fuzz/)
#
# The guest's BPF loader and module are built by rules below too; the
# harness (vm-images/lib/bpf.sh, module.sh) asks for them with the kernel's
# paths, e.g. make build/bpf/pintrace BPF_VMLINUX=.../vmlinux, and make
# decides what is stale.

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2
FACTS    := vm-images/lib/facts.sh
KERNEL   ?= $(shell sed -n 's/^GUPR_DEFAULT_KERNEL=//p' $(FACTS))
B        := build/host
UAPI     := repro-kmod/uapi/gup_repro.h

HOST_BINS := $(B)/gup-repro $(B)/gup-repro-abi-test $(B)/gup-repro-ioctl-fuzz $(B)/gup-repro-verdict $(B)/abi-layout \
	     $(B)/pintrace-report $(B)/gup-repro-matrix $(B)/gup-repro-compare \
	     $(B)/gup-repro-report

# Module-free reproducers (repro-user/guest/triggers/NAME.c), built with the
# libraries their header's "Build:" line names.
TRIGGERS := $(patsubst repro-user/guest/triggers/%.c,$(B)/triggers/%,$(wildcard repro-user/guest/triggers/*.c))

all: host guest

host: $(HOST_BINS) $(TRIGGERS)

$(B)/triggers/%: repro-user/guest/triggers/%.c repro-user/guest/triggers/trigger.h repro-user/guest/triggers/window-fault.h \
		     repro-user/guest/triggers/disk-check.h
	@mkdir -p $(B)/triggers
	$(CC) -static -O2 $(WARN) -o $@ $< $$(sed -n 's/^ \* Build: *cc .*\.c *//p' $< | head -n 1)

$(B):
	mkdir -p $@

# The facts the harness states once (vm-images/lib/facts.sh), for the C
# programs: #define GUPR_DEFAULT_SCENARIO "unlocked-dirty", ...
$(B)/include/gupr_facts.h: $(FACTS)
	@mkdir -p $(@D)
	{ echo '/* generated from $(FACTS) by the Makefile: edit that file */'; \
	  sed -n 's/^\(GUPR_DEFAULT_[A-Z_]*\)=\(.*\)$$/#define \1 "\2"/p' $<; } >$@

# Guest binaries are static: the initramfs has no libc.
$(B)/gup-repro: repro-user/guest/gup-repro.c repro-user/guest/steps.c repro-user/guest/steps.h repro-user/include/folio_flags.h \
	       repro-user/guest/triggers/window-fault.h repro-user/guest/triggers/disk-check.h \
	       $(B)/include/gupr_facts.h $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -Irepro-kmod/uapi -Irepro-user/include -I$(B)/include -o $@ repro-user/guest/gup-repro.c repro-user/guest/steps.c -luring

$(B)/gup-repro-abi-test: tests/guest/abi_test.c tests/guest/pin_counters.h tests/lib/tap.h $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -pthread -Irepro-kmod/uapi -o $@ $<

$(B)/gup-repro-ioctl-fuzz: tests/guest/ioctl_fuzz.c tests/guest/pin_counters.h tests/lib/tap.h $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -pthread -Irepro-kmod/uapi -o $@ $<

$(B)/gup-repro-verdict: repro-user/host/verdict.c repro-user/host/kvfile.h repro-user/host/stats.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -lm

$(B)/gup-repro-report: repro-user/host/report.c repro-user/host/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

$(B)/gup-repro-compare: repro-user/host/compare.c repro-user/host/kvfile.h repro-user/host/stats.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -ljansson -lm

$(B)/gup-repro-matrix: repro-user/host/matrix.c repro-user/host/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -ljansson

$(B)/abi-layout: tests/unit/abi_layout.c tests/lib/tap.h $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -Irepro-kmod/uapi -o $@ $<

# Host side of the BPF probes: the ordering checker and the report writer.
$(B)/pintrace-report: bpf/host/pintrace-report.c bpf/host/checker.c bpf/host/checker.h bpf/pintrace.h repro-user/host/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -Ibpf -Irepro-user/host -Irepro-user/include -o $@ bpf/host/pintrace-report.c bpf/host/checker.c -ljansson

# --- guest: the BPF probes and their loader (as libbpf-tools builds them) ---
# One CO-RE object for every guest kernel, compiled against the vmlinux.h
# of a reference kernel; in the guest libbpf relocates it against that
# kernel's own BTF.  BPF_VMLINUX is that kernel's vmlinux (ELF with .BTF):
# vm-images/lib/bpf.sh fetches it and passes it when `make -q` says the
# loader is stale.  GUPR_BUILD is the build directory (GUP_REPRO_BUILD).
GUPR_BUILD  ?= build
BPF_OUT     := $(GUPR_BUILD)/bpf
BPF_VMLINUX ?=
BPF_CLANG   ?= clang
BPFTOOL     ?= bpftool
BPF_APPS    := pintrace
BPF_HDRS    := bpf/pintrace.h repro-kmod/uapi/gup_repro_flags.h

$(BPF_OUT):
	mkdir -p $@

$(BPF_OUT)/vmlinux.h: $(BPF_VMLINUX) | $(BPF_OUT)
	@test -n "$(BPF_VMLINUX)" || { echo "$@: set BPF_VMLINUX to a vmlinux with BTF" >&2; exit 2; }
	$(BPFTOOL) btf dump file $(BPF_VMLINUX) format c >$@.tmp && mv $@.tmp $@

$(BPF_OUT)/%.bpf.o: bpf/guest/%.bpf.c $(BPF_HDRS) $(BPF_OUT)/vmlinux.h
	$(BPF_CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I$(BPF_OUT) -Ibpf -c $< -o $@.tmp && mv $@.tmp $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< >$@.tmp && mv $@.tmp $@

$(addprefix $(BPF_OUT)/,$(BPF_APPS)): $(BPF_OUT)/%: bpf/guest/%.c $(BPF_OUT)/%.skel.h $(BPF_HDRS) repro-user/include/folio_flags.h
	$(CC) -static -O2 -Wall -Wextra -Werror -I$(BPF_OUT) -Ibpf -o $@.tmp $< -lbpf -lelf -lz -ljansson && mv $@.tmp $@

# pintrace embeds a second object: the symbol programs (pintrace_syms.bpf.c)
BPF_EXTRA   := pintrace_syms
$(BPF_OUT)/pintrace: $(BPF_OUT)/pintrace_syms.skel.h

# the objects between the source and the loader are kept (make would
# delete them as intermediate files)
.SECONDARY: $(BPF_OUT)/vmlinux.h $(foreach a,$(BPF_APPS) $(BPF_EXTRA),$(BPF_OUT)/$(a).bpf.o $(BPF_OUT)/$(a).skel.h)

# --- guest: gup_repro.ko for one kernel, in $(GUPR_BUILD)/KERNEL-ID/kmod ---
# vm-images/lib/module.sh passes the kernel's kbuild directory (KMOD_KDIR),
# its .config and image (rebuilt when the kernel is fetched again), the
# compiler arguments (KMOD_CC: LLVM=1, CC=gcc-14) and, for a Debian kernel
# built by a compiler the host lacks, the build root and the kernel's cache
# directory it needs mounted (KMOD_ROOT, KMOD_CACHE).  Built in kmod.tmp
# and renamed when whole: an interrupted build is never taken for one.
KMOD_SRC    := $(wildcard repro-kmod/*.c repro-kmod/*.h repro-kmod/uapi/*.h) repro-kmod/Kbuild repro-kmod/Makefile
KMOD_KDIR   ?=
KMOD_CONFIG ?=
KMOD_IMAGE  ?=
KMOD_CC     ?=
KMOD_ROOT   ?=
KMOD_CACHE  ?= /

$(GUPR_BUILD)/%/kmod/gup_repro.ko: $(KMOD_SRC) $(KMOD_CONFIG) $(KMOD_IMAGE)
	@test -n "$(KMOD_KDIR)" || { echo "$@: set KMOD_KDIR to the kernel's kbuild directory" >&2; exit 2; }
	rm -rf $(@D).tmp && mkdir -p $(@D).tmp && cp -r repro-kmod/. $(@D).tmp/
	vm-images/make-in-root.sh '$(KMOD_ROOT)' $(KMOD_CACHE) $(abspath $(@D)).tmp \
		-C $(KMOD_KDIR) M=$(abspath $(@D)).tmp W=1 $(KMOD_CC) modules
	rm -rf $(@D) && mv $(@D).tmp $(@D)

# libFuzzer harnesses (clang; libclang-rt-14-dev): each includes its
# program's source with FUZZING defined (no main) and calls the parsing core.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	      -fno-omit-frame-pointer -DFUZZING
F          := build/fuzz
FUZZ_BINS  := $(F)/fuzz-verdict $(F)/fuzz-events $(F)/fuzz-matrix

fuzz: $(FUZZ_BINS)

$(F):
	mkdir -p $@

$(F)/fuzz-verdict: tests/fuzz/fuzz_verdict.c tests/fuzz/fuzz_check.h repro-user/host/verdict.c repro-user/host/kvfile.h \
		  repro-user/host/stats.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Irepro-user/host -o $@ $< -lm

$(F)/fuzz-events: tests/fuzz/fuzz_events.c tests/fuzz/fuzz_check.h bpf/host/pintrace-report.c bpf/host/checker.c bpf/host/checker.h bpf/pintrace.h repro-user/host/kvfile.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Ibpf -Irepro-user/host -Irepro-user/include -o $@ $< bpf/host/checker.c -ljansson

$(F)/fuzz-matrix: tests/fuzz/fuzz_matrix.c tests/fuzz/fuzz_check.h repro-user/host/matrix.c repro-user/host/kvfile.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Irepro-user/host -o $@ $< -ljansson

guest: host
	vm-images/build.sh --kernel $(KERNEL)

check: host fuzz
	prove tests/unit tests/lint tests/integration
	GUP_REPRO_SNAPSHOT=0 prove tests/integration/guest.t

check-slow: host
	prove tests/slow

lint: host
	prove -v tests/lint

bench: host
	tests/bench/bench.sh

clean:
	rm -rf build

# a recipe that fails leaves no half-written target behind
.DELETE_ON_ERROR:

.PHONY: all host guest check check-slow lint bench fuzz clean
