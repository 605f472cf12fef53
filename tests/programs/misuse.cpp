// A small 2D heat model written with ordinary mistakes, one per mode, for tests/programs/check_misuse
// (issue 15's table): each must end in a clear message, never in a wrong answer with exit 0.
//   ok             the model as it should be written                       → exit 0
//   reach          the kernel reads 2 cells, the halo is 1 wide            → one line, exit 2
//   diagonal       a 9-point kernel over a star exchange                   → one line, exit 2
//   no-finish      the strip computed before finish(), the pending dropped → the job ends, names the fields
//   write-flight   a source term added while the exchange is in flight     → (checked) one line, exit 2
//   no-wall        no boundary condition on the walled axis                → (checked) one line, exit 2
//   rank0-only     only rank 0 calls the exchange                          → (checked) names the silent ranks
//   second-start   start() twice before finish()                           → one line, exit 2
//   width          a field of ghost width 2 on a plan of width 1           → one line, exit 2
//   drop-redistribution  a redistribution started and dropped             → the job ends, names the fields
//   drop-coupling  a coupling exchange started and dropped                 → the job ends, names the fields
#include <cstdio>
#include <cstring>
#include <string>

#include "parlayer/coupling/components.hpp"
#include "parlayer/coupling/exchange.hpp"
#include "parlayer/domain/field.hpp"
#include "parlayer/halo/overlap.hpp"
#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/transfer/redistribution.hpp"

using namespace parlayer;
using domain::FieldBox;
using domain::Tile;

// The other two transfers, started and dropped like the halo exchange of no-finish: the same
// drop policy (every transfer returns the one transfer::Pending) must end the job naming the fields.
void drop_redistribution(const domain::Decomposition& d, const domain::Field<double>& a, parallel::Comm world) {
  const domain::Layout boxes = domain::Layout::blocks(domain::GridSpec{{48, 32}, {true, false}, {}}, {5, 3, 1});
  const domain::Decomposition many(boxes, domain::Ownership::knapsack(boxes, d.rank_count()));
  domain::Field<double> moved("T_moved", many, world.rank(), 1);
  transfer::Redistribution move(d, many, world);
  const domain::FieldBase* from[] = {&a};
  domain::FieldBase* to[] = {&moved};
  transfer::Pending pending = move.start(from, to);
}

void drop_coupling(const domain::Decomposition& d, const domain::Field<double>& a, parallel::Comm world) {
  const coupling::Components components({{"ocean", world.size()}, {"atmosphere", "ocean"}}, world);
  const domain::Decomposition coarse({{24, 16}, {true, false}, {}}, world.size());
  domain::Field<double> sst("sst", coarse, world.rank(), 1);
  coupling::Exchange exchange(components, "ocean", d, "atmosphere", coarse);
  transfer::Pending pending = exchange.start(&a, &sst);
}

int main(int argc, char** argv) {
  return parallel::guarded_main(argc, argv, [&](parallel::Environment& env) {
    const std::string mode = argc > 1 ? argv[1] : "ok";
    const domain::Decomposition d({{48, 32}, {true, false}, {}}, env.size());
    domain::Field<double> a("T", d, env.rank(), mode == "width" ? 2 : 1), b("T_next", d, env.rank(), 1);
    if (mode != "no-wall")
      for (auto* f : {&a, &b}) f->set_boundary_condition(1, domain::BoundaryCondition::zero_gradient());
    for (FieldBox<double>& box : a)
      box.for_each(box.interior(), [&](int i, int j, int) { box(i, j) = (i > 10 && i < 20 && j > 8 && j < 20) ? 1.0 : 0.0; });
    const halo::Stencil stencil = halo::Stencil::star;
    halo::HaloExchange exchange(halo::HaloPlan(d, env.rank(), 1, stencil), env.world());
    const int reach = mode == "reach" ? 2 : 1;
    const halo::Stencil shape = mode == "diagonal" ? halo::Stencil::box : halo::Stencil::star;
    domain::Field<double>* in = &a;
    domain::Field<double>* out = &b;
    auto kernel = [&](const Tile& t) {
      const FieldBox<double>& u = (*in)[t];
      FieldBox<double>& v = (*out)[t];
      for (int j = t.box.lo[1]; j < t.box.hi[1]; ++j)
        for (int i = t.box.lo[0]; i < t.box.hi[0]; ++i)
          v(i, j) = u(i, j) + 0.1 * (u(i - 1, j) + u(i + 1, j) + u(i, j - 1) + u(i, j + 1) - 4 * u(i, j));
    };
    if (mode == "drop-redistribution") drop_redistribution(d, a, env.world());
    if (mode == "drop-coupling") drop_coupling(d, a, env.world());
    for (int step = 0; step < 4; ++step) {
      if (mode == "no-finish") {
        halo::PendingExchange pending = exchange.start(*in);
        for (std::size_t l = 0; l < exchange.interior_splits().size(); ++l) {
          kernel(Tile{exchange.interior_splits()[l].deep, static_cast<int>(l)});
          for (const auto& s : exchange.interior_splits()[l].strip) kernel(Tile{s, static_cast<int>(l)});
        }
      } else if (mode == "write-flight") {
        auto with_source = [&](const Tile& t) {
          kernel(t);
          (*in)[t](t.box.lo[0], t.box.lo[1]) += 0.5;  // the source term, on the field in flight
        };
        halo::run_stencil_step(exchange, halo::Overlap::on, halo::Reach{1, shape}, with_source, kernel, *in);
      } else if (mode == "rank0-only") {
        if (env.rank() == 0) exchange.exchange(*in);
      } else if (mode == "second-start") {
        halo::PendingExchange first = exchange.start(*in);
        halo::PendingExchange second = exchange.start(*in);
        first.finish();
        second.finish();
      } else {
        halo::run_stencil_step(exchange, halo::Overlap::on, halo::Reach{reach, shape}, kernel, kernel, *in);
      }
      std::swap(in, out);
    }
    MPI_Barrier(env.world());
    if (env.is_root()) std::printf("misuse %s: finished\n", mode.c_str());
    return 0;
  });
}
