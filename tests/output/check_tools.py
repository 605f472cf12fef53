#!/usr/bin/python3
"""The climate community's tools and ParaView read parlayer's output as it is (issue 14).

Usage: check_tools.py MPIEXEC CLIMATE CONFIG WRITE_3D WORK_DIR [COUPLED COUPLED_CONFIG]

Runs the real programs on a real demo output (parlayer-climate, small.toml, 2 ranks: snapshots at
steps 0, 30, 60) and on a 3D series (WRITE_3D), and checks each against what h5py reads:
  ncdump -h, cdo sinfo, cdo fldmean, ncrcat over the snapshots, xarray open_mfdataset with the
  netcdf4 and h5netcdf engines (time decoded), the netCDF library appending to a snapshot, and
  ParaView (one pvpython run under xvfb-run: check_paraview.py): the XDMF series with all three
  XDMF readers and the NetCDF files with the NetCDF reader, default settings: bounds in the X-Y
  plane, stable block names, the same min/max as h5py at one step, and a rendered PNG that is
  not blank (pixels counted).
With COUPLED, parlayer-coupled's output too (issue 12: one series per component, atmosphere, ocean
and land on their own grids): cdo sinfo, xarray and ParaView's readers, each against h5py.
A missing tool is a failure, never a skip. Prints "ok"/"FAIL" lines and "N passed, M failed".
"""
import datetime
import glob
import json
import os
import shutil
import signal
import subprocess
import sys

import h5py
import numpy as np

mpiexec, climate, config, write_3d, work = sys.argv[1:6]
coupled, coupled_config = sys.argv[6:8] if len(sys.argv) > 7 else (None, None)
components = ("atmosphere", "ocean", "land")
here = os.path.dirname(os.path.abspath(__file__))
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
passed, failed = 0, 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))
    sys.stdout.flush()
    return ok


def run(cmd, timeout=180):
    """A command's CompletedProcess; a missing program is a failed check (returncode 127). The
    command runs in a process group of its own, ended afterwards, so nothing it started (an Xvfb
    of xvfb-run's) outlives it."""
    if shutil.which(cmd[0]) is None:
        return subprocess.CompletedProcess(cmd, 127, "", f"{cmd[0]}: not installed (scripts/packages.txt)")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = "", f"timed out after {timeout} s"
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def finish():
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


# ---- the outputs: the climate demo (2D) and a 3D series ----
out = os.path.join(work, "climate")
r = run([mpiexec, "-q", "--oversubscribe", "-np", "2", climate, "--config", config, "--output", out,
         "--set", "log.echo_config=false", "--set", "checkpoint.at_end=false"])
snapshots = sorted(glob.glob(os.path.join(out, "climate_*.h5")))
if not check(r.returncode == 0 and len(snapshots) == 3, "parlayer-climate wrote 3 snapshots",
             f"exit {r.returncode}: {r.stderr[-2000:]}"):
    finish()
out3 = os.path.join(work, "three-d")
os.makedirs(out3)
r = run([mpiexec, "-q", "--oversubscribe", "-np", "2", write_3d, out3])
check(r.returncode == 0, "the 3D series was written", r.stderr[-2000:])
middle = snapshots[1]


def on_time(ds):
    """True for a variable whose first dimension is the time (its attached dimension scale)."""
    return ds.name != "/time" and len(ds.dims[0]) == 1 and ds.dims[0][0].name == "/time"


def h5_fields(path):
    """Every variable of a snapshot as h5py reads it, at its one time step."""
    with h5py.File(path, "r") as f:
        return {n: (ds[0] if on_time(ds) else ds[()])
                for n, ds in f.items() if isinstance(ds, h5py.Dataset)}, float(f["time"][0])


truth = [h5_fields(p) for p in snapshots]
fields = ("h", "u", "v", "tracer", "bottom")

# ---- ncdump -h: real dimensions (no phony_dim), coordinates, units, CF ----
r = run(["ncdump", "-h", middle])
header = r.stdout
check(r.returncode == 0, "ncdump -h opens a snapshot", r.stderr)
for needle in ("time = UNLIMITED ; // (1 currently)", "double time(time) ;", 'time:units = "seconds since 2000-01-01',
               'time:calendar = "standard"', "double x(x) ;", "double y(y) ;", "double x_u(x_u) ;", "double y_v(y_v) ;",
               "double h(time, y, x) ;", "double u(time, y, x_u) ;", "double v(time, y_v, x) ;",
               "double tracer(time, y, x) ;", "double bottom(y, x) ;", 'h:units = "m"', 'h:long_name = "layer thickness"',
               'u:standard_name = "sea_water_x_velocity"', 'x:standard_name = "projection_x_coordinate"',
               ':Conventions = "CF-1.8"', "group: parameters"):
    check(needle in header, f"ncdump -h shows {needle}", header[:3000] if not header else "")
check("phony_dim" not in header, "ncdump -h: no phony dimensions")
r = run(["ncdump", "-h", os.path.join(out3, "snapshot_1.h5")])
check(r.returncode == 0 and "double w(time, z_w, y, x) ;" in r.stdout and "double T(time, z, y, x) ;" in r.stdout,
      "ncdump -h of the 3D snapshot: T(time, z, y, x), w(time, z_w, y, x)", r.stdout[:2000] + r.stderr)

# ---- CDO: sinfo and fldmean ----
r = run(["cdo", "sinfo", middle])
text = r.stdout + r.stderr
check(r.returncode == 0, "cdo sinfo opens a snapshot", text[-2000:])
check("RefTime =  2000-01-01 00:00:00" in text and "Calendar = standard" in text, "cdo sinfo: time axis decoded", text)
check(text.count("F64") == 5, "cdo sinfo: 5 variables", text)
check("x : 12500 to 1587500 by 25000 m" in text and "x_u : 0 to 1575000 by 25000 m" in text and
      "y_v : -400000 to 375000 by 25000 m" in text, "cdo sinfo: the coordinates of the C-grid", text)
for name in ("h", "tracer"):
    r = run(["cdo", "-s", "outputf,%.17g", "-fldmean", f"-selname,{name}", middle])
    try:
        value = float(r.stdout.split()[-1])
    except (ValueError, IndexError):
        value = float("nan")
    expected = float(np.mean(truth[1][0][name]))
    check(r.returncode == 0 and abs(value - expected) <= 1e-12 * max(1.0, abs(expected)),
          f"cdo fldmean of {name} = {value!r} (numpy on h5py's values: {expected!r})", r.stderr[-2000:])

# ---- NCO: ncrcat joins the snapshots along time ----
joined = os.path.join(work, "joined.nc")
r = run(["ncrcat", "-O"] + snapshots + [joined])
check(r.returncode == 0, "ncrcat over the 3 snapshots", r.stderr[-2000:])
if r.returncode == 0:
    with h5py.File(joined, "r") as f:
        times = f["time"][()]
        check(list(times) == [t for _, t in truth], f"ncrcat: time = {list(times)}")
        check(all(np.array_equal(f[n][k], truth[k][0][n]) for n in ("h", "u", "v", "tracer") for k in range(3)),
              "ncrcat: every field of every step equal to the snapshots' values")

# ---- xarray: open_mfdataset with both engines, time decoded, values equal to h5py's ----
try:
    import xarray as xr
except ImportError as e:
    xr = None
    check(False, "xarray is importable", str(e))
if xr is not None:
    reference = np.datetime64("2000-01-01T00:00:00")
    for engine in ("netcdf4", "h5netcdf"):
        try:
            with xr.open_mfdataset(snapshots, engine=engine, combine="by_coords", data_vars="minimal") as ds:
                decoded = ds["time"].values
                expected_times = [reference + np.timedelta64(int(round(t * 1e9)), "ns") for _, t in truth]
                check(ds["time"].dtype.kind == "M" and all(abs(a - b) <= np.timedelta64(1, "us")
                                                           for a, b in zip(decoded, expected_times)),
                      f"xarray ({engine}): time decoded to dates {decoded}")
                check(ds["u"].dims == ("time", "y", "x_u") and ds["v"].dims == ("time", "y_v", "x") and
                      ds["bottom"].dims == ("y", "x"), f"xarray ({engine}): u on x_u, v on y_v, bottom on (y, x)")
                same = all(np.array_equal(ds[n].isel(time=k).values, truth[k][0][n])
                           for n in ("h", "u", "v", "tracer") for k in range(3))
                same = same and np.array_equal(ds["bottom"].values, truth[0][0]["bottom"])
                same = same and all(np.array_equal(ds[c].values, truth[0][0][c]) for c in ("x", "y", "x_u", "y_v"))
                check(same, f"xarray ({engine}): every value equal to what h5py reads")
                check(ds["h"].attrs.get("units") == "m" and ds.attrs.get("Conventions") == "CF-1.8",
                      f"xarray ({engine}): attributes (units, Conventions)")
        except Exception as e:  # noqa: BLE001 (any failure of the tool is the test's finding)
            check(False, f"xarray open_mfdataset ({engine})", repr(e))

# ---- the netCDF library can also modify a snapshot (creation order tracked) ----
try:
    import netCDF4
    copy = os.path.join(work, "appended.h5")
    shutil.copyfile(middle, copy)
    with netCDF4.Dataset(copy, "a") as d:
        d.history = "appended by the netCDF library"
        speed = d.createVariable("speed", "f8", ("time", "y", "x"))
        speed[:] = 1.0
    with netCDF4.Dataset(copy, "r") as d:
        check(d.history == "appended by the netCDF library" and "speed" in d.variables and
              np.array_equal(d["h"][0], truth[1][0]["h"]), "netCDF library: appends an attribute and a variable")
except Exception as e:  # noqa: BLE001
    check(False, "netCDF library: appends to a snapshot", repr(e))

# ---- parlayer-coupled: a series per component, read by cdo and xarray as they are ----
coupled_series = {}  # component -> (snapshot files, h5py's fields of each)
if coupled:
    out_c = os.path.join(work, "coupled")
    r = run([mpiexec, "-q", "--oversubscribe", "-np", "2", coupled, "--config", coupled_config, "--output", out_c,
             "--set", "checkpoint.at_end=false"])
    check(r.returncode == 0, "parlayer-coupled ran", f"exit {r.returncode}: {r.stderr[-2000:]}")
    for c in components:
        files = sorted(glob.glob(os.path.join(out_c, c, f"{c}_*.h5")))
        if check(len(files) >= 3 and os.path.exists(os.path.join(out_c, c, f"{c}.xmf")),
                 f"coupled {c}: {len(files)} snapshots and {c}.xmf"):
            coupled_series[c] = (files, [h5_fields(f) for f in files])
    for c, (files, fields_c) in coupled_series.items():
        grids = [n for n, v in fields_c[1][0].items() if getattr(v, "ndim", 0) == 2 and n != "bottom"]
        r = run(["cdo", "sinfo", files[1]])
        names = run(["cdo", "-s", "showname", files[1]])
        check(r.returncode == 0 and "RefTime =  2000-01-01" in r.stdout and names.returncode == 0 and
              set(grids) <= set(names.stdout.split()),
              f"cdo sinfo / showname: coupled {c} snapshot with {', '.join(grids)} and its time axis",
              (r.stdout + r.stderr + names.stdout + names.stderr)[-2000:])
        try:
            import xarray
            with xarray.open_mfdataset(files, engine="netcdf4", combine="by_coords", data_vars="minimal") as ds:
                same = ds.sizes["time"] == len(files) and all(
                    np.array_equal(ds[n].isel(time=1).values, fields_c[1][0][n], equal_nan=True) for n in grids)
                check(same, f"xarray: coupled {c}, {len(files)} times, every value equal to h5py's")
        except Exception as e:  # noqa: BLE001
            check(False, f"xarray open_mfdataset: coupled {c}", repr(e))

# ---- ParaView: one pvpython run checks everything (check_paraview.py) ----
step_time = truth[1][1]
t3 = h5_fields(os.path.join(out3, "snapshot_1.h5"))
spec = {"xdmf": {"climate": {"path": os.path.join(out, "climate.xmf"), "time": step_time},
                 "three-d": {"path": os.path.join(out3, "series.xmf"), "time": t3[1]}},
        "netcdf": {"climate": middle, "three-d": os.path.join(out3, "snapshot_1.h5")},
        "render": {"xmf": os.path.join(out, "climate.xmf"), "png": os.path.join(work, "tracer.png"), "time": step_time}}
for c, (files, fields_c) in coupled_series.items():
    spec["xdmf"][f"coupled-{c}"] = {"path": os.path.join(os.path.dirname(files[0]), f"{c}.xmf"), "time": fields_c[1][1]}
    spec["netcdf"][f"coupled-{c}"] = files[1]
spec_file, result_file = os.path.join(work, "paraview-spec.json"), os.path.join(work, "paraview-result.json")
with open(spec_file, "w") as f:
    json.dump(spec, f)
if shutil.which("xvfb-run") is None:
    check(False, "xvfb-run is installed (package xvfb)")
# pvpython needs an X display (without one it crashes): a private Xvfb. The display number is
# chosen here, not by `xvfb-run -a`, whose search for a free number races with other xvfb-run
# started at the same moment or with a server left over by a killed run ("bad X server
# connection"); a clash is retried on another number, at most 3 times.
for attempt in range(3):
    display = 100 + (os.getpid() * 7 + attempt * 1009) % 30000
    r = run(["xvfb-run", f"--server-num={display}", "pvpython",
             os.path.join(here, "check_paraview.py"), spec_file, result_file], timeout=300)
    if r.returncode == 0 or "X server" not in r.stdout + r.stderr and "Xvfb failed" not in r.stdout + r.stderr:
        break
    print(f"     (display :{display} failed, trying another)")
if not check(r.returncode == 0 and os.path.exists(result_file), "pvpython under xvfb-run ran check_paraview.py",
             (r.stdout + r.stderr)[-3000:]):
    finish()
with open(result_file) as f:
    result = json.load(f)

with h5py.File(snapshots[0], "r") as f:
    x_u, y_v, x, y = f["x_u"][()], f["y_v"][()], f["x"][()], f["y"][()]
dx, dy = x[1] - x[0], y[1] - y[0]
lx = x[-1] + dx / 2
for kind in ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"):
    got = result["xdmf"][f"climate/{kind}"]
    b = got["bounds"]
    expected = [x_u[0] - dx / 2, lx, y_v[0] - dy / 2, y[-1] + dy / 2, 0.0, 0.0]
    check(np.allclose(b, expected, rtol=0, atol=1e-6 * lx), f"ParaView {kind}: climate.xmf lies in the X-Y plane, "
          f"bounds {b}", f"expected {expected}")
    check(np.allclose(got["times"], [t for _, t in truth], rtol=1e-15), f"ParaView {kind}: time steps {got['times']}")
    # The XDMF (2) reader names the blocks after the grids; both Xdmf3 readers leave them unnamed
    # (3 blocks, or 1 block of 3 pieces for Xdmf3ReaderS): the same structure at every time.
    expected_blocks = {"XDMFReader": ["cells", "u_faces", "v_faces"], "Xdmf3ReaderS": [""],
                       "Xdmf3ReaderT": ["", "", ""]}[kind]
    check(got["blocks"] == expected_blocks and got["blocks_first"] == got["blocks"],
          f"ParaView {kind}: blocks {got['blocks']} the same at every time")
    check(got["representation"] == "Surface", f"ParaView {kind}: default representation {got['representation']}")
    for name in fields:
        a = got["arrays"].get(name)
        values = truth[1][0][name]
        check(a is not None and a["kind"] == "cell" and a["range"] == [float(values.min()), float(values.max())],
              f"ParaView {kind}: {name} at t = {step_time:.6g} s has h5py's min/max {[values.min(), values.max()]}",
              f"ParaView: {a}")
    got3 = result["xdmf"][f"three-d/{kind}"]
    check(np.allclose(got3["bounds"], [0, 12000, 0, 4000, -125, 1000]), f"ParaView {kind}: 3D series bounds {got3['bounds']}")
    for name in ("T", "w"):
        a, values = got3["arrays"].get(name), t3[0][name]
        check(a is not None and a["range"] == [float(values.min()), float(values.max())],
              f"ParaView {kind}: 3D {name} has h5py's min/max", f"ParaView: {a}")

got = result["netcdf"]["climate"]
b = got["bounds"]
check(np.allclose(b, [x[0], x[-1], y[0], y[-1], 0, 0]), f"ParaView NetCDF reader: a snapshot in the X-Y plane, bounds {b}")
for name in ("h", "tracer", "bottom"):
    a, values = got["arrays"].get(name), truth[1][0][name]
    check(a is not None and a["range"] == [float(values.min()), float(values.max())],
          f"ParaView NetCDF reader: {name} has h5py's min/max", f"ParaView: {a}")
got = result["netcdf"]["three-d"]
check(np.allclose(got["bounds"], [500, 11500, 250, 3750, 125, 875]), f"ParaView NetCDF reader: 3D bounds {got['bounds']}")
a, values = got["arrays"].get("T"), t3[0]["T"]
check(a is not None and a["range"] == [float(values.min()), float(values.max())], "ParaView NetCDF reader: 3D T min/max",
      f"ParaView: {a}")

# The coupled components: every field of the series, with h5py's min/max (NaN ignored, as ParaView does).
def nan_range(values):
    return [float(np.nanmin(values)), float(np.nanmax(values))]


for c, (files, fields_c) in coupled_series.items():
    truth_c, time_c = fields_c[1]
    grids = [n for n, v in truth_c.items() if getattr(v, "ndim", 0) == 2]
    for kind in ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"):
        got = result["xdmf"][f"coupled-{c}/{kind}"]
        check(np.allclose(got["times"], [t for _, t in fields_c], rtol=1e-15) and got["bounds"][4:] == [0.0, 0.0],
              f"ParaView {kind}: coupled {c}.xmf, {len(got['times'])} times, in the X-Y plane")
        wrong = [n for n in grids if got["arrays"].get(n, {}).get("range") != nan_range(truth_c[n])]
        check(not wrong, f"ParaView {kind}: coupled {c}: {', '.join(grids)} with h5py's min/max",
              f"differ: {[(n, got['arrays'].get(n), nan_range(truth_c[n])) for n in wrong]}")
    got = result["netcdf"][f"coupled-{c}"]
    # The NetCDF reader shows the variables on the cell grid (y, x): u and v lie on faces (x_u, y_v).
    wrong = [n for n in grids if n not in ("bottom", "u", "v") and
             got["arrays"].get(n, {}).get("range") != nan_range(truth_c[n])]
    check(not wrong and got["bounds"][4:] == [0.0, 0.0],
          f"ParaView NetCDF reader: coupled {c} snapshot in the X-Y plane, fields with h5py's min/max",
          f"bounds {got['bounds']}; differ: {[(n, got['arrays'].get(n), nan_range(truth_c[n])) for n in wrong]}")

# The picture: not blank. The background is the most frequent colour; the grid must cover a good
# part of the image with many colours (a colour map, not a flat fill or an outline).
try:
    from PIL import Image
    image = np.asarray(Image.open(result["png"]).convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(image, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    covered = float(np.mean(np.any(image != background, axis=1)))
    check(covered > 0.1 and len(colours) > 50,
          f"ParaView PNG: {covered:.0%} of the pixels are not background, {len(colours)} colours ({result['png']})")
except Exception as e:  # noqa: BLE001
    check(False, "ParaView PNG can be read", repr(e))
finish()
