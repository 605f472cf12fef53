#!/usr/bin/python3
"""same_fields.py A.h5 B.h5: exit 0 when two parlayer snapshots hold byte-identical fields
(every variable, same names, dtypes, shapes and bytes) and the same step and time. Reads the
format 3 layout (variables in the root group, the time variable) and formats 1-2 (/fields/<name>,
the attribute time). Prints the first difference otherwise. Needs Debian's python3-h5py (run by
/usr/bin/python3)."""
import sys

import h5py


def variables(f):
    group = f["fields"] if "fields" in f else f
    return {name: ds for name, ds in group.items() if isinstance(ds, h5py.Dataset)}


def time_of(f):
    return f["time"][()] if "time" in f else f.attrs["time"]


a_path, b_path = sys.argv[1:3]
with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
    if a.attrs["step"] != b.attrs["step"]:
        sys.exit(f"step differs: {a.attrs['step']} in {a_path}, {b.attrs['step']} in {b_path}")
    if time_of(a).tobytes() != time_of(b).tobytes():
        sys.exit(f"time differs: {time_of(a)} in {a_path}, {time_of(b)} in {b_path}")
    va, vb = variables(a), variables(b)
    if sorted(va) != sorted(vb):
        sys.exit(f"fields differ: {sorted(va)} in {a_path}, {sorted(vb)} in {b_path}")
    for name in sorted(va):
        da, db = va[name][()], vb[name][()]
        if da.dtype != db.dtype or da.shape != db.shape or da.tobytes() != db.tobytes():
            sys.exit(f"field {name} differs between {a_path} and {b_path}")
print(f"same fields: {a_path} == {b_path}")
