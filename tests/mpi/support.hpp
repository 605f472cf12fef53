#pragma once
// Helpers shared by the MPI tests: deterministic global values, gathering fields on rank 0.
#include <mpi.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"

namespace parlayer::testing {

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
/// (empty on other ranks). Collective over `comm`.
template <class T>
std::vector<T> gather_global(const domain::Field<T>& field, const domain::Decomposition& d, MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::vector<T> local;  // every local box's interior, box after box
  for (const domain::FieldBox<T>& box : field)
    domain::for_each_cell(box.interior(), [&](int i, int j, int k) { local.push_back(box(i, j, k)); });
  const int bytes = static_cast<int>(local.size() * sizeof(T));
  std::vector<int> counts(static_cast<std::size_t>(d.rank_count())), displs(counts.size());
  MPI_Gather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  std::vector<T> packed;
  if (rank == 0) {
    int total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) displs[r] = total, total += counts[r];
    packed.resize(static_cast<std::size_t>(total) / sizeof(T));
  }
  MPI_Gatherv(local.data(), bytes, MPI_BYTE, packed.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm);
  if (rank != 0) return {};
  const domain::IndexBox& g = d.global_box();
  std::vector<T> global(static_cast<std::size_t>(g.cells()));
  for (int r = 0; r < d.rank_count(); ++r) {
    const T* src = packed.data() + displs[static_cast<std::size_t>(r)] / static_cast<int>(sizeof(T));
    for (const int b : d.boxes_of(r))
      domain::for_each_cell(d.layout().box(b), [&](int i, int j, int k) {
        global[static_cast<std::size_t>(i + g.hi[0] * (j + std::int64_t{g.hi[1]} * k))] = *src++;
      });
  }
  return global;
}

/// True if two arrays hold the same bytes.
template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

}  // namespace parlayer::testing
