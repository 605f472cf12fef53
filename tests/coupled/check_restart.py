#!/usr/bin/python3
"""parlayer-coupled's checkpoints of the whole coupled state (every component's fields and the
fields in transit) restart on other layouts bit for bit (docs/coupled.md, "Checkpoints").

Modes:
  layouts SCHEDULE  a straight run of 12 intervals on 2 ranks (land on the atmosphere's) against a
                    chain of four runs, each on another layout, each continuing the previous one's
                    checkpoint: 1+1 (land shared) -> 2+1 (--restart latest) -> 1+2+1 disjoint
                    (--restart DIR/ocean_<step>.h5) -> the ocean in 8x8 boxes with all-land boxes
                    eliminated (--restart latest). Every output snapshot and the final checkpoint
                    generation (fields in transit included) must be byte-identical.
  stop              SIGUSR1 to mpiexec stops a run at an agreed interval with a checkpoint and exit
                    code 3; --restart latest on another layout then ends byte-identical to a
                    straight run.
  damaged           a damaged part (the ocean's file of the newest generation) makes --restart latest
                    skip that generation with a log line and use the previous one (also passing over
                    an incomplete newer generation and one whose parts hold another step), still
                    byte-identical at the end; a changed
                    must-match key, another schedule, a path that is no part, a generation with a part
                    missing and checkpoint.keep = 0 are one line, exit 2.

Usage: check_restart.py MPIEXEC BINARY CONFIG WORK_DIR MODE [SCHEDULE]
Compares datasets by their bytes (never with a tolerance). Needs Debian's python3-h5py.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys

import h5py

from heat_budget import drift_problem
from one_line_error import one_line_error

mpiexec, binary, config, work, mode = sys.argv[1:6]
schedule = sys.argv[6] if len(sys.argv) > 6 else "sequential"
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def command(ranks, out, settings, extra=()):
    cmd = [mpiexec, "-q", "--oversubscribe", "-np", str(ranks), binary, "--config", config, "--output", out,
           "--set", f'coupling.schedule="{schedule}"']
    for s in settings:
        cmd += ["--set", s]
    return cmd + list(extra)


def run(ranks, out, settings, extra=(), want=0):
    cmd = command(ranks, out, settings, extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != want:
        sys.exit(f"FAIL {' '.join(cmd)}: exit {r.returncode}, want {want}\n{r.stdout}\n{r.stderr}")
    return r


def fields(path):
    with h5py.File(path, "r") as f:
        out = {name: (ds.dtype.str, ds.shape, ds[()].tobytes()) for name, ds in f.items() if isinstance(ds, h5py.Dataset)}
        out["@step"] = int(f.attrs["step"])
        return out


def compare(reference, other, pattern, what):
    """Every file of `reference` matching `pattern` (relative glob) has a byte-identical twin in `other`."""
    files = sorted(os.path.relpath(p, reference) for p in glob.glob(os.path.join(reference, pattern)))
    if not files:
        failures.append(f"{what}: no files {pattern} in {reference}")
    for rel in files:
        twin = os.path.join(other, rel)
        if not os.path.exists(twin):
            failures.append(f"{what}: {rel} missing")
            continue
        a, b = fields(os.path.join(reference, rel)), fields(twin)
        if a.keys() != b.keys():
            failures.append(f"{what}: {rel} has fields {sorted(b)}, the straight run's {sorted(a)}")
        for key in sorted(a.keys() & b.keys()):
            if a[key] != b[key]:
                failures.append(f"{what}: {rel} field {key} differs from the straight run")
    return len(files)


def generation(step):
    return f"*_{step:010d}.h5"


def one_line_exit_2(ranks, out, settings, extra, words, what):
    r = subprocess.run(command(ranks, out, settings, extra), capture_output=True, text=True, timeout=60)
    if wrong := one_line_error(r, words):
        failures.append(f"{what}: {wrong}")
    else:
        print(f"ok   {what}: {r.stderr.strip()}")


# The fields in transit must be in every part.
def check_parts(folder, step):
    want = {"atmosphere": {"h", "u", "v", "tracer", "heating", "surface_temperature"},
            "ocean": {"h", "u", "v", "tracer", "air_temperature", "air_u", "air_v", "heat_flux"},
            "land": {"temperature", "air_temperature", "air_u", "air_v", "heat_flux"}}
    for c, names in want.items():
        path = os.path.join(folder, f"{c}_{step:010d}.h5")
        with h5py.File(path, "r") as f:
            if missing := names - set(f.keys()):
                failures.append(f"{path} lacks {sorted(missing)}")


if mode == "layouts":
    ref = os.path.join(work, "straight")
    run(2, ref, ["checkpoint.interval=3"])
    check_parts(os.path.join(ref, "checkpoints"), 12)
    chain = os.path.join(work, "chain")
    legs = [  # (ranks, settings, --restart, steps)
        (2, [], None, 3),
        (3, ["layout.atmosphere=2"], "latest", 6),
        (4, ["layout.ocean=2", "layout.land=1"],
         os.path.join(chain, "checkpoints", "ocean_0000000006.h5"), 9),
        (3, ["layout.ocean=2", "ocean.parallel.box_size=[8,8]", 'ocean.parallel.distribution="sfc"'], "latest", 12),
    ]
    for ranks, settings, restart, steps in legs:
        r = run(ranks, chain, settings + [f"time.steps={steps}"], ["--restart", restart] if restart else [])
        previous = steps - 3
        if restart and not re.search(rf"restarted from generation {previous} \(", r.stdout):
            failures.append(f"leg to {steps}: no 'restarted from generation {previous}' line:\n{r.stdout}")
        # The budget's reference (the initial state) is recomputed by a restart: still no drift.
        if problem := drift_problem(r.stdout):
            failures.append(f"leg to {steps}: {problem}")
    n = compare(ref, chain, "*/*_*.h5", "output")
    n += compare(ref, chain, os.path.join("checkpoints", generation(12)), "final checkpoint")
    # ParaView's series of the chain lists every snapshot, those before each restart too (each leg
    # also wrote its last interval: 3 and 9).
    for c in ("atmosphere", "ocean", "land"):
        listed = sorted(set(re.findall(rf"{c}_(\d+)\.h5", open(os.path.join(chain, c, f"{c}.xmf")).read())))
        if listed != ["00000000", "00000003", "00000006", "00000009", "00000012"]:
            failures.append(f"{c}.xmf of the restarted chain lists steps {listed}")
    print(f"{schedule}: {n} files of a 4-layout restart chain compared with the straight run")

elif mode == "stop":
    settings = ["time.steps=300", "log.interval=10", "output.interval=100"]
    ref = os.path.join(work, "straight")
    run(2, ref, settings)
    out = os.path.join(work, "stopped")
    cmd = command(2, out, settings)
    job = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = []
    for line in job.stdout:
        log.append(line)
        m = re.match(r"step\s+(\d+)/", line)
        if m and int(m.group(1)) >= 20:
            job.send_signal(signal.SIGUSR1)  # mpiexec forwards it to every rank
            break
    rest, err = job.communicate(timeout=120)
    log = "".join(log) + rest
    m = re.search(r"^stopped on request by SIGUSR1 at coupling interval (\d+) of 300: checkpoint (\S+) written; "
                  r"exit code 3", log, re.M)
    if job.returncode != 3 or not m:
        sys.exit(f"FAIL SIGUSR1: exit {job.returncode} (want 3) and the stop line\n{log}\n{err}")
    stop = int(m.group(1))
    if not 20 <= stop < 300:
        failures.append(f"stopped at interval {stop}, want 20 <= it < 300")
    parts = sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, "checkpoints", generation(stop))))
    if len(parts) != 3:
        failures.append(f"the stop's generation {stop} has parts {parts}, want 3")
    print(f"SIGUSR1: stopped at interval {stop} with exit code 3")
    r = run(3, out, settings + ["layout.atmosphere=2"], ["--restart", "latest"])
    if not re.search(rf"restarted from generation {stop} \(", r.stdout):
        failures.append(f"--restart latest did not continue from {stop}:\n{r.stdout}")
    n = compare(ref, out, "*/*_*.h5", "output after a stop")
    n += compare(ref, out, os.path.join("checkpoints", generation(300)), "final checkpoint after a stop")
    print(f"stop + restart on 2+1 ranks: {n} files byte-identical to the straight run")

elif mode == "damaged":
    out = os.path.join(work, "run")
    run(2, out, ["checkpoint.interval=4"])
    ref = os.path.join(work, "straight")  # the straight run's files, before anything is damaged
    shutil.copytree(out, ref)
    folder = os.path.join(out, "checkpoints")
    # The ocean's part of the newest generation damaged in the middle; a newer generation with an
    # atmosphere part only (a run killed between two parts).
    ocean = os.path.join(folder, "ocean_0000000012.h5")
    size = os.path.getsize(ocean)
    with open(ocean, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xa5" * 4096)
    shutil.copy(os.path.join(folder, "atmosphere_0000000012.h5"), os.path.join(folder, "atmosphere_0000000016.h5"))
    # A complete newer generation whose parts hold another step (generation 8 copied under the name 20).
    for c in ("atmosphere", "ocean", "land"):
        shutil.copy(os.path.join(folder, f"{c}_0000000008.h5"), os.path.join(folder, f"{c}_0000000020.h5"))
    r = run(3, out, ["checkpoint.interval=4", "layout.atmosphere=2", "time.steps=16"], ["--restart", "latest"])
    for words in (r"generation 20 skipped: .*_0000000020\.h5' holds coupling interval 8, not 20",
                  r"generation 16 skipped: incomplete \(no ocean, land part\)",
                  r"generation 12 skipped: .*ocean_0000000012\.h5", r"restarted from generation 8 \("):
        if not re.search(words, r.stdout):
            failures.append(f"damaged: no line matching '{words}':\n{r.stdout}")
    n = compare(ref, out, os.path.join("*", "*_00000012.h5"), "output after a damaged generation")
    n += compare(ref, out, os.path.join("checkpoints", generation(12)), "checkpoint rewritten after a damaged one")
    print(f"generation 20 (parts of 8) and 16 (incomplete) skipped, damaged 12 skipped, 8 used; {n} files byte-identical")

    one_line_exit_2(2, out, ["coupling.drag=2e-3"], ["--restart", "latest"],
                    ["restart from", "'coupling.drag'", "must match", "coupling.drag=2e-3"],
                    "a changed must-match key")
    other = "concurrent" if schedule == "sequential" else "sequential"
    one_line_exit_2(2, out, [f'coupling.schedule="{other}"'], ["--restart", "latest"],
                    ["restart from", "'coupling.schedule'", "must match"], "another schedule")
    one_line_exit_2(2, out, [], ["--restart", os.path.join(folder, "sea_0000000008.h5")],
                    ["sea_0000000008.h5", "not a part of a checkpoint generation"], "a path that is no part")
    one_line_exit_2(2, out, ["checkpoint.keep=0"], [], ["'checkpoint.keep'", ">= 1"],
                    "checkpoint.keep = 0 (parlayer-climate's bounds)")
    # (Generation 8 may be pruned by now: the copies named 20 count among the kept ones.)
    os.remove(os.path.join(folder, "land_0000000012.h5"))
    one_line_exit_2(2, out, [], ["--restart", os.path.join(folder, "ocean_0000000012.h5")],
                    ["--restart", "land_0000000012.h5"], "a generation given by path with a part missing")
else:
    sys.exit(f"unknown mode {mode}")

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print(f"OK: {mode}")
