#pragma once
/// \file
/// \brief Internal move-only owners of MPI datatypes and requests (the transfer backends' handles).
///
/// Each owner frees its handle in the destructor; a moved-from owner holds the null handle.
/// Destructors never throw: a failure there is reported on stderr. Live requests are never freed
/// (that would let MPI write into memory we no longer own): RequestSet's destructor waits for them.
#include <mpi.h>

#include <cstddef>
#include <vector>

namespace parlayer::parallel {

/// \brief An owned, committed derived datatype. Local.
class Datatype {
public:
  Datatype() = default;
  /// \brief Takes ownership of `type` and commits it.
  explicit Datatype(MPI_Datatype type);
  ~Datatype();
  Datatype(Datatype&& other) noexcept;
  Datatype& operator=(Datatype&& other) noexcept;
  Datatype(const Datatype&) = delete;
  Datatype& operator=(const Datatype&) = delete;

  MPI_Datatype get() const noexcept { return m_type; }

private:
  MPI_Datatype m_type = MPI_DATATYPE_NULL;
};

/// \brief A set of (typically persistent) requests started and completed together. Local.
///
/// add() takes ownership of a request handle made by MPI_Send_init/MPI_Recv_init/MPI_Isend/...
/// The destructor waits for requests still active, then frees the persistent ones.
class RequestSet {
public:
  RequestSet() = default;
  ~RequestSet();
  RequestSet(RequestSet&& other) noexcept;
  RequestSet& operator=(RequestSet&& other) noexcept;
  RequestSet(const RequestSet&) = delete;
  RequestSet& operator=(const RequestSet&) = delete;

  /// \brief Takes ownership of `request`.
  void add(MPI_Request request) { m_requests.push_back(request); }
  /// \brief MPI_Startall on every (persistent) request in the set.
  void start_all();
  /// \brief MPI_Waitall on every request in the set.
  void wait_all();
  /// \brief True while requests have been started and not yet waited for.
  bool active() const noexcept { return m_active; }
  std::size_t size() const noexcept { return m_requests.size(); }

private:
  void release() noexcept;

  std::vector<MPI_Request> m_requests;
  bool m_active = false;
};

}  // namespace parlayer::parallel
