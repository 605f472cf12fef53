#include "parlayer/runtime/reproducible_sum.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::runtime {

namespace {

__extension__ typedef unsigned __int128 uint128;  // GCC/Clang: exact 96-bit to double rounding

constexpr std::int64_t digit_mask = (std::int64_t{1} << 32) - 1;
// A limb changes by less than 2^32 per add, so 2^30 adds can never overflow an int64 limb.
constexpr std::int64_t adds_before_normalise = std::int64_t{1} << 30;

}  // namespace

void ExactSum::add(double x) noexcept {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  const bool negative = (bits >> 63) != 0;
  if (biased == 0x7ff) {  // inf or NaN
    if (mantissa != 0) ++m_nan;
    else if (negative) ++m_neg_inf;
    else ++m_pos_inf;
    return;
  }
  // x = mantissa * 2^(position - 1074), position >= 0.
  int position = 0;
  if (biased != 0) {
    mantissa |= std::uint64_t{1} << 52;
    position = biased - 1;
  }
  if (mantissa == 0) return;
  // mantissa << shift (up to 84 bits) as three 32-bit digits.
  const int limb = position >> 5;
  const int shift = position & 31;
  const auto d0 = static_cast<std::int64_t>((mantissa << shift) & 0xffffffffu);
  const auto d1 = static_cast<std::int64_t>((mantissa >> (32 - shift)) & 0xffffffffu);
  const auto d2 = static_cast<std::int64_t>(shift == 0 ? 0 : mantissa >> (64 - shift));
  if (negative) {
    m_limb[limb] -= d0;
    m_limb[limb + 1] -= d1;
    m_limb[limb + 2] -= d2;
  } else {
    m_limb[limb] += d0;
    m_limb[limb + 1] += d1;
    m_limb[limb + 2] += d2;
  }
  if (++m_pending == adds_before_normalise) normalise();
}

void ExactSum::add(const double* x, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) add(x[i]);
}

ExactSum& ExactSum::operator+=(const ExactSum& other) noexcept {
  ExactSum b = other;
  b.normalise();
  normalise();
  for (int k = 0; k < limb_count; ++k) m_limb[k] += b.m_limb[k];
  m_nan += b.m_nan;
  m_pos_inf += b.m_pos_inf;
  m_neg_inf += b.m_neg_inf;
  m_pending = 2;  // every limb now holds at most two normalised digits
  return *this;
}

// Carries so that limbs 0..n-2 hold digits in [0, 2^32) and the top limb the signed rest: the
// unique representation of the integer, whatever order the terms came in.
void ExactSum::normalise() noexcept {
  for (int k = 0; k + 1 < limb_count; ++k) {
    const std::int64_t carry = m_limb[k] >> 32;  // arithmetic shift: floor division by 2^32
    m_limb[k] &= digit_mask;
    m_limb[k + 1] += carry;
  }
  m_pending = 0;
}

double ExactSum::value() const noexcept {
  if (m_nan != 0 || (m_pos_inf != 0 && m_neg_inf != 0)) return std::numeric_limits<double>::quiet_NaN();
  if (m_pos_inf != 0) return std::numeric_limits<double>::infinity();
  if (m_neg_inf != 0) return -std::numeric_limits<double>::infinity();

  ExactSum s = *this;
  s.normalise();
  const bool negative = s.m_limb[limb_count - 1] < 0;
  if (negative) {
    for (std::int64_t& l : s.m_limb) l = -l;
    s.normalise();
  }
  int top = limb_count - 1;
  while (top >= 0 && s.m_limb[top] == 0) --top;
  if (top < 0) return 0.0;
  if (s.m_limb[top] > digit_mask) return negative ? -HUGE_VAL : HUGE_VAL;  // beyond any double

  // The top three digits (65..96 significant bits) plus a sticky bit for everything below: the
  // conversion of that 128-bit integer rounds to nearest-even exactly as the full sum would.
  auto digit = [&](int k) { return k >= 0 ? static_cast<uint128>(s.m_limb[k]) : uint128{0}; };
  uint128 mantissa = (digit(top) << 64) | (digit(top - 1) << 32) | digit(top - 2);
  bool sticky = false;
  for (int k = top - 3; k >= 0 && !sticky; --k) sticky = s.m_limb[k] != 0;
  if (sticky) mantissa |= 1;
  const int exponent = 32 * (top - 2) - 1074;
  const double magnitude = std::ldexp(static_cast<double>(mantissa), exponent);
  return negative ? -magnitude : magnitude;
}

std::array<std::int64_t, ExactSum::wire_size> ExactSum::to_wire() const noexcept {
  ExactSum s = *this;
  s.normalise();
  std::array<std::int64_t, wire_size> wire{};
  for (int k = 0; k < limb_count; ++k) wire[k] = s.m_limb[k];
  wire[limb_count] = s.m_nan;
  wire[limb_count + 1] = s.m_pos_inf;
  wire[limb_count + 2] = s.m_neg_inf;
  return wire;
}

ExactSum ExactSum::from_wire(std::span<const std::int64_t, wire_size> wire) noexcept {
  ExactSum s;
  for (int k = 0; k < limb_count; ++k) s.m_limb[k] = wire[k];
  s.m_nan = wire[limb_count];
  s.m_pos_inf = wire[limb_count + 1];
  s.m_neg_inf = wire[limb_count + 2];
  s.normalise();  // a sum over ranks holds up to rank_count digits per limb
  return s;
}

void global_sum(std::span<ExactSum> sums, parallel::Comm comm) {
  constexpr std::size_t w = ExactSum::wire_size;
  std::vector<std::int64_t> local(sums.size() * w), global(sums.size() * w);
  for (std::size_t s = 0; s < sums.size(); ++s) {
    const auto wire = sums[s].to_wire();
    std::copy(wire.begin(), wire.end(), local.begin() + static_cast<std::ptrdiff_t>(s * w));
  }
  // Normalised limbs are < 2^32, so the sum over fewer than 2^31 ranks cannot overflow.
  PARLAYER_MPI_CHECK(MPI_Allreduce(local.data(), global.data(), static_cast<int>(global.size()),
                                   MPI_INT64_T, MPI_SUM, comm));
  for (std::size_t s = 0; s < sums.size(); ++s)
    sums[s] = ExactSum::from_wire(std::span<const std::int64_t, w>(global.data() + s * w, w));
}

double global_sum(const ExactSum& local, parallel::Comm comm) {
  ExactSum s = local;
  global_sum(std::span<ExactSum>(&s, 1), comm);
  return s.value();
}

void global_min(std::span<double> values, parallel::Comm comm) {
  PARLAYER_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()),
                                   MPI_DOUBLE, MPI_MIN, comm));
}

void global_max(std::span<double> values, parallel::Comm comm) {
  PARLAYER_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()),
                                   MPI_DOUBLE, MPI_MAX, comm));
}

double global_min(double value, parallel::Comm comm) {
  global_min(std::span<double>(&value, 1), comm);
  return value;
}

double global_max(double value, parallel::Comm comm) {
  global_max(std::span<double>(&value, 1), comm);
  return value;
}

std::int64_t global_sum(std::int64_t value, parallel::Comm comm) {
  std::int64_t result = 0;
  PARLAYER_MPI_CHECK(MPI_Allreduce(&value, &result, 1, MPI_INT64_T, MPI_SUM, comm));
  return result;
}

}  // namespace parlayer::runtime
