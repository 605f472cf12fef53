#pragma once
// Checkpoints of the whole coupled state: one generation per coupling step, made of one file per
// component, written by the component's own ranks (a parlayer::checkpoint::SnapshotSeries over
// the component's communicator, prefix = the component's name):
//
//   <checkpoint.dir>/atmosphere_0000000012.h5   ocean_0000000012.h5   land_0000000012.h5
//
// A generation is complete (usable) when every component's file of that step is committed (each
// file is committed atomically by write_snapshot) and valid (checksums). There is no manifest:
// the commit point of a generation is the rename of its last part, and a restart takes the newest
// step at which every component has a valid part. Generations are pruned only after a newer one is
// complete (agreed over the parent communicator), so a crash at any moment (between two parts, in
// the middle of one) leaves the previous complete generation intact; a part left over from an
// interrupted generation is passed over (logged) and overwritten or pruned later.
// docs/coupled.md, "Checkpoints", says why no manifest.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parlayer/checkpoint/series.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/coupling/components.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/parallel/interop.hpp"

namespace coupled {

// One component's part of a generation. Only the parts of components that run on this rank are
// written or read; the others may be left empty.
struct PartToWrite {
  const parlayer::domain::Decomposition* decomposition = nullptr;
  std::vector<parlayer::checkpoint::FieldToWrite> fields;
  parlayer::checkpoint::SnapshotHeader header;
};
struct PartToRead {
  const parlayer::domain::Decomposition* decomposition = nullptr;
  std::vector<parlayer::checkpoint::FieldToRead> fields;
};

// A generation read back.
struct RestoredGeneration {
  std::int64_t step = 0;
  std::vector<std::filesystem::path> paths;  // per component, in the order of Components::all()
  // Per component: its part's header, on the component's ranks only.
  std::vector<std::optional<parlayer::checkpoint::SnapshotHeader>> headers;
  std::vector<int> writer_ranks;  // per component: how many ranks wrote its part (on its ranks; else 0)
};

class CoupledCheckpoints {
public:
  // One line of progress or warning; called on every rank with the same text (give it a Log).
  using Sink = std::function<void(const std::string& line)>;

  // Opens the folder for every component (creates it, removes the temporaries of interrupted
  // writes). Collective over components.parent().
  // \throws CollectiveError naming `key` if the folder cannot be used.
  CoupledCheckpoints(std::filesystem::path folder, int keep, const parlayer::coupling::Components& components,
                     Sink sink);
  ~CoupledCheckpoints();

  const std::filesystem::path& folder() const noexcept { return m_folder; }
  // The file of component `c`'s part of the generation at `step` in `folder`. Local.
  static std::filesystem::path path_of(const std::filesystem::path& folder, const std::string& component,
                                       std::int64_t step);

  // Writes the generation of `step` (every part's header.step): each component's part by its
  // ranks, one component after the other, then agrees over the parent that every part is
  // committed, and only then removes the complete generations beyond `keep` (and any part older
  // than the oldest one kept). Collective over the parent.
  // \throws CollectiveError (every rank) if a part could not be written; every complete
  //         generation written before is then untouched.
  void write(std::int64_t step, const std::vector<PartToWrite>& parts);

  // Reads the newest complete generation in folder() into `parts`, skipping (and logging) any
  // generation with a part missing or invalid. Collective over the parent.
  // \return nullopt if the folder holds no part of any generation.
  // \throws CollectiveError listing every generation passed over if parts exist but no complete
  //         generation is valid (a restart never silently starts from step 0).
  std::optional<RestoredGeneration> restore_latest(const std::vector<PartToRead>& parts) const;

  // Reads the generation of which `part` (any component's file, "<dir>/<component>_<step>.h5") is
  // a part. Collective over the parent.
  // \throws CollectiveError naming `part` if the name is not a part's, or a part is missing or
  //         invalid.
  RestoredGeneration restore(const std::filesystem::path& part, const std::vector<PartToRead>& parts) const;

private:
  RestoredGeneration read(const std::filesystem::path& folder, std::int64_t step,
                          const std::vector<PartToRead>& parts) const;
  void prune() const;

  std::filesystem::path m_folder;
  int m_keep = 3;
  const parlayer::coupling::Components& m_components;
  Sink m_sink;
  // One series per component, on the component's ranks only (nullptr elsewhere).
  std::vector<std::unique_ptr<parlayer::checkpoint::SnapshotSeries>> m_series;
};

}  // namespace coupled
