#!/usr/bin/python3
"""apps/examples/couple.cpp (the README's example of coupling two models) prints the same numbers,
to the bit, on 1 rank (the sea on the air's rank) and on 2-4 ranks (disjoint groups).

Usage: check_example.py MPIEXEC BINARY
"""
import subprocess
import sys

mpiexec, binary = sys.argv[1:3]
outputs = {}
for n in (1, 2, 3, 4):
    r = subprocess.run([mpiexec, "-q", "--oversubscribe", "-np", str(n), binary], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0 or not r.stdout.startswith("after 10 intervals: air "):
        sys.exit(f"FAIL {n} ranks: exit {r.returncode}\n{r.stdout}{r.stderr}")
    outputs[n] = r.stdout.strip()
    print(f"{n} ranks: {outputs[n]}")
if len(set(outputs.values())) != 1:
    sys.exit("FAIL the ranks counts disagree")
# The air (fast) and the sea (slow) have moved towards each other from 10 and 20, and not past.
air, sea = (float(x.split()[-1].rstrip(",")) for x in outputs[1].split(":")[1].split(","))
if not (10.0 < air < 20.0 and 10.0 < sea < 20.0):
    sys.exit(f"FAIL air {air}, sea {sea}: want both between 10 and 20")
print("OK")
