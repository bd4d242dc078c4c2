#!/usr/bin/env python3
"""soak_faults.py CASE - faults while reloadd watches a running program.

Each case runs the real `reloadd app.ini` in a private temporary directory
(mode 0700), hosting soak_host.c with lib.o (soak_lib.c, LIB_VALUE=1) as the
watched object, and then misbehaves the way disks, editors and builds do:

  deleted        lib.o deleted while watched, left gone, then restored
  dir            its directory removed and recreated (empty, then with a
                 new object; its parent too; replaced by a rename)
  build_hang     a build that hangs after writing half an object; one that
                 hangs after writing a whole one; a hang with a change
                 queued behind it (build_timeout_s = 1)
  build_hang_term  a build that hangs ignoring SIGTERM
  garbage        objects of random bytes, and valid ELF headers followed by
                 random bytes, written in place and by rename; then none of
                 their bytes may have reached reloadd's messages raw
  truncated      the object cut short at many points (a write that ran out
                 of disk) and left so past the debounce, the settle time
                 and the watcher's retries; the loaded file truncated in
                 place
  refusal_soak   100 bad objects in a row (garbage and truncations), with
                 reloadd's resident memory (/proc/PID/statm) measured

soak_host.c calls lib_tick() every 10 ms and prints "tick N value V count
C": C, a static of lib.o, must always be N + 1, so a lost or reset state
shows on any line.  Every case ends with the program still printing, its
counter intact, and a good object swapped in as usual (then the version
that ends the program, which must exit 0).

The helpers (Proc, the two ways of writing a file, Fail) are those of
tests/daemon/daemon_test.py, imported from DAEMON_SRC.  Exit status 0 is a
pass, 1 a failure with the reason and the tail of both streams, 77 a skip.
KEEP=1 keeps the temporary directory.
"""
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.environ["DAEMON_SRC"])
import daemon_test as dt  # noqa: E402

from daemon_test import Fail, Skip, check, eq, put  # noqa: E402
from daemon_test import write_inplace, write_rename  # noqa: E402

SOAK_OBJS = os.environ["SOAK_OBJS"]
TICK = re.compile(r"^tick (\d+) value (\d+) count (-?\d+)$")
REFUSED = r"lib\.o: reload refused, the running version stays: \S"
# The watcher's patience with a file that does not parse: debounce, two
# looks SETTLE apart, then up to ten tries 50 ms apart (src/update.c).  A
# bad object is refused within this; the tests wait for the refusal line
# itself and use this only as a bound.
REFUSAL_WITHIN = 8.0
# Longer than debounce_ms (20) and the settle time, and than the retries.
LEAVE = 1.2


def blob(name):
    with open(os.path.join(SOAK_OBJS, name + ".o"), "rb") as f:
        return f.read()


def setup(ws, objdir="", watch=""):
    """main.o and lib.o (value 1) with a config that runs them."""
    shutil.copy(os.path.join(SOAK_OBJS, "soak_host.o"),
                os.path.join(ws, "main.o"))
    libdir = os.path.join(ws, objdir) if objdir else ws
    os.makedirs(libdir, exist_ok=True)
    lib = os.path.join(objdir, "lib.o") if objdir else "lib.o"
    write_inplace(os.path.join(ws, lib), blob("soak_lib_1"))
    put(os.path.join(ws, "app.ini"),
        "[program]\nobjects = main.o %s\nargs = 60000\n"
        "[watch]\nobjects = %s\ndebounce_ms = 20\n%s" % (lib, lib, watch))
    return os.path.join(ws, lib)


class Daemon(dt.Proc):
    """daemon_test's Proc, reading both streams with undecodable bytes
    escaped: a garbage object's names can reach reloadd's messages, and a
    UnicodeDecodeError would silently end the thread that collects them."""

    def __init__(self, args, cwd):
        e = dict(os.environ)
        e.pop("XDG_RUNTIME_DIR", None)
        e.pop("NO_COLOR", None)
        self.args = args
        self.p = subprocess.Popen([dt.RELOADD] + args, cwd=cwd,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=e, text=True,
                                  # bytes that are not UTF-8 stay told apart
                                  # (as lone surrogates) from reloadd's own
                                  # \xNN escapes
                                  errors="surrogateescape", bufsize=1)
        dt.RUNNING.append(self)
        self.out, self.err = [], []
        self.cv = threading.Condition()
        self.threads = [
            threading.Thread(target=self._pump, args=(self.p.stdout, self.out),
                             daemon=True),
            threading.Thread(target=self._pump, args=(self.p.stderr, self.err),
                             daemon=True)]
        for t in self.threads:
            t.start()


class Host:
    """reloadd app.ini and what its program prints."""

    def __init__(self, ws):
        self.d = Daemon(["app.ini"], ws)
        self.d.wait_for("out", r"^tick \d+ value 1 count \d+$")
        self.pid = self.d.p.pid

    def ticks(self, start=0):
        with self.d.cv:
            lines = list(self.d.out[start:])
        return [(start + i, l, TICK.match(l)) for i, l in enumerate(lines)]

    def nlines(self):
        with self.d.cv:
            return len(self.d.out)

    def check_state(self):
        """Every line the program printed: the counter is the iteration
        count plus one, the ticks only go up, the program did not stop."""
        last = -1
        for i, line, m in self.ticks():
            if line.startswith("stop tick "):
                n, c = (int(x) for x in line.split()[2::2])
            elif m:
                n, c = int(m.group(1)), int(m.group(3))
            else:
                raise Fail("line %d of the program's output is not a tick: "
                           "%r\n%s" % (i + 1, line, self.d.dump()))
            if c != n + 1:
                raise Fail("lib.o's state was lost: line %d %r has count %d "
                           "at iteration %d (want %d)\n%s" %
                           (i + 1, line, c, n, n + 1, self.d.dump()))
            check(n > last, "line %d %r: the ticks went back from %d" %
                  (i + 1, line, last))
            last = n

    def alive(self, value, seconds, what):
        """The program keeps printing for `seconds`, with lib_value() still
        `value` and its state intact."""
        start = self.nlines()
        time.sleep(seconds)
        if self.d.p.poll() is not None:
            raise Fail("%s: reloadd exited with status %s\n%s" %
                       (what, self.d.p.returncode, self.d.dump()))
        new = [(i, l, m) for i, l, m in self.ticks(start) if m]
        # Twenty lines a second at most; a third of that proves it runs.
        want = max(2, int(seconds * 20 / 3))
        check(len(new) >= want, "%s: the program printed %d lines in %.1f s "
              "(want at least %d): it stopped running\n%s" %
              (what, len(new), seconds, want, self.d.dump()))
        for i, l, m in new:
            check(int(m.group(2)) == value, "%s: line %d %r: value %s, but "
                  "version %d should still run\n%s" %
                  (what, i + 1, l, m.group(2), value, self.d.dump()))
        self.check_state()

    def swapped(self, value, what, timeout=10.0):
        """A good object (lib_value() == `value`) was written: it must run,
        with the counter carried on."""
        start = self.nlines()
        self.d.wait_for("out", r"^tick \d+ value %d count \d+$" % value,
                        timeout, start)
        self.check_state()
        self.alive(value, 0.3, what)

    def refusals(self):
        return self.d.count("err", REFUSED)

    def wait_refusals(self, n, what):
        deadline = time.monotonic() + REFUSAL_WITHIN
        while self.refusals() < n:
            if time.monotonic() > deadline:
                raise Fail("%s: waited %.1f s for refusal %d (%d so far)\n%s"
                           % (what, REFUSAL_WITHIN, n, self.refusals(),
                              self.d.dump()))
            time.sleep(0.02)

    def reload_versions(self):
        return [int(m.group(2)) for m in self.d.reloads()]

    def rss(self):
        with open("/proc/%d/statm" % self.pid) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def finish(self, lib):
        write_rename(lib, blob("soak_lib_99"))
        self.d.wait_for("out", r"^stop tick \d+ count \d+$")
        eq(self.d.wait_exit(), 0, "exit status after the stopping version")
        self.check_state()
        print("program ran %d lines; reloads %r; refusals %d" %
              (self.nlines(), self.reload_versions(), self.refusals()))


# ---- (a) deleted while watched -------------------------------------------

def t_deleted(ws):
    lib = setup(ws)
    h = Host(ws)
    os.unlink(lib)
    h.alive(1, LEAVE * 2, "lib.o deleted")
    eq(h.refusals(), 0, "refusals while lib.o was gone")
    eq(h.reload_versions(), [], "reloads while lib.o was gone")
    # Restored with a new version.
    write_inplace(lib, blob("soak_lib_2"))
    h.swapped(2, "lib.o restored as version 2")
    eq(h.reload_versions(), [2], "versions reloaded")
    # Deleted and restored again within the debounce, by rename.
    os.unlink(lib)
    write_rename(lib, blob("soak_lib_3"))
    h.swapped(3, "lib.o deleted and renamed back at once")
    # Deleted and restored with what was running (version 3): the program
    # keeps running version 3 whether or not the watcher reloads it.
    os.unlink(lib)
    h.alive(3, LEAVE, "lib.o deleted again")
    write_inplace(lib, blob("soak_lib_3"))
    h.alive(3, LEAVE, "lib.o restored with the running version")
    write_inplace(lib, blob("soak_lib_2"))
    h.swapped(2, "version 2 after the deletions")
    eq(h.refusals(), 0, "refusals")
    h.finish(lib)


# ---- (b) directory removed and recreated ---------------------------------

def t_dir(ws):
    lib = setup(ws, objdir="out/obj")
    h = Host(ws)
    objdir = os.path.join(ws, "out/obj")
    shutil.rmtree(objdir)
    h.alive(1, LEAVE * 2, "out/obj removed")
    os.makedirs(objdir)
    h.alive(1, LEAVE, "out/obj recreated empty")
    write_inplace(lib, blob("soak_lib_2"))
    h.swapped(2, "a new lib.o in the recreated out/obj")
    # The parent goes too, and comes back level by level.
    shutil.rmtree(os.path.join(ws, "out"))
    h.alive(2, LEAVE, "out removed")
    os.makedirs(os.path.join(ws, "out"))
    h.alive(2, 0.5, "out recreated")
    os.makedirs(objdir)
    h.alive(2, 0.5, "out/obj recreated")
    write_rename(lib, blob("soak_lib_3"))
    h.swapped(3, "a new lib.o after out and out/obj were recreated")
    # Replaced in one rename by a directory that already holds lib.o.
    nxt = os.path.join(ws, "out/next")
    os.makedirs(nxt)
    write_inplace(os.path.join(nxt, "lib.o"), blob("soak_lib_1"))
    shutil.rmtree(objdir)
    os.rename(nxt, objdir)
    h.swapped(1, "out/obj replaced by a directory holding version 1")
    # Removed and recreated with an object, within the debounce.
    shutil.rmtree(objdir)
    os.makedirs(objdir)
    write_inplace(lib, blob("soak_lib_2"))
    h.swapped(2, "out/obj removed and recreated at once")
    eq(h.refusals(), 0, "refusals")
    h.finish(lib)


# ---- (c) a build that hangs ----------------------------------------------

def build_setup(ws):
    lib = setup(ws, watch="sources = src/*.c\nbuild = sh build.sh\n"
                "build_timeout_s = 1\n")
    put(os.path.join(ws, "src/a.c"), "int a;\n")
    for v in (2, 3):
        write_inplace(os.path.join(ws, "v%d.o" % v), blob("soak_lib_%d" % v))
    return lib


def edit(ws, n):
    put(os.path.join(ws, "src/a.c"), "int a = %d;\n" % n)


def reap_build(ws):
    """After a failure: end what is left of our builds (the pids they
    wrote), checking first that each is still the process we started."""
    for f, cmd in (("build.pid", b"sh\x00build.sh\x00"),
                   ("sleeper.pid", b"sleep\x00600\x00")):
        try:
            pid = int(open(os.path.join(ws, f)).read())
            with open("/proc/%d/cmdline" % pid, "rb") as c:
                if c.read() == cmd:
                    os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


def build_gone(ws, what, h):
    """Every process of the stopped build has ended: the shell running
    build.sh and the sleep it started (pids in build.pid, sleeper.pid)."""
    pids = [int(open(os.path.join(ws, f)).read())
            for f in ("build.pid", "sleeper.pid")]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        if not alive:
            return
        time.sleep(0.05)
    reap_build(ws)
    raise Fail("%s: processes of the build outlived its timeout by 5 s: %s "
               "(build.sh's shell %d, its sleep %d); reloadd said it was "
               "stopped\n%s" % (what, " ".join(map(str, alive)), pids[0],
                                pids[1], h.d.dump()))


HANG = "echo $$ > build.pid\n%ssleep 600 &\necho $! > sleeper.pid\n%s"


def t_build_hang(ws):
    lib = build_setup(ws)
    h = Host(ws)
    size = len(blob("soak_lib_2"))
    # 1. Writes half an object, then hangs until SIGTERM.
    put(os.path.join(ws, "build.sh"),
        HANG % ("head -c %d v2.o > lib.o\n" % (size // 2), "wait\n"))
    t0 = time.monotonic()
    edit(ws, 1)
    i, _ = h.d.wait_for("err", r"build is still running after 1 s \(\[watch\] "
                        r"build_timeout_s\); stopping it")
    i, _ = h.d.wait_for("err", r"build timed out after 1 s and was stopped "
                        r"\([\d.]+ s\); nothing was reloaded", start=i)
    check(time.monotonic() - t0 < 5, "the hanging build took %.1f s to stop"
          % (time.monotonic() - t0))
    build_gone(ws, "a build hanging after writing half of lib.o", h)
    h.alive(1, LEAVE, "after the hanging build was stopped")
    eq(h.refusals(), 0, "refusals of the half object the stopped build left")
    eq(h.reload_versions(), [], "reloads after the stopped build")
    # 2. Writes a whole object, then hangs: what it wrote must not be
    # loaded, and the program runs on.
    put(os.path.join(ws, "build.sh"), HANG % ("cp v3.o lib.o\n", "wait\n"))
    edit(ws, 2)
    i, _ = h.d.wait_for("err", r"build timed out after 1 s and was stopped",
                        start=i + 1)
    build_gone(ws, "a build hanging after writing all of lib.o", h)
    h.alive(1, LEAVE, "after the second hanging build was stopped")
    eq(h.reload_versions(), [], "reloads of the stopped build's object")
    eq(h.refusals(), 0, "refusals of the stopped build's object")
    # 3. Hangs with a change queued behind it: the queued build runs when
    # the hung one is stopped, and its object goes in.
    put(os.path.join(ws, "build.sh"), HANG % ("", "wait\n"))
    edit(ws, 3)
    i, _ = h.d.wait_for("err", r"sources changed; building: sh build\.sh",
                        start=i + 1)
    time.sleep(0.2)
    put(os.path.join(ws, "build.sh"), "cp v2.o lib.o\n")
    edit(ws, 4)
    i, _ = h.d.wait_for("err", r"build timed out after 1 s", start=i)
    h.d.wait_for("err", r"build succeeded in [\d.]+ s", start=i)
    h.swapped(2, "the build queued behind the hung one")
    eq(h.reload_versions(), [2], "versions reloaded")
    eq(h.refusals(), 0, "refusals")
    h.finish(lib)


def t_build_hang_term(ws):
    """A build whose processes ignore SIGTERM: reloadd's SIGKILL, 2 s
    after the SIGTERM (src/build.c), must end all of them."""
    lib = build_setup(ws)
    h = Host(ws)
    put(os.path.join(ws, "build.sh"),
        HANG % ("trap '' TERM\ncp v3.o lib.o\n", "wait\n"))
    t0 = time.monotonic()
    edit(ws, 1)
    i, _ = h.d.wait_for("err", r"build is still running after 1 s")
    i, _ = h.d.wait_for("err", r"build timed out after 1 s and was stopped "
                        r"\([\d.]+ s\); nothing was reloaded", timeout=10,
                        start=i)
    took = time.monotonic() - t0
    check(took < 8, "the build that ignores SIGTERM took %.1f s to stop" %
          took)
    build_gone(ws, "a build ignoring SIGTERM", h)
    h.alive(1, LEAVE, "after the build that ignored SIGTERM was stopped")
    eq(h.reload_versions(), [], "reloads of the stopped build's object")
    put(os.path.join(ws, "build.sh"), "cp v2.o lib.o\n")
    edit(ws, 2)
    h.swapped(2, "a good build after the one that ignored SIGTERM")
    eq(h.reload_versions(), [2], "versions reloaded")
    h.finish(lib)


# ---- (d) garbage, (e) truncation -----------------------------------------

def escape_named(good):
    """`good` with its first relocation section renamed to a terminal
    escape sequence (same length, in .shstrtab) and pointed at a section
    that does not exist, so that the refusal names it."""
    g = bytearray(good)
    shoff, = struct.unpack_from("<Q", g, 0x28)
    shnum, shstrndx = struct.unpack_from("<HH", g, 0x3c)
    strbase, = struct.unpack_from("<Q", g, shoff + shstrndx * 64 + 24)
    for i in range(shnum):
        hdr = shoff + i * 64
        name, typ = struct.unpack_from("<II", g, hdr)
        if typ == 4:  # SHT_RELA
            at = strbase + name
            old = g[at:g.index(b"\0", at)]
            esc = (b"\x1b[2J\x1b]0;owned\x07" * 4)[:len(old)]
            g[at:at + len(old)] = esc
            struct.pack_into("<I", g, hdr + 44, 0xfff0)  # sh_info
            return bytes(g)
    raise Fail("no relocation section in the good object")


def bad_objects(seed, good):
    """Deterministic bad contents, each with a name for messages."""
    rnd = random.Random(seed)
    n = len(good)
    ehdr = good[:64]
    return [
        ("the object with a relocation section named by an escape sequence "
         "and aimed at no section", escape_named(good)),
        ("random bytes, %d of them" % n, rnd.randbytes(n)),
        ("100 random bytes", rnd.randbytes(100)),
        ("a valid ELF header and %d random bytes" % (n - 64),
         ehdr + rnd.randbytes(n - 64)),
        ("a valid ELF header and 4096 random bytes",
         ehdr + rnd.randbytes(4096)),
        ("the object with its last 512 bytes random",
         good[:n - 512] + rnd.randbytes(512)),
        ("the object with random bytes from offset 64 to 576",
         ehdr + rnd.randbytes(512) + good[576:]),
    ]


def cut_points(n):
    return [0, 1, 16, 63, 64, 65, 200, n // 4, n // 2, n - 64, n - 1]


def t_garbage(ws):
    lib = setup(ws)
    h = Host(ws)
    good = blob("soak_lib_2")
    refused = 0
    for k, (name, data) in enumerate(bad_objects(1, good)):
        write = write_inplace if k % 2 == 0 else write_rename
        write(lib, data)
        refused += 1
        h.wait_refusals(refused, "lib.o written as " + name)
        h.alive(1, 0.3, "after lib.o was written as " + name)
    quiet_refusals(h, refused, "garbage")
    eq(h.reload_versions(), [], "reloads of garbage")
    write_inplace(lib, good)
    h.swapped(2, "a good object after the garbage")
    eq(h.reload_versions(), [2], "versions reloaded")
    show_reasons(h)
    h.finish(lib)
    clean_log(h, "garbage objects")


def clean_log(h, what):
    """reloadd's messages reach a terminal: bytes of a bad object (names
    from its string tables) must not reach it raw, as control characters
    (an escape sequence) or as bytes that are not UTF-8."""
    bad = [l for l in h.d.err
           if re.search("[\x00-\x08\x0b-\x1f\x7f\udc80-\udcff]", l)]
    check(not bad, "after %s, %d of reloadd's messages carry raw bytes of "
          "the object (control characters, or bytes that are not UTF-8); "
          "the first: %s" % (what, len(bad), ascii(bad[0]) if bad else ""))


def t_truncated(ws):
    lib = setup(ws)
    h = Host(ws)
    good = blob("soak_lib_2")
    refused = 0
    for cut in cut_points(len(good)):
        # A write that ran out of space: the file holds what fitted.
        write_inplace(lib, good[:cut])
        refused += 1
        what = "lib.o cut at %d of %d bytes" % (cut, len(good))
        h.wait_refusals(refused, what)
        h.alive(1, LEAVE, what)
    eq(h.reload_versions(), [], "reloads of truncated objects")
    # The loaded file itself cut short in place (after it is rewritten
    # whole with the running version, which may or may not be reloaded).
    write_inplace(lib, blob("soak_lib_1"))
    h.alive(1, LEAVE, "lib.o rewritten with the running version")
    os.truncate(lib, len(blob("soak_lib_1")) // 2)
    refused += 1
    h.wait_refusals(refused, "the running lib.o truncated in place")
    h.alive(1, LEAVE, "after the running lib.o was truncated in place")
    quiet_refusals(h, refused, "truncations")
    # Then the build is run again and writes all of it.
    write_inplace(lib, good)
    h.swapped(2, "the whole object after the truncations")
    show_reasons(h)
    h.finish(lib)


def quiet_refusals(h, n, what):
    time.sleep(0.3)
    eq(h.refusals(), n, "refusals after the %s (one per bad file)" % what)


def show_reasons(h):
    reasons = {}
    for l in h.d.err:
        m = re.search(REFUSED[:-2] + r"(.*)$", l)
        if m:
            reasons[m.group(1)] = reasons.get(m.group(1), 0) + 1
    for r, n in sorted(reasons.items()):
        # The reasons may hold the object's raw bytes (then clean_log fails).
        print("refused %3d x: %s" % (n, ascii(r)[1:-1]))


def t_refusal_soak(ws):
    if os.environ.get("RELOAD_TEST_SETUP"):
        raise Skip("under %s: reloadd's resident memory is the sanitizer's"
                   % os.environ["RELOAD_TEST_SETUP"])
    lib = setup(ws)
    h = Host(ws)
    good = blob("soak_lib_2")
    bads = bad_objects(2, good) + [
        ("cut at %d bytes" % c, good[:c]) for c in cut_points(len(good))]
    total, warm = 100, 10
    rss = {}
    t0 = time.monotonic()
    for k in range(total):
        name, data = bads[k % len(bads)]
        (write_inplace if k % 3 else write_rename)(lib, data)
        h.wait_refusals(k + 1, "bad write %d (%s)" % (k + 1, name))
        if (k + 1) in (warm, 25, 50, 75, total):
            rss[k + 1] = h.rss()
            print("after %3d bad writes: reloadd rss %.1f KiB, program at "
                  "line %d" % (k + 1, rss[k + 1] / 1024, h.nlines()))
        if (k + 1) % 25 == 0:
            h.alive(1, 0.3, "after %d bad writes" % (k + 1))
    took = time.monotonic() - t0
    quiet_refusals(h, total, "soak")
    eq(h.reload_versions(), [], "reloads during the soak")
    growth = rss[total] - rss[warm]
    print("%d bad writes in %.1f s (%.2f s each); reloadd rss %+d bytes from "
          "write %d to %d" % (total, took, took / total, growth, warm, total))
    check(growth <= 1024 * 1024,
          "reloadd's resident memory grew by %d bytes (%.1f KiB, %.0f bytes "
          "per refused object) from bad write %d to %d: figures %r" %
          (growth, growth / 1024, growth / (total - warm), warm, total, rss))
    write_inplace(lib, good)
    h.swapped(2, "a good object after %d bad ones" % total)
    eq(h.reload_versions(), [2], "versions reloaded")
    show_reasons(h)
    h.finish(lib)


# ---- driver --------------------------------------------------------------

def main():
    if len(sys.argv) != 2 or "t_" + sys.argv[1] not in globals():
        cases = sorted(n[2:] for n in globals() if n.startswith("t_"))
        print("usage: soak_faults.py CASE\ncases: " + " ".join(cases),
              file=sys.stderr)
        return 2
    ws = os.path.realpath(tempfile.mkdtemp(prefix="reloadd-soak-"))
    os.chmod(ws, 0o700)
    t0 = time.monotonic()
    try:
        globals()["t_" + sys.argv[1]](ws)
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    finally:
        for p in dt.RUNNING:
            p.stop()
        reap_build(ws)
        if not os.environ.get("KEEP"):
            shutil.rmtree(ws, ignore_errors=True)
        else:
            print("kept " + ws)
    print("PASS (%.1f s)" % (time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
