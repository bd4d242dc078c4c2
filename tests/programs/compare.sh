#!/bin/sh
# compare.sh - run a natively linked program and the same objects under
# `reloadd run`, and require identical stdout, stderr and exit status.
#
# usage: compare.sh RELOADD NATIVE FILE... [-- ARG...]
#
#   RELOADD  the reloadd executable
#   NATIVE   the program linked by the compiler driver from the same FILEs
#   FILE     objects and archives, passed to `reloadd run` in this order
#   ARG      arguments given to both programs
#
# Both runs get /dev/null as stdin and the same environment.  On mismatch the
# script prints both command lines and a unified diff of each stream that
# differs, and exits 1.  A missing RELOADD or NATIVE is an error (exit 99),
# not a pass.
#
# Under the valgrind test setup RELOAD_VALGRIND holds the valgrind command
# line, and `reloadd run` runs under it (NATIVE does not): a memcheck report
# is on reloadd's stderr, so it is a mismatch.

set -u

if [ $# -lt 3 ]; then
	echo "usage: compare.sh RELOADD NATIVE FILE... [-- ARG...]" >&2
	exit 99
fi

RELOADD=$1
NATIVE=$2
shift 2

# A bare name would be looked up in PATH.
case $RELOADD in */*) ;; *) RELOADD=./$RELOADD ;; esac
case $NATIVE in */*) ;; *) NATIVE=./$NATIVE ;; esac

for f in "$RELOADD" "$NATIVE"; do
	if [ ! -x "$f" ]; then
		echo "compare.sh: not an executable: $f" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reload-compare.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM

# Runs NATIVE with the words after the first "--" of its arguments.
run_native() {
	while [ $# -gt 0 ]; do
		a=$1
		shift
		[ "$a" = "--" ] && break
	done
	"$NATIVE" "$@"
}

# Quotes its arguments for display only.
show() {
	for a; do
		printf " '%s'" "$a"
	done
	printf '\n'
}

run_native "$@" <"/dev/null" >"$tmp/native.stdout" 2>"$tmp/native.stderr"
native_status=$?

${RELOAD_VALGRIND-} "$RELOADD" run "$@" </dev/null \
	>"$tmp/reloadd.stdout" 2>"$tmp/reloadd.stderr"
reloadd_status=$?

fail=0
for s in stdout stderr; do
	if ! cmp -s "$tmp/native.$s" "$tmp/reloadd.$s"; then
		fail=1
	fi
done
[ "$native_status" -eq "$reloadd_status" ] || fail=1

if [ $fail -eq 0 ]; then
	printf 'ok: exit status %s, stdout %s lines, stderr %s lines\n' \
		"$native_status" \
		"$(wc -l <"$tmp/native.stdout" | tr -d ' ')" \
		"$(wc -l <"$tmp/native.stderr" | tr -d ' ')"
	exit 0
fi

printf 'MISMATCH between the native program and reloadd\n'
printf 'native: '
run_native_show() {
	while [ $# -gt 0 ]; do
		a=$1
		shift
		[ "$a" = "--" ] && break
	done
	show "$NATIVE" "$@"
}
run_native_show "$@"
printf 'reloadd:'
show "$RELOADD" run "$@"
if [ "$native_status" -ne "$reloadd_status" ]; then
	printf 'exit status: native %s, reloadd %s\n' \
		"$native_status" "$reloadd_status"
fi
for s in stdout stderr; do
	if ! cmp -s "$tmp/native.$s" "$tmp/reloadd.$s"; then
		printf -- '--- %s differs:\n' "$s"
		diff -u --label "native.$s" --label "reloadd.$s" \
			"$tmp/native.$s" "$tmp/reloadd.$s"
	fi
done
exit 1
