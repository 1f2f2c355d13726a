# memtrace: the only build entry point.
#   make            build ./memtrace
#   make check      unit tests (no root needed)
#   make test       the whole suite: unit + integration (root, real BPF)
#   make bench      benchmarks (tools/bench), not part of the tests
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
# V=1 shows the commands. CI=true builds with -Werror.

OUTPUT ?= .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
STRIP ?= strip
PREFIX ?= /usr/local
ARCH := x86
# Debian's multiarch include dir: usdt.bpf.h needs asm/errno.h from it.
MULTIARCH_INC ?= /usr/include/$(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

VERSION := 0.1.0
WARNINGS := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(CI),true)
WARNINGS += -Werror
endif
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -DMEMTRACE_VERSION='"$(VERSION)"' \
	-I$(OUTPUT) -Ibpf -Iuser -MMD -MP
# libstdc++ for __cxa_demangle only (C++ function names); jansson reads saved streams (user/stream.c).
# libdw unwinds sampled stacks from DWARF CFI (user/unwind.c); libmicrohttpd serves --listen (user/http.c).
LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) \
	$(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson) \
	$(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) \
	$(shell pkg-config --libs libdw 2>/dev/null || echo -ldw) -lelf -lz -lm -lstdc++

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf \
	-I$(MULTIARCH_INC) -Wall -Wno-unused-function -MMD -MP

# The kernel side is three units, each compiled on its own and then linked
# by bpftool (libbpf's static linker) into one object and one skeleton for
# user/tracer.c: bpf/memtrace.bpf.c (RSS, call windows, the open-call
# table), bpf/python_frames.bpf.c (frame walking) and bpf/python_usdt.bpf.c
# (--exact). Linking, rather than one unit with the Python code in headers,
# gives each part its own statics and an explicit interface,
# bpf/memtrace.bpf.h: what one unit uses of another is declared there
# (extern variables and maps, __hidden functions) and defined once, and the
# linker checks that the declarations match the definitions.
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_UNITS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.tmp.o,$(BPF_SRCS))
BPF_SKELS := $(OUTPUT)/memtrace.skel.h
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
# Everything but main(): linked into the unit tests too.
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# The unit tests (and the fuzz test among them) run against a second copy of
# the library built with ASan and UBSan; ./memtrace itself stays unsanitized.
# Any report aborts the test (tests/unit/sanitize.c sets the options).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LIB_OBJS := $(patsubst $(OUTPUT)/user/%,$(OUTPUT)/san/user/%,$(LIB_OBJS))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# Keep the .bpf.o chain: it is cheap to keep and avoids rebuilding skeletons.
.SECONDARY:
.PHONY: all check test bench install clean targets example

all: memtrace

memtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/bpf $(OUTPUT)/tests $(OUTPUT)/targets $(OUTPUT)/san/user:
	$(Q)mkdir -p $@

# each .bpf.c -> .tmp.o (clang); all of them -> memtrace.bpf.o (bpftool links,
# drops DWARF) -> memtrace.skel.h
$(OUTPUT)/bpf/%.tmp.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/memtrace.bpf.o: $(BPF_UNITS)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o | $(OUTPUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# User objects may include any skeleton; generating them first keeps -MMD honest.
$(OUTPUT)/user/%.o: user/%.c $(BPF_SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/san/user/%.o: user/%.c $(BPF_SKELS) | $(OUTPUT)/san/user
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

# The unwinder's test unwinds its own functions: built as libc is, without frame pointers.
$(OUTPUT)/tests/test_unwind: UNIT_CFLAGS := -fomit-frame-pointer

$(OUTPUT)/tests/%: tests/unit/%.c tests/unit/sanitize.c $(SAN_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(UNIT_CFLAGS) -Itests/unit $< tests/unit/sanitize.c \
		$(SAN_LIB_OBJS) $(LIBS) -o $@

# Target programs with designed memory behaviour, used by the integration tests.
include tests/targets.mk

# The bundled example: a first look at the table (README's first command).
$(OUTPUT)/example/%: tools/example/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra $< -o $@

example: memtrace $(OUTPUT)/example/wordindex
	./memtrace -f load_corpus -f build_index -f sort_scratch -- $(OUTPUT)/example/wordindex
	./memtrace --flame $(OUTPUT)/example/wordindex-flame.svg -- $(OUTPUT)/example/wordindex
	./memtrace -f Inversa -- /usr/bin/python3.11 tools/example/matrizinversa.py

check: $(UNIT_BINS)
	$(Q)tests/run.sh --unit

test: memtrace $(UNIT_BINS) targets
	$(Q)tests/run.sh

bench: memtrace targets
	$(Q)tools/bench/run.sh

install: memtrace
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 memtrace $(DESTDIR)$(PREFIX)/bin/memtrace
	install -m 0644 tools/memtrace.8 $(DESTDIR)$(PREFIX)/share/man/man8/memtrace.8

clean:
	rm -rf $(OUTPUT) memtrace

-include $(wildcard $(OUTPUT)/user/*.d $(OUTPUT)/san/user/*.d $(OUTPUT)/bpf/*.d $(OUTPUT)/tests/*.d)
