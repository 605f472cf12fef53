# The libraries parlayer itself links against. Kept in one file so the installed
# parlayerConfig.cmake can include the very same lookups (see parlayerConfig.cmake.in).
include_guard(GLOBAL)

find_package(MPI 3.0 REQUIRED COMPONENTS CXX)
find_package(Boost 1.74 REQUIRED COMPONENTS mpi)

# FindHDF5 tries the serial h5cc wrapper first unless told otherwise. HL: the dimension scales
# (H5DS*) that make a snapshot a NetCDF-4 file are in HDF5's high-level library (same package).
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "parlayer needs a parallel (MPI-IO) build of HDF5, but FindHDF5 found a serial one "
    "(${HDF5_C_INCLUDE_DIRS}). On Debian install libhdf5-openmpi-dev.")
endif()
