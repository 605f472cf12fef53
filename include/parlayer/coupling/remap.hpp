#pragma once
/// \file
/// \brief First-order conservative remapping between grids whose resolutions differ by an integer
///        ratio along each axis (the atmosphere coarser than the ocean).
///
///     fine grid (ratio 2 x 2)          coarse grid
///     +---+---+---+---+               +-------+-------+
///     | e | f | g | h |               |       |       |
///     +---+---+---+---+    average    |  A    |  B    |    A = (a + b + e + f) / 4 (masked: the
///     | a | b | c | d |   ------->    |       |       |        cells with mask 1 only; none: fill)
///     +---+---+---+---+   <-------    +-------+-------+    fine → coarse: area-weighted average
///                          expand                          coarse → fine: piecewise constant
///
/// Coarse cell C covers the fine cells [C * r, (C + 1) * r) along each axis (r = ratio[axis]), so
/// the grids share their origin and every coarse face is a fine face. All fine cells have the same
/// area, so the area-weighted average is the plain mean of the fine values.
///
/// **Order of operations (layout-independent).** The fine values of one coarse cell are summed in
/// one fixed order (x fastest, then y, then z) starting from the first term, and the sum is divided
/// once by the number n of (masked) cells; if all n values are the same bytes, the mean is that
/// value (a rounded sum of equal values divided by n need not be), so average(expand(c)) == c. The coupling Exchange brings all fine cells of a coarse
/// cell to one rank before averaging, so the result has the same bytes for any layout and rank
/// count. expand() copies values: exact.
///
/// **Conservation.** Let S be the exact sum of a coarse cell's n (masked) fine values and c its
/// average. expand() is exact, so the integral of an expanded field equals the coarse integral
/// exactly. For average(): n * c = S exactly when every partial sum is exact (values on a common
/// binary grid, e.g. multiples of 2^-20 below 2^30) and n is a power of two; otherwise
/// |n * c - S| <= gamma_n * sum|f| with gamma_n = n u / (1 - n u), u = 2^-53 (n - 1 rounded
/// additions and one rounded division; Higham, Accuracy and Stability, 3.1). The mean of n doubles
/// is in general not a double, which is why exact equality is impossible in general.
///
/// Every function here is Local (no communication).
#include <cstdint>

#include "parlayer/domain/field_box.hpp"
#include "parlayer/domain/index_box.hpp"
#include "parlayer/domain/layout.hpp"

namespace parlayer::coupling {

/// \brief Fine cells per coarse cell along x, y, z (z is 1 in 2D).
using Ratio = domain::Index3;

/// \brief The grid `fine` coarsened by `ratio` (ratio[2] is ignored for a 2D grid): same axes and
///        periodicity, extents divided, no process grid. Local.
/// \throws CollectiveError "coupling: a ratio of 3 does not divide the 32 cells of the grid along
///         x" (or a ratio < 1).
domain::GridSpec coarsen(const domain::GridSpec& fine, const Ratio& ratio);

/// \brief The ratio between two global boxes: {1, 1, 1} if they are equal, fine/coarse per axis if
///        `a` is the finer (`a_is_finer` set to true) or `b` is. Local.
/// \throws CollectiveError naming the axis if an extent of one is not a multiple of the other's,
///         or if `a` is finer along one axis and coarser along another.
Ratio grid_ratio(const domain::IndexBox& a, const domain::IndexBox& b, bool& a_is_finer);

/// \brief The fine cells covering the coarse cells `coarse`. Local.
domain::IndexBox refine(const domain::IndexBox& coarse, const Ratio& ratio) noexcept;

/// \brief Sets every cell C of `cells` (a part of coarse.interior()) to the mean of the fine
///        values fine(C * r .. (C + 1) * r - 1), over the fine cells whose `mask` is nonzero when a
///        mask is given (the same boxes as `fine`), and to `fill` where no fine cell is masked.
///        `fine` must hold refine(cells) in its allocated box. Local.
/// \throws std::invalid_argument if it does not, or `mask` does not cover them.
void average(const domain::FieldBox<double>& fine, const domain::FieldBox<std::uint8_t>* mask,
             domain::FieldBox<double>& coarse, const domain::IndexBox& cells, const Ratio& ratio, double fill);

/// \brief Sets every fine cell F of `cells` (a part of fine.interior()) to coarse(F / r) (piecewise
///        constant); with a mask (the same boxes as `fine`), cells whose mask is 0 get `fill`.
///        `coarse` must hold the coarse cells covering `cells`. Local.
/// \throws std::invalid_argument if it does not, or `mask` does not cover `cells`.
void expand(const domain::FieldBox<double>& coarse, domain::FieldBox<double>& fine, const domain::IndexBox& cells,
            const Ratio& ratio, const domain::FieldBox<std::uint8_t>* mask, double fill);

}  // namespace parlayer::coupling
