#!/usr/bin/env python3
"""Write a C file that compiles to an object of about 100 KB: many small
functions, a table of pointers to them, and some state. argv: OUT VARIANT."""
import sys
out, variant = sys.argv[1], int(sys.argv[2])
n = 600
with open(out, "w") as f:
    f.write("static int state[64];\nint big_counter;\n")
    for i in range(n):
        f.write(f"int big_fn{i}(int x) {{ state[{i % 64}] += x; "
                f"return x * {i + 3} + {variant} + state[{(i * 7) % 64}]; }}\n")
    f.write("typedef int (*fn)(int);\nfn big_table[] = {\n")
    f.write(",\n".join(f"  big_fn{i}" for i in range(n)))
    f.write("\n};\n")
    f.write(f"int big_version(void) {{ big_counter++; return {variant}; }}\n")
