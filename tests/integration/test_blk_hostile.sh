#!/bin/bash
# tests/integration/test_blk_hostile.sh - a hostile block client next to a
# good one.
#
# client1 (pd_blk_hostile) reuses request ids while they are in flight,
# sends block numbers near 2^64, ranges that wrap, bad offsets, bad codes
# and count 0, floods its queue, then corrupts its queue indices and sends
# a burst of signals. client0 (blk_client built with ROUNDS=300) meanwhile
# writes, reads back behind a barrier and checks its partition 300 times.
# Expected: every abuse answered as the protocol says, client0 gets correct
# data throughout, nothing crashes, and the image changed only where client0
# wrote.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

for p in pd_blk_hostile blk_client_long; do
    [ -x "$BUILD/tests/integration/$p" ] || fatal "$BUILD/tests/integration/$p is not built"
    ln -s "$BUILD/tests/integration/$p" "$WORK/$p"
done
img=$WORK/disk.img
log=$WORK/hostile.log
"$MAKE_IMAGE" "$img" gpt >/dev/null || fatal "cannot make the image"
cp "$img" "$WORK/disk.orig"
blk_system "$WORK/hostile.system" "$img" blk_client_long pd_blk_hostile
blk_start "$WORK/hostile.system" "$log"
wait_lines "$log" '^\[client0\] done|^\[client1\] hostile: corrupt done' 2 90 ||
    fatal "the clients did not finish in 90 s"
sleep 0.5
blk_stop "$log" "hostile"
check "reused ids: every response came back with its id" grep -q '^\[client1\] hostile: ids ok (8 responses)' "$log"
check "bad blocks, ranges, offsets, codes: all INVALID_PARAM" grep -q '^\[client1\] hostile: bounds ok (12 responses)' "$log"
check "the flood ran" grep -q '^\[client1\] hostile: flood ok (200 rounds' "$log"
check "client0 read back correct data every round" \
    grep -q '^\[client0\] wrote 16 blocks .*round 299), read them back behind a barrier: match; flushed' "$log"
check "client0 done ok" grep -q '^\[client0\] done ok' "$log"
inv=$(stat_value "$log" blk0_virt invalid)
check "the virtualiser counted the invalid requests ($inv)" test "${inv:-0}" -ge 12
check "image changed only where client0 wrote" \
    python3 "$BLK_IMAGE_PY" verify "$WORK/disk.orig" "$img" "$log"
echo "---- $(stats_line "$log" blk0_virt)"
echo "---- $(stats_line "$log" blk0_driver)"
test_done
