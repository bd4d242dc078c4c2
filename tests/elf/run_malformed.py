#!/usr/bin/env python3
"""run_malformed.py - feed malformed objects and archives to reloadd.

    run_malformed.py --reloadd PATH --gen PATH --out DIR --driver DRIVER.o
                     --seeds SEED.o... --members MEMBER.o... [--corpus DIR]
                     [--only SUBSTRING] [--jobs N]

Runs the generator (gen_malformed) to write the variants and their manifest
into DIR, adds the committed regression inputs of --corpus, then runs
`reloadd check` and `reloadd inspect` on every one of them and checks:

  * no run dies from a signal or hangs;
  * the exit status is 0 or 1, and 1 where the manifest says `fail`
    (truncations, out-of-range header fields, ...), 0 for the controls;
  * when check fails, its first stderr line starts with the input's path
    followed by `:` or `(member):` and a message, and the output stays a few
    short lines.

Under the valgrind test setup (RELOAD_VALGRIND, the valgrind command line,
set by tests/lib/valgrind-wrap.sh) every reloadd run is under memcheck, and
a memcheck report is a failure.  Memcheck makes a run some 30 times slower,
so there only a fixed subset runs: the controls, the corpus and every
VALGRIND_EVERY-th other variant of the manifest, said in the summary.

Variants marked `should` (malformed, but a lenient loader may cope) and
`any` that are accepted are listed in the summary; they do not fail the
test.  Exit status 1 if any hard check failed.
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

TIMEOUT = 20          # seconds per reloadd run
MAX_LINES = 12        # lines of check output on a malformed input
MAX_LINE_LEN = 512    # characters in one line of check output
MAX_INSPECT = 4 << 20 # bytes of inspect output
VALGRIND = os.environ.get('RELOAD_VALGRIND', '').split()
VALGRIND_EVERY = 10   # under valgrind: every 10th generated variant
if VALGRIND:
    TIMEOUT *= 10


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--reloadd', required=True)
    p.add_argument('--gen', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--driver', required=True)
    p.add_argument('--seeds', nargs='+', required=True)
    p.add_argument('--members', nargs='+', required=True)
    p.add_argument('--corpus')
    p.add_argument('--only', help='run only variants whose name contains this')
    p.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    return p.parse_args()


Case = collections.namedtuple('Case', 'path mode expect keywords desc')


def load_cases(args):
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    gen = subprocess.run([args.gen, args.out] + args.seeds + ['--'] +
                         args.members, capture_output=True, text=True)
    if gen.returncode != 0:
        sys.exit('generator failed (%d): %s' % (gen.returncode, gen.stderr))
    cases = []
    with open(os.path.join(args.out, 'manifest.txt')) as f:
        for line in f:
            name, mode, expect, kw, desc = line.rstrip('\n').split('\t')
            cases.append(Case(os.path.join(args.out, name), mode, expect,
                              [] if kw == '-' else kw.split(','), desc))
    if args.corpus and os.path.isdir(args.corpus):
        for name in sorted(os.listdir(args.corpus)):
            path = os.path.join(args.corpus, name)
            if name.endswith('.o'):
                cases.append(Case(path, 'elf', 'fail', [], 'corpus'))
            elif name.endswith('.a'):
                cases.append(Case(path, 'ar-alone', 'any', [], 'corpus'))
                cases.append(Case(path, 'ar-linked', 'fail', [], 'corpus'))
    if args.only:
        cases = [c for c in cases if args.only in c.path]
    if VALGRIND:
        total = len(cases)
        cases = [c for i, c in enumerate(cases)
                 if i % VALGRIND_EVERY == 0 or c.expect == 'control' or
                 c.desc == 'corpus']
        print('SKIP (part): under valgrind: %d of %d checks run (the '
              'controls, the corpus and every %dth variant); memcheck would '
              'take most of an hour over all of them'
              % (len(cases), total, VALGRIND_EVERY))
    return cases


def run(cmd):
    """(status, stdout, stderr); status is -N for signal N, None on timeout."""
    try:
        r = subprocess.run(VALGRIND + cmd, capture_output=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b'', e.stderr or b''
    return r.returncode, r.stdout, r.stderr


def describe_status(st):
    if st is None:
        return 'timed out after %ds' % TIMEOUT
    if st < 0:
        return 'killed by signal %d' % -st
    return 'exit status %d' % st


def check_case(args, case):
    """Returns (outcome, problems, soft, first_line)."""
    files = ([args.driver] if case.mode == 'ar-linked' else []) + [case.path]
    cmd = [args.reloadd, 'check'] + files
    st, out, err = run(cmd)
    problems, soft = [], []
    text = (out + err).decode('utf-8', 'replace')
    lines = err.decode('utf-8', 'replace').splitlines()
    first = lines[0] if lines else ''
    if st is None or st < 0 or st not in (0, 1):
        problems.append('check: %s' % describe_status(st))
    elif case.expect == 'control' and st != 0:
        problems.append('check: valid input refused (%s)' % describe_status(st))
    elif case.expect == 'fail' and st != 1:
        problems.append('check: malformed input accepted (%s)'
                        % describe_status(st))
    if st == 1:
        # Which files may the first line name?
        allowed = [case.path] if case.mode != 'ar-linked' else files
        ok = False
        for f in allowed:
            if first.startswith(f + ':') or first.startswith(f + '('):
                rest = first[len(f):]
                if rest.startswith('('):
                    close = rest.find('):')
                    rest = rest[close + 2:] if close >= 0 else ''
                else:
                    rest = rest[1:]
                ok = ok or len(rest.strip()) >= 8
        if not ok:
            problems.append('check: first stderr line does not start with '
                            '"%s:" and a message' % case.path)
        if case.mode == 'ar-linked' and case.expect == 'fail' and not any(
                l.startswith(case.path + ':') or l.startswith(case.path + '(')
                for l in lines):
            problems.append('check: no line names the archive %s' % case.path)
        nlines = len(text.splitlines())
        if nlines > MAX_LINES:
            problems.append('check: %d lines of output (at most %d)'
                            % (nlines, MAX_LINES))
        longest = max((len(l) for l in text.splitlines()), default=0)
        if longest > MAX_LINE_LEN:
            problems.append('check: a line of %d characters' % longest)
        if any(ch < ' ' and ch not in '\n\t' for ch in text) or \
                '\ufffd' in text:
            soft.append('unprintable characters in the message')
        low = first.lower()
        if case.keywords and not any(k.lower() in low for k in case.keywords):
            soft.append('message names none of: %s' % ','.join(case.keywords))
    ierr = b''
    if case.mode != 'ar-linked':
        ist, iout, ierr = run([args.reloadd, 'inspect', case.path])
        if ist is None or ist < 0 or ist not in (0, 1):
            problems.append('inspect: %s' % describe_status(ist))
        elif case.expect == 'control' and ist != 0:
            problems.append('inspect: valid input refused (%s): %s'
                            % (describe_status(ist),
                               ierr.decode('utf-8', 'replace')[:300]))
        elif ist == 1 and not ierr.strip():
            problems.append('inspect: exit 1 without a message')
        if len(iout) + len(ierr) > MAX_INSPECT:
            problems.append('inspect: %d bytes of output'
                            % (len(iout) + len(ierr)))
    for what, data in (('check', err), ('inspect', ierr if case.mode !=
                                        'ar-linked' else b'')):
        # Under a sanitizer build, a report is a failure even when the
        # exit status looks right.
        if b'Sanitizer' in data or b'runtime error:' in data:
            problems.append('%s: sanitizer report: %s' % (
                what, next(l for l in data.decode('utf-8', 'replace')
                           .splitlines() if 'Sanitizer' in l or
                           'runtime error:' in l)[:300]))
        # And under valgrind (--quiet), any line of memcheck's.
        vg = re.findall(r'^==\d+== .*$', data.decode('utf-8', 'replace'),
                        re.M)
        if VALGRIND and vg:
            problems.append('%s: memcheck report:\n        %s' % (
                what, '\n        '.join(l[:300] for l in vg[:40])))
    outcome = 'rejected' if st == 1 else 'accepted' if st == 0 else 'broken'
    return outcome, problems, soft, first, cmd, err


def main():
    args = parse_args()
    cases = load_cases(args)
    if not cases:
        sys.exit('no cases')
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(lambda c: check_case(args, c), cases))

    failed, accepted_should, soft_notes = [], [], []
    table = collections.Counter()
    for case, (outcome, problems, soft, first, cmd, err) in zip(cases, results):
        table[(case.mode, case.expect, outcome)] += 1
        if problems:
            failed.append((case, problems, cmd, err))
        elif case.expect == 'should' and outcome == 'accepted':
            accepted_should.append(case)
        if soft and not problems:
            soft_notes.append((case, soft, first))

    print('== malformed inputs: %d checks on %d files' %
          (len(cases), len({c.path for c in cases})))
    print('%-10s %-8s %-9s %s' % ('mode', 'expect', 'outcome', 'count'))
    for key in sorted(table):
        print('%-10s %-8s %-9s %d' % (key + (table[key],)))

    if accepted_should:
        print('\n== accepted although malformed (expected exit 1, got 0; '
              'not counted as failures):')
        for c in accepted_should:
            print('  %s [%s] %s' % (os.path.basename(c.path), c.mode, c.desc))
    anys = [(c, r[0]) for c, r in zip(cases, results) if c.expect == 'any']
    if anys:
        print('\n== possibly harmless mutations, outcome recorded:')
        for c, outcome in anys:
            print('  %-9s %s [%s]' % (outcome, os.path.basename(c.path),
                                      c.mode))
    if soft_notes:
        print('\n== vague messages (informational):')
        for c, soft, first in soft_notes[:60]:
            print('  %s: %s\n      %s' % (os.path.basename(c.path),
                                          '; '.join(soft), first))
        if len(soft_notes) > 60:
            print('  ... and %d more' % (len(soft_notes) - 60))
    if failed:
        print('\n== FAILURES')
        for case, problems, cmd, err in failed:
            print('  %s [%s, expect %s] %s' % (case.path, case.mode,
                                               case.expect, case.desc))
            for p in problems:
                print('      %s' % p)
            print('      $ %s' % ' '.join(cmd))
            for l in err.decode('utf-8', 'replace').splitlines()[:3]:
                print('      | %s' % l[:300])
    print('\nmalformed: %d passed, %d failed' %
          (len(cases) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
