#pragma once
/// \file
/// \brief The per-dataset checksum of a snapshot: a function of the GLOBAL field alone, so it is
///        the same whichever rank count wrote or reads the data.
///
/// Scheme "parlayer-sum64-v1":
///
///     checksum(field) = Σ over every global interior cell c of  cell_hash(g(c), bits(c))  mod 2^64
///     g(c)    = i + nx * (j + ny * k)          the cell's global linear index (x fastest, C order)
///     bits(c) = the value's bytes as a little-endian unsigned integer, zero-extended to 64 bits
///     cell_hash(g, b) = fmix64(b ^ (g * 0x9E3779B97F4A7C15))   (fmix64: MurmurHash3's finaliser)
///
/// Each rank sums its own cells; the partial sums are combined with an exact unsigned sum
/// (MPI_SUM on uint64, which wraps mod 2^64): addition mod 2^64 is associative and commutative, so
/// the result does not depend on the rank count, the decomposition or the order of the cells.
/// Keying every cell by its global index makes moved or swapped values count as changes.
/// fmix64 is a bijection, so for a fixed g any change of one cell's value changes its term and
/// therefore the sum: every corruption confined to a single cell is detected with certainty; wider
/// corruption goes undetected with probability about 2^-64. It is not a cryptographic hash (it
/// detects accidents, not tampering). Cost: one 64-bit xor-multiply-shift chain per cell.
#include <cstdint>

#include "parlayer/domain/field.hpp"
#include "parlayer/domain/index_box.hpp"
#include "parlayer/parallel/comm.hpp"

namespace parlayer::checkpoint {

/// \brief The name of the scheme, stored in every snapshot ("checksum_algorithm").
inline constexpr const char* checksum_algorithm = "parlayer-sum64-v1";

/// \brief MurmurHash3's 64-bit finaliser: a bijection with good avalanche. Local.
constexpr std::uint64_t fmix64(std::uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

/// \brief The term one cell contributes: global linear index `g`, value bits `bits`. Local.
constexpr std::uint64_t cell_hash(std::uint64_t g, std::uint64_t bits) noexcept {
  return fmix64(bits ^ (g * 0x9E3779B97F4A7C15ULL));
}

/// \brief Sum of cell_hash over the cells of `box`, whose values are stored contiguously (x
///        fastest) at `values` with `element_size` bytes each (1, 2, 4 or 8), within a global grid
///        `global`. Local.
std::uint64_t partial_checksum(const void* values, std::size_t element_size, const domain::IndexBox& box,
                               const domain::IndexBox& global) noexcept;

/// \brief Sum of cell_hash over the interior of one box of a field, within the global grid
///        `global`. Local.
std::uint64_t partial_checksum(const domain::FieldBoxBase& box, const domain::IndexBox& global) noexcept;
/// \brief Sum of cell_hash over the interiors of every local box of `field`. Local.
std::uint64_t partial_checksum(const domain::FieldBase& field, const domain::IndexBox& global) noexcept;

/// \brief The checksum of the global field whose interiors the ranks of `comm` hold. Collective.
std::uint64_t field_checksum(const domain::FieldBase& field, const domain::IndexBox& global, parallel::Comm comm);

}  // namespace parlayer::checkpoint
