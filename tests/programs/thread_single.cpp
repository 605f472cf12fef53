// LD_PRELOAD shim for check_error_policy: an MPI library that provides only MPI_THREAD_SINGLE,
// whatever is asked (Open MPI here grants every level), so that Environment's refusal can be run.
// The real work is done by the PMPI_ entry points.
#include <mpi.h>

extern "C" int MPI_Init_thread(int* argc, char*** argv, int required, int* provided) {
  const int rc = PMPI_Init_thread(argc, argv, required, provided);
  *provided = MPI_THREAD_SINGLE;
  return rc;
}

extern "C" int MPI_Query_thread(int* provided) {
  *provided = MPI_THREAD_SINGLE;
  return MPI_SUCCESS;
}
