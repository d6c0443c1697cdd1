#!/bin/bash
# tests/unit/test_blk_make_image.sh - examples/blk/make-image.sh never
# destroys an existing image: bad arguments (checked before anything is
# touched), a path that is not a regular file, and a tool failing half way
# (a fake mkfs.vfat first in PATH) all leave the old image byte for byte,
# and no temporary file behind; a good run replaces it.
# Usage: test_blk_make_image.sh MAKE_IMAGE_SH
set -u
MAKE=$1
FAILS=0
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sddf-make-image.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
for t in sgdisk sfdisk mkfs.ext4 mkfs.vfat; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done

check() { # DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; FAILS=$((FAILS + 1)); fi
}

img=$DIR/disk.img
echo "an existing image" >"$img"
sum=$(sha256sum <"$img")
# entries DIR: how many files DIR holds.
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }
# unchanged N: the image is as before and the directory holds N files (no temporary left).
# shellcheck disable=SC2317 # called through check
unchanged() { [ "$(sha256sum <"$img")" = "$sum" ] && [ "$(entries "$DIR")" = "$1" ]; }

"$MAKE" "$img" bogus 2>"$DIR/err"
check "bad scheme: exit 2" test $? = 2
check "bad scheme: says so" grep -q "scheme must be mbr or gpt, not 'bogus'" "$DIR/err"
check "bad scheme: image unchanged, nothing left" unchanged 2
"$MAKE" 2>/dev/null
check "no argument: exit 2" test $? = 2
"$MAKE" "$img" gpt extra 2>/dev/null
check "extra argument: exit 2" test $? = 2
check "extra argument: image unchanged" unchanged 2
mkdir "$DIR/adir"
"$MAKE" "$DIR/adir" 2>"$DIR/err"
check "not a regular file: refused" grep -q "is not a regular file" "$DIR/err"
rmdir "$DIR/adir"

mkdir "$DIR/bin"
printf '#!/bin/sh\necho "fake mkfs.vfat fails" >&2\nexit 1\n' >"$DIR/bin/mkfs.vfat"
chmod +x "$DIR/bin/mkfs.vfat"
PATH=$DIR/bin:$PATH "$MAKE" "$img" gpt >/dev/null 2>"$DIR/err"
check "a tool failing half way: non-zero exit" test $? != 0
rm -rf "${DIR:?}/bin"
check "a tool failing half way: image unchanged, no temporary left" unchanged 2

"$MAKE" "$img" gpt >/dev/null
check "good run: exit 0" test $? = 0
check "good run: a 64 MiB GPT image replaced the file" \
    sh -c "test \$(stat -c %s '$img') = 67108864 && sgdisk -v '$img' | grep -q 'No problems found'"
check "good run: nothing left besides the image and err" test "$(entries "$DIR")" = 2
[ "$FAILS" = 0 ] && echo "all ok" || echo "$FAILS failed"
exit $((FAILS > 0))
