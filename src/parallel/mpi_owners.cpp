#include "mpi_owners.hpp"

#include <cstdio>
#include <utility>

#include "parlayer/parallel/environment.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::parallel {

// ---- Datatype ----

Datatype::Datatype(MPI_Datatype type) : m_type(type) {
  PARLAYER_MPI_CHECK(MPI_Type_commit(&m_type));
}

Datatype::~Datatype() {
  if (m_type != MPI_DATATYPE_NULL && world_rank() >= 0) {
    if (MPI_Type_free(&m_type) != MPI_SUCCESS)
      std::fprintf(stderr, "parlayer: MPI_Type_free failed in ~Datatype (ignored)\n");
  }
}

Datatype::Datatype(Datatype&& other) noexcept
    : m_type(std::exchange(other.m_type, MPI_DATATYPE_NULL)) {}

Datatype& Datatype::operator=(Datatype&& other) noexcept {
  if (this != &other) {
    Datatype old(std::move(*this));
    m_type = std::exchange(other.m_type, MPI_DATATYPE_NULL);
  }
  return *this;
}

// ---- RequestSet ----

RequestSet::~RequestSet() { release(); }

RequestSet::RequestSet(RequestSet&& other) noexcept
    : m_requests(std::move(other.m_requests)), m_active(std::exchange(other.m_active, false)) {
  other.m_requests.clear();
}

RequestSet& RequestSet::operator=(RequestSet&& other) noexcept {
  if (this != &other) {
    release();
    m_requests = std::move(other.m_requests);
    other.m_requests.clear();
    m_active = std::exchange(other.m_active, false);
  }
  return *this;
}

void RequestSet::start_all() {
  if (m_requests.empty()) {
    m_active = true;
    return;
  }
  PARLAYER_MPI_CHECK(MPI_Startall(static_cast<int>(m_requests.size()), m_requests.data()));
  m_active = true;
}

void RequestSet::wait_all() {
  if (!m_requests.empty())
    PARLAYER_MPI_CHECK(
        MPI_Waitall(static_cast<int>(m_requests.size()), m_requests.data(), MPI_STATUSES_IGNORE));
  m_active = false;
}

void RequestSet::release() noexcept {
  if (world_rank() < 0) return;  // MPI already finalized: nothing can be freed any more
  if (m_active) {
    // Freeing a live request would let MPI write into memory we no longer own: wait instead.
    if (MPI_Waitall(static_cast<int>(m_requests.size()), m_requests.data(), MPI_STATUSES_IGNORE) !=
        MPI_SUCCESS)
      abort_job("MPI_Waitall failed while destroying in-flight requests");
    m_active = false;
  }
  for (MPI_Request& r : m_requests)
    if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
  m_requests.clear();
}

}  // namespace parlayer::parallel
