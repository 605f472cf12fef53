// Backend::datatypes: every message is one MPI struct datatype of subarrays at the regions'
// absolute addresses (sent from MPI_BOTTOM), so MPI reads and writes the fields in place.
#include <stdexcept>

#include "message_backend.hpp"
#include "parallel/mpi_owners.hpp"
#include "parlayer/parallel/mpi_check.hpp"
#include "parlayer/parallel/interop.hpp"

namespace parlayer::transfer::detail {

namespace {

using domain::FieldBase;
using domain::FieldBoxBase;
using domain::IndexBox;

// One region of a box's storage as an uncommitted MPI datatype.
MPI_Datatype subarray_type(const FieldBoxBase& box, const IndexBox& cells) {
  const IndexBox& all = box.allocated();
  // MPI_ORDER_C: the last dimension varies fastest, so list z, y, x.
  int sizes[3] = {all.extent(2), all.extent(1), all.extent(0)};
  int subsizes[3] = {cells.extent(2), cells.extent(1), cells.extent(0)};
  int starts[3] = {cells.lo[2] - all.lo[2], cells.lo[1] - all.lo[1], cells.lo[0] - all.lo[0]};
  MPI_Datatype t = MPI_DATATYPE_NULL;
  PARLAYER_MPI_CHECK(MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_C,
                                              mpi_type_of(box.element_type()), &t));
  return t;
}

// Every field's regions of one message as one committed datatype with absolute addresses (use
// MPI_BOTTOM), in packing order: field by field, region by region.
template <class Fields>
parallel::Datatype message_type(const Fields& fields, const std::vector<BoxRegion>& regions) {
  std::vector<MPI_Datatype> parts;
  std::vector<MPI_Aint> displacements;
  for (const FieldBase* f : fields)
    for (const BoxRegion& r : regions) {
      const FieldBoxBase& box = f->box(r.box);
      parts.push_back(subarray_type(box, r.cells));
      MPI_Aint address = 0;
      PARLAYER_MPI_CHECK(MPI_Get_address(box.bytes(), &address));
      displacements.push_back(address);
    }
  std::vector<int> lengths(parts.size(), 1);
  MPI_Datatype combined = MPI_DATATYPE_NULL;
  const int rc = MPI_Type_create_struct(static_cast<int>(parts.size()), lengths.data(), displacements.data(),
                                        parts.data(), &combined);
  for (MPI_Datatype& t : parts) MPI_Type_free(&t);  // the struct keeps what it needs
  PARLAYER_MPI_CHECK(rc);
  return parallel::Datatype(combined);
}

class DatatypesBackend final : public MessageBackend {
public:
  MPI_Request receive_request(const std::vector<FieldBase*>& fields, const std::vector<BoxRegion>& regions, int peer,
                              int tag, parallel::Comm comm) override {
    const parallel::Datatype& type = m_types.emplace_back(message_type(fields, regions));
    MPI_Request r = MPI_REQUEST_NULL;
    PARLAYER_MPI_CHECK(MPI_Recv_init(MPI_BOTTOM, 1, type.get(), peer, tag, comm, &r));
    return r;
  }
  MPI_Request send_request(const std::vector<const FieldBase*>& fields, const std::vector<BoxRegion>& regions,
                           int peer, int tag, parallel::Comm comm) override {
    const parallel::Datatype& type = m_types.emplace_back(message_type(fields, regions));
    MPI_Request r = MPI_REQUEST_NULL;
    PARLAYER_MPI_CHECK(MPI_Send_init(MPI_BOTTOM, 1, type.get(), peer, tag, comm, &r));
    return r;
  }
  void before_start() override {}
  void after_completion() override {}

private:
  std::vector<parallel::Datatype> m_types;  // one per message; the requests refer to them
};

}  // namespace

std::unique_ptr<MessageBackend> make_datatypes_backend() { return std::make_unique<DatatypesBackend>(); }

}  // namespace parlayer::transfer::detail
