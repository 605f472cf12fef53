// Backend::packed: every message is one contiguous buffer; its regions are copied in before the
// sends start and out after the receives complete, one memcpy per row.
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

#include "engine.hpp"
#include "message_backend.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer::detail {

namespace {

using domain::FieldBase;
using domain::FieldBoxBase;
using domain::IndexBox;

// Calls copy(row of the box, row of the buffer, bytes) for every row of `cells`, in packing order
// (x fastest); returns the buffer past the region. One loop for packing and unpacking.
template <class Box, class Byte, class Copy>
Byte* for_each_row(Box& box, const IndexBox& cells, Byte* buffer, const Copy& copy) {
  const std::int64_t elem = static_cast<std::int64_t>(domain::size_of(box.element_type()));
  const std::size_t row_bytes = static_cast<std::size_t>(cells.extent(0) * elem);
  for (int k = cells.lo[2]; k < cells.hi[2]; ++k)
    for (int j = cells.lo[1]; j < cells.hi[1]; ++j) {
      copy(box.bytes() + box.offset(cells.lo[0], j, k) * elem, buffer, row_bytes);
      buffer += row_bytes;
    }
  return buffer;
}

std::byte* pack_region(const FieldBoxBase& box, const IndexBox& cells, std::byte* buffer) {
  return for_each_row(box, cells, buffer, [](const std::byte* row, std::byte* out, std::size_t n) { std::memcpy(out, row, n); });
}

const std::byte* unpack_region(FieldBoxBase& box, const IndexBox& cells, const std::byte* buffer) {
  return for_each_row(box, cells, buffer, [](std::byte* row, const std::byte* in, std::size_t n) { std::memcpy(row, in, n); });
}

template <class Fields>
std::size_t message_bytes(const Fields& fields, const std::vector<BoxRegion>& regions) {
  std::int64_t bytes = 0;
  for (const FieldBase* f : fields)
    for (const BoxRegion& r : regions) bytes += region_bytes(*f, r.cells);
  if (bytes > INT_MAX)
    throw std::length_error("transfer: one message would hold " + std::to_string(bytes) +
                            " bytes, more than MPI's int count allows; exchange fewer fields at once");
  return static_cast<std::size_t>(bytes);
}

class PackedBackend final : public MessageBackend {
public:
  MPI_Request receive_request(const std::vector<FieldBase*>& fields, const std::vector<BoxRegion>& regions, int peer,
                              int tag, parallel::Comm comm) override {
    Message<FieldBase*>& m = m_receives.emplace_back(&fields, &regions, message_bytes(fields, regions));
    MPI_Request r = MPI_REQUEST_NULL;
    PARLAYER_MPI_CHECK(MPI_Recv_init(m.buffer.data(), static_cast<int>(m.buffer.size()), MPI_BYTE, peer, tag, comm, &r));
    return r;
  }

  MPI_Request send_request(const std::vector<const FieldBase*>& fields, const std::vector<BoxRegion>& regions,
                           int peer, int tag, parallel::Comm comm) override {
    Message<const FieldBase*>& m = m_sends.emplace_back(&fields, &regions, message_bytes(fields, regions));
    MPI_Request r = MPI_REQUEST_NULL;
    PARLAYER_MPI_CHECK(MPI_Send_init(m.buffer.data(), static_cast<int>(m.buffer.size()), MPI_BYTE, peer, tag, comm, &r));
    return r;
  }

  void before_start() override {
    for (Message<const FieldBase*>& m : m_sends) {
      std::byte* p = m.buffer.data();
      for (const FieldBase* f : *m.fields)
        for (const BoxRegion& r : *m.regions) p = pack_region(f->box(r.box), r.cells, p);
    }
  }

  void after_completion() override {
    for (Message<FieldBase*>& m : m_receives) {
      const std::byte* p = m.buffer.data();
      for (FieldBase* f : *m.fields)
        for (const BoxRegion& r : *m.regions) p = unpack_region(f->box(r.box), r.cells, p);
    }
  }

private:
  template <class FieldPointer>
  struct Message {
    Message(const std::vector<FieldPointer>* f, const std::vector<BoxRegion>* r, std::size_t bytes)
        : fields(f), regions(r), buffer(bytes) {}
    const std::vector<FieldPointer>* fields;
    const std::vector<BoxRegion>* regions;
    std::vector<std::byte> buffer;
  };
  // std::deque would do too; a vector is fine: requests point into each buffer's heap storage,
  // which a reallocation of the vector moves without copying.
  std::vector<Message<FieldBase*>> m_receives;
  std::vector<Message<const FieldBase*>> m_sends;
};

}  // namespace

std::unique_ptr<MessageBackend> make_packed_backend() { return std::make_unique<PackedBackend>(); }

}  // namespace parlayer::transfer::detail
