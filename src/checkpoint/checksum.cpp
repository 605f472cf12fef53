#include "parlayer/checkpoint/checksum.hpp"

#include <bit>
#include <cstring>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::checkpoint {

static_assert(std::endian::native == std::endian::little,
              "the checksum reads values as little-endian integers; add a byte swap for this host");

namespace {

template <class Bits>
std::uint64_t hash_row(const std::byte* row, int n, std::uint64_t g) noexcept {
  std::uint64_t sum = 0;
  for (int i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, row + std::size_t(i) * sizeof(Bits), sizeof(Bits));
    sum += cell_hash(g + std::uint64_t(i), std::uint64_t(b));
  }
  return sum;
}

std::uint64_t hash_row(const std::byte* row, std::size_t element_size, int n, std::uint64_t g) noexcept {
  switch (element_size) {
    case 1: return hash_row<std::uint8_t>(row, n, g);
    case 2: return hash_row<std::uint16_t>(row, n, g);
    case 4: return hash_row<std::uint32_t>(row, n, g);
    default: return hash_row<std::uint64_t>(row, n, g);
  }
}

// Sums the rows of `box` found at `base` with the given strides (in elements).
std::uint64_t sum_box(const std::byte* base, std::size_t element_size, std::int64_t stride_y,
                      std::int64_t stride_z, const domain::IndexBox& box,
                      const domain::IndexBox& global) noexcept {
  if (box.empty()) return 0;
  const std::uint64_t nx = std::uint64_t(global.extent(0)), ny = std::uint64_t(global.extent(1));
  std::uint64_t sum = 0;
  for (int k = box.lo[2]; k < box.hi[2]; ++k)
    for (int j = box.lo[1]; j < box.hi[1]; ++j) {
      const std::byte* row =
          base + std::size_t((j - box.lo[1]) * stride_y + (k - box.lo[2]) * stride_z) * element_size;
      const std::uint64_t g = std::uint64_t(box.lo[0] - global.lo[0]) +
                              nx * (std::uint64_t(j - global.lo[1]) + ny * std::uint64_t(k - global.lo[2]));
      sum += hash_row(row, element_size, box.extent(0), g);
    }
  return sum;
}

}  // namespace

std::uint64_t partial_checksum(const void* values, std::size_t element_size, const domain::IndexBox& box,
                               const domain::IndexBox& global) noexcept {
  const std::int64_t sy = box.extent(0), sz = sy * box.extent(1);
  return sum_box(static_cast<const std::byte*>(values), element_size, sy, sz, box, global);
}

std::uint64_t partial_checksum(const domain::FieldBoxBase& box, const domain::IndexBox& global) noexcept {
  const domain::IndexBox& in = box.interior();
  if (in.empty()) return 0;
  const std::size_t es = domain::size_of(box.element_type());
  const std::byte* first = box.bytes() + std::size_t(box.offset(in.lo[0], in.lo[1], in.lo[2])) * es;
  return sum_box(first, es, box.stride_y(), box.stride_z(), in, global);
}

std::uint64_t partial_checksum(const domain::FieldBase& field, const domain::IndexBox& global) noexcept {
  std::uint64_t sum = 0;  // mod 2^64: the order of the boxes does not matter
  for (int b = 0; b < field.box_count(); ++b) sum += partial_checksum(field.box(b), global);
  return sum;
}

std::uint64_t field_checksum(const domain::FieldBase& field, const domain::IndexBox& global, parallel::Comm comm) {
  std::uint64_t local = partial_checksum(field, global), total = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&local, &total, 1, MPI_UINT64_T, MPI_SUM, comm));
  return total;
}

}  // namespace parlayer::checkpoint
