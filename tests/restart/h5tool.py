#!/usr/bin/python3
"""HDF5 helpers for the restart tests (Debian's /usr/bin/python3 with python3-h5py).

  h5tool.py same A B             exit 0 if the fields h, u, v, tracer (dtype, shape and every byte), the
                                 step and the time are identical; else prints what differs and exits 1.
                                 Never a tolerance. Reads every snapshot format: fields in the root group
                                 and the time variable (format 3), or /fields/<name> and the attribute
                                 time (formats 1 and 2).
  h5tool.py same-dirs A B        every climate_*.h5 of folder A has a byte-identical twin (as `same`) in
                                 folder B (B may hold more, e.g. a segment's last step)
  h5tool.py step FILE            prints the attribute step
  h5tool.py config FILE          prints the attribute config (the effective configuration text)
  h5tool.py corrupt MODE FILE    damages FILE: truncate (to half), zero (0 bytes), flip-data (one byte in
                                 the middle of h's raw data), flip-meta (one byte inside the root
                                 group's object header, where the attributes live)
  h5tool.py format1 IN OUT       writes OUT, a format 1 copy of the format 2 snapshot IN (no /parameters,
                                 format_version 1, its metadata checksum recomputed the way format 1
                                 computed it): how a file written before format 2 looks
  h5tool.py xmf FILE             checks climate.xmf: every time step once in every block (the same
                                 steps in each), times increasing, every referenced file present with
                                 its time = its own time; prints "steps s0 s1 ..." (the files' steps)
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

FIELDS = ("h", "u", "v", "tracer")


def field(f, name):
    """A field's values as the program wrote them (format 3: (time, y, x) -> (y, x))."""
    if "fields" in f:
        return f["fields"].get(name)
    ds = f.get(name)
    if ds is None:
        return None
    return ds[0] if ds.ndim == 3 else ds[()]


def time_of(f):
    return f["time"][()] if "time" in f else f.attrs.get("time")


def differences(a_path, b_path):
    out = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        for key, va, vb in (("step", a.attrs.get("step"), b.attrs.get("step")), ("time", time_of(a), time_of(b))):
            if va is None or vb is None or va.tobytes() != vb.tobytes():
                out.append(f"{key}: {va!r} != {vb!r}")
        for name in FIELDS:
            da, db = field(a, name), field(b, name)
            if da is None or db is None:
                out.append(f"field {name} missing")
                continue
            da, db = da[()], db[()]
            if da.dtype != db.dtype or da.shape != db.shape:
                out.append(f"field {name}: {da.dtype}{da.shape} != {db.dtype}{db.shape}")
            elif da.tobytes() != db.tobytes():
                diff = (da != db).sum()
                out.append(f"field {name}: {diff} values differ")
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
            ds = f["fields"]["h"] if "fields" in f else f["h"]
            if ds.chunks:  # format 3: the chunk holding the middle of the field
                info = ds.id.get_chunk_info(ds.id.get_num_chunks() // 2)
                offset = info.byte_offset + info.size // 2
            else:
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
    blocks = ET.parse(path).getroot().findall("./Domain/Grid/Grid")  # one temporal collection per grid
    problems, step_list = [], []
    per_block = []
    for block in blocks:
        seen, times, files = set(), [], []
        for g in block.findall("./Grid"):
            t = float(g.find("Time").get("Value"))
            names = {item.text.strip().split(":")[0] for item in g.iter("DataItem") if item.get("Format") == "HDF"}
            if len(names) != 1:
                problems.append(f"{block.get('Name')} time {t}: {len(names)} files")
                continue
            file = names.pop()
            if file in seen:
                problems.append(f"{block.get('Name')}: {file} listed twice")
            seen.add(file)
            times.append(t)
            files.append(file)
        if times != sorted(times) or len(set(times)) != len(times):
            problems.append(f"{block.get('Name')}: times not strictly increasing: {times}")
        per_block.append((times, files))
    if not per_block or any(b != per_block[0] for b in per_block):
        problems.append("the blocks do not list the same steps")
    for t, file in zip(*per_block[0]) if per_block else []:
        full = os.path.join(folder, file)
        if not os.path.exists(full):
            problems.append(f"{file} does not exist")
            continue
        with h5py.File(full, "r") as f:
            if float(time_of(f)) != t:
                problems.append(f"{file}: xmf time {t!r} != file time {float(time_of(f))!r}")
            step_list.append(int(f.attrs["step"]))
    for p in problems:
        print("xmf:", p)
    print("steps", " ".join(str(s) for s in step_list))
    return not problems


def fnv1a(data):
    h = 0xcbf29ce484222325
    for c in data:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def format1(src, dst):
    """Format 1 = format 2 without /parameters; its metadata checksum covers no parameters
    (layout.cpp's metadata_checksum: FNV-1a over the values packed in a fixed order)."""
    import shutil
    import struct
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        if int(f.attrs["format_version"]) != 2:
            sys.exit(f"{src} is not a format 2 snapshot")
        del f["parameters"]
        f.attrs.modify("format_version", np.int64(1))
        text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
        put_s = lambda v: struct.pack("<Q", len(text(v).encode())) + text(v).encode()
        put_v = lambda a: struct.pack("<Q", len(a)) + b"".join(struct.pack("<q", int(x)) for x in a)
        b = put_s(f.attrs["format"]) + struct.pack("<q", 1) + struct.pack("<q", int(f.attrs["step"]))
        b += struct.pack("<d", float(f.attrs["time"])) + put_s(f.attrs["model"]) + put_s(f.attrs["config"])
        b += struct.pack("<q", int(f.attrs["rank_count"])) + put_v(f.attrs["process_grid"]) + put_v(f.attrs["global_extent"])
        b += put_s(f.attrs["library_version"]) + put_s(f.attrs["checksum_algorithm"])
        names = sorted(f["fields"])
        b += struct.pack("<Q", len(names))
        for name in names:
            a = f["fields"][name].attrs
            b += put_s(name) + put_s(a["element_type"]) + put_s(a["units"]) + struct.pack("<Q", int(a["checksum"]))
        f.attrs.modify("metadata_checksum", np.uint64(fnv1a(b)))


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
    if cmd == "format1":
        format1(argv[2], argv[3])
        return 0
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
