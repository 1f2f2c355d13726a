#!/bin/bash
# stopping while calls complete: the summary counts exactly the calls in the stream (plus any reported lost)
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
. "$(dirname "$0")/../lib.sh"
require_env

# hot_call() completes hundreds of thousands of times a second when -d ends
# tracing: calls ending between the last read of the ring and the totals
# would be in the summary but not in the stream.
start_target hot
json=$TMP/run.ndjson
run_memtrace -p "$T_PID" -f hot_call -d 1 -o "$json"
assert_rc 0 "attach hot -d 1"
alive "$T_PID" || fail "the target did not survive the trace"
mtpy "$json" "
f = fn('hot_call')
records = len(calls('hot_call'))
lost = sum(r['count'] for r in of('lost'))
if f['calls'] < 1000:
    sys.exit('only %d calls in a second: the test proves nothing' % f['calls'])
if f['calls'] != records + lost:
    sys.exit('summary counts %d calls, the stream has %d records and %d lost' % (f['calls'], records, lost))
print('ok: %d calls, %d records, %d lost' % (f['calls'], records, lost))
"
