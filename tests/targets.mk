# Target programs for the integration tests: tests/targets/*.c -> $(OUTPUT)/targets/*.
# Each reports its own RSS (tests/targets/target.h) as ground truth.
TARGET_SRCS := $(wildcard tests/targets/*.c)
TARGET_BINS := $(patsubst tests/targets/%.c,$(OUTPUT)/targets/%,$(TARGET_SRCS))
# Variants of grow: the same function in other code layouts memtrace must handle.
#   grow-nopie     ET_EXEC, symbols at absolute addresses
#   grow-cet       -fcf-protection=full: functions start with endbr64
#   grow-stripped  no .symtab (grow_mib is not in .dynsym either)
TARGET_VARIANTS := $(addprefix $(OUTPUT)/targets/,grow-nopie grow-cet grow-stripped)
TARGET_CFLAGS := -O2 -g -Wall -Wextra -pthread

# C++ targets (mangled names, exception tables).
TARGET_CXX_SRCS := $(wildcard tests/targets/*.cc)
TARGET_CXX_BINS := $(patsubst tests/targets/%.cc,$(OUTPUT)/targets/%,$(TARGET_CXX_SRCS))
CXX ?= g++

targets: $(TARGET_BINS) $(TARGET_VARIANTS) $(TARGET_CXX_BINS)

# Stacks (tests/integ/stacks_*.sh): no frame pointers, as in Debian's libc; only CFI unwinds it.
$(OUTPUT)/targets/paths: TARGET_CFLAGS += -fomit-frame-pointer

$(OUTPUT)/targets/%: tests/targets/%.cc tests/targets/target.h | $(OUTPUT)/targets
	$(call msg,CXX,$@)
	$(Q)$(CXX) -O2 -g -Wall -Wextra $< -o $@

$(OUTPUT)/targets/%: tests/targets/%.c tests/targets/target.h | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) $< -o $@

$(OUTPUT)/targets/grow-nopie: tests/targets/grow.c tests/targets/target.h | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fno-pie -no-pie $< -o $@

$(OUTPUT)/targets/grow-cet: tests/targets/grow.c tests/targets/target.h | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fcf-protection=full $< -o $@

$(OUTPUT)/targets/grow-stripped: $(OUTPUT)/targets/grow
	$(call msg,STRIP,$@)
	$(Q)$(STRIP) -o $@ $<

# The library search (tests/integ/runpath.sh): two copies of libmtgrow.so that
# grow by different amounts (a/: 1x, b/: 3x), and libuser linked against it
# with DT_RUNPATH=$ORIGIN/a, with DT_RPATH=$ORIGIN/a, or with no path at all.
LIBSEARCH := $(OUTPUT)/targets/libsearch
LIBSEARCH_LIBS := $(LIBSEARCH)/a/libmtgrow.so $(LIBSEARCH)/b/libmtgrow.so
LIBSEARCH_BINS := $(addprefix $(LIBSEARCH)/,use-runpath use-rpath use-plain)
targets: $(LIBSEARCH_LIBS) $(LIBSEARCH_BINS)

$(LIBSEARCH_LIBS): $(LIBSEARCH)/%/libmtgrow.so: tests/targets/libsearch/libmtgrow.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -fPIC -shared -Wl,-soname,libmtgrow.so \
		-DMT_LIB_SCALE=$(if $(filter a,$*),1,3) $< -o $@

LIBSEARCH_LINK = $(CC) $(TARGET_CFLAGS) $< -o $@ -L$(LIBSEARCH)/a -lmtgrow
$(LIBSEARCH_BINS): tests/targets/libsearch/libuser.c tests/targets/target.h $(LIBSEARCH)/a/libmtgrow.so
	$(call msg,CC,$@)
	$(Q)$(LIBSEARCH_LINK) $(LIBSEARCH_PATH_$(notdir $@))
LIBSEARCH_PATH_use-runpath := -Wl,--enable-new-dtags,-rpath,'$$ORIGIN/a'
LIBSEARCH_PATH_use-rpath := -Wl,--disable-new-dtags,-rpath,'$$ORIGIN/a'
