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
#   make docs         copy the commands' --help texts into docs/usage.md
#
# The guest's BPF loader and module are built by rules below too; the
# harness (vm-images/lib/bpf.sh, module.sh) asks for them with the kernel's
# paths, e.g. make build/bpf/pintrace BPF_VMLINUX=.../vmlinux, and make
# decides what is stale.

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2
DEPFLAGS := -MMD -MP
FACTS    := vm-images/lib/facts.sh
KERNEL   ?= $(shell sed -n 's/^GUPR_DEFAULT_KERNEL=//p' $(FACTS))
B        := build/host
HOST_INC := -Irepro-kmod/uapi -Irepro-user/include -Irepro-user/host -Ibpf -I$(B)/include

# The programs of build/host, as libbpf-tools lists its tools: each is the
# objects of its units (NAME_SRCS, compiled into $(B)/obj/<source path>.o)
# linked with NAME_LIBS.  The guest's own (gup-repro and the guest tests)
# are static: the initramfs has no libc.
HOST_PROGS := gup-repro gup-repro-abi-test gup-repro-ioctl-fuzz gup-repro-verdict abi-layout \
	      pintrace-report gup-repro-matrix gup-repro-compare gup-repro-report

VERDICT_UNITS := $(addprefix repro-user/host/,verdict-console.c verdict-oracles.c verdict-outcome.c \
		 verdict-repeat.c)
REPORT_UNITS  := $(addprefix bpf/host/,checker.c timeline.c report-text.c)
MATRIX_UNITS  := repro-user/host/matrix-tables.c

gup-repro_SRCS            := repro-user/guest/gup-repro.c $(addprefix repro-user/guest/,steps.c \
			     scenarios.c integrity.c)
gup-repro_LIBS            := -static -luring
gup-repro-abi-test_SRCS   := tests/guest/abi_test.c
gup-repro-abi-test_LIBS   := -static -pthread
gup-repro-ioctl-fuzz_SRCS := tests/guest/ioctl_fuzz.c
gup-repro-ioctl-fuzz_LIBS := -static -pthread
gup-repro-verdict_SRCS    := repro-user/host/verdict.c $(VERDICT_UNITS)
gup-repro-verdict_LIBS    := -ljansson -lm
abi-layout_SRCS           := tests/unit/abi_layout.c
pintrace-report_SRCS      := bpf/host/pintrace-report.c $(REPORT_UNITS)
pintrace-report_LIBS      := -ljansson
gup-repro-matrix_SRCS     := repro-user/host/matrix.c $(MATRIX_UNITS)
gup-repro-matrix_LIBS     := -ljansson
gup-repro-compare_SRCS    := repro-user/host/compare.c
gup-repro-compare_LIBS    := -ljansson -lm
gup-repro-report_SRCS     := repro-user/host/report.c

HOST_BINS := $(addprefix $(B)/,$(HOST_PROGS))
# the objects of program $(1) in object directory $(2)
objs_of = $(patsubst %.c,$(2)/%.o,$($(1)_SRCS))

# Module-free reproducers (repro-user/guest/triggers/NAME.c), built with the
# libraries their header's "Build:" line names.
TRIGGERS := $(patsubst repro-user/guest/triggers/%.c,$(B)/triggers/%,$(wildcard repro-user/guest/triggers/*.c))

all: host guest

host: $(HOST_BINS) $(TRIGGERS)

# A program's prerequisites are its objects (second expansion: $$* is the
# program's name).
.SECONDEXPANSION:
$(HOST_BINS): $(B)/%: $$(call objs_of,$$*,$(B)/obj)
	$(CC) $(CFLAGS) -o $@ $^ $($*_LIBS)

# Every object of build/host: its header dependencies in the .d beside it.
# The generated header comes first (gup-repro.c includes it).
$(B)/obj/%.o: %.c | $(B)/include/gupr_facts.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(HOST_INC) -c -o $@ $<

$(B)/triggers/%: repro-user/guest/triggers/%.c
	@mkdir -p $(B)/triggers $(B)/obj/triggers
	$(CC) -static -O2 $(WARN) $(DEPFLAGS) -MF $(B)/obj/triggers/$*.d -MT $@ -o $@ $< \
		$$(sed -n 's/^ \* Build: *cc .*\.c *//p' $< | head -n 1)

# The facts the harness states once (vm-images/lib/facts.sh), for the C
# programs: #define GUPR_DEFAULT_SCENARIO "unlocked-dirty", ...
$(B)/include/gupr_facts.h: $(FACTS)
	@mkdir -p $(@D)
	{ echo '/* generated from $(FACTS) by the Makefile: edit that file */'; \
	  sed -n 's/^\(GUPR_DEFAULT_[A-Z_]*\)=\(.*\)$$/#define \1 "\2"/p' $<; } >$@

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

# The loader (loader.h): its units' objects in $(BPF_OUT)/obj, each
# after the skeletons it may include, with its header dependencies (-MMD).
PINTRACE_SRCS := $(addprefix bpf/guest/,pintrace.c ksyms.c attach.c output.c)
PINTRACE_OBJS := $(patsubst bpf/guest/%.c,$(BPF_OUT)/obj/%.o,$(PINTRACE_SRCS))
BPF_EXTRA     := pintrace_syms
BPF_SKELS     := $(foreach a,$(BPF_APPS) $(BPF_EXTRA),$(BPF_OUT)/$(a).skel.h)

$(BPF_OUT)/obj/%.o: bpf/guest/%.c $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) -O2 $(WARN) $(DEPFLAGS) -I$(BPF_OUT) -Ibpf -c -o $@ $<

$(BPF_OUT)/pintrace: $(PINTRACE_OBJS)
	$(CC) -static -O2 -o $@.tmp $^ -lbpf -lelf -lz -ljansson && mv $@.tmp $@

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
# program's source with FUZZING defined (no main), compiled with the
# sanitizers into $(F)/obj, and calls the parsing core.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	      -fno-omit-frame-pointer -DFUZZING
F          := build/fuzz
FUZZ_PROGS := fuzz-verdict fuzz-events fuzz-matrix

fuzz-verdict_SRCS := tests/fuzz/fuzz_verdict.c $(VERDICT_UNITS)
fuzz-verdict_LIBS := -ljansson -lm
fuzz-events_SRCS  := tests/fuzz/fuzz_events.c $(REPORT_UNITS)
fuzz-events_LIBS  := -ljansson
fuzz-matrix_SRCS  := tests/fuzz/fuzz_matrix.c $(MATRIX_UNITS)
fuzz-matrix_LIBS  := -ljansson

FUZZ_BINS := $(addprefix $(F)/,$(FUZZ_PROGS))

fuzz: $(FUZZ_BINS)

$(FUZZ_BINS): $(F)/%: $$(call objs_of,$$*,$(F)/obj)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $($*_LIBS)

$(F)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) $(DEPFLAGS) $(HOST_INC) -c -o $@ $<

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

# the help texts in docs/usage.md are the commands' own (tests/lint/docs.t
# fails when one differs)
docs:
	perl vm-images/lib/usage-doc.pl --write docs/usage.md

clean:
	rm -rf build

# the header dependencies of every object (-MMD -MP), once it was built
-include $(patsubst %.o,%.d,$(foreach p,$(HOST_PROGS),$(call objs_of,$(p),$(B)/obj)) \
	 $(foreach p,$(FUZZ_PROGS),$(call objs_of,$(p),$(F)/obj)) $(PINTRACE_OBJS)) \
	 $(wildcard $(B)/obj/triggers/*.d)

# a recipe that fails leaves no half-written target behind
.DELETE_ON_ERROR:

.PHONY: all host guest check check-slow lint bench fuzz docs clean
