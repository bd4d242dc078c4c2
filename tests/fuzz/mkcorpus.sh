#!/usr/bin/env bash
# Regenerate the seed corpora in tests/fuzz/corpus/ from seeds/*.c and
# tests/elf's seed sources, with the gcc and clang of this machine, and copy
# in tests/elf/corpus/ (the malformed-input regressions).
#
#   tests/fuzz/mkcorpus.sh
#
# The files are committed; run this only to change the seeds.  Inputs that
# the fuzzers found and that add coverage are merged in by hand with
# `fuzz_TARGET -merge=1 corpus/TARGET NEW_DIR` (see README.md).
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
elf=$here/../elf
out=$here/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$out/fuzz_object" "$out/fuzz_object_pair" "$out/fuzz_archive" \
	"$out/fuzz_describe"

# obj NAME COMPILER FLAGS... SOURCE: compile into $tmp/NAME.o
obj() {
	local name=$1 compiler=$2
	shift 2
	"$compiler" -c -std=gnu11 -w "$@" -o "$tmp/$name.o"
}

s=$here/seeds
obj gcc-O2-pic-hello gcc -O2 -fPIC "$s/hello.c"
obj clang-O0-pie-hello clang -O0 -fPIE "$s/hello.c"
obj gcc-O0-nopic-hello gcc -O0 -fno-pic "$s/hello.c"
obj gcc-g-pie-hello gcc -O1 -g -fPIE "$s/hello.c"
obj gcc-O2-pic-tls gcc -O2 -fPIC "$s/tls.c"
obj clang-O2-pie-tls clang -O2 -fPIE "$s/tls.c"
obj gcc-O2-pic-ctor gcc -O2 -fPIC "$s/ctor.c"
obj clang-O2-pic-ctor clang -O2 -fPIC "$s/ctor.c"
obj gcc-O2-sections-ctor gcc -O2 -fPIE -ffunction-sections -fdata-sections "$s/ctor.c"
obj gcc-O2-common-weak gcc -O2 -fPIC -fcommon "$s/weak.c"
obj clang-O2-pie-weak clang -O2 -fPIE "$s/weak.c"
obj gcc-O2-pic-pair_a gcc -O2 -fPIC "$s/pair_a.c"
obj clang-O2-pie-pair_b clang -O2 -fPIE "$s/pair_b.c"
obj gcc-O2-pic-pair_b gcc -O2 -fPIC "$s/pair_b.c"
obj gcc-O2-seed_a gcc -O2 "$elf/seed_a.c"
obj clang-O2-seed_a clang -O2 "$elf/seed_a.c"
obj gcc-O2-seed_b gcc -O2 "$elf/seed_b.c"
obj clang-g-seed_b clang -O2 -g "$elf/seed_b.c"
obj gcc-O2-seed_c gcc -O2 "$elf/seed_c.c"
obj gcc-O2-ar_m1 gcc -O2 -fPIC "$s/ar_m1.c"
obj gcc-O2-ar_m2 gcc -O2 -fPIC "$s/ar_m2.c"
obj clang-O2-ar_m1 clang -O2 -fPIE "$s/ar_m1.c"
obj clang-O2-ar_m2 clang -O2 -fPIE "$s/ar_m2.c"
obj clang-g-ctor clang -O1 -g -fPIC "$s/ctor.c"
obj gcc-g-tls gcc -O1 -g -fPIC "$s/tls.c"

# Single objects: strip the -g ones to keep the seeds small, except one of
# each compiler (debug sections carry many relocations).
for n in gcc-O2-pic-hello clang-O0-pie-hello gcc-O0-nopic-hello \
	gcc-g-pie-hello gcc-O2-pic-tls clang-O2-pie-tls gcc-O2-pic-ctor \
	clang-O2-pic-ctor gcc-O2-sections-ctor gcc-O2-common-weak \
	clang-O2-pie-weak gcc-O2-pic-pair_a clang-O2-pie-pair_b \
	gcc-O2-seed_a clang-O2-seed_a gcc-O2-seed_b clang-g-seed_b; do
	cp "$tmp/$n.o" "$out/fuzz_object/$n.o"
done
for f in "$elf"/corpus/*.o; do
	cp "$f" "$out/fuzz_object/elf-$(basename "$f")"
done

# Pairs: a 4-byte little-endian length, the first object, the second.
pair() {
	python3 - "$tmp/$1.o" "$tmp/$2.o" "$out/fuzz_object_pair/$1+$2.pair" <<'PY'
import struct, sys
a = open(sys.argv[1], 'rb').read()
b = open(sys.argv[2], 'rb').read()
open(sys.argv[3], 'wb').write(struct.pack('<I', len(a)) + a + b)
PY
}
pair gcc-O2-pic-pair_a clang-O2-pie-pair_b
pair gcc-O2-pic-pair_a gcc-O2-pic-pair_b
pair gcc-O2-pic-hello gcc-O2-pic-tls
pair clang-O2-pie-tls gcc-O2-pic-tls
pair gcc-O2-common-weak clang-O2-pie-weak
pair gcc-O2-seed_a clang-g-seed_b
pair gcc-O2-pic-ctor gcc-O2-sections-ctor
pair gcc-O2-ar_m1 gcc-O2-ar_m2

# Archives (ar rcs: with the symbol index; D: no dates, reproducible).
arc() {
	local name=$1
	shift
	rm -f "$out/fuzz_archive/$name.a"
	(cd "$tmp" && ar rcsD "$out/fuzz_archive/$name.a" "$@")
}
cp "$tmp/gcc-O2-seed_a.o" "$tmp/gcc-seed_a-long-member-name.o"
cp "$tmp/clang-g-seed_b.o" "$tmp/clang-seed_b-long-member-name.o"
arc seeds-abc gcc-seed_a-long-member-name.o clang-seed_b-long-member-name.o \
	gcc-O2-seed_c.o
arc m12-gcc gcc-O2-ar_m1.o gcc-O2-ar_m2.o
arc m21-clang clang-O2-ar_m2.o clang-O2-ar_m1.o
arc m12-mixed gcc-O2-ar_m1.o clang-O2-ar_m2.o gcc-O2-pic-hello.o
for f in "$elf"/corpus/*.a; do
	cp "$f" "$out/fuzz_archive/elf-$(basename "$f")"
done

# describe also reads corpus/fuzz_object and corpus/fuzz_archive; these
# add debug-heavy objects and an archive of them.
cp "$tmp/clang-g-ctor.o" "$tmp/gcc-g-tls.o" "$out/fuzz_describe/"
(cd "$tmp" && rm -f "$out/fuzz_describe/debug.a" &&
	ar rcsD "$out/fuzz_describe/debug.a" clang-g-ctor.o gcc-g-tls.o)
ls "$out"/* | wc -l
