#!/bin/sh
# compare.sh RELOADD NATIVE DRIVER SEED FRAMES OBJECT...
#
# Runs the demo game headless (SDL_VIDEODRIVER=DRIVER) twice with the same
# --seed and --frames: once natively linked (NATIVE), once hosted by
# `reloadd run -l SDL2 OBJECT...`.  Both must exit 0 and write the same
# screenshot, byte for byte, and the same state dump.  As a check that the
# comparison means something, a run with another seed must end in another
# state, and the dump must show FRAMES frames.  Under the valgrind test
# setup, `reloadd run` runs under RELOAD_VALGRIND (memcheck), and a report
# fails the run (--error-exitcode).
set -u
reloadd=$1 native=$2 driver=$3 seed=$4 frames=$5
shift 5

out=$(mktemp -d "${TMPDIR:-/tmp}/reload-demo.XXXXXX") || exit 1
keep=0
cleanup() { [ $keep -eq 1 ] || rm -rf "$out"; }
trap cleanup EXIT
fail() {
	keep=1
	echo "FAIL: $*" >&2
	echo "(outputs kept in $out)" >&2
	exit 1
}

export SDL_VIDEODRIVER="$driver"
unset DISPLAY WAYLAND_DISPLAY

"$native" --seed "$seed" --frames "$frames" --shot "$out/native.bmp" \
	--state "$out/native.state" >"$out/native.out" 2>"$out/native.err"
st=$?
[ $st -eq 0 ] || { cat "$out/native.err" >&2; fail "native demo exited with $st"; }

${RELOAD_VALGRIND-} "$reloadd" run -l SDL2 "$@" -- \
	--seed "$seed" --frames "$frames" \
	--shot "$out/hosted.bmp" --state "$out/hosted.state" \
	>"$out/hosted.out" 2>"$out/hosted.err"
st=$?
[ $st -eq 0 ] || { cat "$out/hosted.err" >&2; fail "reloadd run exited with $st"; }

grep -qx "frame $frames" "$out/native.state" ||
	fail "native state dump does not show frame $frames"
# 320x240, 24 bits: 54 header bytes + 240 rows of 960.
size=$(wc -c <"$out/native.bmp")
[ "$size" -eq 230454 ] || fail "native screenshot is $size bytes, not 230454"
cmp "$out/native.bmp" "$out/hosted.bmp" >&2 ||
	fail "screenshots differ between native and reloadd run (seed $seed, $frames frames)"
diff -u "$out/native.state" "$out/hosted.state" >&2 ||
	fail "state dumps differ between native and reloadd run"

"$native" --seed "$((seed + 1))" --frames "$frames" \
	--state "$out/other.state" >/dev/null 2>&1 ||
	fail "native demo with seed $((seed + 1)) failed"
if cmp -s "$out/native.state" "$out/other.state"; then
	fail "seeds $seed and $((seed + 1)) end in the same state: the seed has no effect"
fi
echo "same screenshot and state, native and hosted (seed $seed, $frames frames, $driver driver)"
