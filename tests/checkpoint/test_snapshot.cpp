// write_snapshot / read_snapshot / verify_snapshot: N→M round trips (bit for bit, ghosts
// untouched), a checksum and dataset bytes that do not depend on the writer's rank count,
// validation errors, collective write errors, and every single-byte corruption of a small file.
#include <catch2/catch.hpp>
#include <hdf5.h>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "generate.hpp"
#include "parlayer/checkpoint/checksum.hpp"
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

std::string file_for(int w) { return cat("w", std::to_string(w), ".h5"); }

checkpoint::SnapshotHeader header_at(std::int64_t step) {
  return {step, 0.5 * double(step), "test model", "[grid]\nnx = 37\n# step " + std::to_string(step) + "\n"};
}

// Writes the test model at `step` with the first `w` ranks of the world. Collective over world.
void write_with(int w, const std::vector<int>& extent, const std::filesystem::path& file, std::int64_t step) {
  FirstRanks sub(w);
  if (sub.member()) {
    const domain::Decomposition d({extent, {}, {}}, w);
    Model m(d, sub.rank());
    m.generate(step);
    checkpoint::write_snapshot(file, sub.get(), d, m.const_fields(), header_at(step));
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

// Reads `file` with the first `r` ranks in process grid `grid` (empty: automatic) and checks
// every value and ghost; true on every rank if all is right. Collective over world.
bool read_with(int r, const std::vector<int>& extent, const std::vector<int>& grid,
               const std::filesystem::path& file, std::int64_t step) {
  FirstRanks sub(r);
  bool ok = true;
  if (sub.member()) {
    const domain::Decomposition d({extent, {}, grid}, r);
    Model m(d, sub.rank());
    m.scramble();
    const checkpoint::SnapshotHeader h = checkpoint::read_snapshot(file, sub.get(), d, m.fields());
    const checkpoint::SnapshotHeader want = header_at(step);
    ok = m.matches(step) && h.step == want.step && h.time == want.time && h.model == want.model &&
         h.config == want.config;
  }
  return all_ranks(ok, MPI_COMM_WORLD);
}

}  // namespace

TEST_CASE("2D snapshots written at N ranks read back bit for bit at every M", "[snapshot]") {
  const int p = world_size();
  SharedDir dir;
  const std::vector<int> extent{37, 23};
  for (int w = 1; w <= p; ++w) write_with(w, extent, dir / file_for(w), 100 + w);
  for (int w = 1; w <= p; ++w)
    for (int r = 1; r <= p; ++r) {
      INFO("written at " << w << " ranks, read at " << r);
      const auto file = dir / file_for(w);
      CHECK(read_with(r, extent, {}, file, 100 + w));
      if (r == p && r > 1) {  // other process grids of the same rank count: all along x, all along y
        CHECK(read_with(r, extent, {r, 1}, file, 100 + w));
        CHECK(read_with(r, extent, {1, r}, file, 100 + w));
      }
    }
  // Only the committed files: no temporary, no reservation left behind.
  if (world_rank() == 0) {
    std::vector<std::string> want;
    for (int w = 1; w <= p; ++w) want.push_back(file_for(w));
    CHECK(listing(dir.path()) == want);
  }
}

TEST_CASE("3D snapshots written at N ranks read back bit for bit at every M", "[snapshot]") {
  const int p = world_size();
  SharedDir dir;
  const std::vector<int> extent{13, 11, 7};
  write_with(p, extent, dir / "all.h5", 7);
  write_with(1, extent, dir / "one.h5", 8);
  for (int r = 1; r <= p; ++r) {
    INFO("read at " << r << " ranks");
    CHECK(read_with(r, extent, {}, dir / "all.h5", 7));
    CHECK(read_with(r, extent, {}, dir / "one.h5", 8));
  }
  if (p >= 2) CHECK(read_with(p, extent, {1, 1, p}, dir / "all.h5", 7));
}

TEST_CASE("the checksum and the dataset bytes do not depend on the writer's rank count", "[snapshot]") {
  const int p = world_size();
  SharedDir dir;
  const std::vector<int> extent{29, 17};
  for (int w = 1; w <= p; ++w) write_with(w, extent, dir / file_for(w), 5);
  if (world_rank() == 0) {
    h5::ErrorPrintingOff quiet;
    // The checksum recomputed serially from the generator over the whole grid.
    const domain::Decomposition whole({extent, {}, {}}, 1);
    Model m(whole, 0);
    m.generate(5);
    std::vector<std::uint64_t> expected;
    for (auto* f : m.fields()) expected.push_back(checkpoint::partial_checksum(*f, whole.global_box()));

    std::vector<std::string> first_bytes;
    for (int w = 1; w <= p; ++w) {
      INFO("written at " << w << " ranks");
      const auto path = dir / file_for(w);
      const checkpoint::SnapshotInfo info = checkpoint::verify_snapshot(path, MPI_COMM_SELF, whole);
      CHECK(info.writer_rank_count == w);
      REQUIRE(info.fields.size() == 5);
      const std::string file_bytes = read_bytes(path);
      h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
      REQUIRE(file.valid());
      // The fields come back sorted by name; expected[] is in model order.
      const std::vector<std::string> order{"h", "u", "mask", "id", "flag"};
      for (std::size_t i = 0; i < order.size(); ++i) {
        const auto it = std::find_if(info.fields.begin(), info.fields.end(),
                                     [&](const checkpoint::FieldRecord& r) { return r.name == order[i]; });
        REQUIRE(it != info.fields.end());
        CHECK(it->checksum == expected[i]);
        // The variable's bytes, straight from the file (its chunks, in order).
        h5::Dataset ds(H5Dopen2(file.get(), ("/" + order[i]).c_str(), H5P_DEFAULT));
        REQUIRE(ds.valid());
        std::string bytes;
        for (const auto& [offset, size] : storage_ranges(ds.get())) {
          REQUIRE(offset + size <= file_bytes.size());
          bytes += file_bytes.substr(offset, size);
        }
        REQUIRE(!bytes.empty());
        if (w == 1) first_bytes.push_back(bytes);
        else CHECK(bytes == first_bytes[i]);
      }
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

TEST_CASE("verify_snapshot reports what the file records", "[snapshot]") {
  const int p = world_size();
  SharedDir dir;
  const std::vector<int> extent{16, 9};
  write_with(p, extent, dir / "s.h5", 42);
  const domain::Decomposition d({extent, {}, {}}, p);
  const checkpoint::SnapshotInfo info = checkpoint::verify_snapshot(dir / "s.h5", MPI_COMM_WORLD, d);
  CHECK(info.header.step == 42);
  CHECK(info.header.time == 21.0);
  CHECK(info.header.model == "test model");
  CHECK(info.writer_rank_count == p);
  CHECK(info.global_extent == extent);
  CHECK(info.writer_process_grid == std::vector<int>{d.process_grid()[0], d.process_grid()[1]});
  CHECK_THAT(info.library_version, Contains("parlayer 0.") && Contains("HDF5 1."));
  REQUIRE(info.fields.size() == 5);
  const auto h = std::find_if(info.fields.begin(), info.fields.end(), [](auto& r) { return r.name == "h"; });
  REQUIRE(h != info.fields.end());
  CHECK(h->units == "m");
  CHECK(h->type == domain::ElementType::float64);
  const auto specs = checkpoint::specs_of(Model(d, world_rank()).const_fields());
  REQUIRE(specs.size() == 5);
  CHECK((specs[2].name == "mask" && specs[2].type == domain::ElementType::int32));
  // Asking for a subset checks only those.
  const std::vector<checkpoint::FieldSpec> need{{"u", domain::ElementType::float32}};
  CHECK(checkpoint::verify_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, need).fields.size() == 1);
}

TEST_CASE("reading the wrong snapshot is a clear collective error", "[snapshot]") {
  const int p = world_size();
  SharedDir dir;
  const std::vector<int> extent{20, 12};
  write_with(p, extent, dir / "s.h5", 3);
  const auto error_reading = [&](const std::filesystem::path& file, const std::vector<int>& ext,
                                 const std::function<void(Model&)>& edit = {}) {
    const domain::Decomposition d({ext, {}, {}}, p);
    Model m(d, world_rank());
    if (edit) edit(m);
    const std::string message =
        collective_error_of([&] { checkpoint::read_snapshot(file, MPI_COMM_WORLD, d, m.fields()); });
    CHECK(same_on_all_ranks(message, MPI_COMM_WORLD));
    return message;
  };
  const std::string quoted = cat("'", (dir / "s.h5").string(), "'");
  CHECK_THAT(error_reading(dir / "s.h5", {20, 13}), Contains(quoted) &&
                                                      Contains("is for a grid of 20x12, this run's grid is 20x13"));
  CHECK_THAT(error_reading(dir / "s.h5", {20, 12, 2}), Contains("is for a grid of 20x12"));
  CHECK_THAT(error_reading(dir / "missing.h5", extent), Contains("does not exist"));
  {
    if (world_rank() == 0) write_bytes(dir / "text.h5", "not an HDF5 file at all\n");
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_THAT(error_reading(dir / "text.h5", extent), Contains("is not an HDF5 file"));
  }
  {
    if (world_rank() == 0) {  // a valid HDF5 file that is not a snapshot
      h5::File f(H5Fcreate((dir / "plain.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_THAT(error_reading(dir / "plain.h5", extent), Contains("attribute 'format'") && Contains("is missing"));
  }
  // A field the snapshot lacks, and one with another element type.
  {
    const domain::Decomposition d({extent, {}, {}}, p);
    domain::Field<double> extra("salinity", d, world_rank(), 1);
    domain::Field<double> u_as_double("u", d, world_rank(), 1);
    std::vector<domain::FieldBase*> missing{&extra}, wrong{&u_as_double};
    const std::string m1 = collective_error_of([&] { checkpoint::read_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, missing); });
    const std::string m2 = collective_error_of([&] { checkpoint::read_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, wrong); });
    CHECK_THAT(m1, Contains("has no field 'salinity'"));
    CHECK_THAT(m2, Contains("field 'u' is float32 in the snapshot, float64 here"));
  }
}

TEST_CASE("write errors are agreed: every rank throws the same error, nothing is left behind", "[snapshot]") {
  const int p = world_size();
  const int rank = world_rank();
  SharedDir dir;
  const std::vector<int> extent{18, 10};
  const domain::Decomposition d({extent, {}, {}}, p);
  Model m(d, rank);
  m.generate(1);
  const auto write_error = [&](const std::filesystem::path& path, const std::vector<const domain::FieldBase*>& fields,
                               const domain::Decomposition& dd) {
    const std::string message = collective_error_of(
        [&] { checkpoint::write_snapshot(path, MPI_COMM_WORLD, dd, fields, header_at(1)); });
    CHECK(same_on_all_ranks(message, MPI_COMM_WORLD));
    return message;
  };
  CHECK_THAT(write_error(dir / "no" / "such" / "s.h5", m.const_fields(), d),
             Contains("writing snapshot '" + (dir / "no/such/s.h5").string() + "' failed") && Contains("does not exist"));
  std::filesystem::create_directories(dir / "sub");  // every rank: harmless
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THAT(write_error(dir / "sub", m.const_fields(), d), Contains("is a folder"));

  // One rank alone has a wrong field: all ranks report it, naming that rank.
  domain::Field<double> odd("odd", rank == p - 1 ? d.box_of(rank).shifted({1, 0, 0}) : d.box_of(rank), {1, 1, 0});
  std::vector<const domain::FieldBase*> with_odd = m.const_fields();
  with_odd.push_back(&odd);
  const std::string one_rank = write_error(dir / "s.h5", with_odd, d);
  CHECK_THAT(one_rank, Contains("field 'odd' has box"));
  if (p > 1) CHECK_THAT(one_rank, Contains("(rank " + std::to_string(p - 1) + ")"));

  std::vector<const domain::FieldBase*> twice = m.const_fields();
  twice.push_back(m.h.get());
  CHECK_THAT(write_error(dir / "s.h5", twice, d), Contains("field 'h' is given twice"));

  const domain::Decomposition other({extent, {}, {}}, p + 1);
  CHECK_THAT(write_error(dir / "s.h5", {}, other), Contains("the decomposition is for " + std::to_string(p + 1) + " ranks"));

  if (rank == 0) CHECK(listing(dir.path()) == std::vector<std::string>{"sub"});
  MPI_Barrier(MPI_COMM_WORLD);

  // Writing over an existing snapshot replaces it atomically.
  checkpoint::write_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, m.const_fields(), header_at(1));
  m.generate(2);
  checkpoint::write_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, m.const_fields(), header_at(2));
  m.scramble();
  CHECK(checkpoint::read_snapshot(dir / "s.h5", MPI_COMM_WORLD, d, m.fields()).step == 2);
  CHECK(all_ranks(m.matches(2), MPI_COMM_WORLD));
  // Every verification writes the same file.
  for (const auto how : {checkpoint::Verification::metadata, checkpoint::Verification::file_bytes,
                         checkpoint::Verification::read_back}) {
    checkpoint::write_snapshot(dir / "t.h5", MPI_COMM_WORLD, d, m.const_fields(), header_at(2), {.verify = how});
    CHECK(checkpoint::verify_snapshot(dir / "t.h5", MPI_COMM_WORLD, d).header.step == 2);
  }
}

// Every byte of a small snapshot flipped in turn: each flip is either detected (a CollectiveError
// naming the file) or harmless (the data read back is still exactly right). Never a crash, a hang
// or a silently wrong value. Flips inside the data are always detected (by the checksums).
// (Harmless flips are the unused tails of HDF5's 2 KiB metadata blocks. After a metadata checksum
// failure HDF5 1.10.8 prints "HDF5: infinite loop closing library" at exit; h5dump does too: it
// is HDF5's own leak, not an open handle of ours, which `leaked` checks.)
TEST_CASE("every single-byte corruption is detected or harmless", "[sweep]") {
  SharedDir dir;
  const std::vector<int> extent{6, 5};
  const domain::Decomposition d({extent, {}, {}}, world_size());
  Model m(d, world_rank());
  m.generate(77);
  const auto good = dir / "good.h5", bad = dir / "bad.h5";
  checkpoint::write_snapshot(good, MPI_COMM_WORLD, d, m.const_fields(), header_at(77));
  std::string original;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> data_ranges;
  if (world_rank() == 0) {
    original = read_bytes(good);
    h5::ErrorPrintingOff quiet;
    h5::File file(H5Fopen(good.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    for (const char* name : {"h", "u", "mask", "id", "flag"}) {
      h5::Dataset ds(H5Dopen2(file.get(), (std::string("/") + name).c_str(), H5P_DEFAULT));
      for (const auto& range : storage_ranges(ds.get())) data_ranges.push_back(range);
    }
  }
  int size = int(original.size());
  MPI_Bcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD);
  int detected = 0, harmless = 0, silent = 0, data_missed = 0, leaked = 0;
  for (int at = 0; at < size; ++at) {
    if (world_rank() == 0) {
      std::string copy = original;
      copy[std::size_t(at)] = char(copy[std::size_t(at)] ^ 0x5a);
      write_bytes(bad, copy);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    m.scramble();
    bool threw = false;
    try {
      checkpoint::read_snapshot(bad, MPI_COMM_WORLD, d, m.fields());
    } catch (const CollectiveError& e) {
      threw = true;
      if (std::string(e.what()).find(bad.string()) == std::string::npos) ++silent;  // must name the file
    }
    if (world_rank() == 0 && H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) ++leaked;
    if (threw) {
      ++detected;
      continue;
    }
    if (all_ranks(m.matches(77), MPI_COMM_WORLD)) ++harmless;
    else ++silent;
    for (auto [offset, length] : data_ranges)
      if (std::uint64_t(at) >= offset && std::uint64_t(at) < offset + length) ++data_missed;
  }
  INFO(size << " bytes: " << detected << " flips detected, " << harmless << " harmless");
  CHECK(silent == 0);
  CHECK(leaked == 0);  // no HDF5 object left open after any failure
  CHECK(data_missed == 0);
  CHECK(detected > size / 2);
}

TEST_CASE("datasets are named by the snapshot, not by the Field: double buffers restart cleanly", "[snapshot]") {
  SharedDir dir;
  const int p = world_size(), rank = world_rank();
  const std::vector<int> extent{23, 17};
  const domain::Decomposition d({extent, {}, {}}, p);
  // A pointer-swap double buffer: after an odd number of steps the state sits in "T_next".
  domain::Field<double> t("T", d, rank, 1), t_next("T_next", d, rank, 1);
  for (domain::FieldBox<double>& b : t_next)
    domain::for_each_cell(b.interior(), [&](int i, int j, int) { b(i, j) = i + 100.0 * j; });
  const checkpoint::FieldToWrite state[] = {{"T", &t_next}};
  checkpoint::write_snapshot(dir.path() / "odd.h5", MPI_COMM_WORLD, d, state, header_at(7));
  // Read back under the snapshot's name into the other buffer; the Field's own name does not matter.
  t.fill(-1.0);
  const checkpoint::FieldToRead into[] = {{"T", &t}};
  checkpoint::read_snapshot(dir.path() / "odd.h5", MPI_COMM_WORLD, d, into);
  int wrong = 0;
  for (const domain::FieldBox<double>& b : t)
    domain::for_each_cell(b.interior(), [&](int i, int j, int) { wrong += b(i, j) != i + 100.0 * j; });
  CHECK(all_ranks(wrong == 0, MPI_COMM_WORLD));
  // The file has "T", not "T_next".
  domain::FieldBase* by_field_name[] = {&t_next};
  const std::string why = collective_error_of([&] { checkpoint::read_snapshot(dir.path() / "odd.h5", MPI_COMM_WORLD, d, by_field_name); });
  CHECK_THAT(why, Contains("has no field 'T_next'"));
}

TEST_CASE("typed parameters: recorded, read back, and checked on restart", "[snapshot]") {
  SharedDir dir;
  const int p = world_size(), rank = world_rank();
  const domain::Decomposition d({{12, 10}, {}, {}}, p);
  domain::Field<float> f("f", d, rank, 0);
  using checkpoint::Parameter;
  checkpoint::SnapshotHeader header = header_at(3);
  header.parameters = {{"physics.gravity", 9.81},
                       {"initial.state", std::string("jet")},
                       {"grid.nx", std::int64_t{12}},
                       {"output.interval", std::int64_t{100}, Parameter::Rule::may_change}};
  const std::filesystem::path file = dir.path() / "p.h5";
  const domain::FieldBase* fields[] = {&f};
  checkpoint::write_snapshot(file, MPI_COMM_WORLD, d, fields, header);
  const checkpoint::SnapshotInfo info = checkpoint::verify_snapshot(file, MPI_COMM_WORLD, d);
  CHECK(info.format_version == 3);
  REQUIRE(info.header.parameters.size() == 4);  // sorted by name
  CHECK(info.header.parameters[0] == Parameter{"grid.nx", std::int64_t{12}});
  CHECK(info.header.parameters[1] == Parameter{"initial.state", std::string("jet")});
  CHECK(info.header.parameters[2] == Parameter{"output.interval", std::int64_t{100}, Parameter::Rule::may_change});
  CHECK(info.header.parameters[3] == Parameter{"physics.gravity", 9.81});

  // The same values: nothing to say. A may_change parameter changed: one line for the log.
  CHECK(checkpoint::check_parameters(file, info.header, info.format_version, header.parameters).empty());
  std::vector<Parameter> now = header.parameters;
  now[3].value = std::int64_t{50};
  const std::vector<std::string> changed = checkpoint::check_parameters(file, info.header, 2, now);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0] == "output.interval: 100 in the snapshot, 50 now");
  // A must_match parameter changed, missing here, or new here: an error naming it and both values.
  now = header.parameters;
  now[0].value = 9.8;
  CHECK_THROWS_WITH(checkpoint::check_parameters(file, info.header, 2, now),
                    Contains("parameter 'physics.gravity' must match: the snapshot has 9.8100000000000005, this run 9.8000000000000007"));
  now = header.parameters;
  now.erase(now.begin() + 2);
  CHECK_THROWS_WITH(checkpoint::check_parameters(file, info.header, 2, now),
                    Contains("the snapshot's parameter 'grid.nx' = 12 must match, but this run does not give it"));
  now = header.parameters;
  now.push_back({"physics.viscosity", 0.0});
  CHECK_THROWS_WITH(checkpoint::check_parameters(file, info.header, 2, now),
                    Contains("parameter 'physics.viscosity' must match, but the snapshot does not record it"));
  now = header.parameters;
  now[1].value = std::int64_t{1};  // another type is another value
  CHECK_THROWS_WITH(checkpoint::check_parameters(file, info.header, 2, now), Contains("the snapshot has \"jet\", this run 1"));
  // The error says which parameter it was (programs add where their value came from).
  for (const auto& [index, name] : {std::pair{0, "physics.gravity"}, std::pair{2, "grid.nx"}}) {
    now = header.parameters;
    now[index].value = std::string("other");
    try {
      static_cast<void>(checkpoint::check_parameters(file, info.header, 2, now));
      FAIL("no ParameterMismatch for " << name);
    } catch (const checkpoint::ParameterMismatch& e) {
      CHECK(e.parameter() == name);
    }
  }
  // Altering a parameter in the file breaks the metadata checksum.
  if (rank == 0) {
    h5::File h(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    h5::Group g(H5Gopen2(h.get(), "parameters/must_match", H5P_DEFAULT));
    h5::Attribute a(H5Aopen(g.get(), "physics.gravity", H5P_DEFAULT));
    const double altered = 9.8;
    H5Awrite(a.get(), H5T_NATIVE_DOUBLE, &altered);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK_THAT(collective_error_of([&] { checkpoint::verify_snapshot(file, MPI_COMM_WORLD, d); }),
             Contains("metadata checksum mismatch"));
  // Bad names are refused before anything is written.
  header.parameters.push_back({"physics.gravity", 1.0});
  CHECK_THAT(collective_error_of([&] { checkpoint::write_snapshot(dir.path() / "q.h5", MPI_COMM_WORLD, d, fields, header); }),
             Contains("parameter 'physics.gravity' is given twice"));
}

TEST_CASE("a format 2 snapshot (fields in /fields, written before format 3) is still read", "[snapshot]") {
  const domain::Decomposition d({{16, 8}, {true, false}, {}}, world_size());
  std::vector<std::unique_ptr<domain::Field<double>>> owned;
  std::vector<domain::FieldBase*> fields;
  for (const char* name : {"h", "u", "v", "tracer"}) {
    owned.push_back(std::make_unique<domain::Field<double>>(name, d, world_rank(), 0));
    fields.push_back(owned.back().get());
  }
  const checkpoint::SnapshotInfo info = checkpoint::verify_snapshot(PARLAYER_FORMAT2_SNAPSHOT, MPI_COMM_WORLD, d);
  CHECK(info.format_version == 2);
  CHECK(info.header.step == 10);
  CHECK(info.fields.size() == 4);
  CHECK(info.coordinates.empty());
  const checkpoint::SnapshotHeader header = checkpoint::read_snapshot(PARLAYER_FORMAT2_SNAPSHOT, MPI_COMM_WORLD, d, fields);
  CHECK(header.step == 10);
  CHECK(header.time == info.header.time);
  // The layer is ~1000 m thick everywhere (the jet's balanced state).
  bool plausible = true;
  owned[0]->for_each(owned[0]->interior(), [&](int i, int j, int) { plausible = plausible && (*owned[0])(i, j) > 900.0; });
  CHECK(all_ranks(plausible, MPI_COMM_WORLD));
}

TEST_CASE("format 3: CF variables on the time dimension, coordinates, descriptions", "[snapshot]") {
  SharedDir dir;
  const int rank = world_rank();
  const domain::Decomposition d({{12, 10, 3}, {}, {}}, world_size());
  domain::Field<double> w("w", d, rank, 0), b("b", d, rank, 0);
  w.set_units("m s-1");
  w.fill(2.0);
  b.fill(-1.0);
  checkpoint::SnapshotHeader header = header_at(4);
  header.coordinates.centres[0] = {"x", 5.0, 10.0, "m", "x of cell centres", "projection_x_coordinate"};
  const std::vector<checkpoint::FieldToWrite> fields{
      {"w", &w, {"vertical velocity", "upward_sea_water_velocity", checkpoint::Location::z_face}},
      {"b", &b, {"", "", checkpoint::Location::cell, false}}};
  const auto file = dir / "cf.h5";
  checkpoint::write_snapshot(file, MPI_COMM_WORLD, d, fields, header);
  const checkpoint::SnapshotInfo info = checkpoint::verify_snapshot(file, MPI_COMM_WORLD, d);
  CHECK(info.format_version == 3);
  CHECK(info.header.time == header.time);
  CHECK(info.header.reference_time == "2000-01-01 00:00:00");
  CHECK(info.header.calendar == "standard");
  CHECK(info.header.title == header.model);
  REQUIRE(info.fields.size() == 2);  // sorted by name
  CHECK(info.fields[0].dimensions == std::vector<std::string>{"z", "y", "x"});
  CHECK(info.fields[0].long_name == "b");
  CHECK(info.fields[1].dimensions == std::vector<std::string>{"time", "z_face", "y", "x"});
  CHECK(info.fields[1].standard_name == "upward_sea_water_velocity");
  CHECK(info.fields[1].units == "m s-1");
  REQUIRE(info.coordinates.size() == 4);  // x, y, z, z_face (sorted by name in the file)
  std::vector<std::string> names;
  for (const auto& c : info.coordinates) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"x", "y", "z", "z_face"});
  if (rank == 0) {
    h5::File f(H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    h5::Dataset x(H5Dopen2(f.get(), "/x", H5P_DEFAULT));
    double values[12] = {};
    REQUIRE(H5Dread(x.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    CHECK(values[0] == 5.0);
    CHECK(values[11] == 115.0);
  }
  // Names the layout already uses are refused, on every rank alike.
  const std::vector<checkpoint::FieldToWrite> clash{{"time", &w}};
  CHECK_THAT(collective_error_of([&] { checkpoint::write_snapshot(dir / "bad.h5", MPI_COMM_WORLD, d, clash, header); }),
             Contains("field name 'time' is taken"));
  const domain::Decomposition flat({{12, 10}, {}, {}}, world_size());
  domain::Field<double> w2("w", flat, rank, 0);
  const std::vector<checkpoint::FieldToWrite> flat_z{{"w", &w2, {"", "", checkpoint::Location::z_face}}};
  CHECK_THAT(collective_error_of([&] { checkpoint::write_snapshot(dir / "bad2.h5", MPI_COMM_WORLD, flat, flat_z, header); }),
             Contains("lives on the faces of an axis the grid does not have"));
}
