// runtime::FlagAgreement (include/parlayer/runtime/flag_agreement.hpp).
#include "parlayer/runtime/flag_agreement.hpp"

#include <stdexcept>

#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::runtime {

struct FlagAgreement::Reduction {
  MPI_Request pending = MPI_REQUEST_NULL;
  Flags send = 0;
  Flags result = 0;
};

FlagAgreement::FlagAgreement(parallel::Comm comm) : m_comm(comm), m_reduction(std::make_unique<Reduction>()) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(m_comm.get(), MPI_ERRORS_RETURN));
}

FlagAgreement::~FlagAgreement() {
  if (in_flight() && parallel::world_rank() >= 0) {
    // Never free a live request (MPI would write into the result later): complete it.
    if (MPI_Wait(&m_reduction->pending, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      parallel::abort_job("MPI_Wait failed while destroying a FlagAgreement");
  }
}

bool FlagAgreement::in_flight() const noexcept { return m_reduction->pending != MPI_REQUEST_NULL; }

void FlagAgreement::start(std::int64_t step, Flags mine) {
  if (in_flight()) throw std::logic_error("FlagAgreement::start: one is in flight already");
  m_reduction->send = mine;
  static_assert(sizeof(Flags) == sizeof(unsigned));
  PARLAYER_MPI_CHECK(MPI_Iallreduce(&m_reduction->send, &m_reduction->result, 1, MPI_UNSIGNED, MPI_BOR,
                                    m_comm.get(), &m_reduction->pending));
  m_started = step;
}

FlagAgreement::Agreed FlagAgreement::complete() {
  if (!in_flight()) return {};
  PARLAYER_MPI_CHECK(MPI_Wait(&m_reduction->pending, MPI_STATUS_IGNORE));
  return {m_reduction->result, m_started};
}

}  // namespace parlayer::runtime
