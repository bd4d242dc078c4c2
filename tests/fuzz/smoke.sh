#!/usr/bin/env bash
# smoke.sh FUZZER WORKDIR RUNS SECONDS DICT CORPUS_DIR... - a bounded
# libFuzzer run (the 'fuzz' suite).
#
# The run is repeatable: a fixed seed and a fixed number of RUNS, with
# SECONDS as the bound on a slow machine, so that a failure in CI is a
# failure on every machine, not a lucky find.  Long, random runs are for
# people (see README.md).
#
# New inputs go to WORKDIR/new and crash artifacts to WORKDIR/, never into
# the source tree; the corpus directories are only read.  libFuzzer exits
# non-zero on a crash, a leak, a UBSan report, a timeout or running out of
# memory.  Its exit codes are set to 1 (libFuzzer's default for an error is
# 77, which meson would count as a skip).
set -u
fuzzer=$1 work=$2 runs=$3 secs=$4 dict=$5
shift 5
# Start from the committed corpus only, every time.
rm -rf "$work/new"
mkdir -p "$work/new" || exit 1
dirs=()
for d in "$@"; do
	[ -d "$d" ] && dirs+=("$d")
done
"$fuzzer" -seed=1 -runs="$runs" -max_total_time="$secs" -timeout=20 \
	-rss_limit_mb=2560 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-dict="$dict" -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/new" "${dirs[@]}"
rc=$?
[ $rc -eq 77 ] && rc=1
exit $rc
