#!/bin/sh
# copy-object.sh SRC DST: copy a compiled object to DST atomically (a
# temporary beside DST, then a rename), so that reloadd, watching DST,
# never reads a partly written object.
set -e
cp "$1" "$2.tmp.$$"
mv -f "$2.tmp.$$" "$2"
