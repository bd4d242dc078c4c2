#!/usr/bin/env bash
# valgrind-wrap.sh VALGRIND [--OPTION...] PROGRAM [ARG...]
#
# The exe_wrapper of the 'valgrind' test setup (root meson.build).  A C
# test program runs under memcheck.  A test that is a script (python3,
# bash, a #! file) is skipped (exit 77) with the reason: valgrind would
# check the interpreter, and cannot follow into the reloadd it starts
# without also following every compiler and native program on the way.
# RELOAD_VALGRIND holds the valgrind command line, for scripts that want to
# prefix their reloadd runs with it.
set -u
vg=$1
shift
opts=()
while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
	opts+=("$1")
	shift
done
[ $# -gt 0 ] || { echo "valgrind-wrap: no program" >&2; exit 2; }
prog=$1
case ${prog##*/} in
python*|bash|sh|dash|perl*)
	echo "SKIP: under valgrind: test is a ${prog##*/} script; valgrind would check the interpreter, not reload" >&2
	exit 77 ;;
esac
if [ -f "$prog" ] && [ "$(head -c 2 "$prog" 2>/dev/null)" = '#!' ]; then
	echo "SKIP: under valgrind: ${prog##*/} is a script; valgrind would check the interpreter, not reload" >&2
	exit 77
fi
export RELOAD_VALGRIND="$vg ${opts[*]}"
exec "$vg" "${opts[@]}" "$@"
