#!/usr/bin/python3
"""HDF5 helpers for the restart tests (Debian's /usr/bin/python3 with python3-h5py).

  h5tool.py same A B             exit 0 if the datasets /fields/{h,u,v,tracer} (dtype, shape and every
                                 byte) and the attributes step and time are identical; else prints what
                                 differs and exits 1. Never a tolerance.
  h5tool.py same-dirs A B        every climate_*.h5 of folder A has a byte-identical twin (as `same`) in
                                 folder B (B may hold more, e.g. a segment's last step)
  h5tool.py step FILE            prints the attribute step
  h5tool.py config FILE          prints the attribute config (the effective configuration text)
  h5tool.py corrupt MODE FILE    damages FILE: truncate (to half), zero (0 bytes), flip-data (one byte in
                                 the middle of /fields/h's raw data), flip-meta (one byte inside the root
                                 group's object header, where the attributes live)
  h5tool.py xmf FILE             checks climate.xmf: every time step once, times increasing, every
                                 referenced file present with its time = its step attribute's time;
                                 prints "steps s0 s1 ..." (the files' steps in order)
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

import h5py

FIELDS = ("h", "u", "v", "tracer")


def differences(a_path, b_path):
    out = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        for key in ("step", "time"):
            va, vb = a.attrs.get(key), b.attrs.get(key)
            if va is None or vb is None or va.tobytes() != vb.tobytes():
                out.append(f"attribute {key}: {va!r} != {vb!r}")
        for name in FIELDS:
            da, db = a["fields"].get(name), b["fields"].get(name)
            if da is None or db is None:
                out.append(f"/fields/{name} missing")
            elif da.dtype != db.dtype or da.shape != db.shape:
                out.append(f"/fields/{name}: {da.dtype}{da.shape} != {db.dtype}{db.shape}")
            elif da[()].tobytes() != db[()].tobytes():
                diff = (da[()] != db[()]).sum()
                out.append(f"/fields/{name}: {diff} values differ")
    return out


def same(a, b):
    d = differences(a, b)
    for line in d:
        print(f"{os.path.basename(a)} vs {b}: {line}")
    return not d


def corrupt(mode, path):
    size = os.path.getsize(path)
    if mode == "truncate":
        os.truncate(path, size // 2)
        return
    if mode == "zero":
        os.truncate(path, 0)
        return
    with h5py.File(path, "r") as f:
        if mode == "flip-data":
            ds = f["fields"]["h"]
            offset = ds.id.get_offset() + ds.id.get_storage_size() // 2
        elif mode == "flip-meta":
            offset = h5py.h5o.get_info(f.id).addr + 40
        else:
            sys.exit(f"unknown corruption {mode}")
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))
    print(f"flipped byte {offset} of {size}")


def check_xmf(path):
    folder = os.path.dirname(path)
    steps = ET.parse(path).getroot().findall("./Domain/Grid/Grid")
    problems, seen, times, step_list = [], set(), [], []
    for s in steps:
        t = float(s.find("Time").get("Value"))
        files = {item.text.strip().split(":")[0] for item in s.iter("DataItem") if item.get("Format") == "HDF"}
        if len(files) != 1:
            problems.append(f"time {t}: {len(files)} files")
            continue
        file = files.pop()
        if file in seen:
            problems.append(f"{file} listed twice")
        seen.add(file)
        times.append(t)
        full = os.path.join(folder, file)
        if not os.path.exists(full):
            problems.append(f"{file} does not exist")
            continue
        with h5py.File(full, "r") as f:
            if float(f.attrs["time"]) != t:
                problems.append(f"{file}: xmf time {t!r} != file time {float(f.attrs['time'])!r}")
            step_list.append(int(f.attrs["step"]))
    if times != sorted(times) or len(set(times)) != len(times):
        problems.append(f"times not strictly increasing: {times}")
    for p in problems:
        print("xmf:", p)
    print("steps", " ".join(str(s) for s in step_list))
    return not problems


def main(argv):
    cmd = argv[1]
    if cmd == "same":
        return 0 if same(argv[2], argv[3]) else 1
    if cmd == "same-dirs":
        files = sorted(glob.glob(os.path.join(argv[2], "climate_*.h5")))
        if not files:
            print(f"no climate_*.h5 in {argv[2]}")
            return 1
        ok = True
        for a in files:
            b = os.path.join(argv[3], os.path.basename(a))
            if not os.path.exists(b):
                print(f"{b} missing")
                ok = False
            elif not same(a, b):
                ok = False
        return 0 if ok else 1
    if cmd == "step":
        with h5py.File(argv[2], "r") as f:
            print(int(f.attrs["step"]))
        return 0
    if cmd == "config":
        with h5py.File(argv[2], "r") as f:
            value = f.attrs["config"]
            sys.stdout.write(value.decode() if isinstance(value, bytes) else str(value))
        return 0
    if cmd == "corrupt":
        corrupt(argv[2], argv[3])
        return 0
    if cmd == "xmf":
        return 0 if check_xmf(argv[2]) else 1
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
