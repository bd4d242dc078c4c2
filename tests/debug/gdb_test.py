#!/usr/bin/env python3
"""gdb_test.py MODE HOST V1.o V2.o V1.c V2.c HOST.c - gdb sees loaded code.

Runs HOST (gdb_host.c) under `gdb -batch -nx` with a breakpoint set by
function name, before the run, on dbg_helper: a static function of the
object HOST loads.  MODE says which kind of breakpoint:

  break   a software breakpoint (int3 written into the code), what
          `break NAME` gives; the issue's test.
  hbreak  a hardware breakpoint (debug registers, nothing written), which
          checks symbols, lines, locals and frames even where software
          breakpoints cannot be inserted.

Each stop must be in the loaded dbg_helper, at the line of its first
statement in the object's own source file (found by the markers in the
sources, not by asking reloadd), with `bt` naming the loaded caller
dbg_target and the host's call_target and main with their own files and
lines.  The first stop is version 1 (only_v1 == 10 after one `next`); after
HOST reloads the object, the same breakpoint stops in version 2, at its
own line, where only_v2 == 15.  Exit 0 pass, 1 fail, 77 skip.
"""
import os
import re
import shutil
import subprocess
import sys


def marker_line(path, marker):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    raise SystemExit("FAIL: no line of %s contains %r" % (path, marker))


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def main():
    if len(sys.argv) != 8 or sys.argv[1] not in ("break", "hbreak"):
        print(__doc__)
        return 2
    mode, host, v1o, v2o, v1c, v2c, hostc = sys.argv[1:]
    gdb = shutil.which("gdb")
    if not gdb:
        skip("gdb is not installed (tests/run installs it through "
             "tests/lib/deps.sh)")
    if os.environ.get("RELOAD_TEST_SETUP") == "valgrind":
        skip("under valgrind: gdb cannot debug a program under valgrind")

    want = {
        1: {"src": os.path.basename(v1c), "break": marker_line(v1c, "V1 BREAK"),
            "call": marker_line(v1c, "V1 CALL"),
            "main": marker_line(hostc, "MAIN V1"), "var": "only_v1",
            "value": 10},
        2: {"src": os.path.basename(v2c), "break": marker_line(v2c, "V2 BREAK"),
            "call": marker_line(v2c, "V2 CALL"),
            "main": marker_line(hostc, "MAIN V2"), "var": "only_v2",
            "value": 15},
    }
    host_call = marker_line(hostc, "HOST CALL")
    hostsrc = os.path.basename(hostc)

    cmds = ["set pagination off", "set confirm off", "set width 0",
            "set breakpoint pending on", "set print frame-arguments scalars",
            "%s dbg_helper" % mode, "run"]
    for v in (1, 2):
        cmds += ["echo @@STOP%d\\n" % v, "frame", "echo @@BT\\n", "bt",
                 "echo @@LOCALS\\n", "info locals", "next",
                 "echo @@VALUE\\n", "print %s" % want[v]["var"],
                 "echo @@END\\n", "continue"]
    cmds += ["echo @@DONE\\n"]
    args = [gdb, "-batch", "-nx"]
    for c in cmds:
        args += ["-ex", c]
    args += ["--args", host, v1o, v2o]
    env = dict(os.environ, LC_ALL="C")
    # LeakSanitizer stops itself with ptrace, which gdb already holds.
    if env.get("ASAN_OPTIONS"):
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    try:
        r = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60,
                           env=env)
    except subprocess.TimeoutExpired:
        print("FAIL: gdb did not finish in 60 s")
        return 1
    out = r.stdout
    if re.search(r"ptrace: Operation not permitted|Could not trace the "
                 r"inferior|Couldn't get registers", out):
        skip("gdb cannot trace processes here (ptrace is not permitted)")
    if mode == "hbreak" and re.search(r"Could not insert hardware "
                                      r"breakpoint|Hardware breakpoints used "
                                      r"exceeds", out):
        skip("this machine (or VM) gives gdb no hardware breakpoints")

    problems = []
    if "v1 result 11" not in out or "v2 result 16" not in out:
        problems.append("the program did not print both results")
    if not re.search(r"\[Inferior 1 \(process \d+\) exited normally\]", out):
        problems.append("the program did not exit normally under gdb")

    stops = re.findall(r"@@STOP(\d)\n(.*?)@@BT\n(.*?)@@LOCALS\n(.*?)"
                       r"@@VALUE\n(.*?)@@END", out, re.S)
    # Only the stops where there was a frame to show.
    got = {int(s[0]): s[1:] for s in stops if re.search(r"^#0 ", s[1], re.M)}
    for v in (1, 2):
        w = want[v]
        if v not in got:
            problems.append("gdb did not stop at dbg_helper in version %d"
                            % v)
            continue
        frame, bt, locals_, value = got[v]
        if not re.search(r"^#0\s+dbg_helper \(x=5\) at \S*%s:%d$"
                         % (re.escape(w["src"]), w["break"]), frame, re.M):
            problems.append("v%d: the stop is not dbg_helper (x=5) at %s:%d:"
                            "\n%s" % (v, w["src"], w["break"], frame))
        frames = [l for l in bt.splitlines() if l.startswith("#")]
        expect = [
            (r"dbg_helper \(x=5\)", w["src"], w["break"]),
            (r"dbg_target \(x=5\)", w["src"], w["call"]),
            (r"call_target \(ctx=0x[0-9a-f]+, x=5\)", hostsrc, host_call),
            (r"main \(argc=3, argv=0x[0-9a-f]+\)", hostsrc, w["main"]),
        ]
        for i, (fn, src, line) in enumerate(expect):
            pat = (r"^#%d\s+(0x[0-9a-f]+ in )?%s at \S*%s:%d$"
                   % (i, fn, re.escape(src), line))
            if i >= len(frames) or not re.match(pat, frames[i]):
                problems.append("v%d: frame #%d should be %s at %s:%d; bt "
                                "is:\n%s" % (v, i, fn.replace("\\", ""), src,
                                             line, bt))
                break
        if not re.search(r"^%s = " % w["var"], locals_, re.M):
            problems.append("v%d: `info locals` does not list %s:\n%s"
                            % (v, w["var"], locals_))
        if not re.search(r"^\$\d+ = %d$" % w["value"], value, re.M):
            problems.append("v%d: after `next`, %s should be %d:\n%s"
                            % (v, w["var"], w["value"], value))
    if problems:
        print("FAIL (%s dbg_helper):\n- %s" % (mode, "\n- ".join(problems)))
        if 1 not in got and mode == "break":
            print(diagnose(gdb, host, v1o, v2o))
        print("--- gdb output ---\n" + out)
        return 1
    print("PASS: %s dbg_helper stopped in v1 at %s:%d and in v2 at %s:%d"
          % (mode, want[1]["src"], want[1]["break"], want[2]["src"],
             want[2]["break"]))
    return 0


def diagnose(gdb, host, v1o, v2o):
    """Why a software breakpoint did not stop: can gdb write the code?"""
    cmds = ["set pagination off", "set confirm off", "break call_target",
            "run", "echo @@WRITE\\n",
            "set var *(unsigned char *)dbg_helper = "
            "*(unsigned char *)dbg_helper",
            "echo @@MAPS\\n", "info proc mappings", "kill"]
    args = [gdb, "-batch", "-nx"]
    for c in cmds:
        args += ["-ex", c]
    args += ["--args", host, v1o, v2o]
    env = dict(os.environ, LC_ALL="C")
    if env.get("ASAN_OPTIONS"):
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60, env=env)
    m = re.search(r"@@WRITE\n(.*?)@@MAPS\n(.*)", r.stdout, re.S)
    if not m:
        return "(diagnosis: gdb did not stop in call_target)"
    write = m.group(1).strip() or "no error"
    arena = [l.strip() for l in m.group(2).splitlines() if "reload" in l]
    return ("diagnosis: writing one byte of dbg_helper's code from gdb gives: "
            "%s\n  the arena's mappings:\n    %s"
            % (write, "\n    ".join(arena[:6])))


if __name__ == "__main__":
    sys.exit(main())
