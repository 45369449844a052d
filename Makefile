# vfsim: run the real virtio / SR-IOV / VFIO drivers in User-mode Linux
# against a simulated PCI bus.  `make demo` and `make check` are the two
# commands a new user needs; everything built goes under build/.

BUILD ?= build
KPROFILE ?= debug
export BUILD KPROFILE KSRC KDEB KPATCHES KSERIES KVER

B := $(BUILD)
UAPI := $(B)/uapi/include
UAPI_STAMP := $(UAPI)/linux/virtio_pcidev.h
# KPATCHES=DIR builds (and runs) a patched kernel beside the unpatched one;
# KSERIES=off one without the profile's kernel series (driver/kseries/).
NOSERIES := $(if $(and $(filter off,$(KSERIES)),$(wildcard driver/kconfig/$(KPROFILE).series)),+noseries)
KERNEL := $(B)/kernel/$(KPROFILE)$(NOSERIES)$(if $(KPATCHES),+patches)/linux
# KVER=6.12|7.2|7.3: that series' kernel (its own directory, doc/kernel.md).
ifneq ($(KVER),)
KERNEL := $(shell driver/kernel.sh path)
endif
ifneq ($(KPATCHES)$(NOSERIES)$(KVER)$(filter-out debug,$(KPROFILE)),)
# vfsim, the integration tests and the bench then run that kernel.
export VFSIM_KERNEL := $(abspath $(KERNEL))
endif

CC ?= cc
WARN := -Wall -Wextra -Werror
# One include root, the repository: "sim/bus/pci_func.h", "models/topology.h".
CFLAGS_BASE := -std=gnu11 -D_GNU_SOURCE $(WARN) -g -MMD -MP -I. -I$(UAPI)
CFLAGS_OPT := $(CFLAGS_BASE) -O2
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
       -fno-sanitize-recover=undefined
CFLAGS_SAN := $(CFLAGS_BASE) -O1 $(SAN)

# sim/bus: the simulated PCI bus (vhost-user, config space, MSI-X, SR-IOV,
# faults); models/: the devices on it; sim/harness: running and judging runs
# (runner, scenarios, kernel reports, lockmap).  All but the program's main.
LIB_SRCS := $(wildcard sim/bus/*.c) $(wildcard models/*.c) \
	$(filter-out sim/harness/main.c,$(wildcard sim/harness/*.c)) \
	driver/agent/step_spec.c
AGENT_SRCS := $(wildcard driver/agent/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=$(B)/san/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/san/%.o)

# Fuzzing (tests/fuzz, doc/fuzzing.md): each fuzz_NAME.c harness is built
# with clang's libFuzzer for `make fuzz`, and with gcc + ASan/UBSan as a
# replay binary that `make check` runs over the committed corpora.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	    -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CFLAGS_BASE) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB := $(LIB_SRCS:%.c=$(B)/fuzz/obj/%.o) $(B)/fuzz/obj/tests/fuzz/common.o
FUZZERS := $(FUZZ_NAMES:%=$(B)/fuzz/bin/fuzz-%)
REPLAYS := $(FUZZ_NAMES:%=$(B)/bin/fuzz-replay-%)

VFSIM := $(B)/bin/vfsim
AGENT := $(B)/bin/vfsim-agent
UNIT := $(B)/bin/unit-tests

.PHONY: all deps deps-base kernel headers unit integration check demo bench clean \
	scenarios bugs cover races sweep distclean help matrix fuzz fuzzers replays

all: $(VFSIM) $(AGENT)

help:
	@echo "make demo         build everything and boot the PF demo in UML"
	@echo "make check        unit tests (ASan/UBSan) + integration tests"
	@echo "make bench        print speed and CPU figures"
	@echo "make kernel       obtain and build the UML kernel (KSRC=, KDEB=,"
	@echo "                  KPROFILE=debug|fast|smp, KPATCHES=DIR, KSERIES=off;"
	@echo "                  doc/kernel.md)"
	@echo "make scenarios    run the scenario library (on KPATCHES= too)"
	@echo "make bugs         prove each bug of scenarios/bugs/ is caught"
	@echo "make cover        the library on the gcov kernel: which driver lines"
	@echo "                  ran (KPATCHES=DIR: diff coverage; doc/coverage.md)"
	@echo "make races        try each race of scenarios/races/ RACE_TRIES times"
	@echo "                  and count its outcomes (KPROFILE=smp: more likely)"
	@echo "make matrix       build every kernel series (6.12, 7.2, 7.3) and"
	@echo "                  run the library on each: one table"
	@echo "make sweep        fail every error path of the library's scenarios"
	@echo "                  (doc/sweep.md; SWEEP_UPDATE=1 records outcomes)"
	@echo "make fuzz         run each libFuzzer harness FUZZ_S seconds (FUZZ=names)"
	@echo "make deps         install host packages (as root), clang included"

# Everything, make fuzz's clang included; check and demo need only the base.
deps:
	@driver/deps.sh all

deps-base:
	@driver/deps.sh base

# The uAPI headers come from the kernel tree being built.
$(UAPI_STAMP):
	@driver/kernel.sh headers >/dev/null

headers: $(UAPI_STAMP)

kernel:
	@driver/kernel.sh build >/dev/null

$(B)/obj/%.o: %.c | $(UAPI_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OPT) -c $< -o $@

$(B)/san/%.o: %.c | $(UAPI_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c $< -o $@

$(VFSIM): $(B)/obj/sim/harness/main.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lpthread

$(AGENT): $(AGENT_SRCS:%.c=$(B)/obj/%.o)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $$(pkg-config --libs pciaccess) -lpthread

$(B)/fuzz/obj/%.o: %.c | $(UAPI_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(B)/fuzz/bin/fuzz-%: $(B)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lpthread

$(B)/bin/fuzz-replay-%: $(B)/san/tests/fuzz/fuzz_%.o $(B)/san/tests/fuzz/replay.o \
		$(B)/san/tests/fuzz/common.o $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ -lpthread

fuzzers: $(FUZZERS)
replays: $(REPLAYS)

$(UNIT): $(UNIT_OBJS) $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ $$(pkg-config --libs check) -lpthread

unit: $(UNIT)
	@tests/run-unit.sh $(UNIT)

integration: all kernel
	@tests/integration/run.sh

# Everything from a fresh clone: packages, kernel, unit and boot tests.
check: deps-base
	@$(MAKE) --no-print-directory all $(UNIT) $(REPLAYS)
	@$(MAKE) --no-print-directory kernel
	@tests/check.sh

demo: deps-base
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory kernel
	@tests/demo.sh

bench: all kernel
	@tests/bench.sh

clean:
	rm -rf $(B)/obj $(B)/san $(B)/bin $(B)/runs

distclean:
	rm -rf $(B)

# Harness and library objects are intermediate: keep them for the next link.
.SECONDARY:

-include $(shell find $(B)/obj $(B)/san $(B)/fuzz -name '*.d' 2>/dev/null)

# The scenario library (doc/scenarios.md), two at a time.
scenarios: all kernel
	@$(B)/bin/vfsim run -j 2 --kernel $(KERNEL) --junit $(B)/scenarios.xml \
		scenarios/*/*.vfs

# The races (scenarios/races/), each tried RACE_TRIES times with seeds S..S+N-1
# (doc/scenarios.md, Races): how often each outcome came, and when first.
RACE_TRIES ?= 20
races: all kernel
	@$(B)/bin/vfsim run -j 2 --repeat $(RACE_TRIES) --kernel $(KERNEL) \
		scenarios/races/*.vfs

# The bug corpus (scenarios/bugs/): each patch is built and must be caught.
bugs: all
	@tests/bugs.sh

# Coverage of the drivers under test (doc/coverage.md): the gcov kernel,
# the library on it, the merged report in build/cover/.
cover: all
	@tests/cover.sh

# Every supported kernel series (doc/kernel.md), built, the library on each.
matrix: all
	@tests/matrix.sh

# The fuzzers, FUZZ_S seconds each (FUZZ="vring kreport" picks some).
fuzz:
	@driver/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzzers
	@tests/fuzz/run.sh

# Sweeps (doc/sweep.md): every admin command, MSI and allocation of the
# library's scenarios failed one per run, diffed against the known outcomes.
sweep: all kernel
	@tests/sweep.sh
