#pragma once
// Helpers shared by the MPI tests: deterministic global values, gathering fields on rank 0.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"

namespace parlayer::testing {

/// This process's rank in, and the size of, MPI_COMM_WORLD.
inline int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

/// The CollectiveError message of `f`, or "" if it does not throw one.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const CollectiveError& e) {
    return e.what();
  }
  return "";
}

/// splitmix64: a well-mixed 64-bit hash, so "random" fields are the same on any rank count.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A value in [0, 1) determined by (seed, global cell) alone.
inline double random_at(std::uint64_t seed, int i, int j, int k) {
  const std::uint64_t key = mix(seed) ^ mix((std::uint64_t(std::uint32_t(i)) << 42) ^
                                            (std::uint64_t(std::uint32_t(j)) << 21) ^ std::uint32_t(k));
  return double(mix(key) >> 11) * 0x1.0p-53;
}

/// The interior of `field` on every rank, assembled on rank 0 as a global x-fastest array
/// (empty on other ranks): a redistribution onto a layout of one box owned by rank 0. Collective
/// over `comm`.
template <class T>
std::vector<T> gather_global(const domain::Field<T>& field, const domain::Decomposition& d, MPI_Comm comm) {
  const domain::IndexBox& g = d.global_box();
  const domain::Decomposition on_root(domain::Layout(d.dimensions() == 3 ? domain::GridSpec{{g.hi[0], g.hi[1], g.hi[2]}, {}, {}}
                                                                          : domain::GridSpec{{g.hi[0], g.hi[1]}, {}, {}},
                                                     {g}),
                                      domain::Ownership({0}, d.rank_count()));
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  domain::Field<T> all("gathered", on_root, rank, 0);
  transfer::Redistribution(d, on_root, comm).run(&field, &all);
  if (rank != 0) return {};
  const std::span<const T> values = all[0].values();
  return {values.begin(), values.end()};
}

/// True if two arrays hold the same bytes.
template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

}  // namespace parlayer::testing
