#pragma once
// Deterministic snapshot contents for the checkpoint tests: the value of every cell of every field
// is a function of (field, step, global cell) alone, so any rank count can generate or check it.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../mpi/support.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::testing {

/// The raw bits of cell (i, j, k) of field `fid` at `step` (all 64 bits used; NaN payloads too).
inline std::uint64_t cell_bits(int fid, std::int64_t step, int i, int j, int k) {
  return mix(mix(std::uint64_t(fid) * 1000003u + std::uint64_t(step)) ^
             ((std::uint64_t(std::uint32_t(i)) << 42) ^ (std::uint64_t(std::uint32_t(j)) << 21) ^ std::uint32_t(k)));
}

template <class T>
T cell_value(int fid, std::int64_t step, int i, int j, int k) {
  const std::uint64_t bits = cell_bits(fid, step, i, j, k);
  T v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

/// Sets the interior of `f` to the generated values and its ghosts to `ghost`.
template <class T>
void generate(domain::Field<T>& f, int fid, std::int64_t step, T ghost = T(0x5a)) {
  f.fill(ghost);
  domain::for_each_cell(f.interior(), [&](int i, int j, int k) { f(i, j, k) = cell_value<T>(fid, step, i, j, k); });
}

/// True if the interior holds the generated values (bytewise) and the ghosts still hold `ghost`.
template <class T>
bool matches(const domain::Field<T>& f, int fid, std::int64_t step, T ghost = T(0x5a)) {
  bool ok = true;
  domain::for_each_cell(f.allocated(), [&](int i, int j, int k) {
    const T want = f.interior().contains(domain::Index3{i, j, k}) ? cell_value<T>(fid, step, i, j, k) : ghost;
    if (std::memcmp(&want, &f(i, j, k), sizeof(T)) != 0) ok = false;
  });
  return ok;
}

/// The test model: one field of every element type, ghost width 2.
struct Model {
  std::unique_ptr<domain::Field<double>> h;
  std::unique_ptr<domain::Field<float>> u;
  std::unique_ptr<domain::Field<std::int32_t>> mask;
  std::unique_ptr<domain::Field<std::int64_t>> id;
  std::unique_ptr<domain::Field<std::uint8_t>> flag;

  Model(const domain::Decomposition& d, int rank) {
    h = std::make_unique<domain::Field<double>>("h", d, rank, 2);
    u = std::make_unique<domain::Field<float>>("u", d, rank, 2);
    mask = std::make_unique<domain::Field<std::int32_t>>("mask", d, rank, 2);
    id = std::make_unique<domain::Field<std::int64_t>>("id", d, rank, 2);
    flag = std::make_unique<domain::Field<std::uint8_t>>("flag", d, rank, 2);
    h->set_units("m");
    u->set_units("m s-1");
  }
  std::vector<domain::FieldBase*> fields() { return {h.get(), u.get(), mask.get(), id.get(), flag.get()}; }
  std::vector<const domain::FieldBase*> const_fields() { return {h.get(), u.get(), mask.get(), id.get(), flag.get()}; }
  void generate(std::int64_t step) {
    testing::generate(*h, 0, step);
    testing::generate(*u, 1, step);
    testing::generate(*mask, 2, step);
    testing::generate(*id, 3, step);
    testing::generate(*flag, 4, step);
  }
  /// Ghosts set to the sentinel, interiors to other values: what a read must overwrite.
  void scramble() {
    testing::generate(*h, 0, -1);
    testing::generate(*u, 1, -1);
    testing::generate(*mask, 2, -1);
    testing::generate(*id, 3, -1);
    testing::generate(*flag, 4, -1);
  }
  bool matches(std::int64_t step) const {
    return testing::matches(*h, 0, step) && testing::matches(*u, 1, step) && testing::matches(*mask, 2, step) &&
           testing::matches(*id, 3, step) && testing::matches(*flag, 4, step);
  }
};

/// True on every rank iff `ok` on every rank. Collective.
inline bool all_ranks(bool ok, MPI_Comm comm) {
  int mine = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, comm);
  return all == 1;
}

}  // namespace parlayer::testing
