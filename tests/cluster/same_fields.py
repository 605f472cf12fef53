#!/usr/bin/python3
"""same_fields.py A.h5 B.h5: exit 0 when two parlayer snapshots hold byte-identical fields
(every dataset under /fields, same names, dtypes, shapes and bytes) and the same step and time.
Prints the first difference otherwise. Needs Debian's python3-h5py (run by /usr/bin/python3)."""
import sys

import h5py

a_path, b_path = sys.argv[1:3]
with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
    for attr in ("step", "time"):
        if a.attrs[attr] != b.attrs[attr]:
            sys.exit(f"{attr} differs: {a.attrs[attr]} in {a_path}, {b.attrs[attr]} in {b_path}")
    names_a, names_b = sorted(a["fields"]), sorted(b["fields"])
    if names_a != names_b:
        sys.exit(f"fields differ: {names_a} in {a_path}, {names_b} in {b_path}")
    for name in names_a:
        da, db = a["fields"][name][()], b["fields"][name][()]
        if da.dtype != db.dtype or da.shape != db.shape or da.tobytes() != db.tobytes():
            sys.exit(f"field {name} differs between {a_path} and {b_path}")
print(f"same fields: {a_path} == {b_path}")
