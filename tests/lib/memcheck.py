"""memcheck.py - reloadd under valgrind, for the script-driven tests.

In the 'valgrind' test setup, tests/lib/valgrind-wrap.sh exports
RELOAD_VALGRIND, the valgrind command line.  A script then starts reloadd
as VALGRIND + [RELOADD, ...]: memcheck writes its reports to files in a
private directory (not to the stderr the tests read), and the script fails
when any is not empty (take_reports()).  Waits are SLOW times longer.
Outside that setup VALGRIND is empty and SLOW is 1.
"""
import os
import shutil
import tempfile

VALGRIND = os.environ.get("RELOAD_VALGRIND", "").split()
LOGS = None
SLOW = 1
if VALGRIND:
    LOGS = tempfile.mkdtemp(prefix="reload-vg-")
    VALGRIND += ["--log-file=" + os.path.join(LOGS, "vg.%p.log"),
                 "--child-silent-after-fork=yes"]
    SLOW = 8


def take_reports():
    """What memcheck wrote about this run's reloadd processes ('' if
    nothing); the directory goes with it."""
    if not LOGS:
        return ""
    text = ""
    for name in sorted(os.listdir(LOGS)):
        with open(os.path.join(LOGS, name), errors="replace") as f:
            t = f.read()
        if t.strip():
            text += "--- %s ---\n%s" % (name, t)
    shutil.rmtree(LOGS, ignore_errors=True)
    return text
