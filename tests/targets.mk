# Target programs for the integration tests: tests/targets/*.c -> $(OUTPUT)/targets/*.
TARGET_SRCS := $(wildcard tests/targets/*.c)
TARGET_BINS := $(patsubst tests/targets/%.c,$(OUTPUT)/targets/%,$(TARGET_SRCS))

targets: $(TARGET_BINS)

$(OUTPUT)/targets/%: tests/targets/%.c | $(OUTPUT)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -pthread $< -o $@
