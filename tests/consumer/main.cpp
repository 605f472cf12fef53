// Exchanges the halo of a periodic field and checks one ghost: proof that the installed headers,
// library and exported dependencies work together.
#include <parlayer/domain/field.hpp>
#include <parlayer/halo/halo_exchange.hpp>
#include <parlayer/parallel/environment.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  using namespace parlayer;
  return parallel::guarded_main(argc, argv, [](parallel::Environment& env) {
    const domain::Decomposition decomposition({{16, 8}, {true, true}, {}}, env.size());
    domain::Field<double> f("f", decomposition, env.rank(), 1);
    f.for_each(f.interior(), [&](int i, int j, int) { f(i, j) = i + 100.0 * j; });
    halo::HaloExchange exchange(halo::HaloPlan(decomposition, env.rank(), 1, halo::Stencil::star),
                                env.world());
    exchange.exchange(f);
    const int lo = f.interior().lo[0], j = f.interior().lo[1];
    const double want = ((lo - 1 + 16) % 16) + 100.0 * j;
    if (f(lo - 1, j) != want) {
      std::fprintf(stderr, "consumer: ghost (%d,%d) = %g, expected %g\n", lo - 1, j, f(lo - 1, j), want);
      return 1;
    }
    if (env.is_root()) std::printf("consumer: ok on %d ranks\n", env.size());
    return 0;
  });
}
