// runtime::FlagAgreement (include/parlayer/runtime/flag_agreement.hpp).
#include "parlayer/runtime/flag_agreement.hpp"

#include <stdexcept>

#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::runtime {

FlagAgreement::FlagAgreement(MPI_Comm comm) : m_comm(comm) {
  PARLAYER_MPI_CHECK(MPI_Comm_set_errhandler(m_comm.get(), MPI_ERRORS_RETURN));
}

FlagAgreement::~FlagAgreement() {
  if (m_pending != MPI_REQUEST_NULL && parallel::world_rank() >= 0) {
    // Never free a live request (MPI would write into m_result later): complete it.
    if (MPI_Wait(&m_pending, MPI_STATUS_IGNORE) != MPI_SUCCESS)
      parallel::abort_job("MPI_Wait failed while destroying a FlagAgreement");
  }
}

void FlagAgreement::start(std::int64_t step, Flags mine) {
  if (m_pending != MPI_REQUEST_NULL) throw std::logic_error("FlagAgreement::start: one is in flight already");
  m_send = mine;
  static_assert(sizeof(Flags) == sizeof(unsigned));
  PARLAYER_MPI_CHECK(MPI_Iallreduce(&m_send, &m_result, 1, MPI_UNSIGNED, MPI_BOR, m_comm.get(), &m_pending));
  m_started = step;
}

FlagAgreement::Agreed FlagAgreement::complete() {
  if (m_pending == MPI_REQUEST_NULL) return {};
  PARLAYER_MPI_CHECK(MPI_Wait(&m_pending, MPI_STATUS_IGNORE));
  return {m_result, m_started};
}

}  // namespace parlayer::runtime
