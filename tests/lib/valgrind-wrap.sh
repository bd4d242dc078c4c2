#!/usr/bin/env bash
# valgrind-wrap.sh VALGRIND [--OPTION...] PROGRAM [ARG...]
#
# The exe_wrapper of the 'valgrind' test setup (root meson.build).  A C
# test program runs under memcheck.  A test that is a script (python3,
# bash, a #! file) runs as it is: valgrind would check the interpreter, and
# cannot follow into the reloadd it starts without also following every
# compiler and native program on the way.  Instead RELOAD_VALGRIND holds the
# valgrind command line, and the scripts prefix their reloadd runs with it
# (and only those), so that memcheck checks reloadd and the program it links
# in memory.  A script skips (exit 77, with the reason) what cannot work
# under memcheck.
set -u
vg=$1
shift
opts=()
while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
	opts+=("$1")
	shift
done
[ $# -gt 0 ] || { echo "valgrind-wrap: no program" >&2; exit 2; }
export RELOAD_VALGRIND="$vg ${opts[*]}"
prog=$1
case ${prog##*/} in
python*|bash|sh|dash|perl*)
	exec "$@" ;;
esac
if [ -f "$prog" ] && [ "$(head -c 2 "$prog" 2>/dev/null)" = '#!' ]; then
	exec "$@"
fi
exec "$vg" "${opts[@]}" "$@"
