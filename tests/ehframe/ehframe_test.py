#!/usr/bin/env python3
"""ehframe_test.py - objects with broken unwind tables load and run.

    ehframe_test.py RELOADD CC SRCDIR

libgcc trusts the .eh_frame tables given to it: a record length past the
end, an unknown opcode or pointer encoding, an unbalanced
DW_CFA_restore_state or a register it has no column for makes it read out
of bounds, abort or crash, on any unwind anywhere in the process.  Each
case here is main() (main.s.in) with a hand-written table, linked with
deep.c, whose backtrace() unwinds through main's frame.  reloadd must run
the program to its end (exit 0, "backtrace: ..." printed) and say on
stderr, naming the object and the section, what it left out.  The first
case is a good table, which must be used silently: the backtrace then
goes past main.
"""
import os
import subprocess
import sys
import tempfile

GOOD = {
    "CIE_LENGTH": "cie_end - cie_start",
    "CIE_VERSION": "1",
    "CIE_AUG": "zR",
    "CIE_AUGDATA": "\t.uleb128 1\n\t.byte 0x1b",       # pcrel | sdata4
    "CIE_INSNS": "\t.byte 0x0c, 7, 8\n\t.byte 0x90, 1",  # cfa rsp+8, ra
    "CIE_LABEL": "cie",
    # push rbp; mov rsp, rbp
    "FDE_INSNS": "\t.byte 0x41, 0x0e, 0x10, 0x86, 0x02\n"
                 "\t.byte 0x43, 0x0d, 0x06",
}
FDE_LEFT_OUT = "1 FDE the unwinder cannot take left out"
REFUSED = "not given to the unwinder"

# name -> (changes to GOOD, text expected on stderr, extra reloadd flags)
CASES = {
    "good": ({}, None, []),
    "gnu-window-save": ({"FDE_INSNS": GOOD["FDE_INSNS"] + "\n\t.byte 0x2d"},
                        FDE_LEFT_OUT, []),
    "unknown-opcode": ({"FDE_INSNS": GOOD["FDE_INSNS"] + "\n\t.byte 0x3f"},
                       FDE_LEFT_OUT, []),
    "restore-unbalanced": ({"FDE_INSNS": GOOD["FDE_INSNS"] +
                            "\n\t.byte 0x0b"}, FDE_LEFT_OUT, []),
    "cfa-register-40": ({"FDE_INSNS": "\t.byte 0x41, 0x0d, 40"},
                        FDE_LEFT_OUT, []),
    "offset-register-200": ({"FDE_INSNS": "\t.byte 0x05\n\t.uleb128 200\n"
                             "\t.byte 2"}, FDE_LEFT_OUT, []),
    "operand-truncated": ({"FDE_INSNS": GOOD["FDE_INSNS"] +
                           "\n\t.byte 0x04, 1"}, FDE_LEFT_OUT, []),
    "expr-underflow": ({"FDE_INSNS": "\t.byte 0x0f, 1, 0x22"},
                       FDE_LEFT_OUT, []),
    "expr-backward-skip": ({"FDE_INSNS": "\t.byte 0x0f, 3, 0x2f, 0xfd, 0xff"},
                           FDE_LEFT_OUT, []),
    "expr-reg-op": ({"FDE_INSNS": "\t.byte 0x0f, 1, 0x57"},
                    FDE_LEFT_OUT, []),
    "expr-overflow": ({"FDE_INSNS": "\t.byte 0x0f, 70\n\t.fill 70, 1, 0x30"},
                      FDE_LEFT_OUT, []),
    "cie-unknown-augmentation": ({"CIE_AUG": "zRX"}, REFUSED, []),
    "cie-uleb-pointers": ({"CIE_AUGDATA": "\t.uleb128 1\n\t.byte 0x01"},
                          REFUSED, []),
    "cie-funcrel-pointers": ({"CIE_AUGDATA": "\t.uleb128 1\n\t.byte 0x43"},
                             REFUSED, []),
    "cie-version-2": ({"CIE_VERSION": "2"}, REFUSED, []),
    "cie-ra-column-99": ({"CIE_VERSION": "3"}, REFUSED, []),
    "cie-length-past-end": ({"CIE_LENGTH": "0x10000"},
                            "runs past the section", []),
    "cie-64bit": ({"CIE_LENGTH": "0xffffffff"}, "64-bit DWARF", []),
    "fde-without-cie": ({"CIE_LABEL": "fde"}, "points to no CIE", []),
    "fde-outside-object": ({}, "for code outside the object", ["-v", "-v"]),
    "cie-no-cfa-rule": ({"CIE_INSNS": "\t.byte 0x90, 1"}, REFUSED, []),
    "restore-of-cie-state": ({"CIE_INSNS": GOOD["CIE_INSNS"] +
                              "\n\t.byte 0x0a",
                              "FDE_INSNS": GOOD["FDE_INSNS"] +
                              "\n\t.byte 0x0b"}, FDE_LEFT_OUT, []),
    "expr-div": ({"FDE_INSNS": "\t.byte 0x0f, 3, 0x30, 0x30, 0x1b"},
                 FDE_LEFT_OUT, []),
    "expr-pick-past": ({"FDE_INSNS": "\t.byte 0x0f, 2, 0x15, 0"},
                       FDE_LEFT_OUT, []),
    "cie-indirect-pointers": ({"CIE_AUGDATA": "\t.uleb128 1\n\t.byte 0x9b"},
                              REFUSED, []),
    "cie-S-before-R": ({"CIE_AUG": "zSR"}, REFUSED, []),
    "personality-slot-outside": ({"CIE_AUG": "zPR",
                                  "CIE_AUGDATA": "\t.uleb128 6\n"
                                  "\t.byte 0x9b\n\t.long 0x1000000\n"
                                  "\t.byte 0x1b"}, REFUSED, []),
    "stray-tail-bytes": ({}, "stray bytes after the last record", []),
}


def source(template, case):
    subst = dict(GOOD)
    subst.update(CASES[case][0])
    text = template
    for k, v in subst.items():
        text = text.replace("@" + k + "@", v)
    if case == "cie-ra-column-99":
        # version 3 reads the return address column as ULEB128: 99
        text = text.replace("\t.byte\t16\n", "\t.uleb128 99\n", 1)
    if case == "operand-truncated":
        # no padding after it: the operand runs past the record
        text = text.replace("\t.balign\t8\nfde_end:", "fde_end:")
    if case == "stray-tail-bytes":
        text = text.replace("\t.long\t0\n\t.section .note",
                            "\t.byte\t1, 2\n\t.section .note")
    if case == "fde-outside-object":
        text = text.replace("\t.long\tmain - .\n", "\t.long\tmain - . + 0x1000000\n")
    return text


def main():
    reloadd, cc, srcdir = sys.argv[1:4]
    template = open(os.path.join(srcdir, "main.s.in")).read()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        deep = os.path.join(tmp, "deep.o")
        subprocess.run([cc, "-O1", "-fPIC", "-c",
                        os.path.join(srcdir, "deep.c"), "-o", deep],
                       check=True)
        for case, (_, want, flags) in CASES.items():
            s = os.path.join(tmp, "main_%s.s" % case)
            o = os.path.join(tmp, "main_%s.o" % case)
            with open(s, "w") as f:
                f.write(source(template, case))
            subprocess.run([cc, "-c", s, "-o", o], check=True)
            r = subprocess.run([reloadd, "run"] + flags + [deep, o],
                               capture_output=True, text=True, timeout=60)
            problems = []
            if r.returncode != 0:
                problems.append("exit status %d" % r.returncode)
            if not r.stdout.startswith("backtrace: "):
                problems.append("no backtrace line on stdout: %r" % r.stdout)
            eh = [l for l in r.stderr.splitlines() if ".eh_frame" in l]
            if want is None:
                if eh:
                    problems.append("unexpected: %r" % eh)
                if r.stdout != "backtrace: ok\n":
                    problems.append("the good table did not unwind: %r"
                                    % r.stdout)
            else:
                hit = [l for l in eh if want in l]
                if not hit:
                    problems.append("no stderr line with %r; stderr: %r"
                                    % (want, r.stderr))
                elif ("main_%s.o" % case) not in hit[0]:
                    problems.append("line does not name the object: %r"
                                    % hit[0])
            # reloadd check links without running, and registers nothing
            # with the unwinder: the tables are checked all the same.
            if want is not None and not flags:
                c = subprocess.run([reloadd, "check", deep, o],
                                   capture_output=True, text=True, timeout=60)
                if not any(want in l for l in c.stderr.splitlines()):
                    problems.append("reloadd check did not say %r: %r"
                                    % (want, c.stderr))
            if problems:
                failed += 1
                print("FAIL %s: %s" % (case, "; ".join(problems)))
            else:
                print("ok   %s%s" % (case, ": " + eh[0] if eh else ""))
    print("%d of %d cases failed" % (failed, len(CASES)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
