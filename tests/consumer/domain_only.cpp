// Uses the installed parlayer::domain alone: a serial program, no MPI, no HDF5.
#if __has_include(<mpi.h>) || __has_include(<hdf5.h>)
#error "the installed parlayer::domain brings MPI or HDF5 include directories"
#endif
#include <parlayer/domain/decomposition.hpp>
#include <parlayer/domain/field.hpp>

#include <cstdio>

int main() {
  using namespace parlayer::domain;
  const Decomposition decomposition({{16, 8}, {true, false}, {}}, 4);
  long cells = 0;
  for (int r = 0; r < decomposition.rank_count(); ++r) cells += decomposition.box_of(r).cells();
  Field<double> f("f", decomposition, 3, 1);
  f.fill(1.0);
  if (cells != 16 * 8 || f.interior() != decomposition.box_of(3)) {
    std::fprintf(stderr, "consumer_domain: %ld cells in 4 blocks, expected 128\n", cells);
    return 1;
  }
  std::printf("consumer_domain: ok\n");
  return 0;
}
