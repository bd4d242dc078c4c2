#!/usr/bin/env python3
"""daemon_test.py CASE - one test of reloadd's daemon side.

Each case builds a private temporary directory (mode 0700), puts objects
compiled by meson (DAEMON_OBJS) and a config file in it, runs the real
reloadd binary (RELOADD) and watches what the program prints on stdout and
what reloadd logs on stderr.  Files are changed the ways compilers and
editors change them.  Exit status 0 is a pass, 1 a failure (with the reason
and the tail of both streams), 77 a skip.

Set KEEP=1 to keep the temporary directory.

Under the valgrind test setup (tests/lib/valgrind-wrap.sh) every reloadd
runs under memcheck: RELOAD_VALGRIND is the valgrind command line.  Its
reports go to files that main() requires to be empty, and every wait is
SLOW times longer.
"""
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

RELOADD = os.environ["RELOADD"]
OBJS = os.environ["DAEMON_OBJS"]
EXAMPLE_INI = os.environ.get("EXAMPLE_INI", "")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from memcheck import SLOW, VALGRIND, take_reports  # noqa: E402


def reloadd(args):
    """The command line running reloadd with `args` (under memcheck in the
    valgrind setup)."""
    return VALGRIND + [RELOADD] + list(args)


RELOAD_LINE = re.compile(
    r"(\S+): v(\d+): functions (\d+) changed, (\d+) added, (\d+) removed; "
    r"variables (\d+) kept, (\d+) reset; ([\d.]+) ms")


def want_reloads(d, versions, what, timeout=5.0):
    """The reload lines' versions must become `versions`.  The program's
    stdout can show the new code before reloadd's stderr line is read, so
    wait a little for the log to catch up before comparing."""
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        got = [m.group(2) for m in d.reloads()]
        if len(got) >= len(versions):
            break
        time.sleep(0.02)
    eq([m.group(2) for m in d.reloads()], versions, what)


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eq(got, want, what):
    if got != want:
        raise Fail("%s:\n--- got ---\n%s\n--- want ---\n%s" %
                   (what, got if isinstance(got, str) else repr(got),
                    want if isinstance(want, str) else repr(want)))


def obj(name):
    return os.path.join(OBJS, name + ".o")


def blob(name):
    with open(obj(name), "rb") as f:
        return f.read()


def write_inplace(path, data):
    """As a compiler does: truncate and write the same file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    os.close(fd)


def write_rename(path, data):
    """As `cc -o tmp && mv tmp path` does: an atomic replacement."""
    tmp = path + ".tmp"
    write_inplace(tmp, data)
    os.rename(tmp, path)


def put(path, text):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


RUNNING = []


class Proc:
    """A running command whose output lines are collected as they come."""

    def __init__(self, args, cwd, env=None, stderr=subprocess.PIPE):
        e = dict(os.environ)
        e.pop("XDG_RUNTIME_DIR", None)
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        self.args = args
        self.p = subprocess.Popen(reloadd(args), cwd=cwd,
                                  stdout=subprocess.PIPE, stderr=stderr,
                                  env=e, text=True, bufsize=1)
        RUNNING.append(self)
        self.out, self.err = [], []
        self.cv = threading.Condition()
        self.threads = [threading.Thread(target=self._pump,
                                         args=(self.p.stdout, self.out),
                                         daemon=True)]
        if self.p.stderr:
            self.threads.append(threading.Thread(
                target=self._pump, args=(self.p.stderr, self.err),
                daemon=True))
        for t in self.threads:
            t.start()

    def _pump(self, stream, lines):
        for line in stream:
            with self.cv:
                lines.append(line.rstrip("\n"))
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def lines(self, which):
        return self.out if which == "out" else self.err

    def find(self, which, pattern, start=0):
        with self.cv:
            lines = self.lines(which)
            for i in range(start, len(lines)):
                m = re.search(pattern, lines[i])
                if m:
                    return i, m
        return None

    def wait_for(self, which, pattern, timeout=10.0, start=0):
        timeout *= SLOW
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                lines = self.lines(which)
                for i in range(start, len(lines)):
                    m = re.search(pattern, lines[i])
                    if m:
                        return i, m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Fail("waited %.1f s for /%s/ on std%s of reloadd %s"
                               "\n%s" % (timeout, pattern, which,
                                         " ".join(self.args), self.dump()))
                self.cv.wait(min(left, 0.1))

    def count(self, which, pattern):
        with self.cv:
            return sum(1 for l in self.lines(which) if re.search(pattern, l))

    def reloads(self):
        """The reload lines on stderr, parsed."""
        with self.cv:
            return [RELOAD_LINE.search(l) for l in self.err
                    if RELOAD_LINE.search(l)]

    def wait_exit(self, timeout=10.0):
        timeout *= SLOW
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Fail("reloadd did not exit within %.1f s\n%s" %
                       (timeout, self.dump()))
        for t in self.threads:
            t.join(2)
        return self.p.returncode

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(5 * SLOW)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def dump(self):
        with self.cv:
            return ("--- stdout (last 15) ---\n" + "\n".join(self.out[-15:]) +
                    "\n--- stderr (last 25) ---\n" + "\n".join(self.err[-25:]))


def run(args, cwd, env=None, timeout=15):
    e = dict(os.environ)
    e.pop("XDG_RUNTIME_DIR", None)
    if env:
        e.update(env)
    return subprocess.run(reloadd(args), cwd=cwd, env=e, text=True,
                          capture_output=True, timeout=timeout * SLOW)


# ---- fixtures ------------------------------------------------------------

def lib_setup(ws, watch="", extra="", objdir="", config="app.ini", pre=None):
    """main.o (host_main.c) and lib.o (version 1) with a config running
    them; `objdir` puts lib.o in a subdirectory; `pre` names an object
    linked between them (pre.o)."""
    shutil.copy(obj("host_main"), os.path.join(ws, "main.o"))
    first = "main.o"
    if pre:
        shutil.copy(obj(pre), os.path.join(ws, "pre.o"))
        first = "main.o pre.o"
    libdir = os.path.join(ws, objdir) if objdir else ws
    os.makedirs(libdir, exist_ok=True)
    shutil.copy(obj("lib_v1"), os.path.join(libdir, "lib.o"))
    lib = os.path.join(objdir, "lib.o") if objdir else "lib.o"
    put(os.path.join(ws, config),
        "[program]\nobjects = %s %s\nargs = 30000\n"
        "[watch]\nobjects = %s\ndebounce_ms = 20\n%s\n%s" %
        (first, lib, lib, watch, extra))
    return os.path.join(libdir, "lib.o")


def start(ws, args=("app.ini",), env=None):
    d = Proc(list(args), ws, env)
    d.wait_for("out", r"^value 1 count \d+$")
    return d


def finish(d, lib):
    """Load the version that makes the program return 0, and check it did."""
    write_rename(lib, blob("lib_stop"))
    d.wait_for("out", r"^value 99 ")
    eq(d.wait_exit(), 0, "exit status after lib_stop.o was loaded")


def value_count(d, value, timeout=10.0):
    _, m = d.wait_for("out", r"^value %d count (\d+)$" % value, timeout)
    return int(m.group(1))


def quiet(seconds=0.4):
    time.sleep(seconds)


# ---- config parsing ------------------------------------------------------

def validate(ws, text, name="app.ini", cwd=None, extra_args=()):
    put(os.path.join(ws, name), text)
    return run(list(extra_args) + ["--validate", name], cwd or ws)


def expect_errors(ws, text, errors, warnings=(), name="app.ini"):
    r = validate(ws, text, name)
    want = "".join(w + "\n" for w in warnings) + "".join(e + "\n" for e in errors)
    n = len(errors)
    want += "reloadd: %s: %d error%s; nothing was started\n" % (
        name, n, "" if n == 1 else "s")
    eq(r.stderr, want, "stderr of reloadd --validate")
    eq(r.returncode, 1, "exit status")
    eq(r.stdout, "", "stdout")


def dump_of(ws, **over):
    """The --validate dump of a config with every default, then `over`."""
    d = {
        "program.objects": "", "program.libraries": "",
        "program.library_paths": "", "program.entry": "main",
        "program.argv0": "",
        "program.args": "", "program.workdir": "",
        "watch.objects": "", "watch.sources": "", "watch.build": "",
        "watch.build_timeout_s": "300", "watch.debounce_ms": "20",
        "watch.allow_shared_dirs": "false",
        "reload.mode": "immediate", "reload.keep_state": "true",
        "reload.retire_ms": "250", "reload.keep_versions": "8",
        "reload.guard": "false",
        "reload.perf_map": "true",
        "log.level": "info", "log.color": "auto", "log.file": "",
    }
    for k, v in over.items():
        d[k.replace("__", ".")] = v
    return "".join("%s = %s\n" % (k, v) if v else "%s = \n" % k
                   for k, v in d.items())


def t_config_every_key(ws):
    for f in ("build/main.o", "build/extra.o"):
        os.makedirs(os.path.join(ws, "build"), exist_ok=True)
        shutil.copy(obj("lib_v1"), os.path.join(ws, f))
    put(os.path.join(ws, "src/a.c"), "int a;\n")
    for d in ("libdir", "wd", "logs"):
        os.makedirs(os.path.join(ws, d))
    r = validate(ws, """\
[program]
objects = build/main.o, build/extra.o
libraries = m z
library_paths = libdir
entry = alt_main
argv0 = ./my game
args = one "two words" 'three'
workdir = wd
[watch]
objects = build/extra.o
sources = src/*.c
build = make -s
build_timeout_s = 7
debounce_ms = 35
allow_shared_dirs = true
[reload]
mode = safepoint
keep_state = false
retire_ms = 900
keep_versions = 3
guard = true
perf_map = false
[log]
level = debug
color = never
file = logs/r.log
""")
    eq(r.stderr, "", "stderr")
    eq(r.returncode, 0, "exit status")
    eq(r.stdout, dump_of(
        ws,
        program__objects="%s/build/main.o %s/build/extra.o" % (ws, ws),
        program__libraries="m z", program__library_paths=ws + "/libdir",
        program__entry="alt_main", program__argv0="./my game",
        program__args='one "two words" three',
        program__workdir=ws + "/wd", watch__objects=ws + "/build/extra.o",
        watch__sources=ws + "/src/*.c", watch__build="make -s",
        watch__build_timeout_s="7", watch__debounce_ms="35",
        watch__allow_shared_dirs="true", reload__mode="safepoint",
        reload__keep_state="false", reload__retire_ms="900",
        reload__keep_versions="3", reload__guard="true", reload__perf_map="false", log__level="debug",
        log__color="never",
        log__file=ws + "/logs/r.log"), "dump of every key")
    # The other spellings of each boolean and choice.
    for word, val in (("yes", "true"), ("on", "true"), ("1", "true"),
                      ("no", "false"), ("off", "false"), ("0", "false")):
        r = validate(ws, "[program]\nobjects = build/main.o\n"
                     "[reload]\nkeep_state = %s\n" % word)
        eq(r.returncode, 0, "exit status for keep_state = " + word)
        check("reload.keep_state = %s\n" % val in r.stdout,
              "keep_state = %s gave\n%s" % (word, r.stdout))
    for key, vals in (("reload]\nmode", ("immediate", "safepoint")),
                      ("log]\nlevel", ("error", "warn", "info", "debug")),
                      ("log]\ncolor", ("auto", "always", "never"))):
        for v in vals:
            r = validate(ws, "[program]\nobjects = build/main.o\n[%s = %s\n"
                         % (key, v))
            eq(r.returncode, 0, "exit status for %s = %s" % (key, v))
            check((" = %s\n" % v) in r.stdout, "%s = %s gave\n%s" %
                  (key, v, r.stdout))


def t_config_defaults(ws):
    shutil.copy(obj("lib_v1"), os.path.join(ws, "a.o"))
    r = validate(ws, "[program]\nobjects = a.o\n")
    eq(r.stderr, "", "stderr")
    eq(r.stdout, dump_of(ws, program__objects=ws + "/a.o",
                         watch__objects=ws + "/a.o"), "defaults")


def t_config_relative_paths(ws):
    sub = os.path.join(ws, "proj")
    os.makedirs(os.path.join(sub, "obj"))
    shutil.copy(obj("lib_v1"), os.path.join(sub, "obj/a.o"))
    os.makedirs(os.path.join(ws, "elsewhere"))
    put(os.path.join(sub, "app.ini"),
        "[program]\nobjects = obj/a.o\nworkdir = .\n[log]\nfile = r.log\n")
    # From another directory, paths stay relative to the config file.
    r = run(["--validate", "../proj/app.ini"], os.path.join(ws, "elsewhere"))
    eq(r.returncode, 0, "exit status")
    check("program.objects = %s/obj/a.o\n" % sub in r.stdout, r.stdout)
    check("program.workdir = %s\n" % sub in r.stdout, r.stdout)
    check("log.file = %s/r.log\n" % sub in r.stdout, r.stdout)
    # Messages name the file as it was given.
    put(os.path.join(sub, "app.ini"), "[program]\nobjects = obj/b.o\n")
    r = run(["--validate", "../proj/app.ini"], os.path.join(ws, "elsewhere"))
    eq(r.stderr, "../proj/app.ini:2: [program] objects: obj/b.o: No such "
       "file or directory\nreloadd: ../proj/app.ini: 1 error; nothing was "
       "started\n", "stderr")


def t_config_syntax_errors(ws):
    shutil.copy(obj("lib_v1"), os.path.join(ws, "a.o"))
    expect_errors(ws, """\
[program]
objects = a.o
this line has no equals sign
[watch
= 5
  [reload]
[log]
level = info ; an inline comment is fine
level2
""", [
        "app.ini:3: expected 'key = value' or '[section]'",
        "app.ini:4: expected ']' to close the section name",
        "app.ini:5: expected a key name before '='",
        "app.ini:9: expected 'key = value' or '[section]'",
    ])


def t_config_unknown_names(ws):
    shutil.copy(obj("lib_v1"), os.path.join(ws, "a.o"))
    expect_errors(ws, """\
objects = a.o
[programm]
objects = a.o
[program]
objcts = a.o
objects = a.o
build = make
Objects = a.o
zzzzzz = 1
objects = b.o
[logging]
level = info
[reload]
sources = *.c
debounce = 5
""", [
        "app.ini:1: key 'objects' is outside any section; put it under "
        "[program]",
        "app.ini:2: unknown section [programm]; did you mean [program]?",
        "app.ini:5: unknown key 'objcts' in [program]; did you mean "
        "'objects'?",
        "app.ini:7: unknown key 'build' in [program]; 'build' belongs in "
        "[watch]",
        "app.ini:8: unknown key 'Objects' in [program]; did you mean "
        "'objects'?",
        "app.ini:9: unknown key 'zzzzzz' in [program]; its keys are objects, "
        "libraries, library_paths, entry, argv0, args, workdir",
        "app.ini:10: [program] objects is set twice (first at line 6)",
        "app.ini:11: unknown section [logging]; the sections are [program], "
        "[watch], [reload], [log]",
        "app.ini:14: unknown key 'sources' in [reload]; 'sources' belongs in "
        "[watch]",
        "app.ini:15: unknown key 'debounce' in [reload]; its keys are mode, "
        "keep_state, retire_ms, keep_versions, guard, perf_map",
    ])
    expect_errors(ws, "[program]\nobjects = a.o\n[reload]\nretire = 5\n"
                  "[watch]\nbuild_timeout = 3\nnothing_like_it = 1\n", [
                      "app.ini:4: unknown key 'retire' in [reload]; its keys "
                      "are mode, keep_state, retire_ms, keep_versions, guard, perf_map",
                      "app.ini:6: unknown key 'build_timeout' in [watch]; "
                      "did you mean 'build_timeout_s'?",
                      "app.ini:7: unknown key 'nothing_like_it' in [watch]; "
                      "its keys are objects, sources, build, "
                      "build_timeout_s, debounce_ms, allow_shared_dirs",
                  ])
    expect_errors(ws, "[program]\nobjects = a.o\nlibrary_path = x\n"
                  "[watch]\nsource = *.c\n[reload]\nmdoe = safepoint\n"
                  "[log]\nlevels = info\nfiles = x\n", [
                      "app.ini:3: unknown key 'library_path' in [program]; "
                      "did you mean 'library_paths'?",
                      "app.ini:5: unknown key 'source' in [watch]; did you "
                      "mean 'sources'?",
                      "app.ini:7: unknown key 'mdoe' in [reload]; did you "
                      "mean 'mode'?",
                      "app.ini:9: unknown key 'levels' in [log]; did you "
                      "mean 'level'?",
                      "app.ini:10: unknown key 'files' in [log]; did you "
                      "mean 'file'?",
                  ])
    expect_errors(ws, "[program]\nobjects = a.o\n[wacth]\n[relaod]\n[lgo]\n",
                  ["app.ini:3: unknown section [wacth]; did you mean [watch]?",
                   "app.ini:4: unknown section [relaod]; did you mean "
                   "[reload]?",
                   "app.ini:5: unknown section [lgo]; did you mean [log]?"])


def t_config_bad_values(ws):
    shutil.copy(obj("lib_v1"), os.path.join(ws, "a.o"))
    put(os.path.join(ws, "plain"), "x")
    expect_errors(ws, """\
[program]
objects = a.o
libraries = -lm sub/libx.so
library_paths = nodir plain
entry = 9lives
args = "unterminated
workdir = nowhere
[watch]
build =
build_timeout_s = 0
debounce_ms = 20ms
allow_shared_dirs = maybe
[reload]
mode = safepiont
keep_state = ture
retire_ms = -1
guard = yes please
[log]
level = verbose
color = sometimes
file = nodir/r.log
""", [
        "app.ini:3: [program] libraries: write 'm', not '-lm'",
        "app.ini:3: [program] libraries: 'sub/libx.so' is not a library "
        "name; list names as for -l NAME and put directories in "
        "library_paths",
        "app.ini:4: [program] library_paths: nodir: No such file or "
        "directory",
        "app.ini:4: [program] library_paths: plain is not a directory",
        "app.ini:5: [program] entry = '9lives': expected a symbol name such "
        "as main",
        "app.ini:6: [program] args: unterminated quote",
        "app.ini:7: [program] workdir: nowhere: No such file or directory",
        "app.ini:9: [watch] build is empty; give a shell command or remove "
        "the line",
        "app.ini:10: [watch] build_timeout_s = '0': expected a whole number "
        "of seconds from 1 to 86400",
        "app.ini:11: [watch] debounce_ms = '20ms': expected a whole number "
        "of milliseconds from 0 to 10000",
        "app.ini:12: [watch] allow_shared_dirs = 'maybe': accepted values "
        "are true, false",
        "app.ini:14: [reload] mode = 'safepiont': accepted values are "
        "immediate, safepoint; did you mean 'safepoint'?",
        "app.ini:15: [reload] keep_state = 'ture': accepted values are true, "
        "false; did you mean 'true'?",
        "app.ini:16: [reload] retire_ms = '-1': expected a whole number of "
        "milliseconds from 1 to 3600000",
        "app.ini:17: [reload] guard = 'yes please': accepted values are "
        "true, false",
        "app.ini:19: [log] level = 'verbose': accepted values are error, "
        "warn, info, debug",
        "app.ini:20: [log] color = 'sometimes': accepted values are auto, "
        "always, never",
        "app.ini:21: [log] file: directory %s/nodir: No such file or "
        "directory" % ws,
    ])
    expect_errors(ws, "[program]\nobjects = a.o\n[watch]\n"
                  "debounce_ms = 10001\nbuild_timeout_s = 86401\n"
                  "[reload]\nretire_ms = 3600001\n[program]\nentry =\n", [
                      "app.ini:4: [watch] debounce_ms = '10001': expected a "
                      "whole number of milliseconds from 0 to 10000",
                      "app.ini:5: [watch] build_timeout_s = '86401': "
                      "expected a whole number of seconds from 1 to 86400",
                      "app.ini:7: [reload] retire_ms = '3600001': expected a "
                      "whole number of milliseconds from 1 to 3600000",
                      "app.ini:9: [program] entry = '': expected a symbol "
                      "name such as main",
                  ])
    # The limits themselves are accepted.
    r = validate(ws, "[program]\nobjects = a.o\n[watch]\ndebounce_ms = 0\n"
                 "build_timeout_s = 86400\n[reload]\nretire_ms = 1\n")
    eq(r.returncode, 0, "exit status at the limits: " + r.stderr)


def t_config_globs(ws):
    for n in ("a.o", "b.o", "c.o"):
        shutil.copy(obj("lib_v1"), os.path.join(ws, n))
    os.makedirs(os.path.join(ws, "d.o"))
    os.makedirs(os.path.join(ws, "only/x.o"))
    r = validate(ws, "[program]\nobjects = {c,a}.o b.o *.o\n")
    eq(r.returncode, 0, "exit status: " + r.stderr)
    # In the order given, each once; directories that match are skipped.
    check("program.objects = %s/c.o %s/a.o %s/b.o\n" % (ws, ws, ws)
          in r.stdout, r.stdout)
    expect_errors(ws, "[program]\nobjects = a.o *.zz missing.o d.o "
                  "only/*.o\n", [
                      "app.ini:2: [program] objects: '*.zz' matches no file",
                      "app.ini:2: [program] objects: missing.o: No such file "
                      "or directory",
                      "app.ini:2: [program] objects: d.o is a directory; "
                      "name the .o and .a files in it, e.g. d.o/*.o",
                      "app.ini:2: [program] objects: 'only/*.o' matches only "
                      "directories",
                  ])
    expect_errors(ws, "[watch]\nobjects = a.o\n", [
        "app.ini: [program] objects is required: list the program's .o and "
        ".a files (globs allowed)"])
    expect_errors(ws, "[program]\nobjects =\n", [
        "app.ini:2: [program] objects is empty: list the program's .o and .a "
        "files"])
    # Sources may match nothing yet (a warning), and without a build command
    # they do nothing (another).
    r = validate(ws, "[program]\nobjects = a.o\n[watch]\nsources = src/*.c\n")
    eq(r.returncode, 0, "exit status")
    eq(r.stderr, "app.ini:4: warning: [watch] sources: 'src/*.c' matches no "
       "file yet\napp.ini:4: warning: [watch] sources are watched but "
       "[watch] build is not set, so changing them does nothing\n",
       "warnings")
    r = validate(ws, "[program]\nobjects = a.o\n[watch]\nbuild = make\n")
    eq(r.stderr, "app.ini:4: warning: [watch] build is set but [watch] "
       "sources is empty, so the build never runs\n", "warnings")
    # ~/ is the home directory.
    home = os.path.join(ws, "home")
    os.makedirs(home)
    shutil.copy(obj("lib_v1"), os.path.join(home, "h.o"))
    put(os.path.join(ws, "app.ini"), "[program]\nobjects = ~/h.o\n")
    r = run(["--validate", "app.ini"], ws, env={"HOME": home})
    check("program.objects = %s/h.o\n" % home in r.stdout, r.stdout + r.stderr)


def t_config_continuation(ws):
    for n in ("a.o", "b.o", "c.o"):
        shutil.copy(obj("lib_v1"), os.path.join(ws, n))
    r = validate(ws, "\ufeff# a comment\n; another\n[program]\n"
                 "objects = a.o\n  b.o ; inline comment\n\n  c.o\n"
                 "args: --x 1\n    'two words'\n[watch]\n"
                 "build = make\n  -C . all\n")
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check("program.objects = %s/a.o %s/b.o %s/c.o\n" % (ws, ws, ws)
          in r.stdout, r.stdout)
    check('program.args = --x 1 "two words"\n' in r.stdout, r.stdout)
    check("watch.build = make -C . all\n" in r.stdout, r.stdout)


def t_config_long_line(ws):
    """Lines of any length: 5,000 characters of objects and of args, each
    on one line, are read whole, and so are the keys after them."""
    names = ["obj%03d_%s.o" % (i, "x" * 12) for i in range(300)]
    for n in names:
        shutil.copy(obj("lib_v1"), os.path.join(ws, n))
    objects = " ".join(names)
    words = ["word%04d" % i for i in range(560)]
    args = " ".join(words)
    check(len(objects) > 5000 and len(args) > 5000, "lines too short")
    r = validate(ws, "[program]\nobjects = %s\nargs = %s\n[watch]\n"
                 "debounce_ms = 5\n" % (objects, args))
    eq((r.returncode, r.stderr), (0, ""), "exit status and stderr")
    full = " ".join(os.path.join(ws, n) for n in names)
    eq(r.stdout, dump_of(ws, program__objects=full, program__args=args,
                         watch__objects=full, watch__debounce_ms="5"),
       "the settings")


def t_config_missing_file(ws):
    r = run(["nothere.ini"], ws)
    eq(r.stderr, "nothere.ini: cannot read: No such file or directory\n"
       "reloadd: nothere.ini: 1 error; nothing was started\n", "stderr")
    eq(r.returncode, 1, "exit status")
    os.makedirs(os.path.join(ws, "dir.ini"))
    r = run(["dir.ini"], ws)
    eq(r.stderr, "dir.ini: is a directory; give the .ini file\n"
       "reloadd: dir.ini: 1 error; nothing was started\n", "stderr")
    r = run(["--bogus", "x.ini"], ws)
    eq((r.returncode, r.stderr), (2, "reloadd: unknown option '--bogus'; see "
                                  "reloadd --help\n"), "unknown option")
    r = run(["a.ini", "b.ini"], ws)
    eq((r.returncode, r.stderr), (2, "reloadd: one config file at a time; "
                                  "'b.ini' is a second one (program "
                                  "arguments go after --); see reloadd "
                                  "--help\n"), "two configs")
    r = run(["--color=pink", "a.ini"], ws)
    eq((r.returncode, r.stderr), (2, "reloadd: --color takes auto, always or "
                                  "never, not 'pink'; see reloadd --help\n"),
       "bad --color")
    r = run(["-v"], ws)
    eq((r.returncode, r.stderr), (2, "reloadd: no config file given; see "
                                  "reloadd --help\n"), "no config")


def t_config_shared_dir(ws):
    shared = os.path.join(ws, "shared")
    os.makedirs(shared)
    shutil.copy(obj("lib_v1"), os.path.join(shared, "a.o"))
    os.chmod(shared, 0o777)
    expect_errors(ws, "[program]\nobjects = shared/a.o\n", [
        "app.ini:2: [program] objects: %s can be written by any user (mode "
        "0777): loading an object runs its code, so they could run code as "
        "you; keep objects in a private directory or set [watch] "
        "allow_shared_dirs = true" % shared])
    os.chmod(shared, 0o1777)
    expect_errors(ws, "[program]\nobjects = shared/a.o\n", [
        "app.ini:2: [program] objects: %s can be written by any user (mode "
        "1777): loading an object runs its code, so they could run code as "
        "you; keep objects in a private directory or set [watch] "
        "allow_shared_dirs = true" % shared])
    r = validate(ws, "[program]\nobjects = shared/a.o\n[watch]\n"
                 "allow_shared_dirs = true\n")
    eq((r.returncode, r.stderr), (0, ""), "with allow_shared_dirs = true")
    os.chmod(shared, 0o700)
    r = validate(ws, "[program]\nobjects = shared/a.o\n")
    eq((r.returncode, r.stderr), (0, ""), "private again")
    if os.geteuid() == 0:
        # A group that is not ours may write: refused too.
        os.chown(shared, 0, 65534)
        os.chmod(shared, 0o770)
        expect_errors(ws, "[program]\nobjects = shared/a.o\n", [
            "app.ini:2: [program] objects: %s can be written by the members "
            "of its group (mode 0770): loading an object runs its code, so "
            "they could run code as you; keep objects in a private directory "
            "or set [watch] allow_shared_dirs = true" % shared])
        os.chmod(shared, 0o755)
        os.chown(shared, 65534, 0)
        check("can be written by its owner" in
              validate(ws, "[program]\nobjects = shared/a.o\n").stderr,
              "a directory of another user is refused")
        os.chown(shared, 0, 0)


def t_config_watch_subset(ws):
    for n in ("a.o", "b.o"):
        shutil.copy(obj("lib_v1"), os.path.join(ws, n))
    expect_errors(ws, "[program]\nobjects = a.o\n[watch]\nobjects = a.o b.o\n",
                  ["app.ini:4: [watch] objects: b.o is not one of [program] "
                   "objects; only objects the program links can be "
                   "reloaded"])


def t_config_example(ws):
    """config/example.ini is valid and documents every key."""
    for f in ("build/main.o", "build/game.o"):
        os.makedirs(os.path.join(ws, "build"), exist_ok=True)
        shutil.copy(obj("lib_v1"), os.path.join(ws, f))
    put(os.path.join(ws, "src/x.c"), "int x;\n")
    put(os.path.join(ws, "src/x.h"), "extern int x;\n")
    os.makedirs(os.path.join(ws, "third_party/lib"))
    shutil.copy(EXAMPLE_INI, os.path.join(ws, "example.ini"))
    r = run(["--validate", "example.ini"], ws)
    eq((r.returncode, r.stderr), (0, ""), "example.ini validates")
    text = open(EXAMPLE_INI).read()
    section = None
    documented = set()
    for line in text.splitlines():
        m = re.match(r"^\[(\w+)\]", line)
        if m:
            section = m.group(1)
        m = re.match(r"^(\w+) =", line)
        if m:
            documented.add("%s.%s" % (section, m.group(1)))
    keys = {l.split(" = ")[0] for l in r.stdout.splitlines()}
    eq(sorted(keys - documented), [], "keys example.ini does not document")
    # Each key is preceded by a comment explaining it.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\w+ =", line):
            check(lines[i - 1].startswith(";"), "no comment above " + line)


def t_config_program_run(ws):
    shutil.copy(obj("args_main"), os.path.join(ws, "args.o"))
    os.makedirs(os.path.join(ws, "wd"))
    put(os.path.join(ws, "app.ini"),
        "[program]\nobjects = args.o\nentry = alt_main\n"
        "args = one \"two words\" 'th\"ree'\nworkdir = wd\n")
    r = run(["-q", "app.ini"], ws)
    eq(r.stdout, "arg 1 [one]\narg 2 [two words]\narg 3 [th\"ree]\n"
       "cwd %s/wd\n" % ws, "the program's arguments and directory")
    eq(r.returncode, 5, "exit status is the entry's return value")
    eq(r.stderr, "", "stderr with -q")


def t_config_args_override(ws):
    shutil.copy(obj("args_main"), os.path.join(ws, "args.o"))
    put(os.path.join(ws, "app.ini"),
        "[program]\nobjects = args.o\nentry = alt_main\nargs = a b c\n")
    r = run(["-q", "app.ini", "--", "x", "-v"], ws)
    eq(r.stdout, "arg 1 [x]\narg 2 [-v]\ncwd %s\n" % ws,
       "arguments after -- replace [program] args")
    r = run(["-q", "app.ini", "--"], ws)
    eq(r.stdout, "cwd %s\n" % ws, "an empty -- gives no arguments")


# ---- the command line ----------------------------------------------------

def t_cli_help(ws):
    """--help after any command prints the usage, which lists every option
    of `run`; after "--" it is the program's."""
    for cmd in (["run"], ["check"], ["inspect"], ["status"], ["reload"],
                ["run", "--watch", "x.o"], ["status", "app.ini", "-h"]):
        r = run(cmd + (["--help"] if cmd[-1] != "-h" else []), ws)
        eq((r.returncode, r.stderr), (0, ""), " ".join(cmd) + " --help")
        check(r.stdout.startswith("usage: reloadd "), r.stdout)
        for opt in ("--allow-shared-dirs", "--argv0 NAME", "--no-perf-map",
                    "--keep-perf-map"):
            check(opt in r.stdout, "the usage does not list %s:\n%s" %
                  (opt, r.stdout))
    shutil.copy(obj("args_main"), os.path.join(ws, "args.o"))
    r = run(["run", "--entry", "alt_main", "args.o", "--", "--help"], ws)
    eq((r.returncode, r.stdout), (5, "arg 1 [--help]\ncwd %s\n" % ws),
       "--help after -- goes to the program")


def t_check_summary(ws):
    """`reloadd check`'s last line says what was read before a link failed,
    never "0 sections ... 0 relocations"."""
    shutil.copy(obj("lib_undef"), os.path.join(ws, "undef.o"))
    shutil.copy(obj("lib_v1"), os.path.join(ws, "a.o"))
    put(os.path.join(ws, "junk.o"), "not an object\n")
    r = run(["check", "undef.o"], ws)
    eq(r.returncode, 1, "exit status: " + r.stderr)
    last = r.stderr.splitlines()[-1]
    check(re.match(r"^reloadd: the link failed \(1 problem\) after reading "
                   r"1 object and \d+ symbols; nothing was laid out; "
                   r"[\d.]+ ms$", last), "summary: " + r.stderr)
    r = run(["check", "junk.o"], ws)
    eq(r.returncode, 1, "exit status: " + r.stderr)
    check(re.match(r"^junk\.o: .*\nreloadd: the link failed \(1 problem\): "
                   r"no object could be read; [\d.]+ ms\n$", r.stderr),
          "summary: " + r.stderr)
    r = run(["check", "a.o", "junk.o", "undef.o"], ws)
    check(re.search(r"\nreloadd: the link failed \(1 problem\) after "
                    r"reading 2 objects; nothing was laid out; [\d.]+ ms\n$",
                    r.stderr), "summary: " + r.stderr)
    check(" 0 sections" not in r.stderr, r.stderr)
    r = run(["check", "a.o"], ws)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check(re.match(r"^reloadd: 1 objects, \d+ sections, \d+ symbols, \d+ "
                   r"relocations, [\d.]+ ms\n$", r.stderr), r.stderr)


# ---- the watcher ---------------------------------------------------------

def t_watch_inplace(ws):
    lib = lib_setup(ws)
    d = start(ws)
    write_inplace(lib, blob("lib_v2"))
    c = value_count(d, 2)
    check(c > 1, "lib.o's call counter was reset: count %d" % c)
    quiet()
    rl = d.reloads()
    eq(len(rl), 1, "reload lines for one in-place write")
    eq((rl[0].group(1), rl[0].group(2)), ("lib.o", "2"), "file and version")
    check(int(rl[0].group(6)) >= 1, "the counter was kept: " + rl[0].group(0))
    finish(d, lib)


def t_watch_rename(ws):
    lib = lib_setup(ws)
    d = start(ws)
    write_rename(lib, blob("lib_v2"))
    c2 = value_count(d, 2)
    write_rename(lib, blob("lib_v3"))
    c3 = value_count(d, 3)
    check(c3 > c2 > 1, "counts %d, %d: the counter must keep counting" %
          (c2, c3))
    want_reloads(d, ["2", "3"], "versions reloaded")
    finish(d, lib)


def t_watch_chunks(ws):
    lib = lib_setup(ws)
    d = start(ws)
    data = blob("lib_v2")
    third = len(data) // 3
    fd = os.open(lib, os.O_WRONLY | os.O_TRUNC)
    for i in range(3):
        os.write(fd, data[i * third:(i + 1) * third if i < 2 else len(data)])
        if i < 2:
            time.sleep(0.2)
    os.close(fd)
    value_count(d, 2)
    quiet()
    eq(len(d.reloads()), 1, "reloads of an object written in three chunks")
    eq(d.count("err", r"refused|error"), 0,
       "errors about the half-written object")
    finish(d, lib)


def t_watch_burst(ws):
    lib = lib_setup(ws)
    d = start(ws)
    v2, v3 = blob("lib_v2"), blob("lib_v3")
    for i in range(50):
        write_inplace(lib, v2 if i % 2 == 0 else v3)
        time.sleep(0.002)
    value_count(d, 3)
    quiet(0.5)
    n = len(d.reloads())
    check(1 <= n <= 5, "a burst of 50 writes gave %d reloads" % n)
    eq(d.reloads()[-1].group(1), "lib.o", "reloaded file")
    eq(d.count("err", r"refused"), 0, "refused reloads in the burst")
    finish(d, lib)


def t_watch_editor_save(ws):
    """vim's way: probe the directory with 4913, move the file to a backup,
    write a new file; emacs's lock files and autosaves beside it."""
    lib = lib_setup(ws)
    d = start(ws)
    probe = os.path.join(ws, "4913")
    put(probe, "")
    os.unlink(probe)
    os.rename(lib, lib + "~")
    put(os.path.join(ws, ".#lib.o"), "lock")
    write_inplace(lib, blob("lib_v2"))
    put(os.path.join(ws, "#lib.o#"), "autosave")
    value_count(d, 2)
    quiet()
    want_reloads(d, ["2"], "versions reloaded")
    eq(d.count("err", r"refused|error"), 0, "errors")
    finish(d, lib)


def t_watch_refused(ws):
    lib = lib_setup(ws)
    d = start(ws)
    write_rename(lib, blob("lib_undef"))
    _, m = d.wait_for("err", r"lib\.o: reload refused, the running version "
                      r"stays: .*lib_missing_helper")
    quiet()
    eq(d.count("err", r"reload refused"), 1, "refusals of one bad file")
    eq(d.find("out", r"^value (?!1 )"), None, "a value other than 1")
    write_rename(lib, blob("lib_v2"))
    value_count(d, 2)
    want_reloads(d, ["2"], "the good version is v2")
    finish(d, lib)


def t_watch_dir_recreated(ws):
    lib = lib_setup(ws, objdir="deep/sub")
    d = start(ws)
    # The directory goes and comes back.
    shutil.rmtree(os.path.join(ws, "deep/sub"))
    quiet(0.3)
    os.makedirs(os.path.join(ws, "deep/sub"))
    write_inplace(lib, blob("lib_v2"))
    value_count(d, 2)
    # Its parent too; then a new directory appears before the file does.
    shutil.rmtree(os.path.join(ws, "deep"))
    quiet(0.3)
    os.makedirs(os.path.join(ws, "deep"))
    quiet(0.1)
    os.makedirs(os.path.join(ws, "deep/sub"))
    quiet(0.1)
    write_rename(lib, blob("lib_v3"))
    value_count(d, 3)
    # Replaced by another directory in one rename.
    os.makedirs(os.path.join(ws, "next"))
    write_inplace(os.path.join(ws, "next/lib.o"), blob("lib_v2"))
    shutil.rmtree(os.path.join(ws, "deep/sub"))
    os.rename(os.path.join(ws, "next"), os.path.join(ws, "deep/sub"))
    value_count(d, 2, timeout=5)
    finish(d, lib)


def t_watch_shared_dir_runtime(ws):
    lib = lib_setup(ws, objdir="objs")
    d = start(ws)
    objs = os.path.join(ws, "objs")
    os.chmod(objs, 0o777)
    write_rename(lib, blob("lib_v2"))
    d.wait_for("err", r"lib\.o: not reloaded: %s can be written by any user "
               r"\(mode 0777\): loading an object runs its code, so they "
               r"could run code as you; set \[watch\] allow_shared_dirs = "
               r"true" % re.escape(objs))
    quiet()
    eq(d.reloads(), [], "reloads from a shared directory")
    os.chmod(objs, 0o755)
    write_rename(lib, blob("lib_v3"))
    value_count(d, 3)
    finish(d, lib)


def t_watch_symlink_out(ws):
    """An object that is a symlink out of the config's tree: said so, and
    watched where it really is."""
    out = os.path.realpath(tempfile.mkdtemp(prefix="reloadd-out-"))
    try:
        shutil.copy(obj("lib_v1"), os.path.join(out, "lib.o"))
        lib_setup(ws)
        os.unlink(os.path.join(ws, "lib.o"))
        os.symlink(os.path.join(out, "lib.o"), os.path.join(ws, "lib.o"))
        d = start(ws)
        d.wait_for("err", r"warning: object lib\.o leads through a symlink "
                   r"to %s/lib\.o, outside %s; watching it there too$" %
                   (re.escape(out), re.escape(ws)))
        # The target changes: seen in its own directory.
        write_inplace(os.path.join(out, "lib.o"), blob("lib_v2"))
        value_count(d, 2)
        # The link is pointed elsewhere: seen in the link's directory.
        shutil.copy(obj("lib_v3"), os.path.join(out, "lib3.o"))
        os.symlink(os.path.join(out, "lib3.o"), os.path.join(ws, "tmp.lnk"))
        os.rename(os.path.join(ws, "tmp.lnk"), os.path.join(ws, "lib.o"))
        value_count(d, 3)
        finish(d, os.path.join(ws, "lib.o"))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def build_setup(ws, timeout_s=None):
    lib = lib_setup(ws, watch="sources = src/*.c\nbuild = sh build.sh\n%s" %
                    ("build_timeout_s = %d\n" % timeout_s if timeout_s else ""))
    put(os.path.join(ws, "src/a.c"), "int a;\n")
    for v in ("lib_v2", "lib_v3"):
        shutil.copy(obj(v), os.path.join(ws, v + ".o"))
    return lib


def touch_source(ws, text="int a;\n"):
    put(os.path.join(ws, "src/a.c"), text)


def t_build_failing(ws):
    lib = build_setup(ws)
    put(os.path.join(ws, "build.sh"),
        "cp lib_v2.o lib.o\necho 'a.c:1:1: error: boom' >&2\nexit 1\n")
    d = start(ws)
    touch_source(ws, "int a = 1;\n")
    d.wait_for("err", r"sources changed; building: sh build\.sh")
    d.wait_for("err", r"^a\.c:1:1: error: boom$")
    d.wait_for("err", r"build failed with exit status 1 \([\d.]+ s\); "
               r"nothing was reloaded")
    quiet(0.6)
    eq(d.reloads(), [], "reloads after a failing build")
    eq(d.find("out", r"^value 2"), None, "the failed build's object ran")
    # The next good build goes in.
    put(os.path.join(ws, "build.sh"), "cp lib_v3.o lib.o\n")
    touch_source(ws, "int a = 2;\n")
    d.wait_for("err", r"build succeeded in [\d.]+ s")
    value_count(d, 3)
    want_reloads(d, ["2"], "one reload, to v2 of lib.o")
    finish(d, lib)


def t_build_hanging(ws):
    lib = build_setup(ws, timeout_s=1)
    put(os.path.join(ws, "build.sh"),
        "sleep 30 &\necho $! > sleeper.pid\nwait\n")
    d = start(ws)
    t0 = time.monotonic()
    touch_source(ws, "int a = 1;\n")
    d.wait_for("err", r"build is still running after 1 s \(\[watch\] "
               r"build_timeout_s\); stopping it", timeout=5)
    d.wait_for("err", r"build timed out after 1 s and was stopped \([\d.]+ "
               r"s\); nothing was reloaded", timeout=5)
    check(time.monotonic() - t0 < 4 * SLOW,
          "the hanging build took %.1f s to stop"
          % (time.monotonic() - t0))
    pid = int(open(os.path.join(ws, "sleeper.pid")).read())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        raise Fail("the build's child process %d outlived the timeout" % pid)
    put(os.path.join(ws, "build.sh"), "cp lib_v2.o lib.o\n")
    touch_source(ws, "int a = 2;\n")
    value_count(d, 2)
    finish(d, lib)


def t_build_queue(ws):
    lib = build_setup(ws)
    put(os.path.join(ws, "build.sh"),
        "echo run >> builds.log\nsleep 0.6\ncp lib_v2.o lib.o\n")
    d = start(ws)
    touch_source(ws, "int a = 1;\n")
    d.wait_for("err", r"sources changed; building")
    for i in range(5):
        time.sleep(0.05)
        touch_source(ws, "int a = %d;\n" % (i + 2))
    value_count(d, 2)
    i, _ = d.wait_for("err", r"build succeeded")
    d.wait_for("err", r"build succeeded", start=i + 1)
    quiet(1.0)
    eq(open(os.path.join(ws, "builds.log")).read(), "run\nrun\n",
       "builds run for one change and five during it")
    eq(d.count("err", r"sources changed; building"), 2, "builds started")
    finish(d, lib)


def t_run_watch(ws):
    shutil.copy(obj("host_main"), os.path.join(ws, "main.o"))
    lib = os.path.join(ws, "lib.o")
    shutil.copy(obj("lib_v1"), lib)
    d = Proc(["run", "--watch", "main.o", "lib.o", "--", "30000"], ws)
    d.wait_for("out", r"^value 1 ")
    write_inplace(lib, blob("lib_v2"))
    c = value_count(d, 2)
    check(c > 1, "count %d: the counter was reset" % c)
    i, m = d.wait_for("err", r"^reloadd: \d\d:\d\d:\d\d\.\d\d\d lib\.o: v2: "
                      r"functions 1 changed, 0 added, 0 removed; variables "
                      r"1 kept, 0 reset; [\d.]+ ms$")
    write_rename(lib, blob("lib_v3"))
    value_count(d, 3)
    finish(d, lib)
    # A shared directory is refused before anything runs.
    os.chmod(ws, 0o777)
    try:
        r = run(["run", "--watch", "main.o", "lib.o"], ws)
    finally:
        os.chmod(ws, 0o700)
    eq(r.returncode, 1, "exit status in a shared directory")
    eq(r.stderr, "reloadd: run: %s can be written by any user (mode 0777): "
       "loading an object runs its code, so they could run code as you; keep "
       "objects in a private directory or pass --allow-shared-dirs\n" % ws,
       "message")


# ---- signals and logging -------------------------------------------------

def exit_setup(ws):
    shutil.copy(obj("exit_main"), os.path.join(ws, "exit.o"))
    put(os.path.join(ws, "app.ini"), "[program]\nobjects = exit.o\n")


def stop_test(ws, sig, name):
    exit_setup(ws)
    d = Proc(["app.ini"], ws)
    d.wait_for("out", r"^ready$")
    sock = os.path.join(ws, ".app.ini.reloadd.sock")
    check(os.path.exists(sock), "no control socket at " + sock)
    d.p.send_signal(sig)
    rc = d.wait_exit()
    eq(d.out, ["ready", "atexit handler ran", "destructor ran"],
       "the program's output: atexit handlers, then finalizers")
    eq(rc, -sig, "reloadd ends with the signal itself")
    check(d.find("err", r"stopping on %s$" % name), "no 'stopping' line\n" +
          d.dump())
    check(not os.path.exists(sock), "the control socket was left behind")


def t_signal_term(ws):
    stop_test(ws, signal.SIGTERM, "SIGTERM")


def t_signal_int(ws):
    stop_test(ws, signal.SIGINT, "SIGINT")


def hup_until(d, pattern):
    """SIGHUP, and wait for `pattern` on stderr.  Once, in a fresh-clone
    run under TSan, the first SIGHUP of a daemon whose program had just
    started went unanswered for 10 s (never seen in 11 runs since): the
    signal is sent again, up to three times, so that such a run says
    whether the daemon answers at all.  Each wait is the usual one."""
    for tries in range(3):
        d.p.send_signal(signal.SIGHUP)
        try:
            return d.wait_for("err", pattern, timeout=10.0 / 3)
        except Fail:
            if tries == 2:
                raise


def t_signal_hup(ws):
    lib = lib_setup(ws)
    d = start(ws)
    cfg = open(os.path.join(ws, "app.ini")).read()
    put(os.path.join(ws, "app.ini"), cfg.replace("debounce_ms = 20",
                                                 "debounce_ms = soon"))
    hup_until(d, r"error: app\.ini:6: \[watch\] debounce_ms = 'soon': "
              r"expected a whole number of milliseconds from 0 to 10000$")
    d.wait_for("err", r"error: app\.ini has 1 error; keeping the "
               r"configuration in use$")
    # The old configuration still works.
    write_rename(lib, blob("lib_v2"))
    value_count(d, 2)
    # A good one applies: debug logging shows each file event.
    put(os.path.join(ws, "app.ini"), cfg + "[log]\nlevel = debug\n"
        "[reload]\nmode = safepoint\n")
    d.p.send_signal(signal.SIGHUP)
    d.wait_for("err", r"configuration reloaded$")
    d.wait_for("err", r"warning: \[reload\] mode changed; it takes effect "
               r"when reloadd restarts$")
    write_rename(lib, blob("lib_v3"))
    d.wait_for("err", r"debug: lib\.o changed$")
    value_count(d, 3)
    finish(d, lib)


def read_pty(master):
    """Everything a pty's other side wrote until it was closed (EIO), and
    close it."""
    chunks = []
    while True:
        try:
            c = os.read(master, 4096)
        except OSError:
            break
        if not c:
            break
        chunks.append(c)
    os.close(master)
    return b"".join(chunks)


def t_log_file_and_color(ws):
    shutil.copy(obj("host_main"), os.path.join(ws, "main.o"))
    shutil.copy(obj("lib_stop"), os.path.join(ws, "lib.o"))
    base = "[program]\nobjects = main.o lib.o\n[log]\nfile = r.log\n"

    def via_pty(extra_args, env, conf):
        put(os.path.join(ws, "app.ini"), base + conf)
        master, slave = pty.openpty()
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        e.pop("XDG_RUNTIME_DIR", None)
        e["TERM"] = "xterm"
        e.update(env)
        p = subprocess.Popen(reloadd(extra_args + ["app.ini"]), cwd=ws,
                             stdout=subprocess.DEVNULL, stderr=slave, env=e)
        os.close(slave)
        out = read_pty(master)
        eq(p.wait(10 * SLOW), 0, "exit status")
        return out.decode()

    colored = via_pty([], {}, "")
    check("\x1b[" in colored, "no colour on a terminal:\n" + colored)
    plain = via_pty([], {"NO_COLOR": "1"}, "")
    check("\x1b[" not in plain and "running app.ini" in plain,
          "NO_COLOR is not honoured:\n" + plain)
    forced = via_pty([], {"NO_COLOR": "1"}, "color = always\n")
    check("\x1b[" in forced, "color = always gave no colour:\n" + forced)
    never = via_pty(["--color=never"], {}, "color = always\n")
    check("\x1b[" not in never, "--color=never gave colour:\n" + never)
    # Not a terminal: no colour.
    put(os.path.join(ws, "app.ini"), base)
    r = run(["app.ini"], ws)
    check("\x1b[" not in r.stderr and r.returncode == 0, r.stderr)
    check(re.search(r"^reloadd: \d\d:\d\d:\d\d\.\d\d\d running app\.ini",
                    r.stderr, re.M), "timestamps on stderr:\n" + r.stderr)
    # The file has every line, with the date and level, never colour.
    log = open(os.path.join(ws, "r.log")).read()
    lines = log.splitlines()
    eq(len(lines), 5, "lines in the log file (one start line per run)")
    for l in lines:
        check(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d\d\d info: "
                       r"running app\.ini: 2 objects linked", l),
              "log file line: " + repr(l))
    # -q leaves out info lines, everywhere.
    r = run(["-q", "app.ini"], ws)
    eq(r.stderr, "", "stderr with -q")
    eq(len(open(os.path.join(ws, "r.log")).read().splitlines()), 5,
       "lines in the log file after -q")


PARTIAL_MAIN_C = """\
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int lib_value(void);
int main(int argc, char **argv) {
  long pause_ms = argc > 1 ? atol(argv[1]) : 300;
  fputs("partial", stderr);
  printf("wrote\\n");
  fflush(stdout);
  for (int i = 0; i < 10000 && lib_value() != 2; i++)
    usleep(2000);
  usleep(pause_ms * 1000); /* for reloadd's line about version 2 */
  fputs(" rest\\n", stderr);
  return 0;
}
"""


def partial_setup(ws):
    """main.o writes "partial" to stderr, no newline, and finishes the line
    once lib.o is version 2 and reloadd has said so."""
    put(os.path.join(ws, "main.c"), PARTIAL_MAIN_C)
    r = subprocess.run(["gcc", "-O2", "-fPIC", "-c", "-o", "main.o",
                        "main.c"], cwd=ws, capture_output=True, text=True)
    eq(r.returncode, 0, "gcc: " + r.stderr)
    lib = os.path.join(ws, "lib.o")
    shutil.copy(obj("lib_v1"), lib)
    put(os.path.join(ws, "app.ini"),
        "[program]\nobjects = main.o lib.o\nargs = %d\n[watch]\n"
        "objects = lib.o\ndebounce_ms = 20\n" % int(300 * SLOW))
    return lib


def screen(data, cols):
    """The lines a terminal `cols` wide shows for `data`: its wrap held
    back at the last column, ESC [ K and colours understood."""
    rows, row, col, pending = [[]], 0, 0, False
    i = 0
    while i < len(data):
        ch = data[i]
        i += 1
        if ch == "\x1b":
            m = re.match(r"\[([0-9;]*)([@-~])", data[i:])
            i += m.end()
            if m.group(2) == "K":
                del rows[row][col:]
            continue
        if ch == "\r":
            col, pending = 0, False
        elif ch == "\n":
            row, col, pending = row + 1, 0, False
        else:
            if pending:
                row, col, pending = row + 1, 0, False
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = ch
            if col == cols - 1:
                pending = True
            else:
                col += 1
        while len(rows) <= row:
            rows.append([])
    return ["".join(r).rstrip() for r in rows]


def t_log_own_line(ws):
    """reloadd's log line starts a line of its own when the program left
    one unfinished on stderr, which stays as the program wrote it: on a
    file (read back), and on a terminal (which wraps)."""
    lib = partial_setup(ws)
    err = os.path.join(ws, "err.txt")
    with open(err, "w") as f:
        d = Proc(["app.ini"], ws, stderr=f)
        try:
            d.wait_for("out", r"^wrote$")
            write_rename(lib, blob("lib_v2"))
            eq(d.wait_exit(), 0, "exit status")
        except Fail as e:
            raise Fail("%s\n--- stderr, a file ---\n%s" % (e, open(err).read()))
    text = open(err).read()
    lines = text.split("\n")
    check("partial" in lines, "no line of its own for the program's "
          "partial line:\n" + text)
    after = lines[lines.index("partial") + 1]
    check(RELOAD_LINE.search(after) and after.startswith("reloadd: "),
          "not reloadd's line after 'partial':\n" + text)
    eq([l for l in lines if not l.startswith("reloadd: ")],
       ["partial", " rest", ""], "the program's text on stderr")

    for colour in ({}, {"NO_COLOR": "1"}):
        shutil.copy(obj("lib_v1"), lib)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40,
                                                           0, 0))
        e = dict(os.environ, TERM="xterm", **colour)
        e.pop("XDG_RUNTIME_DIR", None)
        if not colour:
            e.pop("NO_COLOR", None)
        p = subprocess.Popen(reloadd(["app.ini"]), cwd=ws, env=e,
                             stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        check(p.stdout.readline() == "wrote\n", "the program did not start")
        time.sleep(0.2 * SLOW)
        write_rename(lib, blob("lib_v2"))
        out = read_pty(master)
        eq(p.wait(10 * SLOW), 0, "exit status")
        shown = screen(out.decode(), 40)
        check("partial" in shown, "the terminal shows no line 'partial':\n" +
              "\n".join(shown))
        i = shown.index("partial")
        check(shown[i + 1].startswith("reloadd: ") and
              "lib.o: v2: " in "".join(shown[i + 1:i + 4]) and
              " rest" in shown[i + 1:], "on the terminal (%r):\n%s" %
              (colour, "\n".join(shown)))


def t_perf_map_exit(ws):
    """The daemon's /tmp/perf-PID.map is there while the program runs, also
    after a forked child exited, and removed when the daemon stops on
    SIGTERM; with [reload] perf_map = keep it stays."""
    env = {"RELOADD_PERF_MAP": "1"}
    lib = lib_setup(ws, pre="fork_pre")
    d = start(ws, env=env)
    path = "/tmp/perf-%d.map" % d.p.pid
    try:
        check(d.find("out", r"^child 1 status 0$"), "child 1 exited")
        check(os.path.exists(path), "no %s while the program runs, after "
              "its child exited" % path)
        d.p.send_signal(signal.SIGTERM)
        eq(d.wait_exit(), -signal.SIGTERM, "exit status after SIGTERM")
        check(not os.path.exists(path), "%s is left after SIGTERM" % path)

        put(os.path.join(ws, "app.ini"),
            open(os.path.join(ws, "app.ini")).read() +
            "[reload]\nperf_map = keep\n")
        r = run(["--validate", "app.ini"], ws)
        check("reload.perf_map = keep\n" in r.stdout, r.stdout + r.stderr)
        shutil.copy(obj("lib_v1"), lib)
        d = start(ws, env=env)
        path = "/tmp/perf-%d.map" % d.p.pid
        finish(d, lib)
        check(os.path.exists(path), "perf_map = keep, and %s is gone" % path)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    expect_errors(ws, "[program]\nobjects = main.o\n[reload]\n"
                  "perf_map = keeep\n",
                  ["app.ini:4: [reload] perf_map = 'keeep': accepted values "
                   "are true, false, keep; did you mean 'keep'?"])


def t_guard_rollback(ws):
    if VALGRIND:
        raise Skip("under valgrind: the program crashes on purpose, and "
                   "memcheck reports that invalid access as an error")
    lib = lib_setup(ws, extra="[reload]\nguard = true\n")
    d = start(ws)
    c1 = int(d.find("out", r"^value 1 count (\d+)$")[1].group(1))
    write_rename(lib, blob("lib_crash"))
    d.wait_for("err", r"the program crashed in reloaded code; that reload "
               r"was rolled back; calling main again")
    # main starts over with version 1, its counter kept.
    i, m = d.wait_for("out", r"^value 1 count (\d+)$", start=1)
    check(int(m.group(1)) > c1, "the counter went back: %s" % m.group(0))
    write_rename(lib, blob("lib_v2"))
    value_count(d, 2)
    finish(d, lib)


def t_reload_safepoint_mode(ws):
    lib = lib_setup(ws, extra="[reload]\nmode = safepoint\n")
    shutil.copy(obj("safepoint_main"), os.path.join(ws, "main.o"))
    d = start(ws, args=("app.ini", "--", "1000"))
    write_rename(lib, blob("lib_v2"))
    d.wait_for("err", r"lib\.o: v2: .*; waiting for the program's next "
               r"reload_safepoint\(\)$")
    i, _ = d.wait_for("out", r"^value 2 ")
    j, _ = d.wait_for("out", r"^safepoints on$")
    check(j < i, "version 2 ran before the program's first safepoint:\n" +
          d.dump())
    finish(d, lib)


def t_reload_reset_state(ws):
    lib = lib_setup(ws, extra="[reload]\nkeep_state = false\n")
    d = start(ws)
    quiet(0.2)
    write_rename(lib, blob("lib_v2"))
    eq(value_count(d, 2), 1, "lib.o's counter with keep_state = false")
    d.wait_for("err", r"lib\.o: v2: .*variables 0 kept, 1 reset")
    finish(d, lib)


# ---- control socket ------------------------------------------------------

def control_env(ws):
    run_dir = os.path.join(ws, "run")
    os.makedirs(run_dir, mode=0o700)
    return {"XDG_RUNTIME_DIR": run_dir}, run_dir


def t_control_status(ws):
    env, run_dir = control_env(ws)
    lib = lib_setup(ws)
    d = start(ws, env=env)
    socks = [f for f in os.listdir(run_dir) if f.endswith(".sock")]
    eq(len(socks), 1, "sockets in $XDG_RUNTIME_DIR")
    check(re.match(r"^reloadd-app-[0-9a-f]{16}\.sock$", socks[0]), socks[0])
    st = os.stat(os.path.join(run_dir, socks[0]))
    check(stat.S_ISSOCK(st.st_mode), "not a socket")
    eq(oct(st.st_mode & 0o777), oct(0o600), "socket mode")
    r = run(["status", "app.ini"], ws, env)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    eq(r.stdout, "config: %s/app.ini\npid: %d\nobjects:\n  lib.o v1\n"
       "  main.o v1\nlast reload: none\nlast error: none\nbuilds: 0, 0 "
       "failed\nreloads: 0, refused: 0, stale hits: 0, rollbacks: 0\n" %
       (ws, d.p.pid), "status before any reload")
    write_rename(lib, blob("lib_v2"))
    value_count(d, 2)
    write_rename(lib, blob("lib_undef"))
    d.wait_for("err", r"reload refused")
    # From elsewhere, through another path to the same config.
    os.makedirs(os.path.join(ws, "elsewhere"))
    r = run(["status", "../app.ini", "--json"], os.path.join(ws, "elsewhere"),
            env)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    s = json.loads(r.stdout)
    eq(s["config"], ws + "/app.ini", "config")
    eq(s["pid"], d.p.pid, "pid")
    objs = {o["path"]: o for o in s["objects"]}
    eq(sorted(objs), [ws + "/lib.o", ws + "/main.o"], "objects")
    eq(objs[ws + "/lib.o"]["version"], 2, "lib.o's version")
    eq(objs[ws + "/main.o"]["version"], 1, "main.o's version")
    states = {v["version"]: v["state"] for v in objs[ws + "/lib.o"]["versions"]}
    eq(states.get(2), "current", "state of v2")
    check(states.get(1) in ("old", "retired"), "state of v1: %r" % states)
    check(re.match(r"lib\.o: v2: functions", s["last_reload"]["message"]),
          s["last_reload"])
    check("lib_missing_helper" in s["last_error"]["message"], s["last_error"])
    eq((s["reloads"], s["refused"], s["rollbacks"]), (1, 1, 0),
       "reloads, refused, rollbacks")
    check(isinstance(s["stale_hits"], int), "stale_hits")
    r = run(["status", "app.ini"], ws, env)
    check(re.search(r"^last reload: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d lib\.o: "
                    r"v2: ", r.stdout, re.M), r.stdout)
    check(re.search(r"^last error: .*lib_missing_helper", r.stdout, re.M),
          r.stdout)
    check(re.search(r"^  lib\.o v2 \(older: ", r.stdout, re.M), r.stdout)
    finish(d, lib)


def t_control_reload(ws):
    env, _ = control_env(ws)
    lib = lib_setup(ws)
    d = start(ws, env=env)
    r = run(["reload", "app.ini", "lib.o"], ws, env)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check(RELOAD_LINE.match(r.stdout) and r.stdout.startswith("lib.o: v2: "),
          "reply: " + r.stdout)
    r = run(["reload", "app.ini"], ws, env)
    eq(r.returncode, 0, "exit status: " + r.stderr)
    check(r.stdout.startswith("lib.o: v3: "), "reply: " + r.stdout)
    r = run(["reload", "app.ini", "nothere.o"], ws, env)
    eq((r.returncode, r.stdout, r.stderr),
       (1, "", "nothere.o is not a watched object; see reloadd status\n"),
       "reloading an object that is not watched")
    write_inplace(lib, blob("lib_undef"))
    d.wait_for("err", r"reload refused")
    r = run(["reload", "app.ini", "lib.o"], ws, env)
    eq(r.returncode, 1, "exit status of a refused reload")
    check(r.stderr.startswith("lib.o: reload refused, the running version "
                              "stays: ") and "lib_missing_helper" in r.stderr,
          r.stderr)
    want_reloads(d, ["2", "3"], "versions loaded")
    check(d.find("err", r"reload requested through the control socket"),
          "the daemon logs forced reloads")
    finish(d, lib)


def t_fork_then_reload(ws):
    """Children of the program change nothing of the parent's: globals,
    watcher, control socket, signals.  The parent then reloads."""
    env, run_dir = control_env(ws)
    lib = lib_setup(ws, pre="fork_pre")
    d = start(ws, env=env)
    check(d.find("out", r"^child 1 status 0$"), "child 1 exited normally")
    check(d.find("out", r"^child 2 signal 15$"), "child 2 died of SIGTERM")
    check(d.find("out", r"^forked flag 0$"), "the child's global stayed its own")
    socks = [f for f in os.listdir(run_dir) if f.endswith(".sock")]
    eq(len(socks), 1, "the control socket outlives the children")
    r = run(["status", "app.ini"], ws, env)
    eq(r.returncode, 0, "status after the children: " + r.stderr)
    check(not d.find("err", r"stopping"), "a child's SIGTERM did not stop reloadd")
    write_rename(lib, blob("lib_v2"))
    value_count(d, 2)
    want_reloads(d, ["2"], "versions loaded")
    finish(d, lib)


def t_argv0_config(ws):
    """argv[0] is a launcher named after the config that runs the program
    again; [program] argv0 replaces it."""
    env, run_dir = control_env(ws)
    lib = lib_setup(ws, pre="fork_pre")
    d = start(ws, env=env)
    _, m = d.wait_for("out", r"^argv0 (.*)$")
    path = m.group(1)
    check(path.startswith(os.path.join(run_dir, "reloadd") + "/") and
          path.endswith("/app") and os.access(path, os.X_OK),
          "argv[0] is an executable launcher in the runtime directory: " + path)
    with open(path) as f:
        text = f.read()
    check(text.startswith("#!/bin/sh\n") and " run --argv0 " in text and
          os.path.join(ws, "lib.o") in text, "launcher:\n" + text)
    finish(d, lib)
    check(not os.path.exists(path), "the launcher is removed at exit")
    put(os.path.join(ws, "app.ini"),
        open(os.path.join(ws, "app.ini")).read().replace(
            "[program]\n", "[program]\nargv0 = my-game\n"))
    shutil.copy(obj("lib_v1"), os.path.join(ws, "lib.o"))
    d = start(ws, env=env)
    check(d.find("out", r"^argv0 my-game$"), "[program] argv0 is argv[0]")
    finish(d, lib)


def t_control_other_user(ws):
    if os.geteuid() != 0:
        raise Skip("needs root to act as another user")
    env, run_dir = control_env(ws)
    os.chmod(ws, 0o755)
    os.chmod(run_dir, 0o755)
    lib = lib_setup(ws)
    d = start(ws, env=env)
    sock = os.path.join(run_dir, [f for f in os.listdir(run_dir)
                                  if f.endswith(".sock")][0])

    def as_nobody():
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                os.setgid(65534)
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(sock)
                except OSError as e:
                    os.write(w, ("connect: %s" % e.strerror).encode())
                    os._exit(0)
                s.sendall(b"status\n")
                data = b""
                while True:
                    c = s.recv(4096)
                    if not c:
                        break
                    data += c
                os.write(w, data)
            finally:
                os._exit(0)
        os.close(w)
        out = b""
        while True:
            c = os.read(r, 4096)
            if not c:
                break
            out += c
        os.close(r)
        os.waitpid(pid, 0)
        return out.decode()

    # Mode 0600 keeps another user from connecting at all.
    eq(as_nobody(), "connect: Permission denied", "another user connecting")
    # Should the mode be loosened, the peer check still refuses.
    os.chmod(sock, 0o777)
    eq(as_nobody(), "1\nreloadd: permission denied: this reloadd belongs to "
       "uid 0 and takes requests only from it\n", "reply to another user")
    d.wait_for("err", r"warning: control: refused a request from uid 65534 "
               r"\(pid \d+\): only uid 0 may control this reloadd")
    r = run(["status", "app.ini"], ws, env)
    eq(r.returncode, 0, "our own requests still work: " + r.stderr)
    finish(d, lib)


def t_control_second_daemon(ws):
    lib = lib_setup(ws)
    d = start(ws)
    r = run(["app.ini"], ws)
    eq(r.returncode, 1, "exit status of a second daemon")
    eq(r.stderr, "reloadd: another reloadd is already running app.ini (its "
       "control socket is %s/.app.ini.reloadd.sock)\n" % ws, "stderr")
    eq(r.stdout, "", "the second one ran nothing")
    r = run(["status", "app.ini"], ws)
    check("pid: %d\n" % d.p.pid in r.stdout, "the first still answers: " +
          r.stdout + r.stderr)
    finish(d, lib)


def t_control_elsewhere(ws):
    """`status` and `reload` find the daemon of a config whatever
    XDG_RUNTIME_DIR either side has, and through a symlink to the config:
    the daemon leaves a pointer to its socket beside the config's real
    file.  When nobody answers, the client names every place it tried."""
    env_a, run_a = control_env(ws)
    run_b = os.path.join(ws, "run-b")
    os.makedirs(run_b, mode=0o700)
    env_b = {"XDG_RUNTIME_DIR": run_b}
    lib = lib_setup(ws)
    pointer = os.path.join(ws, ".app.ini.reloadd.sock")
    nobody = (r"^reloadd: no reloadd is running app\.ini \(no answer on "
              r"%s/reloadd-app-[0-9a-f]{16}\.sock, nor on %s%s\)\n$")
    r = run(["status", "app.ini"], ws, env_b)
    eq(r.returncode, 1, "exit status without a daemon")
    check(re.match(nobody % (re.escape(run_b), re.escape(pointer), ""),
                   r.stderr), "where it looked: " + r.stderr)

    d = start(ws, env=env_a)
    sock = os.path.join(run_a, [f for f in os.listdir(run_a)
                                if f.endswith(".sock")][0])
    eq(os.readlink(pointer), sock, "the pointer beside the config")
    for what, e in (("another XDG_RUNTIME_DIR", env_b), ("none", {})):
        r = run(["status", "app.ini"], ws, e)
        eq(r.returncode, 0, "status with %s: %s" % (what, r.stderr))
        check("pid: %d\n" % d.p.pid in r.stdout, r.stdout)
    os.symlink("app.ini", os.path.join(ws, "link.ini"))
    r = run(["status", "../link.ini"], os.path.join(ws, "run-b"), env_b)
    eq(r.returncode, 0, "status through a symlink to the config: " +
       r.stderr)
    r = run(["reload", "app.ini", "lib.o"], ws, env_b)
    eq(r.returncode, 0, "reload with another XDG_RUNTIME_DIR: " + r.stderr)
    check(r.stdout.startswith("lib.o: v2: "), "reply: " + r.stdout)
    # Nor can a second daemon of the config start elsewhere.
    r = run(["app.ini"], ws, env_b)
    eq((r.returncode, r.stderr), (1, "reloadd: another reloadd is already "
                                  "running app.ini (its control socket is "
                                  "%s)\n" % sock), "a second daemon")
    finish(d, lib)
    check(not os.path.lexists(pointer), "the pointer is removed at exit")

    # A daemon without XDG_RUNTIME_DIR listens beside the config itself.
    shutil.copy(obj("lib_v1"), lib)
    d = start(ws)
    check(stat.S_ISSOCK(os.lstat(pointer).st_mode), "no socket beside")
    r = run(["status", "app.ini"], ws, env_b)
    eq(r.returncode, 0, "status with XDG_RUNTIME_DIR set: " + r.stderr)
    finish(d, lib)

    # A pointer left by a daemon that died leads nowhere, and is replaced.
    gone = os.path.join(run_a, "reloadd-gone.sock")
    os.symlink(gone, pointer)
    r = run(["status", "app.ini"], ws, env_b)
    check(re.match(nobody % (re.escape(run_b), re.escape(pointer),
                             ", which points to " + re.escape(gone)),
                   r.stderr), "a dangling pointer: " + r.stderr)
    shutil.copy(obj("lib_v1"), lib)
    d = start(ws, env=env_a)
    eq(os.readlink(pointer), sock, "the pointer after a stale one")
    finish(d, lib)
    # So is it by the socket of a daemon without XDG_RUNTIME_DIR.
    os.symlink(gone, pointer)
    shutil.copy(obj("lib_v1"), lib)
    d = start(ws)
    check(stat.S_ISSOCK(os.lstat(pointer).st_mode), "the stale pointer stays")
    finish(d, lib)


def t_control_no_daemon(ws):
    lib_setup(ws)
    r = run(["status", "app.ini"], ws)
    eq((r.returncode, r.stderr), (1, "reloadd: no reloadd is running app.ini "
                                  "(no answer on %s/.app.ini.reloadd.sock)\n"
                                  % ws), "status without a daemon")
    # A socket left by a daemon that died is replaced.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(ws, ".app.ini.reloadd.sock"))
    s.close()
    r = run(["status", "app.ini"], ws)
    eq(r.returncode, 1, "status with a stale socket")
    lib = os.path.join(ws, "lib.o")
    d = start(ws)
    r = run(["status", "app.ini"], ws)
    eq(r.returncode, 0, "status after the stale socket was replaced: " +
       r.stderr)
    finish(d, lib)
    check(not os.path.exists(os.path.join(ws, ".app.ini.reloadd.sock")),
          "socket removed at exit")
    r = run(["status"], ws)
    eq((r.returncode, r.stderr), (2, "reloadd: status: no config file given; "
                                  "see reloadd --help\n"), "usage")


# ---- end to end ----------------------------------------------------------

COUNTER_C = """\
static int count;
int counter_next(void) { count += %d; return count; }
const char *counter_tag(void) { return "%s"; }
"""

MAIN_C = """\
#include <stdio.h>
#include <string.h>
#include <time.h>
int counter_next(void);
const char *counter_tag(void);
int main(void) {
  struct timespec ts = {0, 5000000};
  for (int i = 0; i < 6000; i++) {
    int n = counter_next();
    const char *tag = counter_tag();
    printf("%s %d\\n", tag, n);
    fflush(stdout);
    if (strcmp(tag, "stop") == 0)
      return 0;
    nanosleep(&ts, NULL);
  }
  return 3;
}
"""

MAKEFILE = """\
CFLAGS = -O2 -fPIC
all: main.o counter.o
%.o: %.c
\tgcc $(CFLAGS) -c -o $@ $<
"""


def t_end_to_end_make(ws):
    put(os.path.join(ws, "Makefile"), MAKEFILE)
    put(os.path.join(ws, "main.c"), MAIN_C)
    put(os.path.join(ws, "counter.c"), COUNTER_C % (1, "v1"))
    r = subprocess.run(["make", "-s"], cwd=ws, capture_output=True, text=True)
    eq(r.returncode, 0, "first make: " + r.stderr)
    put(os.path.join(ws, "app.ini"),
        "[program]\nobjects = main.o counter.o\n[watch]\n"
        "objects = counter.o\nsources = *.c\nbuild = make -s\n")
    d = Proc(["app.ini"], ws)
    d.wait_for("out", r"^v1 5$")
    # Edit the source as an editor would: a new file renamed over it.
    tmp = os.path.join(ws, ".counter.c.swp")
    put(tmp, COUNTER_C % (1, "v2"))
    os.rename(tmp, os.path.join(ws, "counter.c"))
    d.wait_for("out", r"^v2 \d+$")
    d.wait_for("err", r"build succeeded in [\d.]+ s")
    d.wait_for("err", r"counter\.o: v2: functions \d+ changed")
    # Edit in place: the step becomes 10.
    put(os.path.join(ws, "counter.c"), COUNTER_C % (10, "v3"))
    i, _ = d.wait_for("out", r"^v3 \d+$")
    d.wait_for("out", r"^v3 \d+$", start=i + 1)
    put(os.path.join(ws, "counter.c"), COUNTER_C % (10, "stop"))
    eq(d.wait_exit(15), 0, "exit status")
    nums = [int(l.split()[1]) for l in d.out]
    tags = [l.split()[0] for l in d.out]
    steps = [b - a for a, b in zip(nums, nums[1:])]
    check(nums[0] == 1, "the counter starts at 1: %r" % nums[:3])
    check(set(steps) <= {1, 10}, "the counter jumped or was reset: steps %r"
          % sorted(set(steps)))
    first_v3 = tags.index("v3")
    check(all(s == 1 for s in steps[:tags.index("v2")]), "v1 steps")
    check(all(s == 10 for s in steps[first_v3:]), "v3 steps by 10")
    want_reloads(d, ["2", "3", "4"], "versions of counter.o")


# ---- driver --------------------------------------------------------------

def main():
    if len(sys.argv) != 2 or "t_" + sys.argv[1] not in globals():
        cases = sorted(n[2:] for n in globals() if n.startswith("t_"))
        print("usage: daemon_test.py CASE\ncases: " + " ".join(cases),
              file=sys.stderr)
        return 2
    ws = tempfile.mkdtemp(prefix="reloadd-test-")
    os.chmod(ws, 0o700)
    ws = os.path.realpath(ws)
    status = 1
    try:
        globals()["t_" + sys.argv[1]](ws)
        status, msg = 0, "PASS"
    except Skip as e:
        status, msg = 77, "SKIP: %s" % e
    except Fail as e:
        msg = "FAIL: %s" % e
    finally:
        for p in RUNNING:
            p.stop()
        if not os.environ.get("KEEP"):
            shutil.rmtree(ws, ignore_errors=True)
        else:
            print("kept " + ws)
        vg = take_reports()
        if vg:
            print("FAIL: memcheck reported errors in reloadd:\n" + vg)
            status = 1
    print(msg)
    return status


if __name__ == "__main__":
    sys.exit(main())
