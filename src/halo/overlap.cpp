#include "parlayer/halo/overlap.hpp"

namespace parlayer::halo {

const char* to_string(Overlap overlap) noexcept { return overlap == Overlap::on ? "on" : "off"; }

}  // namespace parlayer::halo
