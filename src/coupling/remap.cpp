#include "parlayer/coupling/remap.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "parlayer/domain/field.hpp"
#include "parlayer/error.hpp"

namespace parlayer::coupling {

namespace {

constexpr const char* axis_name[3] = {"x", "y", "z"};

int floor_div(int a, int b) noexcept { return a >= 0 ? a / b : -((-a + b - 1) / b); }

void require_holds(const domain::FieldBoxBase& box, const domain::IndexBox& cells, const char* what) {
  if (!box.allocated().contains(cells))
    throw std::invalid_argument(std::string("coupling: the ") + what + " box " + box.allocated().to_string() +
                                " of field '" + box.field().name() + "' does not hold the cells " + cells.to_string());
}

}  // namespace

domain::GridSpec coarsen(const domain::GridSpec& fine, const Ratio& ratio) {
  domain::GridSpec coarse{fine.extent, fine.periodic, {}};
  for (std::size_t a = 0; a < fine.extent.size() && a < 3; ++a) {
    const int r = ratio[a];
    if (r < 1) throw CollectiveError("coupling: a ratio of " + std::to_string(r) + " along " + axis_name[a] + " is not >= 1");
    if (fine.extent[a] % r != 0)
      throw CollectiveError("coupling: a ratio of " + std::to_string(r) + " does not divide the " +
                            std::to_string(fine.extent[a]) + " cells of the grid along " + axis_name[a]);
    coarse.extent[a] = fine.extent[a] / r;
  }
  return coarse;
}

Ratio grid_ratio(const domain::IndexBox& a, const domain::IndexBox& b, bool& a_is_finer) {
  Ratio ratio{1, 1, 1};
  int finer = 0;  // +1: a finer along some axis, -1: b finer
  for (int axis = 0; axis < 3; ++axis) {
    const int na = a.extent(axis), nb = b.extent(axis);
    if (na == nb) continue;
    const int fine = std::max(na, nb), coarse = std::min(na, nb);
    if (fine % coarse != 0)
      throw CollectiveError("coupling: the grids' " + std::to_string(na) + " and " + std::to_string(nb) +
                            " cells along " + axis_name[axis] + " are not in an integer ratio");
    const int side = na > nb ? 1 : -1;
    if (finer != 0 && side != finer)
      throw CollectiveError("coupling: grids " + a.to_string() + " and " + b.to_string() +
                            ": one is finer along one axis and coarser along another");
    finer = side;
    ratio[axis] = fine / coarse;
  }
  a_is_finer = finer >= 0;
  return ratio;
}

domain::IndexBox refine(const domain::IndexBox& coarse, const Ratio& ratio) noexcept {
  domain::IndexBox f;
  for (int a = 0; a < 3; ++a) {
    f.lo[a] = coarse.lo[a] * ratio[a];
    f.hi[a] = coarse.hi[a] * ratio[a];
  }
  return f;
}

void average(const domain::FieldBox<double>& fine, const domain::FieldBox<std::uint8_t>* mask,
             domain::FieldBox<double>& coarse, const domain::IndexBox& cells, const Ratio& ratio, const double fill) {
  const domain::IndexBox need = refine(cells, ratio);
  require_holds(fine, need, "fine");
  require_holds(coarse, cells, "coarse");
  if (mask) require_holds(*mask, need, "mask");
  domain::for_each_cell(cells, [&](int ci, int cj, int ck) {
    // One fixed order (x fastest), starting from the first term. The mean of equal values is that
    // value, exactly (a rounded sum of them divided by n need not be): so average(expand(c)) == c.
    double sum = 0.0, first = 0.0;
    bool equal = true;
    int n = 0;
    const domain::IndexBox under = refine(domain::IndexBox{{ci, cj, ck}, {ci + 1, cj + 1, ck + 1}}, ratio);
    domain::for_each_cell(under, [&](int i, int j, int k) {
      if (mask && (*mask)(i, j, k) == 0) return;
      const double v = fine(i, j, k);
      if (n == 0) {
        first = sum = v;
      } else {
        equal = equal && std::memcmp(&v, &first, sizeof v) == 0;
        sum += v;
      }
      ++n;
    });
    coarse(ci, cj, ck) = n == 0 ? fill : equal ? first : sum / n;
  });
}

void expand(const domain::FieldBox<double>& coarse, domain::FieldBox<double>& fine, const domain::IndexBox& cells,
            const Ratio& ratio, const domain::FieldBox<std::uint8_t>* mask, const double fill) {
  domain::IndexBox cover;
  for (int a = 0; a < 3; ++a) {
    cover.lo[a] = floor_div(cells.lo[a], ratio[a]);
    cover.hi[a] = floor_div(cells.hi[a] - 1, ratio[a]) + 1;
  }
  if (!cells.empty()) require_holds(coarse, cover, "coarse");
  require_holds(fine, cells, "fine");
  if (mask) require_holds(*mask, cells, "mask");
  domain::for_each_cell(cells, [&](int i, int j, int k) {
    fine(i, j, k) = mask && (*mask)(i, j, k) == 0
                        ? fill
                        : coarse(floor_div(i, ratio[0]), floor_div(j, ratio[1]), floor_div(k, ratio[2]));
  });
}

}  // namespace parlayer::coupling
