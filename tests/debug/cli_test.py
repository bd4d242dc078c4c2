#!/usr/bin/env python3
"""cli_test.py CASE - reloadd keeps the perf map, and `reloadd status`
lists each object's versions with what each changed, its stale-code hits
and its rollbacks.

Each case runs the real reloadd (RELOADD) in a private temporary directory
on objects meson built (DEBUG_OBJS), with sources in DEBUG_SRC:

  run_perfmap      `reloadd run --keep-perf-map` keeps /tmp/perf-<pid>.map
                   (the program's pid is reloadd's), naming main and
                   lib_value with the sizes `nm -S` gives, and leaves it
                   after exit; plain `run` removes it at exit, but not one
                   an earlier process with its pid left and it never
                   wrote; `run --no-perf-map`, RELOADD_PERF_MAP=0 and
                   `check` write none.
  watch_perfmap    `reloadd run --watch`: a reload adds the new version's
                   functions to the map and keeps the old one's; the map
                   is removed at exit.
  daemon_status    The daemon ([reload] perf_map = keep) keeps the map,
                   also after exit; after a reload and a crash
                   rolled back by [reload] guard, `reloadd status` (text
                   and --json) lists each version with the functions it
                   changed, added and removed, its state, stale-code hits
                   and the rollbacks; the crash report names the crashing
                   line.
  daemon_no_perfmap  [reload] perf_map = false: no map.

Under the valgrind test setup (tests/lib/valgrind-wrap.sh) every reloadd
runs under memcheck: RELOAD_VALGRIND is the valgrind command line.  Its
reports go to files that main() requires to be empty, waits are SLOW times
longer, and daemon_status leaves out the crash (memcheck reports the
deliberate fault as an error).

Exit status 0 pass, 1 fail (with the reason and reloadd's output), 77 skip.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

RELOADD = os.environ["RELOADD"]
OBJS = os.environ["DEBUG_OBJS"]
SRC = os.environ["DEBUG_SRC"]
NM = os.environ.get("NM", "nm")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from memcheck import SLOW, VALGRIND, take_reports  # noqa: E402


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def obj(name):
    return os.path.join(OBJS, name + ".o")


def copy_obj(name, dest):
    """Replace dest atomically, as `cc -o tmp && mv tmp dest` does."""
    tmp = dest + ".tmp"
    shutil.copyfile(obj(name), tmp)
    os.rename(tmp, dest)


def marker_line(path, marker):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if marker in line:
                return n
    raise Fail("no line of %s contains %r" % (path, marker))


def env(**more):
    e = dict(os.environ, NO_COLOR="1", LC_ALL="C")
    e.pop("XDG_RUNTIME_DIR", None)  # the socket goes beside the config
    e.pop("RELOADD_PERF_MAP", None)  # the default is under test
    e.update(more)
    return e


def map_path(pid):
    return "/tmp/perf-%d.map" % pid


MAPS = []  # maps to remove at the end


def read_map(pid, ws):
    """{(name, object, version): (start, size)} of the entries of
    /tmp/perf-PID.map that name objects under ws.  (Only those: /tmp may
    hold a map an earlier process with the same pid left, which is
    perfmap-stale-file's business, not this test's.)"""
    path = map_path(pid)
    check(os.path.exists(path), "%s does not exist" % path)
    out = {}
    with open(path) as f:
        for line in f:
            if ws + "/" not in line:
                continue
            m = re.match(r"^([0-9a-f]+) ([0-9a-f]+) (\S+) \((.+) v(\d+)\)$",
                         line.rstrip("\n"))
            check(m, "%s: malformed line %r" % (path, line))
            key = (m.group(3), m.group(4), int(m.group(5)))
            check(key not in out, "%s: %r twice" % (path, key))
            out[key] = (int(m.group(1), 16), int(m.group(2), 16))
    return out


def check_no_map(pid, since, what):
    """No map written by process pid since `since` (a map an earlier
    process with that pid left may be there)."""
    path = map_path(pid)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    check(st.st_mtime < since, "%s, but %s was written" % (what, path))


def start_time():
    """A time before which nothing a process started now writes can be
    stamped, file systems' coarse clocks included."""
    t = time.time()
    time.sleep(0.05)
    return t


def nm_sizes(path):
    """{name: size} of the text symbols `nm -S` lists in path."""
    r = subprocess.run([NM, "-S", "--defined-only", path],
                       stdout=subprocess.PIPE, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in ("t", "T"):
            out[f[3]] = int(f[1], 16)
    return out


def check_functions(m, objname, key, version):
    """Every text symbol of objname is in map m as KEY vVERSION, with nm's
    size, and nothing else of that version is."""
    want = nm_sizes(obj(objname))
    got = {k[0]: v for k, v in m.items() if k[1] == key and k[2] == version}
    check(sorted(got) == sorted(want),
          "map entries of %s v%d: %s; nm -S of %s.o: %s"
          % (key, version, sorted(got), objname, sorted(want)))
    for name, size in want.items():
        check(got[name][1] == size, "%s (%s v%d): size %#x in the map, %#x "
              "by nm -S" % (name, key, version, got[name][1], size))


class Proc:
    """reloadd with its output lines collected as they come."""

    def __init__(self, args, cwd):
        self.p = subprocess.Popen(VALGRIND + [RELOADD] + args, cwd=cwd,
                                  env=env(),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  bufsize=1)
        self.out, self.err = [], []
        self.cv = threading.Condition()
        for stream, lines in ((self.p.stdout, self.out),
                              (self.p.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines),
                             daemon=True).start()

    def _pump(self, stream, lines):
        for line in stream:
            with self.cv:
                lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait_for(self, which, pattern, timeout=10):
        lines = self.out if which == "out" else self.err
        rx = re.compile(pattern)
        timeout *= SLOW
        end = time.time() + timeout
        with self.cv:
            while True:
                for line in lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.time()
                if left <= 0:
                    raise Fail("no %s line matching %r in %d s"
                               % (which, pattern, timeout))
                self.cv.wait(left)

    def count(self, which, pattern):
        lines = self.out if which == "out" else self.err
        with self.cv:
            return sum(1 for l in lines if re.search(pattern, l))

    def wait_exit(self, timeout=10):
        timeout *= SLOW
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Fail("reloadd did not exit in %d s" % timeout)

    def text(self):
        with self.cv:
            return ("--- stdout ---\n%s\n--- stderr ---\n%s"
                    % ("\n".join(self.out), "\n".join(self.err)))


RUNNING = []


def start(args, cwd):
    p = Proc(args, cwd)
    RUNNING.append(p)
    return p


def reloadd(args, cwd):
    return subprocess.run(VALGRIND + [RELOADD] + args, cwd=cwd, env=env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=30 * SLOW)


# ---- cases ------------------------------------------------------------------

def t_run_perfmap(ws):
    main, lib = os.path.join(ws, "main.o"), os.path.join(ws, "lib.o")
    shutil.copyfile(obj("cli_main"), main)
    shutil.copyfile(obj("cli_lib_stop"), lib)
    # Absolute paths: the map names objects as they were given.
    r = reloadd(["run", "--keep-perf-map", main, lib], ws)
    check(r.returncode == 0, "run: exit status %d: %s" % (r.returncode,
                                                          r.stderr))
    pid = int(re.match(r"pid (\d+)", r.stdout).group(1))
    MAPS.append(pid)
    m = read_map(pid, ws)  # after exit: still there
    check_functions(m, "cli_main", main, 1)
    check_functions(m, "cli_lib_stop", lib, 1)
    check(len(m) == len(nm_sizes(obj("cli_main"))) +
          len(nm_sizes(obj("cli_lib_stop"))), "extra entries: %r" % m)
    os.unlink(map_path(pid))

    # Without --keep-perf-map it is gone after exit.  So is a map an
    # earlier process with the same pid left (the same pid: it is written
    # just before reloadd is exec'd), which the core starts afresh; but
    # when reloadd writes none, such a map is not its to remove.
    def stale_map():
        with open(map_path(os.getpid()), "w") as f:
            f.write("1000 10 left_by_another_process\n")

    for args, left in (([], False), (["--no-perf-map"], True)):
        p = subprocess.Popen(VALGRIND + [RELOADD, "run"] + args + [main, lib],
                             cwd=ws, env=env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=stale_map)
        MAPS.append(p.pid)
        out, err = p.communicate(timeout=30 * SLOW)
        check(p.returncode == 0, "run %s: exit status %d: %s"
              % (" ".join(args), p.returncode, err))
        check(out.startswith("pid %d\n" % p.pid), out)
        check(os.path.exists(map_path(p.pid)) == left,
              "run %s: %s is %s after exit" % (
                  " ".join(args), map_path(p.pid),
                  "gone" if left else "still there"))
        if left:
            check(open(map_path(p.pid)).read() ==
                  "1000 10 left_by_another_process\n",
                  "the other process's map was changed")

    for how, args, more in (("run --no-perf-map", ["--no-perf-map"], {}),
                            ("RELOADD_PERF_MAP=0", [],
                             {"RELOADD_PERF_MAP": "0"})):
        since = start_time()
        r = subprocess.run(VALGRIND + [RELOADD, "run"] + args + [main, lib],
                           cwd=ws, env=env(**more), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=30 * SLOW)
        check(r.returncode == 0, "%s: exit status %d: %s"
              % (how, r.returncode, r.stderr))
        pid = int(re.match(r"pid (\d+)", r.stdout).group(1))
        check_no_map(pid, since, how)

    since = start_time()
    p = subprocess.Popen(VALGRIND + [RELOADD, "check", main, lib], cwd=ws,
                         env=env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    _, err = p.communicate(timeout=30 * SLOW)
    check(p.returncode == 0, "check: exit status %d: %s" % (p.returncode,
                                                            err))
    check_no_map(p.pid, since, "check")


def t_watch_perfmap(ws):
    shutil.copyfile(obj("cli_main"), os.path.join(ws, "main.o"))
    lib = os.path.join(ws, "lib.o")
    shutil.copyfile(obj("cli_lib_v1"), lib)
    d = start(["run", "--watch", "main.o", "lib.o"], ws)
    pid = int(d.wait_for("out", r"^pid (\d+)").group(1))
    MAPS.append(pid)
    d.wait_for("out", r"^value 1$")
    m = read_map(pid, ws)
    check_functions(m, "cli_lib_v1", lib, 1)
    check_functions(m, "cli_main", os.path.join(ws, "main.o"), 1)
    copy_obj("cli_lib_v2", lib)
    d.wait_for("out", r"^value 2$")
    m = read_map(pid, ws)
    check_functions(m, "cli_lib_v2", lib, 2)
    check_functions(m, "cli_lib_v1", lib, 1)  # still mapped
    copy_obj("cli_lib_stop", lib)
    d.wait_for("out", r"^value 99$")
    check(d.wait_exit() == 0, "exit status")
    check(not os.path.exists(map_path(pid)), "the map is still there after "
          "exit")


def write_config(ws, extra=""):
    with open(os.path.join(ws, "app.ini"), "w") as f:
        f.write("[program]\nobjects = main.o lib.o\n[watch]\nobjects = lib.o\n"
                "[log]\ncolor = never\n" + extra)


def status(ws, *more):
    r = reloadd(["status", "app.ini"] + list(more), ws)
    check(r.returncode == 0, "status: exit status %d: %s" % (r.returncode,
                                                             r.stderr))
    return r.stdout


def t_daemon_status(ws):
    shutil.copyfile(obj("cli_main"), os.path.join(ws, "main.o"))
    lib = os.path.join(ws, "lib.o")
    shutil.copyfile(obj("cli_lib_v1"), lib)
    write_config(ws, "[reload]\nguard = true\nperf_map = keep\n")
    d = start(["app.ini"], ws)
    d.wait_for("out", r"^value 1$")
    MAPS.append(d.p.pid)
    m = read_map(d.p.pid, ws)
    check_functions(m, "cli_lib_v1", lib, 1)

    st = status(ws)
    check(re.search(r"^  lib\.o v1\n  main\.o v1\n", st, re.M),
          "status before any reload:\n" + st)

    copy_obj("cli_lib_v2", lib)
    d.wait_for("out", r"^value 2$")
    check_functions(read_map(d.p.pid, ws), "cli_lib_v2", lib, 2)
    st = status(ws)
    check(re.search(r"^  lib\.o v2 \(older: [01] mapped, [01] retired, 0 "
                    r"rolled back\)\n"
                    r"    v2 current: changed lib_value; added lib_new; "
                    r"removed lib_old\n"
                    r"    v1 (old|retired): 2 functions loaded\n"
                    r"  main\.o v1\n", st, re.M),
          "status after a reload:\n" + st)
    js = json.loads(status(ws, "--json"))
    objs = {o["path"]: o for o in js["objects"]}
    o = objs[lib]
    vers = {v["version"]: v for v in o["versions"]}
    check(sorted(vers) == [1, 2], "versions of lib.o: %r" % o)
    check((vers[2]["state"], vers[2]["changed_functions"],
           vers[2]["added_functions"], vers[2]["removed_functions"]) ==
          ("current", ["lib_value"], ["lib_new"], ["lib_old"]),
          "v2 of lib.o: %r" % vers[2])
    check(sorted(vers[1]["added_functions"]) == ["lib_old", "lib_value"] and
          vers[1]["changed_functions"] == [] and
          vers[1]["removed_functions"] == [], "v1 of lib.o: %r" % vers[1])
    check(o["rollbacks"] == 0 and isinstance(o["stale_hits"], int) and
          all(isinstance(v["stale_hits"], int) for v in o["versions"]),
          "lib.o: %r" % o)
    main = objs[os.path.join(ws, "main.o")]
    check([v["version"] for v in main["versions"]] == [1] and
          main["versions"][0]["added_functions"] == ["main"],
          "main.o: %r" % main)

    if VALGRIND:
        print("SKIP (part): under valgrind: the crash in v3 and the rollback "
              "(memcheck reports the deliberate fault as an error)")
        copy_obj("cli_lib_stop", lib)
        d.wait_for("out", r"^value 99$")
        check(d.wait_exit() == 0, "exit status")
        m = read_map(d.p.pid, ws)
        check(("lib_value", lib, 3) in m, "the last version is not in the map")
        return

    # A crash in version 3: reported with its line, rolled back.
    copy_obj("cli_lib_crash", lib)
    d.wait_for("err", r"rolled back to v2")
    crash = marker_line(os.path.join(SRC, "cli_lib_crash.c"), "CRASH HERE")
    d.wait_for("err", r"#0 lib_value\+0x[0-9a-f]+ \(%s v3\) \[\S*"
               r"cli_lib_crash\.c:%d\]$" % (re.escape(lib), crash))
    d.wait_for("err", r"#\d+ main\+0x[0-9a-f]+ \(%s v1\)"
               % re.escape(os.path.join(ws, "main.o")))
    # main is called again, with version 2.
    end = time.time() + 10 * SLOW
    while d.count("out", r"^value 2$") < 2:
        check(time.time() < end, "the program did not run v2 again")
        time.sleep(0.01)
    st = status(ws)
    check(re.search(r"^  lib\.o v2 \(older: [01] mapped, [01] retired, 1 "
                    r"rolled back\)\n"
                    r"    v3 rolled back: changed lib_value\n"
                    r"    v2 current: changed lib_value; added lib_new; "
                    r"removed lib_old\n", st, re.M),
          "status after a rollback:\n" + st)
    check(re.search(r"^reloads: 2, refused: 0, stale hits: \d+, "
                    r"rollbacks: 1$", st, re.M), "totals:\n" + st)
    js = json.loads(status(ws, "--json"))
    o = {o["path"]: o for o in js["objects"]}[lib]
    v3 = [v for v in o["versions"] if v["version"] == 3]
    check(len(v3) == 1 and v3[0]["state"] == "rolled back" and
          v3[0]["changed_functions"] == ["lib_value"] and
          v3[0]["added_functions"] == [] and
          v3[0]["removed_functions"] == [], "v3 of lib.o: %r" % v3)
    check(o["rollbacks"] == 1 and o["version"] == 2, "lib.o: %r" % o)
    check(js["rollbacks"] == 1, "rollbacks: %r" % js["rollbacks"])

    copy_obj("cli_lib_stop", lib)
    d.wait_for("out", r"^value 99$")
    check(d.wait_exit() == 0, "exit status")
    m = read_map(d.p.pid, ws)  # left for perf report
    check(("lib_value", lib, 4) in m, "the last version is not in the map")


def t_daemon_no_perfmap(ws):
    shutil.copyfile(obj("cli_main"), os.path.join(ws, "main.o"))
    lib = os.path.join(ws, "lib.o")
    shutil.copyfile(obj("cli_lib_v1"), lib)
    write_config(ws, "[reload]\nperf_map = false\n")
    since = start_time()
    d = start(["app.ini"], ws)
    d.wait_for("out", r"^value 1$")
    copy_obj("cli_lib_stop", lib)
    d.wait_for("out", r"^value 99$")
    check(d.wait_exit() == 0, "exit status")
    check_no_map(d.p.pid, since, "[reload] perf_map = false")


def main():
    cases = {k[2:]: v for k, v in globals().items() if k.startswith("t_")}
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        print("usage: cli_test.py CASE\ncases: " + " ".join(sorted(cases)))
        return 2
    if not shutil.which(NM):
        print("SKIP: nm is not installed")
        return 77
    ws = tempfile.mkdtemp(prefix="reload-debug-")  # mode 0700
    ws = os.path.realpath(ws)
    code = 0
    try:
        cases[sys.argv[1]](ws)
        print("PASS")
    except Fail as e:
        print("FAIL: %s" % e)
        for p in RUNNING:
            print(p.text())
        code = 1
    finally:
        for p in RUNNING:
            if p.p.poll() is None:
                p.p.send_signal(signal.SIGKILL)
                p.p.wait()
        for pid in MAPS:
            try:
                os.unlink(map_path(pid))
            except FileNotFoundError:
                pass
        if not os.environ.get("KEEP"):
            shutil.rmtree(ws, ignore_errors=True)
        vg = take_reports()
        if vg:
            print("FAIL: memcheck reported errors in reloadd:\n" + vg)
            code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
