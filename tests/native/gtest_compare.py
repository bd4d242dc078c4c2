#!/usr/bin/env python3
"""gtest_compare.py RELOADD NAME NATIVE OBJECT... - one of GoogleTest's or
GoogleMock's own test programs, linked natively and hosted by reloadd.

Both runs must end with the same exit status and the same sets of passed,
failed and skipped tests (timings differ, so the text is not compared).
The programs read their own name (GetCurrentExecutableName) and run
themselves again for death tests, so each run happens in a directory of
its own where the program is called NAME: the native executable is copied
there as NAME, and the first object as NAME.o, from which reloadd names
the program's argv[0].  A missing file is an error (exit 99), not a pass.

Under the valgrind setup RELOAD_VALGRIND holds the valgrind command line,
and reloadd runs under it.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

RESULT = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+)(?: \(\d+ ms\))?$")
TOTAL = re.compile(r"^\[==========\] (\d+) tests? from (\d+) test suites? ran")


def outcome(text):
    """Each test's result, and the total line's counts."""
    res = {}
    for line in text.splitlines():
        m = RESULT.match(line)
        if m and "," not in m.group(2):
            res.setdefault(m.group(2), m.group(1))
    total = [(int(m.group(1)), int(m.group(2)))
             for m in map(TOTAL.match, text.splitlines()) if m]
    return res, total[-1] if total else None


def run(cmd, cwd):
    env = dict(os.environ)
    # The programs' own environment checks must see what a user's shell has.
    for k in ("GTEST_OUTPUT", "GTEST_FILTER", "GTEST_SHUFFLE"):
        env.pop(k, None)
    # Under the asan setup LeakSanitizer watches reloadd's process, and with
    # it the hosted program's own leaks, which GoogleTest and its tests have
    # on purpose (and report in death tests' children, which must be
    # silent).  Natively nobody looks: neither here.
    if env.get("RELOAD_TEST_SETUP") == "asan":
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    p = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=600)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 99
    reloadd, name, native = sys.argv[1:4]
    objs = [os.path.abspath(o) for o in sys.argv[4:]]
    reloadd, native = os.path.abspath(reloadd), os.path.abspath(native)
    for f in [reloadd, native] + objs:
        if not os.path.exists(f):
            print("gtest_compare: missing: " + f)
            return 99
    top = tempfile.mkdtemp(prefix="reload-gtest.")
    try:
        nd, hd = os.path.join(top, "native"), os.path.join(top, "hosted")
        os.mkdir(nd)
        os.mkdir(hd)
        exe = os.path.join(nd, name)
        shutil.copy(native, exe)
        first = os.path.join(hd, name + ".o")
        shutil.copy(objs[0], first)
        libs = ["-lstdc++"]
        vg = shlex.split(os.environ.get("RELOAD_VALGRIND", ""))
        ns, nout = run([exe], nd)
        hs, hout = run(vg + [reloadd, "run"] + libs + [first] + objs[1:], hd)
        nres, ntot = outcome(nout)
        hres, htot = outcome(hout)
        counts = {k: sum(1 for v in nres.values() if v == k)
                  for k in ("OK", "FAILED", "SKIPPED")}
        hcounts = {k: sum(1 for v in hres.values() if v == k)
                   for k in ("OK", "FAILED", "SKIPPED")}
        if ns == hs and nres == hres and ntot == htot:
            print("ok: %s: exit status %d; %s; passed %d, failed %d, "
                  "skipped %d, both ways" %
                  (name, ns, "%d tests from %d suites" % ntot if ntot else
                   "no test total", counts["OK"], counts["FAILED"],
                   counts["SKIPPED"]))
            return 0
        print("MISMATCH: %s" % name)
        print("native: exit status %d, %s, total %s" % (ns, counts, ntot))
        print("hosted: exit status %d, %s, total %s" % (hs, hcounts, htot))
        for t in sorted(set(nres) | set(hres)):
            if nres.get(t) != hres.get(t):
                print("  %s: native %s, hosted %s" %
                      (t, nres.get(t, "-"), hres.get(t, "-")))
        print("--- hosted output (last 40 lines) ---")
        print("\n".join(hout.splitlines()[-40:]))
        return 1
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
