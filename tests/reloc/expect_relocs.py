#!/usr/bin/env python3
"""expect_relocs.py READELF OBJECT TYPE...

Fail unless every relocation TYPE (e.g. R_X86_64_PC8) appears in OBJECT's
relocation sections as readelf lists them.  Guards the relocation tests
against gas choosing a different relocation than the case is about.
"""
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    readelf, obj, want = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = subprocess.run([readelf, '-rW', obj], check=True,
                         capture_output=True, text=True).stdout
    seen = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2].startswith('R_X86_64_'):
            seen[fields[2]] = seen.get(fields[2], 0) + 1
    print('%s: %s' % (obj, ', '.join('%s x%d' % kv for kv in sorted(seen.items()))))
    missing = [t for t in want if t not in seen]
    if missing:
        print('missing relocation types: %s' % ' '.join(missing))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
