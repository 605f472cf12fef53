#include "parlayer/halo/overlap.hpp"

namespace parlayer::halo {

const char* to_string(Overlap overlap) noexcept { return overlap_choices.name(overlap); }

}  // namespace parlayer::halo
