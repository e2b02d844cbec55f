# bench.mk - `make bench`: builds $(BUILD)/bao-bench (harness/bench) beside the device model and
# preload it starts, then writes results/bench.json, bench.md and bench.png (needs root and
# /usr/lib/qemu/virtiofsd; gnuplot-nox for the PNG). Included from the top-level Makefile.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS='--rounds 5 --ms 1000' or
# BENCH_ARGS=--no-qemu. The QEMU rows and the fio matrix need make qemu-image el2-stub (skipped
# with a note if not; the host's fio is deps' `fio`, the Rust backend `make backends`);
# the fuzz rows build the libFuzzer targets first when clang is installed (fuzz-build).

BENCH_BIN := $(BUILD)/bao-bench
BENCH_SRCS := $(wildcard harness/bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_SRCS))
BENCH_LIBS := $(foreach c,cli stack qemu el2host frontend scenario fakebao fbproto devmodel common,\
	$(call lib_of,$(c)))
BENCH_ARGS ?=
# BENCH_FIO=0 skips the fio matrix (four guest boots and the host's fio, about 2.5 minutes).
BENCH_FIO ?= 1
BENCH_FIO_ARG := $(if $(filter 0,$(BENCH_FIO)),--no-fio)
BENCH_FUZZ := $(if $(shell command -v clang 2>/dev/null),fuzz-build)

$(BENCH_OBJS): OBJ_INCS = $(INCS) -Iharness/bench

$(BENCH_BIN): $(BENCH_OBJS) $(BENCH_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(BENCH_LIBS) $(LDLIBS)

.PHONY: bench bench-quick bench-build
bench-build: all $(BENCH_BIN)

# Second pass: the in-process paths again with every process on CPU 0 (`--cpus 0`), the
# placement where a QD1 request never pays a cross-CPU wake-up (results/cpus0/).
bench: bench-build $(BENCH_FUZZ)
	@mkdir -p results/cpus0
	$(BENCH_BIN) --out results $(BENCH_FIO_ARG) $(BENCH_ARGS)
	$(BENCH_BIN) --out results/cpus0 --cpus 0 --only rtt,fuse,policy,seq --no-qemu --no-fuzz \
		--notes harness/bench/cpus0.md $(BENCH_ARGS)
	harness/bench/jobs-bench.sh $(BUILD)/baoharness results 3

# One short round: a smoke test of the whole benchmark (about a minute with the QEMU guests).
bench-quick: bench-build $(BENCH_FUZZ)
	@mkdir -p results
	$(BENCH_BIN) --out results --quick $(BENCH_FIO_ARG) $(BENCH_ARGS)
