#include "parlayer/parallel/communicator.hpp"

#include <cstdio>
#include <utility>

#include "parlayer/parallel/interop.hpp"
#include "parlayer/parallel/mpi_check.hpp"

namespace parlayer::parallel {

Communicator::Communicator(Comm parent) {
  MPI_Comm dup = MPI_COMM_NULL;
  PARLAYER_MPI_CHECK(MPI_Comm_dup(parent, &dup));
  m_comm = dup;
}

Communicator Communicator::split(Comm parent, int color, int key) {
  MPI_Comm part = MPI_COMM_NULL;
  PARLAYER_MPI_CHECK(MPI_Comm_split(parent, color, key, &part));
  Communicator c;
  c.m_comm = part;
  return c;
}

Communicator::~Communicator() {
  if (!m_comm.is_null() && world_rank() >= 0) {
    MPI_Comm owned = m_comm;
    if (MPI_Comm_free(&owned) != MPI_SUCCESS)
      std::fprintf(stderr, "parlayer: MPI_Comm_free failed in ~Communicator (ignored)\n");
  }
}

Communicator::Communicator(Communicator&& other) noexcept
    : m_comm(std::exchange(other.m_comm, Comm())) {}

Communicator& Communicator::operator=(Communicator&& other) noexcept {
  if (this != &other) {
    Communicator old(std::move(*this));
    m_comm = std::exchange(other.m_comm, Comm());
  }
  return *this;
}

int Communicator::rank() const { return m_comm.rank(); }

int Communicator::size() const { return m_comm.size(); }

}  // namespace parlayer::parallel
