#!/bin/bash
# C++: functions by demangled name, ABI tags optional; C++ code is refused without --cxx-noexcept (a throw through a probed frame kills the process)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env
[ -x "$TARGETS/cxx_grow" ] || skip "no C++ target ($TARGETS/cxx_grow): g++ missing when building"

# Refused by default, before the command runs: nothing in its log.
log=$(new_log cxx)
run_memtrace -f 'ns::Grower::grow' -- "$TARGETS/cxx_grow" --log "$log" 4
assert_error 1 "C++ without --cxx-noexcept"
grep -q -- '--cxx-noexcept' "$MT_ERR" || fail "the error does not name --cxx-noexcept: $(cat "$MT_ERR")"
[ ! -s "$log" ] || fail "the command ran although memtrace refused: $(cat "$log")"
ok "command not run"

# With it: the demangled qualified name, a signature, and the plain method name.
for name in 'ns::Grower::grow' 'ns::Grower::grow(int)'; do
	log=$(new_log cxx)
	json=$TMP/cxx.$SEQ.ndjson
	run_memtrace --cxx-noexcept -o "$json" -f "$name" -- "$TARGETS/cxx_grow" --log "$log" 8 4
	assert_rc 0 "--cxx-noexcept -f '$name'"
	grep -q '^caught' "$log" || fail "the target's own exception was not caught: $(cat "$log")"
	assert_calls_match "$json" "$name" "$log"
done

# A function returning std::string has an ABI tag, load_words[abi:cxx11](int):
# its plain name finds it, the tagged one too, and the tag's ':' separates nothing.
for name in 'load_words' 'load_words[abi:cxx11]' 'cxx_grow:load_words[abi:cxx11]'; do
	log=$(new_log cxx)
	json=$TMP/cxx.$SEQ.ndjson
	run_memtrace --cxx-noexcept -o "$json" -f "$name" -- "$TARGETS/cxx_grow" --log "$log" --words 8 4
	assert_rc 0 "--cxx-noexcept -f '$name'"
	assert_calls_match "$json" "$name" "$log"
done

# A misspelled C++ name: the suggestion is a name -f takes, not a mangled symbol.
run_memtrace --cxx-noexcept -f load_wrods -- "$TARGETS/cxx_grow" --log "$(new_log cxx)" --words 1 1
assert_error 1 "a misspelled C++ function"
grep -q "did you mean 'load_words'" "$MT_ERR" || fail "no plain-name suggestion: $(cat "$MT_ERR")"
exit 0
