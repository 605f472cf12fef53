// The snapshot file layout and the HDF5 plumbing shared by the writer and the reader.
#include "layout.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <variant>

#include "packing.hpp"
#include "parlayer/checkpoint/checksum.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

#ifndef PARLAYER_VERSION_STRING
#define PARLAYER_VERSION_STRING "unknown"
#endif

namespace parlayer::checkpoint::detail {

using domain::ElementType;

std::string hex(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, v);
  return text;
}

// ---- element types ----

hid_t file_type(ElementType t) {
  switch (t) {
    case ElementType::float32: return H5T_IEEE_F32LE;
    case ElementType::float64: return H5T_IEEE_F64LE;
    case ElementType::int32: return H5T_STD_I32LE;
    case ElementType::int64: return H5T_STD_I64LE;
    case ElementType::uint8: return H5T_STD_U8LE;
  }
  return H5I_INVALID_HID;
}

hid_t memory_type(ElementType t) {
  switch (t) {
    case ElementType::float32: return H5T_NATIVE_FLOAT;
    case ElementType::float64: return H5T_NATIVE_DOUBLE;
    case ElementType::int32: return H5T_NATIVE_INT32;
    case ElementType::int64: return H5T_NATIVE_INT64;
    case ElementType::uint8: return H5T_NATIVE_UINT8;
  }
  return H5I_INVALID_HID;
}

std::optional<ElementType> element_type_named(const std::string& name) {
  for (ElementType t : {ElementType::float32, ElementType::float64, ElementType::int32, ElementType::int64,
                        ElementType::uint8})
    if (name == domain::to_string(t)) return t;
  return std::nullopt;
}

// ---- dataspace shapes: parlayer boxes are x first, HDF5 dims are C order (z, y, x) ----

std::vector<hsize_t> c_order(const domain::Index3& v, int dims) {
  std::vector<hsize_t> out;
  for (int a = dims - 1; a >= 0; --a) out.push_back(hsize_t(v[a]));
  return out;
}

// ---- attributes ----

static h5::Dataspace scalar_space(const std::string& where) {
  return h5::Dataspace(PARLAYER_H5_CHECK(H5Screate(H5S_SCALAR), where));
}

static void write_attribute(hid_t object, const char* name, hid_t file_t, hid_t mem_t, const void* value,
                     const h5::Dataspace& space, const std::string& where) {
  const std::string at = where + " attribute " + name;
  h5::Attribute a(PARLAYER_H5_CHECK(H5Acreate2(object, name, file_t, space.get(), H5P_DEFAULT, H5P_DEFAULT), at));
  PARLAYER_H5_CHECK(H5Awrite(a.get(), mem_t, value), at);
  a.close(at);
}

void write_string(hid_t object, const char* name, const std::string& value, const std::string& where) {
  const std::string at = where + " attribute " + name;
  h5::Datatype t(PARLAYER_H5_CHECK(H5Tcopy(H5T_C_S1), at));
  PARLAYER_H5_CHECK(H5Tset_size(t.get(), std::max<std::size_t>(value.size(), 1)), at);
  PARLAYER_H5_CHECK(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), at);
  PARLAYER_H5_CHECK(H5Tset_cset(t.get(), H5T_CSET_UTF8), at);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  write_attribute(object, name, t.get(), t.get(), padded.data(), scalar_space(at), where);
}

void write_int(hid_t object, const char* name, std::int64_t value, const std::string& where) {
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, scalar_space(where), where);
}

void write_u64(hid_t object, const char* name, std::uint64_t value, const std::string& where) {
  write_attribute(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value, scalar_space(where), where);
}

void write_double(hid_t object, const char* name, double value, const std::string& where) {
  write_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, scalar_space(where), where);
}

void write_ints(hid_t object, const char* name, const std::vector<std::int64_t>& values, const std::string& where) {
  const hsize_t n = values.size();
  h5::Dataspace space(PARLAYER_H5_CHECK(H5Screate_simple(1, &n, nullptr), where));
  write_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), space, where);
}

h5::Attribute open_attribute(hid_t object, const char* name, const std::string& where) {
  const std::string at = where + " attribute " + name;
  if (PARLAYER_H5_CHECK(H5Aexists(object, name), at) <= 0) throw Error("attribute '" + std::string(name) + "' of " + where + " is missing");
  return h5::Attribute(PARLAYER_H5_CHECK(H5Aopen(object, name, H5P_DEFAULT), at));
}

// Number of elements of an attribute (1 for a scalar).
hssize_t attribute_size(const h5::Attribute& a, const std::string& at) {
  h5::Dataspace space(PARLAYER_H5_CHECK(H5Aget_space(a.get()), at));
  return PARLAYER_H5_CHECK(H5Sget_simple_extent_npoints(space.get()), at);
}

std::string read_string(hid_t object, const char* name, const std::string& where) {
  const std::string at = where + " attribute " + name;
  h5::Attribute a = open_attribute(object, name, where);
  h5::Datatype t(PARLAYER_H5_CHECK(H5Aget_type(a.get()), at));
  if (H5Tget_class(t.get()) != H5T_STRING || attribute_size(a, at) != 1)
    throw Error(at + " is not a string");
  if (PARLAYER_H5_CHECK(H5Tis_variable_str(t.get()), at) > 0) {
    h5::Datatype mem(PARLAYER_H5_CHECK(H5Tcopy(H5T_C_S1), at));
    PARLAYER_H5_CHECK(H5Tset_size(mem.get(), H5T_VARIABLE), at);
    char* text = nullptr;
    PARLAYER_H5_CHECK(H5Aread(a.get(), mem.get(), &text), at);
    std::string value = text ? text : "";
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(t.get());
  if (size == 0) throw Error(at + " has size 0");
  std::string value(size, '\0');
  PARLAYER_H5_CHECK(H5Aread(a.get(), t.get(), value.data()), at);
  value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
  return value;
}

std::vector<std::int64_t> read_ints(hid_t object, const char* name, const std::string& where) {
  const std::string at = where + " attribute " + name;
  h5::Attribute a = open_attribute(object, name, where);
  h5::Datatype t(PARLAYER_H5_CHECK(H5Aget_type(a.get()), at));
  const hssize_t n = attribute_size(a, at);
  if (H5Tget_class(t.get()) != H5T_INTEGER || n < 1 || n > 3) throw Error(at + " has the wrong type or shape");
  std::vector<std::int64_t> values(static_cast<std::size_t>(n));
  PARLAYER_H5_CHECK(H5Aread(a.get(), H5T_NATIVE_INT64, values.data()), at);
  return values;
}

// ---- typed model parameters: /parameters/must_match and /parameters/may_change ----

namespace {
constexpr const char* parameters_group = "parameters";
const char* rule_group(Parameter::Rule rule) {
  return rule == Parameter::Rule::must_match ? "must_match" : "may_change";
}
}  // namespace

std::vector<Parameter> sorted_parameters(const std::vector<Parameter>& parameters) {
  std::vector<Parameter> sorted = parameters;
  std::sort(sorted.begin(), sorted.end(), [](const Parameter& a, const Parameter& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].name.empty() || sorted[i].name.find('/') != std::string::npos || sorted[i].name == ".")
      throw Error("parameter name '" + sorted[i].name + "' cannot be an attribute name (empty, '.' or with '/')");
    if (i > 0 && sorted[i].name == sorted[i - 1].name)
      throw Error("parameter '" + sorted[i].name + "' is given twice");
  }
  return sorted;
}

void write_parameters(hid_t root, const std::vector<Parameter>& parameters, const std::string& where) {
  const std::string at = "group /" + std::string(parameters_group) + " of " + where;
  // Creation order tracked in every group: the netCDF library then also appends to the file.
  h5::PropertyList gcpl = netcdf_group_creation(at);
  h5::Group group(PARLAYER_H5_CHECK(H5Gcreate2(root, parameters_group, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), at));
  for (const Parameter::Rule rule : {Parameter::Rule::must_match, Parameter::Rule::may_change}) {
    const std::string rat = "group /" + std::string(parameters_group) + "/" + rule_group(rule) + " of " + where;
    h5::Group rules(PARLAYER_H5_CHECK(H5Gcreate2(group.get(), rule_group(rule), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), rat));
    for (const Parameter& p : parameters) {
      if (p.rule != rule) continue;
      const char* name = p.name.c_str();
      if (const auto* i = std::get_if<std::int64_t>(&p.value)) write_int(rules.get(), name, *i, rat);
      if (const auto* d = std::get_if<double>(&p.value)) write_double(rules.get(), name, *d, rat);
      if (const auto* t = std::get_if<std::string>(&p.value)) write_string(rules.get(), name, *t, rat);
    }
    rules.close(rat);
  }
  group.close(at);
}

std::vector<Parameter> read_parameters(hid_t root, const std::string& where) {
  std::vector<Parameter> parameters;
  const std::string at = "group /" + std::string(parameters_group) + " of " + where;
  if (PARLAYER_H5_CHECK(H5Lexists(root, parameters_group, H5P_DEFAULT), at) <= 0) return parameters;
  h5::Group group(PARLAYER_H5_CHECK(H5Gopen2(root, parameters_group, H5P_DEFAULT), at));
  for (const Parameter::Rule rule : {Parameter::Rule::must_match, Parameter::Rule::may_change}) {
    const std::string rat = "group /" + std::string(parameters_group) + "/" + rule_group(rule) + " of " + where;
    if (PARLAYER_H5_CHECK(H5Lexists(group.get(), rule_group(rule), H5P_DEFAULT), rat) <= 0)
      throw Error("has no group /parameters/" + std::string(rule_group(rule)));
    h5::Group rules(PARLAYER_H5_CHECK(H5Gopen2(group.get(), rule_group(rule), H5P_DEFAULT), rat));
    std::vector<std::string> names;
    hsize_t index = 0;
    PARLAYER_H5_CHECK(H5Aiterate2(rules.get(), H5_INDEX_NAME, H5_ITER_INC, &index,
                                  [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
                                    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                                    return 0;
                                  },
                                  &names),
                      rat);
    for (const std::string& name : names) {
      const std::string pat = rat + " attribute " + name;
      H5T_class_t type_class = H5T_NO_CLASS;
      {
        h5::Attribute a = open_attribute(rules.get(), name.c_str(), rat);
        h5::Datatype t(PARLAYER_H5_CHECK(H5Aget_type(a.get()), pat));
        type_class = H5Tget_class(t.get());
      }
      Parameter p;
      p.name = name;
      p.rule = rule;
      if (type_class == H5T_INTEGER)
        p.value = read_number<std::int64_t>(rules.get(), name.c_str(), H5T_NATIVE_INT64, H5T_INTEGER, rat);
      else if (type_class == H5T_FLOAT)
        p.value = read_number<double>(rules.get(), name.c_str(), H5T_NATIVE_DOUBLE, H5T_FLOAT, rat);
      else if (type_class == H5T_STRING)
        p.value = read_string(rules.get(), name.c_str(), rat);
      else
        throw Error("parameter '" + name + "' has a type other than integer, float or string");
      parameters.push_back(std::move(p));
    }
    rules.close(rat);
  }
  group.close(at);
  return sorted_parameters(parameters);
}

// ---- the metadata checksum: FNV-1a over every attribute value, in a fixed order ----

// A parameter as bytes: name, rule, type index, value.
static void put_parameter(detail::Packer& p, const Parameter& q) {
  p.put(q.name).put(std::int64_t(q.rule == Parameter::Rule::must_match)).put(std::int64_t(q.value.index()));
  if (const auto* i = std::get_if<std::int64_t>(&q.value)) p.put(*i);
  if (const auto* d = std::get_if<double>(&q.value)) p.put(*d);
  if (const auto* t = std::get_if<std::string>(&q.value)) p.put(*t);
}

static void get_parameter(detail::Unpacker& u, Parameter& q) {
  std::int64_t must = 0, index = 0;
  u.get(q.name);
  u.get(must);
  u.get(index);
  q.rule = must ? Parameter::Rule::must_match : Parameter::Rule::may_change;
  if (index == 0) {
    std::int64_t v = 0;
    u.get(v);
    q.value = v;
  } else if (index == 1) {
    double v = 0;
    u.get(v);
    q.value = v;
  } else {
    std::string v;
    u.get(v);
    q.value = v;
  }
}

static std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::vector<std::int64_t> widen(const std::vector<int>& v) { return {v.begin(), v.end()}; }

std::uint64_t metadata_checksum(const SnapshotInfo& info, const std::vector<FieldRecord>& all_fields) {
  detail::Packer p;
  p.put(std::string(snapshot_format)).put(std::int64_t(info.format_version)).put(info.header.step);
  p.put(info.header.time).put(info.header.model).put(info.header.config);
  p.put(std::int64_t(info.writer_rank_count)).put(widen(info.writer_process_grid)).put(widen(info.global_extent));
  p.put(info.library_version).put(std::string(checksum_algorithm));
  std::vector<const FieldRecord*> sorted;
  for (const FieldRecord& f : all_fields) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  p.put(std::uint64_t(sorted.size()));
  for (const FieldRecord* f : sorted)
    p.put(f->name).put(std::string(domain::to_string(f->type))).put(f->units).put(f->checksum);
  if (info.format_version >= 2) {  // version 1 files have no parameters: their checksum stays as it was
    p.put(std::uint64_t(info.header.parameters.size()));
    for (const Parameter& q : info.header.parameters) put_parameter(p, q);
  }
  if (info.format_version >= 3) {  // the CF attributes, every field's dimensions, the coordinates
    p.put(std::string(cf_conventions)).put(info.header.title).put(info.header.reference_time).put(info.header.calendar);
    for (const FieldRecord* f : sorted) {
      p.put(f->long_name).put(f->standard_name).put(std::uint64_t(f->dimensions.size()));
      for (const std::string& d : f->dimensions) p.put(d);
    }
    std::vector<const CoordinateRecord*> axes;
    for (const CoordinateRecord& c : info.coordinates) axes.push_back(&c);
    std::sort(axes.begin(), axes.end(), [](auto* a, auto* b) { return a->name < b->name; });
    p.put(std::uint64_t(axes.size()));
    for (const CoordinateRecord* c : axes)
      p.put(c->name).put(c->units).put(c->long_name).put(c->standard_name).put(c->size).put(c->checksum);
  }
  return fnv1a(p.bytes());
}

// ---- SnapshotInfo over the wire ----

std::string pack(const SnapshotInfo& info) {
  detail::Packer p;
  p.put(info.path.string()).put(info.header.step).put(info.header.time).put(info.header.model).put(info.header.config);
  p.put(info.format_version).put(info.writer_rank_count).put(info.writer_process_grid).put(info.global_extent);
  p.put(info.library_version).put(std::uint64_t(info.fields.size()));
  for (const FieldRecord& f : info.fields)
    p.put(f.name).put(f.type).put(f.units).put(f.checksum).put(f.long_name).put(f.standard_name).put(f.dimensions);
  p.put(std::uint64_t(info.header.parameters.size()));
  for (const Parameter& q : info.header.parameters) put_parameter(p, q);
  p.put(info.header.reference_time).put(info.header.calendar).put(info.header.title);
  p.put(std::uint64_t(info.coordinates.size()));
  for (const CoordinateRecord& c : info.coordinates)
    p.put(c.name).put(c.units).put(c.long_name).put(c.standard_name).put(c.size).put(c.checksum);
  return std::move(p.bytes());
}

static void put_coordinate(detail::Packer& p, const CoordinateRecord& c) {
  p.put(c.name).put(c.units).put(c.long_name).put(c.standard_name).put(c.size).put(c.checksum);
}

static void get_coordinate(detail::Unpacker& u, CoordinateRecord& c) {
  u.get(c.name);
  u.get(c.units);
  u.get(c.long_name);
  u.get(c.standard_name);
  u.get(c.size);
  u.get(c.checksum);
}

std::string pack(const std::vector<CoordinatePlan>& plans) {
  detail::Packer p;
  p.put(std::uint64_t(plans.size()));
  for (const CoordinatePlan& c : plans) {
    put_coordinate(p, c.record);
    p.put(c.first).put(c.spacing).put(std::int64_t(c.along)).put(std::int64_t(c.face));
  }
  return std::move(p.bytes());
}

std::vector<CoordinatePlan> unpack_coordinates(const std::string& bytes) {
  detail::Unpacker u(bytes);
  std::uint64_t n = 0;
  u.get(n);
  std::vector<CoordinatePlan> plans(n);
  for (CoordinatePlan& c : plans) {
    get_coordinate(u, c.record);
    u.get(c.first);
    u.get(c.spacing);
    std::int64_t along = 0, face = 0;
    u.get(along);
    u.get(face);
    c.along = int(along);
    c.face = face != 0;
  }
  return plans;
}

SnapshotInfo unpack(const std::string& bytes) {
  detail::Unpacker u(bytes);
  SnapshotInfo info;
  std::string path;
  u.get(path);
  info.path = path;
  u.get(info.header.step);
  u.get(info.header.time);
  u.get(info.header.model);
  u.get(info.header.config);
  u.get(info.format_version);
  u.get(info.writer_rank_count);
  u.get(info.writer_process_grid);
  u.get(info.global_extent);
  u.get(info.library_version);
  std::uint64_t n = 0;
  u.get(n);
  info.fields.resize(n);
  for (FieldRecord& f : info.fields) {
    u.get(f.name);
    u.get(f.type);
    u.get(f.units);
    u.get(f.checksum);
    u.get(f.long_name);
    u.get(f.standard_name);
    u.get(f.dimensions);
  }
  u.get(n);
  info.header.parameters.resize(n);
  for (Parameter& q : info.header.parameters) get_parameter(u, q);
  u.get(info.header.reference_time);
  u.get(info.header.calendar);
  u.get(info.header.title);
  u.get(n);
  info.coordinates.resize(n);
  for (CoordinateRecord& c : info.coordinates) get_coordinate(u, c);
  return info;
}

std::string extent_text(const std::vector<int>& e) {
  std::string s;
  for (std::size_t a = 0; a < e.size(); ++a) {
    if (a) s += 'x';
    s += std::to_string(e[a]);
  }
  return s;
}

void check_field_boxes(const domain::FieldBase& field, const domain::Decomposition& d, int rank) {
  const std::vector<int>& mine = d.boxes_of(rank);
  if (field.box_count() != static_cast<int>(mine.size()))
    throw Error("field '" + field.name() + "' has " + std::to_string(field.box_count()) + " boxes but rank " +
                std::to_string(rank) + " owns " + std::to_string(mine.size()));
  for (std::size_t b = 0; b < mine.size(); ++b)
    if (field.box(static_cast<int>(b)).interior() != d.layout().box(mine[b]))
      throw Error("field '" + field.name() + "' has box " + field.box(static_cast<int>(b)).interior().to_string() +
                  " but rank " + std::to_string(rank) + " owns " + d.layout().box(mine[b]).to_string());
}

TransferPlan transfer_plan(const domain::Decomposition& d, int rank) {
  TransferPlan plan;
  const domain::Ownership& o = d.ownership();
  plan.rounds = std::max(1, o.max_boxes_per_rank());
  const std::vector<int>& owners = o.owners();
  if (std::find(owners.begin(), owners.end(), domain::no_owner) == owners.end()) return plan;  // the usual case
  // (boxes handled, rank) in a min-heap: the next box with no owner goes to the least busy rank.
  using Load = std::pair<std::int64_t, int>;
  std::vector<Load> heap;
  for (int r = 0; r < o.rank_count(); ++r) heap.emplace_back(std::int64_t(o.boxes_of(r).size()), r);
  const auto later = [](const Load& a, const Load& b) { return a > b; };
  std::make_heap(heap.begin(), heap.end(), later);
  std::int64_t busiest = 1;
  for (int b = 0; b < o.size(); ++b) {
    if (owners[std::size_t(b)] != domain::no_owner) continue;
    std::pop_heap(heap.begin(), heap.end(), later);
    Load& least = heap.back();
    if (least.second == rank) plan.land.push_back(b);
    ++least.first;
    std::push_heap(heap.begin(), heap.end(), later);
  }
  for (const Load& l : heap) busiest = std::max(busiest, l.first);
  plan.rounds = int(busiest);
  return plan;
}

int transfer_rounds(const domain::Decomposition& d) { return transfer_plan(d, 0).rounds; }

std::uint64_t land_value_bits(const domain::FieldBase& field) {
  const domain::BoundaryCondition& bc = field.land_condition();
  const bool constant = bc.kind == domain::BoundaryCondition::Kind::constant;
  std::uint64_t bits = 0;
  const auto as = [&](auto v) {
    static_assert(sizeof(v) <= sizeof(bits));
    std::memcpy(&bits, &v, sizeof(v));  // little-endian (checksum.hpp's assumption too)
  };
  switch (field.element_type()) {
    case domain::ElementType::float32: as(constant ? static_cast<float>(bc.value) : std::numeric_limits<float>::quiet_NaN()); break;
    case domain::ElementType::float64: as(constant ? bc.value : std::numeric_limits<double>::quiet_NaN()); break;
    // The conversions the halo's constant condition makes (boundary_fill.cpp).
    case domain::ElementType::int32: as(constant ? static_cast<std::int32_t>(bc.value) : std::int32_t{0}); break;
    case domain::ElementType::int64: as(constant ? static_cast<std::int64_t>(bc.value) : std::int64_t{0}); break;
    case domain::ElementType::uint8: as(constant ? static_cast<std::uint8_t>(bc.value) : std::uint8_t{0}); break;
  }
  return bits;
}

void fill_land(std::vector<std::byte>& buffer, domain::ElementType type, std::uint64_t bits, std::int64_t cells) {
  const std::size_t es = domain::size_of(type);
  buffer.resize(std::size_t(cells) * es);
  for (std::size_t at = 0; at < buffer.size(); at += es) std::memcpy(buffer.data() + at, &bits, es);
}

std::vector<int> extent_of(const domain::Decomposition& d) {
  std::vector<int> e;
  for (int a = 0; a < d.dimensions(); ++a) e.push_back(d.global_box().extent(a));
  return e;
}

h5::PropertyList serial_fapl(const std::string& where) {
  h5::PropertyList fapl(PARLAYER_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS), where));
  // Locks are pointless for a file no one else writes, and fail on some parallel file systems.
  PARLAYER_H5_CHECK(H5Pset_file_locking(fapl.get(), false, true), where);
  return fapl;
}

h5::PropertyList parallel_fapl(parallel::Comm comm, const std::string& where) {
  h5::PropertyList fapl(PARLAYER_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS), where));
  PARLAYER_H5_CHECK(H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL), where);
  // The 1.10 format: superblock v3 and v2 object headers, both checksummed.
  PARLAYER_H5_CHECK(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST), where);
  return fapl;
}

h5::PropertyList collective_transfer(const std::string& where) {
  h5::PropertyList dxpl(PARLAYER_H5_CHECK(H5Pcreate(H5P_DATASET_XFER), where));
  PARLAYER_H5_CHECK(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), where);
  return dxpl;
}

Selection select(hid_t dataset, const domain::IndexBox& share, const domain::IndexBox& buffer, int dims,
                 const domain::IndexBox& global, const std::string& where) {
  Selection s;
  s.file = h5::Dataspace(PARLAYER_H5_CHECK(H5Dget_space(dataset), where));
  const bool timed = PARLAYER_H5_CHECK(H5Sget_simple_extent_ndims(s.file.get()), where) == dims + 1;
  const std::vector<hsize_t> buffer_dims = c_order(buffer.extents(), dims);
  if (share.empty()) {
    const hsize_t one = 1;
    s.memory = h5::Dataspace(PARLAYER_H5_CHECK(H5Screate_simple(1, &one, nullptr), where));
    PARLAYER_H5_CHECK(H5Sselect_none(s.file.get()), where);
    PARLAYER_H5_CHECK(H5Sselect_none(s.memory.get()), where);
    return s;
  }
  s.memory = h5::Dataspace(PARLAYER_H5_CHECK(H5Screate_simple(dims, buffer_dims.data(), nullptr), where));
  domain::Index3 in_file{}, in_buffer{};
  for (int a = 0; a < 3; ++a) in_file[a] = share.lo[a] - global.lo[a], in_buffer[a] = share.lo[a] - buffer.lo[a];
  const std::vector<hsize_t> count = c_order(share.extents(), dims);
  const std::vector<hsize_t> file_start = c_order(in_file, dims), buffer_start = c_order(in_buffer, dims);
  std::vector<hsize_t> file_first = file_start, file_count = count;
  if (timed) {  // time index 0 of a (time, [z,] y, x) variable
    file_first.insert(file_first.begin(), 0);
    file_count.insert(file_count.begin(), 1);
  }
  PARLAYER_H5_CHECK(H5Sselect_hyperslab(s.file.get(), H5S_SELECT_SET, file_first.data(), nullptr, file_count.data(), nullptr), where);
  PARLAYER_H5_CHECK(H5Sselect_hyperslab(s.memory.get(), H5S_SELECT_SET, buffer_start.data(), nullptr, count.data(), nullptr), where);
  return s;
}

int rank_of(parallel::Comm comm) {
  int r = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_rank(comm, &r));
  return r;
}

int size_of_comm(parallel::Comm comm) {
  int s = 0;
  PARLAYER_MPI_CHECK(MPI_Comm_size(comm, &s));
  return s;
}

parallel::Communicator private_comm(parallel::Comm comm) {
  parallel::Communicator dup(comm);
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(dup.get(), MPI_ERRORS_RETURN));
  return dup;
}

void check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw Error("field name '" + name + "' cannot be a dataset name (empty, '.', '..' or contains '/')");
}

std::string field_path(int version, const std::string& name) {
  return version >= 3 ? "/" + name : "/" + std::string(fields_group) + "/" + name;
}

std::vector<CoordinatePlan> plan_coordinates(const Coordinates& c, const std::vector<int>& extent,
                                             const std::vector<FieldDescription>& used) {
  static const char* const axis_names[] = {"x", "y", "z"};
  std::vector<CoordinatePlan> plans;
  const int dims = int(extent.size());
  for (int a = 0; a < dims; ++a) {
    const Axis& given = c.centres[std::size_t(a)];
    CoordinatePlan centre;
    if (given.name.empty()) {
      centre.record = {axis_names[a], "1", std::string(axis_names[a]) + " index of cell centres", "", extent[std::size_t(a)], 0};
      centre.first = 0.0, centre.spacing = 1.0;
    } else {
      centre.record = {given.name, given.units, given.long_name, given.standard_name, extent[std::size_t(a)], 0};
      centre.first = given.first, centre.spacing = given.spacing;
    }
    centre.along = a;
    plans.push_back(centre);
  }
  for (int a = 0; a < dims; ++a) {
    const Location face = a == 0 ? Location::x_face : a == 1 ? Location::y_face : Location::z_face;
    if (std::none_of(used.begin(), used.end(), [&](const FieldDescription& d) { return d.location == face; })) continue;
    const Axis& given = c.faces[std::size_t(a)];
    const CoordinatePlan& centre = plans[std::size_t(a)];
    CoordinatePlan p;
    if (given.name.empty()) {
      p.record = centre.record;
      p.record.name = centre.record.name + "_face";
      p.record.long_name = std::string(axis_names[a]) + " of the low cell faces";
      p.first = centre.first - 0.5 * centre.spacing, p.spacing = centre.spacing;
    } else {
      p.record = {given.name, given.units, given.long_name, given.standard_name, extent[std::size_t(a)], 0};
      p.first = given.first, p.spacing = given.spacing;
    }
    p.along = a;
    p.face = true;
    plans.push_back(p);
  }
  for (CoordinatePlan& p : plans) p.record.checksum = values_checksum(coordinate_values(p));
  return plans;
}

std::vector<double> coordinate_values(const CoordinatePlan& plan) {
  std::vector<double> v(std::size_t(plan.record.size));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = plan.first + double(i) * plan.spacing;
  return v;
}

std::uint64_t values_checksum(const std::vector<double>& values) {
  const domain::IndexBox line{{0, 0, 0}, {int(values.size()), 1, 1}};
  return partial_checksum(values.data(), sizeof(double), line, line);
}

std::vector<std::string> field_dimensions(const FieldDescription& d, const std::vector<CoordinatePlan>& axes, int dims) {
  std::vector<std::string> names;
  if (d.time_dependent) names.emplace_back(time_name);
  for (int a = dims - 1; a >= 0; --a) {
    const Location face = a == 0 ? Location::x_face : a == 1 ? Location::y_face : Location::z_face;
    const auto it = std::find_if(axes.begin(), axes.end(), [&](const CoordinatePlan& p) {
      return p.along == a && p.face == (d.location == face);
    });
    names.push_back(it == axes.end() ? std::string() : it->record.name);
  }
  return names;
}

std::vector<hsize_t> chunk_dims(const std::vector<hsize_t>& shape, std::size_t element_size) {
  constexpr hsize_t limit = 4u << 20;  // bytes per chunk, what netCDF's default chunking aims for
  std::vector<hsize_t> chunk = shape;
  for (hsize_t& c : chunk) c = std::max<hsize_t>(c, 1);
  const auto bytes = [&] {
    hsize_t b = element_size;
    for (hsize_t c : chunk) b *= c;
    return b;
  };
  // Slowest axis first (time is 1 already): whole rows stay whole as long as they can.
  for (std::size_t a = 0; a < chunk.size() && bytes() > limit; ++a)
    while (chunk[a] > 1 && bytes() > limit) chunk[a] = (chunk[a] + 1) / 2;
  return chunk;
}

h5::PropertyList netcdf_group_creation(const std::string& where) {
  h5::PropertyList gcpl(PARLAYER_H5_CHECK(H5Pcreate(H5P_GROUP_CREATE), where));
  PARLAYER_H5_CHECK(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), where);
  PARLAYER_H5_CHECK(H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), where);
  PARLAYER_H5_CHECK(H5Pset_attr_phase_change(gcpl.get(), 64, 0), where);
  return gcpl;
}

std::string library_version() {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  return std::string("parlayer ") + PARLAYER_VERSION_STRING + ", HDF5 " + std::to_string(maj) + "." +
         std::to_string(min) + "." + std::to_string(rel);
}

}  // namespace parlayer::checkpoint::detail
