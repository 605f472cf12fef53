#!/usr/bin/python3
"""parlayer-climate's snapshots (CF NetCDF-4 files written with parallel HDF5) are byte-identical on
1, 2, 3 and 4 ranks, with overlap on and off, with both halo backends, with other process grids
and on layouts of many boxes per rank (sfc, round_robin, knapsack; ranks that own no box);
climate.xmf describes the snapshots; and scripts/plot renders them.

Usage: check_outputs.py MPIEXEC BINARY CONFIG PLOT_SCRIPT WORK_DIR
Compares datasets by their bytes (never with a tolerance). Needs Debian's python3-h5py.
"""
import glob
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import h5py

mpiexec, binary, config, plot, work = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []
logs = {}  # run name -> its stdout


def run(name, ranks, *settings):
    out = os.path.join(work, name)
    cmd = [mpiexec, "-q", "--oversubscribe", "-np", str(ranks), binary, "--config", config, "--output", out]
    for s in settings:
        cmd += ["--set", s]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        sys.exit(f"FAIL {' '.join(cmd)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    logs[name] = result.stdout
    return out


def snapshots(folder):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(folder, "climate_*.h5")))


reference = run("np1", 1, "parallel.overlap=false")
reference_files = snapshots(reference)
if len(reference_files) < 3:
    sys.exit(f"FAIL expected at least 3 snapshots (first, interval, last), got {reference_files}")

variants = {
    "np2": (2,),
    "np3": (3,),
    "np4": (4,),
    "np2-overlap-off-datatypes": (2, "parallel.overlap=false", "parallel.halo_backend=datatypes"),
    "np3-grid-1x3": (3, "parallel.process_grid=[1,3]"),
    "np4-grid-2x2-datatypes": (4, "parallel.process_grid=[2,2]", "parallel.halo_backend=datatypes"),
}
# Layouts of many boxes per rank: 64 x 32 cells in boxes of at most 11 x 8 = 6 x 4 = 24 boxes, 8 per
# rank on 3 ranks, for two distributions x overlap on/off x both halo backends.
for distribution in ("sfc", "round_robin"):
    for overlap in ("true", "false"):
        for backend in ("packed", "datatypes"):
            variants[f"np3-24boxes-{distribution}-overlap-{overlap}-{backend}"] = (
                3, "parallel.box_size=[11,8]", f'parallel.distribution="{distribution}"',
                f"parallel.overlap={overlap}", f"parallel.halo_backend={backend}")
variants.update({
    "np2-24boxes-knapsack": (2, "parallel.box_size=[11,8]", "parallel.distribution=knapsack"),
    # Some ranks own no box: 2 boxes (cut along x, or along y) on 3 and 4 ranks.
    "np3-2boxes-x-round_robin": (3, "parallel.box_size=[32,0]", "parallel.distribution=round_robin"),
    "np4-2boxes-y-sfc-datatypes": (4, "parallel.box_size=[0,16]", "parallel.distribution=sfc",
                                   "parallel.halo_backend=datatypes"),
    # box_size with one box per rank and the Cartesian ownership.
    "np4-4boxes-cartesian": (4, "parallel.box_size=[16,32]"),
})
# What rank 0's start-up line says about the layout.
layout_lines = {
    "np3": "3 ranks (process grid 3x1)",
    "np3-24boxes-sfc-overlap-true-packed": "24 boxes of up to 11x8 cells (6x4) over 3 ranks, sfc, 8 per rank",
    "np3-24boxes-round_robin-overlap-false-datatypes":
        "24 boxes of up to 11x8 cells (6x4) over 3 ranks, round_robin, 8 per rank",
    "np3-2boxes-x-round_robin": "2 boxes of 32x32 cells (2x1) over 3 ranks, round_robin, 0-1 per rank (1 rank owns none)",
    "np4-2boxes-y-sfc-datatypes": "2 boxes of 64x16 cells (1x2) over 4 ranks, sfc, 0-1 per rank (2 ranks own none)",
    "np4-4boxes-cartesian": "4 boxes of 16x32 cells (4x1) over 4 ranks, cartesian, 1 per rank",
}
for name, (ranks, *settings) in variants.items():
    folder = run(name, ranks, *settings)
    if name in layout_lines and f"cells (dx 25 km, dy 25 km), {layout_lines[name]}, overlap" not in logs[name]:
        failures.append(f"{name}/start-up line: does not say '{layout_lines[name]}':\n{logs[name].splitlines()[0]}")
    if snapshots(folder) != reference_files:
        failures.append(f"{name}: snapshots {snapshots(folder)} != {reference_files}")
        continue
    for file in reference_files:
        with h5py.File(os.path.join(reference, file), "r") as a, h5py.File(os.path.join(folder, file), "r") as b:
            if a.attrs["step"] != b.attrs["step"] or a["time"][()].tobytes() != b["time"][()].tobytes():
                failures.append(f"{name}/{file}: step or time differs from the 1-rank run")
            for field in ("h", "u", "v", "tracer", "bottom", "x", "y", "x_u", "y_v"):
                da, db = a[field], b[field]
                if da.dtype != db.dtype or da.shape != db.shape or da[()].tobytes() != db[()].tobytes():
                    failures.append(f"{name}/{file}: /{field} differs from the 1-rank run")
    print(f"{'ok ' if not any(f.startswith(name + '/') for f in failures) else 'FAIL'} {name}: "
          f"{len(reference_files)} snapshots x 5 fields and 4 coordinates byte-identical to 1 rank")

# The final state must have moved (a test of identical zeros would prove nothing).
with h5py.File(os.path.join(reference, reference_files[0]), "r") as a, \
        h5py.File(os.path.join(reference, reference_files[-1]), "r") as b:
    if a["v"][()].tobytes() == b["v"][()].tobytes():
        failures.append("the jet did not evolve (v unchanged)")
    _, ny, nx = b["h"].shape

# climate.xmf: valid XML; a spatial collection of one temporal collection per grid (cells, u_faces,
# v_faces: stable block names), one step per snapshot in each; every HDF reference resolvable, a
# field of (ny, nx) cells (the file's variable is (1, ny, nx), or (ny, nx) for bottom).
tree = ET.parse(os.path.join(reference, "climate.xmf"))
blocks = tree.getroot().findall("./Domain/Grid/Grid")
if [b.get("Name") for b in blocks] != ["cells", "u_faces", "v_faces"]:
    failures.append(f"climate.xmf blocks {[b.get('Name') for b in blocks]}")
for b in blocks:
    if len(b.findall("./Grid")) != len(reference_files):
        failures.append(f"climate.xmf block {b.get('Name')} has {len(b.findall('./Grid'))} time steps for "
                        f"{len(reference_files)} snapshots")
references = 0
for item in tree.getroot().iter("DataItem"):
    if item.get("Format") != "HDF":
        continue
    file, dataset = item.text.strip().split(":")
    dims = tuple(int(d) for d in item.get("Dimensions").split())
    with h5py.File(os.path.join(reference, file), "r") as f:
        if dataset not in f or f[dataset].shape[-2:] != dims or dims != (ny, nx):
            failures.append(f"climate.xmf: {item.text} with dims {dims} does not match the file")
    references += 1
if references != 5 * len(reference_files):
    failures.append(f"climate.xmf references {references} datasets, expected {5 * len(reference_files)}")
print(f"ok  climate.xmf: {len(blocks)} blocks x {len(reference_files)} time steps, {references} dataset "
      "references resolved")

# scripts/plot: one PNG per snapshot (+ the GIF when Pillow is there).
result = subprocess.run([plot, reference, "--dpi", "50"], capture_output=True, text=True, timeout=120)
pngs = glob.glob(os.path.join(reference, "png", "frame_*.png"))
if result.returncode != 0 or len(pngs) != len(reference_files):
    failures.append(f"scripts/plot: exit {result.returncode}, {len(pngs)} PNGs\n{result.stderr}")
else:
    print(f"ok  scripts/plot: {len(pngs)} PNG frames" +
          (", climate.gif" if os.path.exists(os.path.join(reference, "climate.gif")) else ""))

for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
