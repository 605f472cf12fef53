#include "parlayer/coupling/exchange.hpp"

#include <functional>
#include <stdexcept>
#include <utility>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "transfer/transfer.hpp"

namespace parlayer::coupling {

namespace {

// The GridSpec of a decomposition's grid, for layouts on it.
domain::GridSpec grid_of(const domain::Decomposition& d) {
  domain::GridSpec g;
  for (int a = 0; a < d.dimensions(); ++a) {
    g.extent.push_back(d.global_box().extent(a));
    g.periodic.push_back(d.periodic(a));
  }
  return g;
}

// `boxes` refined by `ratio`, on the grid `fine`, owned as in `owners`.
domain::Decomposition refined(const domain::Decomposition& owners, const domain::GridSpec& fine, const Ratio& ratio) {
  std::vector<domain::IndexBox> boxes;
  boxes.reserve(owners.layout().boxes().size());
  for (const domain::IndexBox& b : owners.layout().boxes()) boxes.push_back(refine(b, ratio));
  return {domain::Layout(fine, std::move(boxes)), owners.ownership()};
}

// Throws std::invalid_argument unless `field` holds exactly `rank`'s boxes of `d`.
void require_boxes(const domain::FieldBase& field, const domain::Decomposition& d, int rank, const std::string& what) {
  const std::string problem = domain::boxes_mismatch(field, d, rank);
  if (!problem.empty())
    throw std::invalid_argument("coupling: " + what + " field '" + field.name() +
                                "' does not hold this rank's boxes of its decomposition: it has " + problem);
}

void check_size(const Component& c, const domain::Decomposition& d, const char* which) {
  if (d.rank_count() != c.size())
    throw CollectiveError(std::string("coupling: the ") + which + " decomposition is for " +
                          std::to_string(d.rank_count()) + " ranks, but component '" + c.name() + "' has " +
                          std::to_string(c.size()));
}

}  // namespace

// ---- Exchange ----

Exchange::Exchange(const Components& components, std::string_view source,
                   const domain::Decomposition& source_decomposition, std::string_view target,
                   const domain::Decomposition& target_decomposition, ExchangeOptions options,
                   const domain::Field<std::uint8_t>* mask)
    : m_name(std::string(source) + " -> " + std::string(target)),
      m_options(options),
      m_source(source_decomposition),
      m_target(target_decomposition),
      m_aligned(target_decomposition) {
  const Component& from = components[source];
  const Component& to = components[target];
  check_size(from, m_source, "source");
  check_size(to, m_target, "target");
  if (m_source.dimensions() != m_target.dimensions())
    throw CollectiveError("coupling: " + m_name + ": a " + std::to_string(m_source.dimensions()) + "D grid and a " +
                          std::to_string(m_target.dimensions()) + "D grid");
  bool source_finer = true;
  m_ratio = grid_ratio(m_source.global_box(), m_target.global_box(), source_finer);
  m_remap = source_finer ? Remap::average : Remap::expand;
  m_source_rank = from.rank();
  m_target_rank = to.rank();

  // The intermediate decomposition (exchange.hpp): the target's boxes on the fine grid (average),
  // or the source's boxes on the fine grid (expand); same owners.
  m_aligned = m_remap == Remap::average ? refined(m_target, grid_of(m_source), m_ratio)
                                        : refined(m_source, grid_of(m_target), m_ratio);
  const domain::Decomposition& move_from = m_remap == Remap::average ? m_source : m_aligned;
  const domain::Decomposition& move_to = m_remap == Remap::average ? m_aligned : m_target;
  m_move = std::make_unique<transfer::Redistribution>(move_from, from.ranks(), move_to, to.ranks(), components.parent(),
                                                      options.backend, "coupling " + m_name);
  if (m_remap == Remap::average && m_target_rank >= 0)
    m_staged = std::make_unique<domain::Field<double>>(m_name + " (fine cells)", m_aligned, m_target_rank, 0);
  if (m_remap == Remap::expand && m_source_rank >= 0)
    m_staged = std::make_unique<domain::Field<double>>(m_name + " (expanded)", m_aligned, m_source_rank, 0);

  if (!options.masked) return;
  // The mask belongs to the fine grid's side; a rank that should give it and does not is a local
  // mistake, agreed before anyone throws.
  const bool mask_on_source = m_remap == Remap::average;
  const int mask_rank = mask_on_source ? m_source_rank : m_target_rank;
  const domain::Decomposition& mask_decomposition = mask_on_source ? m_source : m_target;
  const parallel::Failure failure = parallel::agree(components.parent(), parallel::attempt([&] {
    if (mask_rank < 0) return;
    if (!mask)
      throw std::invalid_argument("no mask was given on a rank of component '" +
                                  std::string(mask_on_source ? source : target) + "'");
    require_boxes(*mask, mask_decomposition, mask_rank, "the mask");
  }));
  if (failure) throw CollectiveError("coupling: " + m_name + ": " + *failure);
  if (mask_on_source) {
    // Moved once onto the aligned decomposition, next to the fine cells it weighs.
    if (m_target_rank >= 0) m_mask = std::make_unique<domain::Field<std::uint8_t>>("mask", m_aligned, m_target_rank, 0);
    m_move->run(m_source_rank >= 0 ? mask : nullptr, m_mask.get());
  } else if (m_target_rank >= 0) {
    m_mask = std::make_unique<domain::Field<std::uint8_t>>("mask", m_target, m_target_rank, 0);
    for (int b = 0; b < m_mask->box_count(); ++b) {
      const domain::FieldBox<std::uint8_t>& in = (*mask)[b];
      domain::FieldBox<std::uint8_t>& out = (*m_mask)[b];
      domain::for_each_cell(out.interior(), [&](int i, int j, int k) { out(i, j, k) = in(i, j, k); });
    }
  }
}

Exchange::~Exchange() = default;
Exchange::Exchange(Exchange&&) noexcept = default;
Exchange& Exchange::operator=(Exchange&&) noexcept = default;

PendingExchange Exchange::start(const domain::Field<double>* source, domain::Field<double>* target) {
  transfer::detail::check_not_moved_from(m_move.get(), "coupling exchange", "coupling::Exchange::start");
  if ((m_source_rank >= 0) != (source != nullptr))
    throw std::invalid_argument("coupling: " + m_name + ": " +
                                (source ? "a source field given on a rank outside the source component"
                                        : "no source field given on a rank of the source component"));
  if ((m_target_rank >= 0) != (target != nullptr))
    throw std::invalid_argument("coupling: " + m_name + ": " +
                                (target ? "a target field given on a rank outside the target component"
                                        : "no target field given on a rank of the target component"));
  if (source) require_boxes(*source, m_source, m_source_rank, "the source");
  if (target) require_boxes(*target, m_target, m_target_rank, "the target");

  // The staged field stands in for the user's field on its side of the move: it carries that
  // field's name, so the transfer's messages (dropped unfinished, started twice) name the user's.
  const domain::Field<double>* stood_for = m_remap == Remap::average ? target : source;
  if (stood_for && m_staged->name() != stood_for->name()) m_staged->set_name(stood_for->name());

  const domain::FieldBase* from = nullptr;
  domain::FieldBase* to = nullptr;
  if (m_remap == Remap::average) {
    from = source;
    to = m_staged.get();  // null off the target's ranks
  } else {
    if (source)
      for (int b = 0; b < source->box_count(); ++b)
        expand((*source)[b], (*m_staged)[b], (*m_staged)[b].interior(), m_ratio, nullptr, 0.0);
    from = m_staged.get();
    to = target;
  }
  const domain::FieldBase* const from_list[1] = {from};
  domain::FieldBase* const to_list[1] = {to};
  std::function<void()> remap;
  if (target) remap = [this, target] { complete(target); };
  return m_move->start(std::span<const domain::FieldBase* const>(from_list, from ? 1 : 0),
                       std::span<domain::FieldBase* const>(to_list, to ? 1 : 0), std::move(remap));
}

void Exchange::complete(domain::Field<double>* target) {
  for (int b = 0; b < target->box_count(); ++b) {
    domain::FieldBox<double>& out = (*target)[b];
    const domain::FieldBox<std::uint8_t>* mask = m_mask ? &(*m_mask)[b] : nullptr;
    if (m_remap == Remap::average)
      average((*m_staged)[b], mask, out, out.interior(), m_ratio, m_options.fill);
    else if (mask)
      domain::for_each_cell(out.interior(), [&](int i, int j, int k) {
        if ((*mask)(i, j, k) == 0) out(i, j, k) = m_options.fill;
      });
  }
}

}  // namespace parlayer::coupling
