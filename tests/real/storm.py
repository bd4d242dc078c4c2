#!/usr/bin/env python3
"""storm.py - a reload storm on a real program.

    storm.py RELOADD NATIVE DRIVER.o ARCHIVE.a ROUNDS [INTERVAL_S]

The program is DRIVER.o with every member of ARCHIVE.a (Debian's own
objects), run by `reloadd CONFIG.ini -- ROUNDS`.  While its workload runs,
one member at a time is replaced, every INTERVAL_S (0.2) seconds, cycling
over all of them: with a byte-identical copy renamed into place, as a build
would, so reloadd reloads it at once.  The run passes when the hosted
program's stdout and exit status equal the native program's (NATIVE,
linked by the compiler from the same objects), reloadd logged no error,
and at least one reload per member happened... or as many as the time
allowed.  Printed at the end: runs, reloads, crashes, seconds.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

RELOAD_LINE = re.compile(r": v(\d+): functions \d+ changed")


def main():
    if len(sys.argv) < 6:
        print(__doc__)
        return 2
    reloadd, native, driver, archive, rounds = sys.argv[1:6]
    interval = float(sys.argv[6]) if len(sys.argv) > 6 else 0.2
    for f in (archive,):
        if not os.path.exists(f):
            print("skipped: %s not found" % f)
            return 77
    want = subprocess.run([native, rounds], capture_output=True, text=True)
    tmp = tempfile.mkdtemp(prefix="storm-")
    os.chmod(tmp, 0o700)
    try:
        orig = os.path.join(tmp, "orig")
        objs = os.path.join(tmp, "objs")
        os.makedirs(orig)
        os.makedirs(objs)
        subprocess.run(["ar", "x", os.path.abspath(archive)], cwd=orig,
                       check=True)
        members = sorted(m for m in os.listdir(orig) if m.endswith(".o"))
        for m in members:
            shutil.copy(os.path.join(orig, m), os.path.join(objs, m))
        shutil.copy(driver, os.path.join(tmp, "driver.o"))
        ini = os.path.join(tmp, "storm.ini")
        with open(ini, "w") as f:
            f.write("[program]\nobjects = driver.o objs/*.o\n"
                    "[reload]\nmode = immediate\n[log]\nlevel = info\n")
        t0 = time.monotonic()
        p = subprocess.Popen([reloadd, ini, "--", rounds],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        err_lines = []

        def read_err():
            for line in p.stderr:
                err_lines.append(line)

        th = threading.Thread(target=read_err)
        th.start()
        out = []
        to = threading.Thread(target=lambda: out.append(p.stdout.read()))
        to.start()
        replaced = 0
        i = 0
        time.sleep(interval)
        while p.poll() is None:
            m = members[i % len(members)]
            i += 1
            dst = os.path.join(objs, m)
            tmpf = dst + ".tmp"
            shutil.copy(os.path.join(orig, m), tmpf)
            os.rename(tmpf, dst)
            replaced += 1
            time.sleep(interval)
        p.wait()
        th.join()
        to.join()
        secs = time.monotonic() - t0
        got = out[0] if out else ""
        reloads = sum(1 for l in err_lines if RELOAD_LINE.search(l))
        errors = [l for l in err_lines if ": error:" in l or "fatal:" in l]
        crashed = p.returncode < 0 or p.returncode >= 128
        print("storm: 1 run, %d objects, %d replaced, %d reloads, %d crashes, "
              "%.1f s" % (len(members) + 1, replaced, reloads, int(crashed),
                          secs))
        ok = True
        if p.returncode != want.returncode:
            print("FAIL: exit status %d, native %d" % (p.returncode,
                                                       want.returncode))
            ok = False
        if got != want.stdout:
            print("FAIL: stdout differs from the native run's\n--- native\n%s"
                  "--- hosted\n%s" % (want.stdout[-2000:], got[-2000:]))
            ok = False
        if errors:
            print("FAIL: reloadd logged errors:\n" + "".join(errors[:20]))
            ok = False
        if replaced >= 3 and reloads == 0:
            print("FAIL: %d replacements, no reload" % replaced)
            ok = False
        if not ok:
            print("--- reloadd's log (tail)\n" + "".join(err_lines[-40:]))
            return 1
        return 0
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
