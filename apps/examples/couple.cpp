// parlayer-couple: how to couple two models of your own with parlayer::coupling, in one page.
// An "air" model on a coarse grid and a "sea" model on a grid twice as fine, each on its own ranks
// (or the sea on the air's ranks with one rank), each nudging its temperature towards the other's
// every coupling interval, on the concurrent (lagged) schedule: both send, both compute, both receive.
//
//   mpirun -np 3 build/apps/examples/parlayer-couple      # air on rank 0, sea on ranks 1-2
//   build/apps/examples/parlayer-couple                   # one rank: the sea runs on the air's rank
// Any rank count prints the same numbers, to the bit.
#include <cstdio>
#include <memory>

#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/exchange.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/runtime/reproducible_sum.hpp"

using namespace parlayer;
using Field = domain::Field<double>;

// A model's step: relax `t` towards `other` (the other model's temperature, on this grid).
void step(Field& t, const Field& other, double rate) {
  for (int l = 0; l < t.box_count(); ++l)
    t[l].for_each(t[l].interior(), [&](int i, int j, int) { t[l](i, j) += rate * (other[l](i, j) - t[l](i, j)); });
}

double global_mean(const Field* t, int cells, MPI_Comm world) {
  runtime::ExactSum sum;  // exact: the same bits on any layout
  if (t)
    for (int l = 0; l < t->box_count(); ++l)
      (*t)[l].for_each((*t)[l].interior(), [&](int i, int j, int) { sum.add((*t)[l](i, j)); });
  return runtime::global_sum(sum, world) / cells;
}

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) {
    // 1. Components: named rank groups; a bad layout is one line and exit 2.
    const coupling::Components components =
        env.size() == 1 ? coupling::Components({{"air", 1}, {"sea", "air"}}, env.world())
                        : coupling::Components({{"air", 1}, {"sea", env.size() - 1}}, env.world());
    const coupling::Component &air = components["air"], &sea = components["sea"];

    // 2. Each model's own grid and decomposition over its own ranks (known on every rank).
    const domain::Decomposition air_grid({{16, 8}, {true, false}, {}}, air.size());
    const domain::Decomposition sea_grid({{32, 16}, {true, false}, {}}, sea.size());
    auto on = [](const coupling::Component& c, const domain::Decomposition& d, const char* name) {
      return c.here() ? std::make_unique<Field>(name, d, c.rank(), 0) : nullptr;
    };
    auto air_t = on(air, air_grid, "air_t"), sea_seen_by_air = on(air, air_grid, "sea_t");
    auto sea_t = on(sea, sea_grid, "sea_t"), air_seen_by_sea = on(sea, sea_grid, "air_t");
    // What is in flight has fields of its own: a source must not change, nor a target be read, until finish().
    auto air_sent = on(air, air_grid, "air_sent"), sea_arriving = on(air, air_grid, "sea_arriving");
    auto sea_sent = on(sea, sea_grid, "sea_sent"), air_arriving = on(sea, sea_grid, "air_arriving");
    if (air.here()) air_t->fill(10.0), sea_seen_by_air->fill(10.0);
    if (sea.here()) sea_t->fill(20.0), air_seen_by_sea->fill(20.0);

    // 3. The exchanges, declared once (collective: every rank constructs them): coarse -> fine is
    //    piecewise constant, fine -> coarse the area-weighted average.
    coupling::Exchange to_sea(components, "air", air_grid, "sea", sea_grid);
    coupling::Exchange to_air(components, "sea", sea_grid, "air", air_grid);

    // 4. The concurrent schedule: start both sends, compute with the fields of the previous
    //    coupling time, then finish and take the new ones.
    for (int interval = 0; interval < 10; ++interval) {
      if (air.here()) air_sent->copy_from(*air_t);
      if (sea.here()) sea_sent->copy_from(*sea_t);
      auto a = to_sea.start(air_sent.get(), air_arriving.get());
      auto s = to_air.start(sea_sent.get(), sea_arriving.get());
      if (air.here()) step(*air_t, *sea_seen_by_air, 0.5);   // the air adjusts fast
      if (sea.here()) step(*sea_t, *air_seen_by_sea, 0.05);  // the sea slowly
      a.finish();
      s.finish();
      if (air.here()) sea_seen_by_air->copy_from(*sea_arriving);
      if (sea.here()) air_seen_by_sea->copy_from(*air_arriving);
    }
    const double air_mean = global_mean(air_t.get(), 16 * 8, env.world());
    const double sea_mean = global_mean(sea_t.get(), 32 * 16, env.world());
    if (env.is_root()) std::printf("after 10 intervals: air %.17g, sea %.17g\n", air_mean, sea_mean);
    return 0;
  });
}
