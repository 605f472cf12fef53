// Snapshots of decompositions with boxes that have no owner (all land, issue 11): every cell of the
// file is defined (the cells of boxes with no owner hold the field's land value), the checksum
// covers every cell, and the file reads back on any layout: one block per rank, another box size
// with its own elimination, the same layout on another rank count. A flipped byte in a land cell
// is detected whichever layout reads it.
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "generate.hpp"
#include "checkpoint/hdf5.hpp"
#include "parlayer/checkpoint/snapshot.hpp"
#include "parlayer/domain/decomposition.hpp"
#include "parlayer/parallel/interop.hpp"
#include "test_support.hpp"

using namespace parlayer;
using namespace parlayer::testing;
using Catch::Matchers::Contains;
namespace h5 = parlayer::checkpoint::h5;

namespace {

const std::vector<int> extent{24, 16};
const domain::GridSpec grid{extent, {true, false}, {}};

// Land: two "continents".
bool land(int i, int j) { return (i < 12 && j < 8) || (i >= 20 && j >= 12); }

// Boxes of at most `box` cells; those without a wet cell have no owner, the others are dealt round
// robin. box = 0: one block per rank (nothing eliminated).
domain::Decomposition decomposition(int box, int ranks) {
  if (box == 0) return domain::Decomposition(grid, ranks);
  domain::Layout layout = domain::Layout::chopped(grid, {box, box, 1});
  std::vector<int> owners;
  int wet_boxes = 0;
  for (const domain::IndexBox& b : layout.boxes()) {
    bool wet = false;
    domain::for_each_cell(b, [&](int i, int j, int) { wet = wet || !land(i, j); });
    owners.push_back(wet ? wet_boxes++ % ranks : domain::no_owner);
  }
  return domain::Decomposition(layout, domain::Ownership(owners, ranks));
}

int unowned_boxes(const domain::Decomposition& d) {
  int n = 0;
  for (const int o : d.ownership().owners()) n += o == domain::no_owner;
  return n;
}

// The fields: a constant land condition (double, int32), none (float -> NaN, uint8 -> 0), and one
// that is not a constant (zero_gradient: NaN too).
struct LandModel {
  std::unique_ptr<domain::Field<double>> h, u;
  std::unique_ptr<domain::Field<float>> t;
  std::unique_ptr<domain::Field<std::int32_t>> id;
  std::unique_ptr<domain::Field<std::uint8_t>> flag;

  LandModel(const domain::Decomposition& d, int rank) {
    h = std::make_unique<domain::Field<double>>("h", d, rank, 1);
    u = std::make_unique<domain::Field<double>>("u", d, rank, 1);
    t = std::make_unique<domain::Field<float>>("t", d, rank, 1);
    id = std::make_unique<domain::Field<std::int32_t>>("id", d, rank, 1);
    flag = std::make_unique<domain::Field<std::uint8_t>>("flag", d, rank, 1);
    h->set_land_condition(domain::BoundaryCondition::constant(5.25));
    id->set_land_condition(domain::BoundaryCondition::constant(-3.0));
    u->set_land_condition(domain::BoundaryCondition::zero_gradient());
  }
  std::vector<domain::FieldBase*> fields() { return {h.get(), u.get(), t.get(), id.get(), flag.get()}; }
  std::vector<const domain::FieldBase*> const_fields() { return {h.get(), u.get(), t.get(), id.get(), flag.get()}; }

  // Generated values in every cell of every owned box (land cells of owned boxes included: they
  // are written as they are), or `fid` offset by 100 to scramble.
  template <class T>
  static void set(domain::Field<T>& f, int fid, std::int64_t step) {
    for (auto& box : f) {
      box.fill(T(0x5a));
      box.for_each(box.interior(), [&](int i, int j, int k) { box(i, j, k) = cell_value<T>(fid, step, i, j, k); });
    }
  }
  void generate(std::int64_t step) {
    set(*h, 0, step), set(*u, 1, step), set(*t, 2, step), set(*id, 3, step), set(*flag, 4, step);
  }

  // Every cell: the land value where the writer's decomposition `w` has no owner, else the
  // generated value; bitwise. Ghosts untouched.
  template <class T>
  static bool check(const domain::Field<T>& f, int fid, std::int64_t step, const domain::Decomposition& w, T land_value) {
    bool ok = true;
    for (const auto& box : f)
      box.for_each(box.allocated(), [&](int i, int j, int k) {
        T want = T(0x5a);
        if (box.interior().contains(domain::Index3{i, j, k}))
          want = w.owner_of({i, j, k}) ? cell_value<T>(fid, step, i, j, k) : land_value;
        if (std::memcmp(&want, &box(i, j, k), sizeof(T)) != 0) ok = false;
      });
    return ok;
  }
  bool matches(std::int64_t step, const domain::Decomposition& w) const {
    return check<double>(*h, 0, step, w, 5.25) && check<double>(*u, 1, step, w, std::numeric_limits<double>::quiet_NaN()) &&
           check<float>(*t, 2, step, w, std::numeric_limits<float>::quiet_NaN()) &&
           check<std::int32_t>(*id, 3, step, w, -3) && check<std::uint8_t>(*flag, 4, step, w, 0);
  }
};

checkpoint::SnapshotHeader header_at(std::int64_t step) { return {step, 2.0 * double(step), "land test", "[land]\n"}; }

// Writes with the first `w` ranks in layout `box`. Collective over world.
void write_land(int w, int box, const std::filesystem::path& file, std::int64_t step,
                checkpoint::Verification verify = checkpoint::Verification::file_bytes) {
  FirstRanks sub(w);
  std::string failed;  // (the ranks outside `sub` must not be left waiting in a collective)
  if (sub.member()) {
    const domain::Decomposition d = decomposition(box, w);
    LandModel m(d, sub.rank());
    m.generate(step);
    failed = collective_error_of([&] {
      checkpoint::write_snapshot(file, sub.get(), d, m.const_fields(), header_at(step), checkpoint::WriteOptions{verify});
    });
    if (failed == "(no CollectiveError)") failed.clear();
  }
  INFO(failed);
  REQUIRE(all_ranks(failed.empty(), MPI_COMM_WORLD));
}

// Reads with the first `r` ranks in layout `box` and checks every cell against the writer's
// layout (`wbox` at `w` ranks). True on every rank if all is right. Collective over world.
bool read_land(int r, int box, const std::filesystem::path& file, std::int64_t step, int wbox, int w) {
  FirstRanks sub(r);
  bool ok = true;
  if (sub.member()) {
    const domain::Decomposition d = decomposition(box, r);
    LandModel m(d, sub.rank());
    m.generate(-1);
    try {
      const checkpoint::SnapshotHeader h = checkpoint::read_snapshot(file, sub.get(), d, m.fields());
      ok = h.step == step && m.matches(step, decomposition(wbox, w));
    } catch (const CollectiveError& e) {  // every member throws it: report, and fail on every rank
      UNSCOPED_INFO(e.what());
      ok = false;
    }
  }
  return all_ranks(ok, MPI_COMM_WORLD);
}

// The message of reading (or verifying) `file` with all ranks in layout `box`.
std::string read_error(int box, const std::filesystem::path& file, bool verify_only) {
  const domain::Decomposition d = decomposition(box, world_size());
  LandModel m(d, world_rank());
  return collective_error_of([&] {
    if (verify_only)
      checkpoint::verify_snapshot(file, MPI_COMM_WORLD, d);
    else
      checkpoint::read_snapshot(file, MPI_COMM_WORLD, d, m.fields());
  });
}

}  // namespace

TEST_CASE("land: the test layouts eliminate different boxes", "[land]") {
  CHECK(unowned_boxes(decomposition(6, 1)) == 2);  // 4 x 2 boxes of 6 x 8
  CHECK(unowned_boxes(decomposition(4, 1)) == 7);  // 6 x 4 boxes of 4 x 4
  CHECK(unowned_boxes(decomposition(0, world_size())) == 0);
}

TEST_CASE("land: a snapshot of a decomposition with unowned boxes reads back on any layout", "[land]") {
  const int p = world_size();
  SharedDir dir;
  // Written at p ranks with boxes of 6 (2 eliminated), and at 1 rank with boxes of 4 (7 eliminated).
  write_land(p, 6, dir / "six.h5", 11);
  write_land(1, 4, dir / "four.h5", 12);
  for (int r = 1; r <= p; ++r) {
    INFO("read at " << r << " ranks");
    // (a) one block per rank: every cell, the land values bitwise.
    CHECK(read_land(r, 0, dir / "six.h5", 11, 6, p));
    CHECK(read_land(r, 0, dir / "four.h5", 12, 4, 1));
    // (b) another box size with its own elimination (its unowned boxes verified, not stored).
    CHECK(read_land(r, 4, dir / "six.h5", 11, 6, p));
    CHECK(read_land(r, 6, dir / "four.h5", 12, 4, 1));
    // (c) the same layout on another rank count.
    CHECK(read_land(r, 6, dir / "six.h5", 11, 6, p));
    CHECK(read_land(r, 4, dir / "four.h5", 12, 4, 1));
  }
}

TEST_CASE("land: the file does not depend on the layout that wrote it", "[land]") {
  const int p = world_size();
  SharedDir dir;
  write_land(p, 6, dir / "six.h5", 3);
  write_land(p, 4, dir / "four.h5", 3);
  // The same global data from one block per rank: its land cells set to the land values.
  {
    const domain::Decomposition d = decomposition(0, p), six = decomposition(6, p);
    LandModel m(d, world_rank());
    m.generate(3);
    for (auto& box : *m.h) box.for_each(box.interior(), [&](int i, int j, int) { if (!six.owner_of({i, j, 0})) box(i, j) = 5.25; });
    for (auto& box : *m.u)
      box.for_each(box.interior(), [&](int i, int j, int) { if (!six.owner_of({i, j, 0})) box(i, j) = std::nan(""); });
    for (auto& box : *m.t)
      box.for_each(box.interior(), [&](int i, int j, int) { if (!six.owner_of({i, j, 0})) box(i, j) = std::nanf(""); });
    for (auto& box : *m.id) box.for_each(box.interior(), [&](int i, int j, int) { if (!six.owner_of({i, j, 0})) box(i, j) = -3; });
    for (auto& box : *m.flag) box.for_each(box.interior(), [&](int i, int j, int) { if (!six.owner_of({i, j, 0})) box(i, j) = 0; });
    checkpoint::write_snapshot(dir / "blocks.h5", MPI_COMM_WORLD, d, m.const_fields(), header_at(3));
  }
  const domain::Decomposition d = decomposition(0, p);
  const checkpoint::SnapshotInfo blocks = checkpoint::verify_snapshot(dir / "blocks.h5", MPI_COMM_WORLD, d);
  const checkpoint::SnapshotInfo six = checkpoint::verify_snapshot(dir / "six.h5", MPI_COMM_WORLD, d);
  REQUIRE(blocks.fields.size() == six.fields.size());
  for (std::size_t i = 0; i < blocks.fields.size(); ++i) {
    INFO("field " << blocks.fields[i].name);
    CHECK(six.fields[i].checksum == blocks.fields[i].checksum);
  }
  // boxes of 4 eliminate more (the generated values in [6, 12) x [0, 8) of "six" are land values
  // there): its checksums differ, and it still verifies on every layout.
  for (const int box : {0, 4, 6}) {
    const domain::Decomposition e = decomposition(box, p);
    CHECK_NOTHROW(checkpoint::verify_snapshot(dir / "four.h5", MPI_COMM_WORLD, e));
    CHECK_NOTHROW(checkpoint::verify_snapshot(dir / "six.h5", MPI_COMM_WORLD, e));
  }
}

TEST_CASE("land: every verification path covers the cells of unowned boxes", "[land]") {
  const int p = world_size();
  SharedDir dir;
  // The writer's own verification, each kind (read_back reads back through the writer's layout).
  write_land(p, 4, dir / "back.h5", 5, checkpoint::Verification::read_back);
  write_land(p, 4, dir / "meta.h5", 5, checkpoint::Verification::metadata);
  for (int r = 1; r <= p; ++r) {
    CHECK(read_land(r, 0, dir / "back.h5", 5, 4, p));
    CHECK(read_land(r, 6, dir / "meta.h5", 5, 4, p));
  }

  // A flipped byte in a land cell of an eliminated box: h (a constant) and u (NaN).
  write_land(p, 6, dir / "good.h5", 7);
  for (const std::string name : {"h", "u"}) {
    INFO("field " << name);
    const auto bad = dir / ("bad_" + name + ".h5");
    if (world_rank() == 0) {
      std::uint64_t offset = 0;
      {
        h5::ErrorPrintingOff quiet;
        h5::File file(H5Fopen((dir / "good.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
        REQUIRE(file.valid());
        h5::Dataset ds(H5Dopen2(file.get(), ("/" + name).c_str(), H5P_DEFAULT));
        REQUIRE(ds.valid());
        const auto ranges = storage_ranges(ds.get());
        REQUIRE(ranges.size() == 1);  // one chunk: the whole (small) field
        offset = ranges[0].first + (std::uint64_t(3) * 24 + 2) * sizeof(double);  // cell (2, 3): box [0, 6) x [0, 8)
      }
      std::string bytes = read_bytes(dir / "good.h5");
      bytes[offset + 1] = char(bytes[offset + 1] ^ 0x10);
      write_bytes(bad, bytes);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    // Every layout sees it: one that owns the cell, and two where no rank owns it.
    for (const int box : {0, 4, 6}) {
      INFO("layout " << box);
      const std::string read = read_error(box, bad, false), verified = read_error(box, bad, true);
      CHECK_THAT(read, Contains("field '" + name + "': checksum mismatch"));
      CHECK_THAT(verified, Contains("field '" + name + "': checksum mismatch"));
      CHECK(same_on_all_ranks(read, MPI_COMM_WORLD));
    }
    CHECK(read_error(6, dir / "good.h5", false) == "(no CollectiveError)");
  }
}

TEST_CASE("land: ranks that disagree on a land value are a collective error", "[land]") {
  const int p = world_size();
  if (p < 2) return;
  SharedDir dir;
  const domain::Decomposition d = decomposition(6, p);
  LandModel m(d, world_rank());
  m.generate(1);
  if (world_rank() == 1) m.h->set_land_condition(domain::BoundaryCondition::constant(7.0));
  const std::string e = collective_error_of(
      [&] { checkpoint::write_snapshot(dir / "x.h5", MPI_COMM_WORLD, d, m.const_fields(), header_at(1)); });
  CHECK_THAT(e, Contains("ranks disagree on the land value of field 'h'"));
  CHECK(same_on_all_ranks(e, MPI_COMM_WORLD));
  if (world_rank() == 0) CHECK(listing(dir.path()).empty());
}
