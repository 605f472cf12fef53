#include "checkpoints.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <system_error>

#include "parlayer/error.hpp"
#include "parlayer/parallel/collective.hpp"
#include "parlayer/runtime/log.hpp"

namespace coupled {

using parlayer::CollectiveError;
using parlayer::runtime::format;
namespace fs = std::filesystem;

namespace {

// Which components have a committed part of each step in `folder`: step -> one flag per component
// (in the order of `names`). Temporaries (".<name>.tmp-...") and other files are not parts. Local.
std::map<std::int64_t, std::vector<bool>> list_parts(const fs::path& folder, const std::vector<std::string>& names) {
  std::map<std::int64_t, std::vector<bool>> steps;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return steps;
  static const std::regex part(R"(([a-z_]+)_([0-9]{10})\.h5)");
  for (const fs::directory_entry& e : fs::directory_iterator(folder)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, m, part)) continue;
    const auto c = std::find(names.begin(), names.end(), m[1].str());
    if (c == names.end()) continue;
    std::vector<bool>& have = steps[std::stoll(m[2].str())];
    have.resize(names.size());
    have[static_cast<std::size_t>(c - names.begin())] = true;
  }
  return steps;
}

bool complete(const std::vector<bool>& have) { return std::all_of(have.begin(), have.end(), [](bool b) { return b; }); }

std::string missing(const std::vector<bool>& have, const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t k = 0; k < names.size(); ++k)
    if (!have[k]) text += (text.empty() ? "" : ", ") + names[k];
  return text;
}

}  // namespace

CoupledCheckpoints::CoupledCheckpoints(fs::path folder, int keep, const parlayer::coupling::Components& components,
                                       Sink sink)
    : m_folder(std::move(folder)), m_keep(keep), m_components(components), m_sink(std::move(sink)) {
  // Each component's series on its own ranks, one component after the other (a rank of two
  // components takes part in both, in the same order as its partners). The series' own pruning is
  // off (keep = max): a part may go only once a newer generation is complete (prune()).
  const parlayer::parallel::Failure failed = parlayer::parallel::agree(components.parent(), parlayer::parallel::attempt([&] {
    for (const parlayer::coupling::Component& c : components.all()) {
      if (!c.here()) {
        m_series.emplace_back();
        continue;
      }
      const parlayer::runtime::Log log(c.communicator().get());  // the component's rank 0 reports its part
      m_series.push_back(std::make_unique<parlayer::checkpoint::SnapshotSeries>(
          m_folder, c.name(), c.communicator().get(), std::numeric_limits<int>::max(),
          [log](const std::string& line) { log.info("  checkpoint: " + line); }));
    }
  }));
  if (failed) throw CollectiveError(*failed);
}

CoupledCheckpoints::~CoupledCheckpoints() = default;

fs::path CoupledCheckpoints::path_of(const fs::path& folder, const std::string& component, std::int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "_%010lld.h5", static_cast<long long>(step));  // SnapshotSeries' names
  return folder / (component + name);
}

void CoupledCheckpoints::write(std::int64_t step, const std::vector<PartToWrite>& parts) {
  const std::vector<parlayer::coupling::Component>& all = m_components.all();
  const parlayer::parallel::Failure failed = parlayer::parallel::agree(m_components.parent(), parlayer::parallel::attempt([&] {
    for (std::size_t k = 0; k < all.size(); ++k)
      if (all[k].here()) m_series[k]->write(*parts[k].decomposition, parts[k].fields, parts[k].header);
  }));
  if (failed)
    throw CollectiveError(format("checkpoint of coupling interval %lld: ", static_cast<long long>(step)) + *failed);
  prune();
}

void CoupledCheckpoints::prune() const {
  std::vector<std::string> names;
  for (const parlayer::coupling::Component& c : m_components.all()) names.push_back(c.name());
  const parlayer::parallel::RootResult removed = parlayer::parallel::on_root(m_components.parent(), [&] {
    const std::map<std::int64_t, std::vector<bool>> parts = list_parts(m_folder, names);
    std::vector<std::int64_t> kept;  // complete generations, oldest first
    for (const auto& [step, have] : parts)
      if (complete(have)) kept.push_back(step);
    if (kept.size() <= static_cast<std::size_t>(m_keep)) return std::string();
    const std::int64_t oldest = kept[kept.size() - static_cast<std::size_t>(m_keep)];
    std::string text;
    for (const auto& [step, have] : parts) {
      if (step >= oldest) break;
      for (std::size_t k = 0; k < names.size(); ++k) {
        if (!have[k]) continue;
        const fs::path p = path_of(m_folder, names[k], step);
        fs::remove(p);  // throws filesystem_error naming the file
        text += (text.empty() ? "" : ", ") + p.filename().string();
      }
    }
    return text;
  });
  // The new generation is committed by now: a failure to remove an old one is only reported.
  if (removed.failure) m_sink("  checkpoint: warning: could not remove an old generation: " + *removed.failure);
  else if (!removed.payload.empty()) m_sink("  checkpoint: removed " + removed.payload);
}

RestoredGeneration CoupledCheckpoints::read(const fs::path& folder, std::int64_t step,
                                            const std::vector<PartToRead>& parts) const {
  const std::vector<parlayer::coupling::Component>& all = m_components.all();
  RestoredGeneration g;
  g.step = step;
  g.headers.resize(all.size());
  for (const parlayer::coupling::Component& c : all) g.paths.push_back(path_of(folder, c.name(), step));
  const parlayer::parallel::Failure failed = parlayer::parallel::agree(m_components.parent(), parlayer::parallel::attempt([&] {
    for (std::size_t k = 0; k < all.size(); ++k)
      if (all[k].here()) {
        g.headers[k] = parlayer::checkpoint::read_snapshot(g.paths[k], all[k].communicator().get(),
                                                           *parts[k].decomposition, parts[k].fields);
        // Every part must hold the generation's step: parts of different steps (a file copied or
        // renamed by hand) would be a coupled state that never existed.
        if (g.headers[k]->step != step)
          throw std::runtime_error(format("'%s' holds coupling interval %lld, not %lld as its name says (copied "
                                          "or renamed?)",
                                          g.paths[k].string().c_str(), static_cast<long long>(g.headers[k]->step),
                                          static_cast<long long>(step)));
      }
  }));
  if (failed) throw CollectiveError(*failed);
  return g;
}

std::optional<RestoredGeneration> CoupledCheckpoints::restore_latest(const std::vector<PartToRead>& parts) const {
  std::vector<std::string> names;
  for (const parlayer::coupling::Component& c : m_components.all()) names.push_back(c.name());
  // Rank 0 lists the folder; every rank walks the same list.
  const parlayer::parallel::RootResult listed = parlayer::parallel::on_root(m_components.parent(), [&] {
    std::string text;
    for (const auto& [step, have] : list_parts(m_folder, names)) {
      text += std::to_string(step) + ' ';
      for (const bool b : have) text += b ? '1' : '0';
      text += '\n';
    }
    return text;
  });
  if (listed.failure)
    throw CollectiveError("cannot list the checkpoint folder '" + m_folder.string() + "' (checkpoint.dir): " +
                          *listed.failure);
  std::vector<std::pair<std::int64_t, std::vector<bool>>> generations;
  std::istringstream in(listed.payload);
  std::int64_t step = 0;
  std::string flags;
  while (in >> step >> flags) {
    std::vector<bool> have;
    for (const char f : flags) have.push_back(f == '1');
    generations.emplace_back(step, have);
  }
  if (generations.empty()) return std::nullopt;

  std::string passed;
  for (auto g = generations.rbegin(); g != generations.rend(); ++g) {
    std::string why;
    if (!complete(g->second)) {
      why = "incomplete (no " + missing(g->second, names) + " part)";
    } else {
      try {
        return read(m_folder, g->first, parts);
      } catch (const CollectiveError& e) {  // agreed: every rank is here with the same text
        why = e.what();
      }
    }
    m_sink(format("  checkpoint: generation %lld skipped: ", static_cast<long long>(g->first)) + why);
    passed += format("%sgeneration %lld: ", passed.empty() ? "" : "; ", static_cast<long long>(g->first)) + why;
  }
  throw CollectiveError("--restart latest: no complete, valid checkpoint generation in '" + m_folder.string() +
                        "' (checkpoint.dir): " + passed);
}

RestoredGeneration CoupledCheckpoints::restore(const fs::path& part, const std::vector<PartToRead>& parts) const {
  std::smatch m;
  const std::string name = part.filename().string();
  static const std::regex pattern(R"(([a-z_]+)_([0-9]{10})\.h5)");
  bool known = std::regex_match(name, m, pattern);
  if (known) {
    known = false;
    for (const parlayer::coupling::Component& c : m_components.all()) known = known || c.name() == m[1].str();
  }
  if (!known)
    throw CollectiveError("--restart " + part.string() +
                          ": not a part of a checkpoint generation (<folder>/<component>_<step, 10 digits>.h5, "
                          "e.g. atmosphere_0000000012.h5); or use --restart latest");
  try {
    return read(part.parent_path(), std::stoll(m[2].str()), parts);
  } catch (const CollectiveError& e) {
    throw CollectiveError("--restart " + part.string() + ": " + e.what(), e.exit_code());
  }
}

}  // namespace coupled
