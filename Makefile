# SPDX-License-Identifier: GPL-2.0
# gup-repro: `make` builds, `make check` tests, `make bench` measures.
#
#   make              host tools + module and initramfs for the default kernel
#   make host         only the user-space binaries (build/host/)
#   make guest        fetch the guest kernel, build gup_repro.ko and the initramfs
#   make check        TAP tests under prove (boots real Debian 6.1 and 6.12 guests)
#   make check-slow   the full kernel x filesystem x scenario matrix
#   make lint         checkpatch --strict and a W=1 build of the module
#   make bench        wall time and reproduction rate (not part of check)
#   make fuzz         libFuzzer harnesses of the host parsers (build/fuzz/)

CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2
KERNEL   ?= debian:bookworm
B        := build/host
UAPI     := repro-kmod/uapi/gup_repro.h

HOST_BINS := $(B)/gup-repro $(B)/gup-repro-abi-test $(B)/gup-repro-ioctl-fuzz $(B)/gup-repro-verdict $(B)/abi-layout \
	     $(B)/pintrace-report $(B)/gup-repro-matrix

# Module-free reproducers (repro-user/triggers/NAME.c), built with the
# libraries their header's "Build:" line names.
TRIGGERS := $(patsubst repro-user/triggers/%.c,$(B)/triggers/%,$(wildcard repro-user/triggers/*.c))

all: host guest

host: $(HOST_BINS) $(TRIGGERS)

$(B)/triggers/%: repro-user/triggers/%.c repro-user/triggers/window-fault.h repro-user/triggers/disk-check.h
	@mkdir -p $(B)/triggers
	$(CC) -static -O2 $(WARN) -o $@ $< $$(sed -n 's/^ \* Build: *cc .*\.c *//p' $< | head -n 1)

$(B):
	mkdir -p $@

# Guest binaries are static: the initramfs has no libc.
$(B)/gup-repro: repro-user/gup-repro.c repro-user/steps.c repro-user/steps.h repro-user/triggers/window-fault.h repro-user/triggers/disk-check.h $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -Irepro-kmod/uapi -o $@ repro-user/gup-repro.c repro-user/steps.c -luring

$(B)/gup-repro-abi-test: tests/guest/abi_test.c $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -pthread -Irepro-kmod/uapi -o $@ $<

$(B)/gup-repro-ioctl-fuzz: tests/guest/ioctl_fuzz.c $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -static -pthread -Irepro-kmod/uapi -o $@ $<

$(B)/gup-repro-verdict: repro-user/verdict.c repro-user/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -lm

$(B)/gup-repro-matrix: repro-user/matrix.c repro-user/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -ljansson

$(B)/abi-layout: tests/unit/abi_layout.c $(UAPI) | $(B)
	$(CC) $(CFLAGS) $(WARN) -Irepro-kmod/uapi -o $@ $<

# Host side of the BPF probes: the ordering checker and the report writer.
$(B)/pintrace-report: bpf/pintrace-report.c bpf/checker.c bpf/checker.h bpf/pintrace.h repro-user/kvfile.h | $(B)
	$(CC) $(CFLAGS) $(WARN) -Ibpf -Irepro-user -o $@ bpf/pintrace-report.c bpf/checker.c -ljansson

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

$(F)/fuzz-verdict: tests/fuzz/fuzz_verdict.c tests/fuzz/fuzz_check.h repro-user/verdict.c repro-user/kvfile.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Irepro-user -o $@ $< -lm

$(F)/fuzz-events: tests/fuzz/fuzz_events.c tests/fuzz/fuzz_check.h bpf/pintrace-report.c bpf/checker.c bpf/checker.h bpf/pintrace.h repro-user/kvfile.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Ibpf -Irepro-user -o $@ $< bpf/checker.c -ljansson

$(F)/fuzz-matrix: tests/fuzz/fuzz_matrix.c tests/fuzz/fuzz_check.h repro-user/matrix.c repro-user/kvfile.h | $(F)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -Irepro-user -o $@ $< -ljansson

guest: host
	vm-images/build.sh --kernel $(KERNEL)

check: host fuzz
	prove tests/unit tests/lint tests/integration

check-slow: host
	prove tests/slow

lint: host
	prove -v tests/lint

bench: host
	tests/bench/bench.sh

clean:
	rm -rf build

.PHONY: all host guest check check-slow lint bench fuzz clean
