// Compiled into parlayer_unit_tests, which links parlayer::domain alone: the domain module's usage
// requirements must carry no MPI and no HDF5 include directory (module layering,
// docs/architecture.md). If they did, this file would not compile.
#include <catch2/catch.hpp>

#if __has_include(<mpi.h>)
#error "parlayer::domain brings MPI's include directories: the domain module must not depend on MPI"
#endif
#if __has_include(<hdf5.h>)
#error "parlayer::domain brings HDF5's include directories: the domain module must not depend on HDF5"
#endif

TEST_CASE("the domain module is usable without MPI and HDF5", "[layering]") {
  SUCCEED("parlayer::domain's include directories hold neither mpi.h nor hdf5.h");
}
