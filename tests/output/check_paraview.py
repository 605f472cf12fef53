"""ParaView (pvpython, under xvfb-run) opening parlayer's output with every default setting.

    xvfb-run -a pvpython check_paraview.py SPEC.json RESULT.json
    xvfb-run -a pvpython check_paraview.py --render XMF PNG [TIME]

The first form is the test (tests/output/check_tools.py writes SPEC and checks RESULT): for each
XDMF series and each of ParaView's three XDMF readers, and for each NetCDF file with the NetCDF
(CF) reader, it reports the bounds, time steps, block names at two times, the default
representation and the range of every cell/point array at one time; then renders the tracer with
the default settings of a render view and saves a PNG. One pvpython run does it all (its start-up
is the slow part). The second form renders the cell-centred field "tracer" of one time step of
an XDMF series, as in README's picture (docs/images/climate-tracer-paraview.png).
"""
import json
import os
import sys

from paraview import servermanager as sm
from paraview.simple import (ColorBy, CreateView, ExtractBlock, GetColorTransferFunction, GetScalarBar, Hide, NetCDFReader,
                             Render, SaveScreenshot, Show, Xdmf3ReaderS, Xdmf3ReaderT, XDMFReader)
from vtkmodules.vtkCommonDataModel import vtkCompositeDataSet


def xdmf_reader(kind, path):
    if kind == "XDMFReader":
        return XDMFReader(FileNames=[path])
    return {"Xdmf3ReaderS": Xdmf3ReaderS, "Xdmf3ReaderT": Xdmf3ReaderT}[kind](FileName=[path])


def block_names(data):
    """Names of the leaves of a composite dataset, by path ("cells", ...)."""
    names = []
    if data is None or not data.IsA("vtkMultiBlockDataSet"):
        return names
    for i in range(data.GetNumberOfBlocks()):
        meta = data.GetMetaData(i) if data.HasMetaData(i) else None
        name = meta.Get(vtkCompositeDataSet.NAME()) if meta is not None and meta.Has(vtkCompositeDataSet.NAME()) else ""
        child = data.GetBlock(i)
        inner = block_names(child)
        names += [name + "/" + n for n in inner] if inner else [name]
    return names


def representation(rep):
    """The name of a representation's type ("Surface", "Outline", ...)."""
    value = rep.GetProperty("Representation").GetData()
    return value if isinstance(value, str) else str(value[0])


def describe(reader, time):
    reader.UpdatePipeline(time)
    info = reader.GetDataInformation()
    arrays = {}
    for kind, group in (("cell", reader.CellData), ("point", reader.PointData)):
        for name in group.keys():
            arrays[name] = {"kind": kind, "range": list(group[name].GetRange())}
    return {"bounds": list(info.GetBounds()), "cells": info.GetNumberOfCells(), "arrays": arrays,
            "times": [float(t) for t in reader.TimestepValues] if reader.TimestepValues else [],
            "blocks": block_names(sm.Fetch(reader))}


def check(spec):
    result = {"xdmf": {}, "netcdf": {}}
    view = CreateView("RenderView")
    for name, series in spec["xdmf"].items():
        for kind in ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"):
            reader = xdmf_reader(kind, series["path"])
            first = describe(reader, reader.TimestepValues[0])
            at = describe(reader, series["time"])
            at["blocks_first"] = first["blocks"]
            rep = Show(reader, view)
            at["representation"] = representation(rep)
            Hide(reader, view)
            result["xdmf"][f"{name}/{kind}"] = at
    for name, path in spec["netcdf"].items():
        reader = NetCDFReader(FileName=[path])
        times = list(reader.TimestepValues) if reader.TimestepValues else [0.0]
        at = describe(reader, times[0])
        rep = Show(reader, view)
        at["representation"] = representation(rep)
        Hide(reader, view)
        result["netcdf"][name] = at
    render = spec["render"]
    render_png(render["xmf"], render["png"], render["time"], colour_bar=False, defaults=True)
    result["png"] = render["png"]
    return result


def render_png(xmf, png, time, colour_bar=True, defaults=False):
    """The cell field 'tracer' of `xmf` at `time`, seen from +z (ParaView's default camera). With
    `defaults`, every block is shown with the default colour map; otherwise only the cell grid,
    with a sequential colour map and a colour bar (README's picture)."""
    reader = XDMFReader(FileNames=[xmf])
    source = reader if defaults else ExtractBlock(Input=reader, Selectors=["/Root/cells"])
    size = [800, 400] if defaults else [1200, 560]
    view = CreateView("RenderView")
    view.ViewSize = size
    view.ViewTime = time
    rep = Show(source, view)
    ColorBy(rep, ("CELLS", "tracer"))
    lut = GetColorTransferFunction("tracer")
    if not defaults:
        lut.ApplyPreset("Viridis (matplotlib)", True)
        lut.RescaleTransferFunction(0.0, 1.0)
        view.OrientationAxesVisibility = 0
        bar = GetScalarBar(lut, view)
        bar.Title = "tracer"
        bar.ComponentTitle = ""
        rep.SetScalarBarVisibility(view, colour_bar)
    view.ResetCamera()
    Render(view)  # paraview.simple resets the camera at the first render: set it after that
    if not defaults:  # the grid fills the picture, the colour bar beside it
        x0, x1, y0, y1, _, _ = source.GetDataInformation().GetBounds()
        view.CameraParallelProjection = 1
        camera = view.GetActiveCamera()
        centre = [0.5 * (x0 + x1) + 0.07 * (x1 - x0), 0.5 * (y0 + y1), 0.0]
        camera.SetFocalPoint(centre)
        camera.SetPosition(centre[0], centre[1], 10.0 * (x1 - x0))
        camera.SetViewUp(0.0, 1.0, 0.0)
        camera.SetParallelScale(0.6 * (y1 - y0))
    Render(view)
    SaveScreenshot(png, view, ImageResolution=size)


def main(argv):
    if argv[1] == "--render":
        render_png(argv[2], argv[3], float(argv[4]) if len(argv) > 4 else 0.0)
        return 0
    with open(argv[1]) as f:
        spec = json.load(f)
    result = check(spec)
    with open(argv[2], "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    status = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without ParaView's teardown: with Debian's ParaView 5.11 under Xvfb (Mesa), destroying
    # the render windows at exit sometimes ends in SIGSEGV or GLXBadContext after all the work is
    # done and written. Everything this script produces is closed by now.
    os._exit(status)
