#!/usr/bin/env python3
"""live_edit.py RELOADD DEMO_NATIVE BUILD_ROOT SOURCE_ROOT

The demo edited while it runs, end to end (issue 6, suite 'demo').

In a private temporary directory: a copy of demo/*.c and *.h, compiled
there with the flags meson compiles demo/ with (from BUILD_ROOT's
compile_commands.json: -fPIC -ffunction-sections -fdata-sections, the
include path of reload.h, SDL2's), a Makefile that recompiles the objects
whose sources changed, and a config based on config/demo.ini whose
[watch] sources are the copy's .c files and whose build is `make -s`,
with [reload] mode = safepoint and guard = true (and perf_map = false, so
that no /tmp/perf-PID.map outlives the test).

`reloadd demo.ini -- --seed S --state-every N STATES --shot SHOT` runs the
game headless (SDL_VIDEODRIVER=offscreen): every N frames it appends its
state to STATES and rewrites the screenshot SHOT.  Then:

 1. the paddle has its colour from render.c on screen, and the new colour
    is nowhere;
 2. edit 1: PADDLE_COLOR in the copy's render.c becomes NEW_COLOR; make
    rebuilds render.o (and nothing else), reloadd reloads it; the
    screenshot then shows the paddle in NEW_COLOR and the old colour
    nowhere;
 3. edit 2: render_frame() begins with a store to address 16; reloadd
    reloads it, the game's drawing crashes once, reloadd logs that it
    rolled render.o back to the version of edit 1, and the game goes on:
    frames keep coming, the crash counter stays at 1, and the screenshot
    still shows NEW_COLOR (edit 1's code, not the original's).
 4. reloadd stops on SIGTERM.

Finally the whole run is held against demo-native (the natively linked
game, which the edits to drawing do not concern) run without a break for
as many frames with the same seed: the hosted run dumped its state at
frames N, 2N, ... up to its last, without a gap, a repeat or a reset, and
each dump is the same text as native's at that frame (the crash counter
aside).  So the frame counter, the score, the level and every position
carried on across both reloads and the crash exactly as if nothing had
happened.

Exit status 0: pass; 1: fail (why, and the tail of reloadd's log);
77: skip (no make).  KEEP=1 keeps the temporary directory.
"""
import configparser
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SEED = 5
EVERY = 20                # frames between state dumps and screenshots
NEW_COLOR = 0xff00ff      # edit 1's paddle colour: nowhere in the game
DRIVER = "offscreen"


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def say(msg):
    print("live_edit: " + msg, flush=True)


# ---- the copy -------------------------------------------------------------

def demo_flags(build_root, src_demo):
    """The compiler and flags meson compiles demo/render.c with, made
    independent of the build directory; the same for every demo source."""
    path = os.path.join(build_root, "compile_commands.json")
    with open(path) as f:
        entries = json.load(f)
    found = {}
    for e in entries:
        src = os.path.realpath(os.path.join(e["directory"], e["file"]))
        if os.path.dirname(src) == src_demo:
            found[os.path.basename(src)] = e
    check("render.c" in found, "%s: no entry for demo/render.c" % path)
    flagsets = {}
    for name, e in found.items():
        args = e.get("arguments") or shlex.split(e["command"])
        out, i = [], 1
        while i < len(args):
            a = args[i]
            if a in ("-o", "-c", "-MQ", "-MF", "-MT"):
                i += 2
                continue
            if a in ("-MD", "-MMD") or a.startswith("-fdiagnostics-color"):
                i += 1
                continue
            if a == "-I":
                i += 1
                a = "-I" + args[i]
            if a.startswith("-I"):
                d = os.path.realpath(os.path.join(e["directory"], a[2:]))
                # The copy's own headers, not demo/'s; nor meson's private
                # directories of the build.
                b = os.path.realpath(build_root)
                if d == src_demo or d == b or d.startswith(b + os.sep):
                    i += 1
                    continue
                a = "-I" + d
            out.append(a)
            i += 1
        flagsets[name] = (args[0], out)
    cc, flags = flagsets["render.c"]
    for name, fs in flagsets.items():
        check(fs == (cc, flags), "demo/%s is compiled unlike render.c:\n%s\n%s"
              % (name, fs, (cc, flags)))
    for want in ("-fPIC", "-ffunction-sections", "-fdata-sections"):
        check(want in flags, "%s: demo/render.c compiled without %s: %s"
              % (path, want, " ".join(flags)))
    return cc, flags


def make_copy(tmp, src_root, build_root):
    src_demo = os.path.realpath(os.path.join(src_root, "demo"))
    sources = sorted(glob.glob(os.path.join(src_demo, "*.c")) +
                     glob.glob(os.path.join(src_demo, "*.h")))
    for s in sources:
        shutil.copy(s, tmp)
    cc, flags = demo_flags(build_root, src_demo)
    objs = [os.path.basename(s)[:-2] + ".o" for s in sources
            if s.endswith(".c")]
    # Each object is compiled to a temporary and renamed, so that the
    # watcher never sees half of one (as demo/copy-object.sh does).
    with open(os.path.join(tmp, "Makefile"), "w") as f:
        f.write("# Written by tests/demo/live_edit.py: the demo's objects, "
                "as demo/meson.build compiles them.\n"
                "CC = %s\nCFLAGS = %s\nOBJS = %s\n\n"
                "all: $(OBJS)\n\n"
                "%%.o: %%.c $(wildcard *.h)\n"
                "\t$(CC) $(CFLAGS) -c $< -o $@.tmp && mv $@.tmp $@\n"
                % (shlex.quote(cc), " ".join(shlex.quote(a) for a in flags),
                   " ".join(objs)))
    t = time.monotonic()
    p = subprocess.run(["make", "-s", "-j2"], cwd=tmp, capture_output=True,
                       text=True, timeout=120)
    check(p.returncode == 0, "make in the copy failed:\n" + p.stdout +
          p.stderr)
    say("copied %d sources, compiled %d objects in %.1f s (%s %s)"
        % (len(sources), len(objs), time.monotonic() - t,
           os.path.basename(cc), " ".join(flags)))
    return objs


def write_config(tmp, src_root):
    """config/demo.ini, for the copy: its libraries and its [reload] and
    [log] settings, with the copy's objects, sources and build."""
    cp = configparser.ConfigParser(comment_prefixes=(";", "#"),
                                   inline_comment_prefixes=(" ;",),
                                   interpolation=None)
    cp.read(os.path.join(src_root, "config", "demo.ini"))
    reload_keys = dict(cp.items("reload")) if cp.has_section("reload") else {}
    reload_keys.update(mode="safepoint", guard="true")
    # No /tmp/perf-PID.map left behind by every run of the test.
    reload_keys["perf_map"] = "false"
    path = os.path.join(tmp, "demo.ini")
    with open(path, "w") as f:
        f.write("; Written by tests/demo/live_edit.py from config/demo.ini.\n"
                "[program]\nobjects = *.o\nlibraries = %s\n\n"
                "[watch]\nsources = *.c\nbuild = make -s\n\n[reload]\n"
                % cp.get("program", "libraries", fallback="SDL2"))
        for k, v in reload_keys.items():
            f.write("%s = %s\n" % (k, v))
        f.write("\n[log]\nlevel = %s\ncolor = never\n"
                % cp.get("log", "level", fallback="info"))
    return path


def edit(path, old, new):
    """As an editor saves: the whole file written anew, then renamed."""
    with open(path) as f:
        text = f.read()
    check(text.count(old) == 1, "%s: '%s' is not there once" % (path, old))
    with open(path + ".swp~", "w") as f:
        f.write(text.replace(old, new))
    os.replace(path + ".swp~", path)


# ---- what the game writes ------------------------------------------------

def read_dumps(path):
    """The complete state dumps in a --state-every file, in order: a list
    of (frame, crashes, text without the crashes line, fields)."""
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return []
    dumps, cur = [], None
    for line in lines:
        if line.startswith("frame "):
            cur = [line]
        elif cur is not None:
            if line.startswith("crashes "):
                fields = {}
                for l in cur:
                    k, _, v = l.partition(" ")
                    fields.setdefault(k, v)
                dumps.append((int(cur[0].split()[1]), int(line.split()[1]),
                              "\n".join(cur), fields))
                cur = None
            else:
                cur.append(line)
    return dumps


class Shot:
    """demo's 24-bit bottom-up BMP, as written; None while there is none."""

    @staticmethod
    def read(path):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        return Shot(path, data)

    def __init__(self, path, data):
        check(len(data) >= 54 and data[:2] == b"BM", "%s: not a BMP" % path)
        self.w = int.from_bytes(data[18:22], "little")
        self.h = int.from_bytes(data[22:26], "little")
        self.row = (self.w * 3 + 3) & ~3
        check(data[28] == 24 and len(data) == 54 + self.row * self.h,
              "%s: not a 24-bit BMP of %dx%d" % (path, self.w, self.h))
        self.data = data

    def count(self, color, y0=0, y1=None):
        """Pixels of `color` (0xRRGGBB) in rows y0 to y1 (top row 0)."""
        y0, y1 = max(y0, 0), min(self.h if y1 is None else y1, self.h)
        n = 0
        for y in range(y0, y1):
            o = 54 + (self.h - 1 - y) * self.row
            px = self.data[o:o + 3 * self.w]
            # One bit a pixel for each channel that matches, ANDed.
            m = -1
            for c in range(3):
                want = color >> (8 * c) & 0xff
                table = bytes(1 if v == want else 0 for v in range(256))
                m &= int.from_bytes(px[c::3].translate(table), "big")
            n += bin(m).count("1")
        return n


# ---- reloadd --------------------------------------------------------------

class Daemon:
    """reloadd running in its own process group; its stderr lines are
    collected as they come (and copied to LOG)."""

    def __init__(self, cmd, cwd, env, log):
        self.log = open(log, "w")
        self.p = subprocess.Popen(cmd, cwd=cwd, env=env,
                                  stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=subprocess.PIPE,
                                  text=True, bufsize=1,
                                  start_new_session=True)
        self.err = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._pump, daemon=True)
        self.t.start()

    def _pump(self):
        for line in self.p.stderr:
            self.log.write(line)
            self.log.flush()
            with self.cv:
                self.err.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def mark(self):
        with self.cv:
            return len(self.err)

    def find(self, pattern, start=0):
        with self.cv:
            for i in range(start, len(self.err)):
                m = re.search(pattern, self.err[i])
                if m:
                    return i, m
        return None

    def wait_for(self, pattern, timeout, start=0, why=""):
        deadline = time.monotonic() + timeout
        while True:
            hit = self.find(pattern, start)
            if hit:
                return hit
            self.alive(why or "waiting for /%s/" % pattern)
            if time.monotonic() > deadline:
                raise Fail("waited %.0f s for /%s/ in reloadd's log%s"
                           % (timeout, pattern, " (%s)" % why if why else ""))
            with self.cv:
                self.cv.wait(0.05)

    def alive(self, doing):
        rc = self.p.poll()
        if rc is not None:
            raise Fail("reloadd ended (status %s) while %s" % (rc, doing))

    def tail(self, n=40):
        with self.cv:
            return "\n".join(self.err[-n:])

    def stop(self):
        """SIGTERM, as a user would stop it; the exit status."""
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            raise Fail("reloadd did not stop within 20 s of SIGTERM")
        self.t.join(5)  # its last lines
        return rc

    def kill(self):
        """Whatever happened: nothing of this run outlives the test."""
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait()
        self.t.join(5)
        self.log.close()


def wait_until(what, timeout, cond, d):
    deadline = time.monotonic() + timeout
    while True:
        r = cond()
        if r:
            return r
        d.alive(what)
        if time.monotonic() > deadline:
            raise Fail("waited %.0f s for %s" % (timeout, what))
        time.sleep(0.05)


# ---- the test ------------------------------------------------------------

def paddle_pixels(shot, color, paddle_y, paddle_h):
    """Pixels of `color` in the band the paddle is drawn in (screen shake
    moves it by up to 2 pixels)."""
    return shot.count(color, paddle_y - 3, paddle_y + paddle_h + 3)


def run(tmp, reloadd, native, build_root, src_root):
    t0 = time.monotonic()
    if os.environ.get("RELOAD_VALGRIND"):
        raise Skip("under valgrind: edit 2 makes the game crash on purpose, "
                   "which memcheck reports as an invalid write, and the "
                   "session is built around that crash (the demo-native-vs-"
                   "hosted tests run the game under memcheck)")
    if not shutil.which("make"):
        raise Skip("no make: the copy's build is a Makefile")
    with open(os.path.join(src_root, "demo", "game.h")) as f:
        gh = f.read()
    paddle_y = int(re.search(r"#define PADDLE_Y (\d+)", gh).group(1))
    paddle_h = int(re.search(r"#define PADDLE_H (\d+)", gh).group(1))
    with open(os.path.join(src_root, "demo", "render.c")) as f:
        m = re.search(r"\bPADDLE_COLOR = (0x[0-9a-fA-F]{6});", f.read())
    check(m, "demo/render.c: no 'PADDLE_COLOR = 0xRRGGBB;'")
    old_color = int(m.group(1), 16)
    check(old_color != NEW_COLOR, "PADDLE_COLOR is already %06x" % NEW_COLOR)
    # A band in which the paddle covers at least this many pixels, even
    # with the ball's glow on it (4 rows of a 36-pixel paddle: 128).
    enough = 40

    make_copy(tmp, src_root, build_root)
    cfg = write_config(tmp, src_root)
    out = os.path.join(tmp, "out")
    os.mkdir(out)
    states, shot = os.path.join(out, "states"), os.path.join(out, "shot.bmp")
    env = dict(os.environ, SDL_VIDEODRIVER=DRIVER, NO_COLOR="1")
    for k in ("DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(k, None)
    cmd = [reloadd, cfg, "--", "--seed", str(SEED), "--state-every",
           str(EVERY), states, "--shot", shot]
    say("running " + " ".join(shlex.quote(c) for c in cmd))
    d = Daemon(cmd, tmp, env, os.path.join(tmp, "reloadd.log"))
    try:
        result = session(d, tmp, states, shot, old_color, paddle_y,
                         paddle_h, enough)
    except Fail as e:
        raise Fail("%s\n--- reloadd's log (last 40 lines) ---\n%s"
                   % (e, d.tail()))
    finally:
        d.kill()
    t_hosted = time.monotonic() - t0
    compare_native(native, tmp, states, result)
    say("passed in %.1f s (hosted run and edits %.1f s, native reference "
        "%.1f s)" % (time.monotonic() - t0, t_hosted,
                     time.monotonic() - t0 - t_hosted))


def carried(dumps, before, after, what):
    """From dump `before` to `after`, across `what`: more frames, and no
    less score or level, unless a game ended in between."""
    check(after[0] > before[0], "the frame counter went from %d to %d across "
          "%s" % (before[0], after[0], what))
    between = [x for x in dumps if before[0] <= x[0] <= after[0]]
    if any(x[3]["phase"] == "over" for x in between):
        return
    for k in ("score", "level", "bricks_broken"):
        check(int(after[3][k]) >= int(before[3][k]), "%s went from %s (frame "
              "%d) to %s (frame %d) across %s" % (k, before[3][k], before[0],
                                                  after[3][k], after[0], what))


def session(d, tmp, states, shot, old_color, paddle_y, paddle_h, enough):
    render = os.path.join(tmp, "render.c")
    d.wait_for(r"running .*demo\.ini", 30, why="starting")

    # 1. The game runs, with the paddle in its own colour, and has scored
    # (so that a reset of the score would show).
    wait_until("a score above 0 and a screenshot", 60,
               lambda: os.path.exists(shot) and
               [x for x in read_dumps(states) if int(x[3]["score"]) > 0], d)
    pic = Shot.read(shot)
    n_old = paddle_pixels(pic, old_color, paddle_y, paddle_h)
    check(n_old >= enough, "before any edit: only %d pixels of the paddle's "
          "colour %06x around y=%d" % (n_old, old_color, paddle_y))
    check(pic.count(NEW_COLOR) == 0, "before any edit: %06x is already on "
          "screen" % NEW_COLOR)
    before = read_dumps(states)[-1]
    say("frame %d: paddle in %06x (%d pixels), score %s"
        % (before[0], old_color, n_old, before[3]["score"]))

    # 2. Edit 1: a new paddle colour.
    mark = d.mark()
    edit(render, "PADDLE_COLOR = 0x%06x;" % old_color,
         "PADDLE_COLOR = 0x%06x;" % NEW_COLOR)
    t = time.monotonic()
    d.wait_for(r"build succeeded", 60, mark, "edit 1: rebuilding render.o")
    _, m = d.wait_for(r"render\.o: v2: functions (\d+) changed", 30, mark,
                      "edit 1: reloading render.o")
    check(int(m.group(1)) >= 1, "edit 1: the reload of render.o changed no "
          "function: " + m.group(0))
    at_reload = read_dumps(states)[-1][0]

    def new_look():
        r = Shot.read(shot)
        ds = read_dumps(states)
        if (r and ds and ds[-1][0] > at_reload and
                paddle_pixels(r, NEW_COLOR, paddle_y, paddle_h) >= enough):
            return r, ds
        return None
    pic, ds = wait_until("the paddle in %06x on a screenshot" % NEW_COLOR,
                         20, new_look, d)
    dt = time.monotonic() - t
    n_new = paddle_pixels(pic, NEW_COLOR, paddle_y, paddle_h)
    check(pic.count(old_color) == 0, "after edit 1: the old colour %06x "
          "is still on screen (%d pixels) next to the new one"
          % (old_color, pic.count(old_color)))
    hit = d.find(r"^(?!.*render\.o)(.*\.o): v\d+:", mark)
    check(hit is None, "edit 1 touched only render.c, but another object "
          "was reloaded: " + (hit[1].string if hit else ""))
    after1 = ds[-1]
    carried(ds, before, after1, "edit 1")
    say("edit 1: paddle in %06x on screen %.2f s after saving (%d pixels, "
        "none of %06x); frame %d -> %d, score %s -> %s"
        % (NEW_COLOR, dt, n_new, old_color, before[0], after1[0],
           before[3]["score"], after1[3]["score"]))

    # 3. Edit 2: drawing crashes.
    mark = d.mark()
    # A store to address 16, not 0: under -fsanitize=undefined (the asan
    # test setup) UBSan would stop the program at a store to NULL before
    # it could crash.  Through a volatile pointer, so that the compiler
    # neither warns about it nor knows where it goes.
    edit(render, "void render_frame(struct fb *f, const struct game *g) {\n",
         "void render_frame(struct fb *f, const struct game *g) {\n"
         "  int *volatile crash = (int *)16; /* live_edit.py: a crash */\n"
         "  *crash = 0;\n")
    t = time.monotonic()
    d.wait_for(r"build succeeded", 60, mark, "edit 2: rebuilding render.o")
    d.wait_for(r"render\.o: v3: functions (\d+) changed", 30, mark,
               "edit 2: reloading render.o")
    _, m = d.wait_for(r"crash in function (\S+) \((?:\S*/)?render\.o v3\)"
                      r".*rolled back to v(\d+)", 30, mark,
                      "edit 2: the crash being rolled back")
    check(m.group(2) == "2", "the crash in render.o v3 was rolled back to "
          "v%s, not to edit 1's v2: %s" % (m.group(2), m.string))
    _, dm = d.wait_for(r"demo: frame (\d+): DRAW crashed", 10, mark,
                       "edit 2: the game noticing the crash")
    crash_frame = int(dm.group(1))
    # Past the 3 s (180 frames) of the crash notice on screen.
    goal = crash_frame + 200 + 2 * EVERY
    ds = wait_until("frames past %d after the crash" % goal, 60,
                    lambda: [x for x in read_dumps(states)
                             if x[0] >= goal] and read_dumps(states), d)
    carried(ds, after1, ds[-1], "the crash")
    pic = Shot.read(shot)
    n_new = paddle_pixels(pic, NEW_COLOR, paddle_y, paddle_h)
    check(n_new >= enough and pic.count(old_color) == 0,
          "after the rollback the screen is not edit 1's: %d pixels of "
          "%06x around the paddle, %d of the original %06x"
          % (n_new, NEW_COLOR, pic.count(old_color), old_color))
    for frame, crashes, _, _ in ds:
        want = 0 if frame < crash_frame else 1
        check(crashes == want, "frame %d: the game counted %d crashes, not "
              "%d (crash at frame %d)" % (frame, crashes, want, crash_frame))
    check(d.find(r"restarted after a crash|calling \S+ again", mark) is None,
          "the crash in drawing reached the outer guard: main() was called "
          "again")
    say("edit 2: crash in %s at frame %d rolled back to v2 %.2f s after "
        "saving; the game went on to frame %d (score %s -> %s), crashes 1, "
        "paddle still %06x" % (m.group(1), crash_frame, time.monotonic() - t,
                               ds[-1][0], after1[3]["score"],
                               ds[-1][3]["score"], NEW_COLOR))

    # 4. Stop.
    mark = d.mark()
    rc = d.stop()
    check(rc in (-signal.SIGTERM, 128 + signal.SIGTERM),
          "reloadd's exit status on SIGTERM: %s" % rc)
    check(d.find(r"stopping on SIGTERM", mark),
          "reloadd did not log 'stopping on SIGTERM'")
    return {"crash_frame": crash_frame, "reload1_frame": at_reload,
            "before": before[0]}


def compare_native(native, tmp, states, result):
    hosted = read_dumps(states)
    last = hosted[-1][0]
    frames = [x[0] for x in hosted]
    want = list(range(EVERY, last + 1, EVERY))
    if frames != want:
        bad = next(i for i, (a, b) in enumerate(zip(frames + [None],
                                                    want + [None]))
                   if a != b)
        raise Fail("the hosted game's dumps are not at frames %d, %d, ... "
                   "%d: after frame %s came %s (a reset, a repeat or a gap)"
                   % (EVERY, 2 * EVERY, last,
                      frames[bad - 1] if bad else "-",
                      frames[bad] if bad < len(frames) else "the end"))
    ref = os.path.join(tmp, "out", "native-states")
    env = dict(os.environ, SDL_VIDEODRIVER=DRIVER)
    for k in ("DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(k, None)
    t = time.monotonic()
    p = subprocess.run([native, "--seed", str(SEED), "--frames", str(last),
                        "--state-every", str(EVERY), ref], env=env,
                       capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, "demo-native exited with %d:\n%s"
          % (p.returncode, p.stderr))
    native_dumps = {x[0]: x for x in read_dumps(ref)}
    for frame, _, text, fields in hosted:
        n = native_dumps.get(frame)
        check(n is not None, "demo-native has no dump of frame %d" % frame)
        if n[2] != text:
            diff = [" native: %s\n hosted: %s" % (a, b)
                    for a, b in zip(n[2].split("\n"), text.split("\n"))
                    if a != b]
            raise Fail("frame %d: the hosted game's state differs from "
                       "demo-native's (seed %d; reload 1 near frame %d, "
                       "crash at frame %d):\n%s"
                       % (frame, SEED, result["reload1_frame"],
                          result["crash_frame"], "\n".join(diff[:10])))
    f = hosted[-1][3]
    say("all %d dumps (frames %d..%d) match demo-native's %d-frame run "
        "(%.1f s): final score %s, level %s, lives %s, %s bricks broken"
        % (len(hosted), EVERY, last, last, time.monotonic() - t,
           f["score"], f["level"], f["lives"], f["bricks_broken"]))


def main():
    if len(sys.argv) != 5:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        return 2
    reloadd, native, build_root, src_root = (os.path.abspath(a)
                                             for a in sys.argv[1:])
    tmp = tempfile.mkdtemp(prefix="reload-live-edit.")
    try:
        run(tmp, reloadd, native, build_root, src_root)
        return 0
    except Skip as e:
        print("SKIP: %s" % e)
        return 77
    except (Fail, OSError, subprocess.SubprocessError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        if os.environ.get("KEEP") == "1":
            say("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
