#pragma once
/// \file
/// \brief Agree, then act: failures that may hit some ranks only become one verdict on every rank.
///
///     if (parallel::Failure why = parallel::agree(comm, parallel::attempt([&] { write_my_part(); })))
///       throw CollectiveError("cannot write " + path + ": " + *why);   // on every rank, together
///
///     const parallel::RootResult listed = parallel::on_root(comm, [&] { return list_folder(dir); });
///     if (listed.failure) throw CollectiveError(...);                  // rank 0's verdict, everywhere
///     use(listed.payload);                                             // rank 0's result, everywhere
///
/// The rule: a rank that fails never throws on its own. Every rank reaches the same agreement
/// point, learns whether anyone failed and why, and then all of them throw the same
/// CollectiveError (or carry on together). One rank failing alone can thus never leave the others
/// waiting in a collective (HDF5's, say) that it will not join.
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "parlayer/parallel/comm.hpp"

namespace parlayer::parallel {

/// \brief A local step's outcome: nullopt = success, otherwise a one-line reason.
using Failure = std::optional<std::string>;

/// \brief Runs `step`, turning any exception into a Failure (its what()). Local.
template <class Step>
Failure attempt(Step&& step) noexcept {
  try {
    std::forward<Step>(step)();
    return std::nullopt;
  } catch (const std::exception& e) {
    try {
      return std::string(e.what());
    } catch (...) {
      return Failure(std::in_place);  // no memory for the text: still a failure
    }
  } catch (...) {
    return std::string("unknown exception");
  }
}

/// \brief nullopt if no rank failed; otherwise the reason of the lowest failing rank, on every
///        rank (suffixed with " (rank r)" when only some ranks failed). Collective over `comm`.
Failure agree(Comm comm, const Failure& local);

/// \brief `text` on `root` is copied to every rank (any length). Collective over `comm`.
void broadcast(Comm comm, std::string& text, int root = 0);

/// \brief What rank 0 found out, on every rank: a failure, or rank 0's payload.
struct RootResult {
  Failure failure;      ///< set if `work` threw on rank 0 (its what())
  std::string payload;  ///< `work`'s result on rank 0 (empty after a failure)
};

/// \brief Runs `work` on rank 0 of `comm` only (a file operation, say) and broadcasts how it went,
///        so every rank returns the same RootResult. An exception thrown by `work` becomes the
///        failure; it never leaves rank 0 alone. Collective over `comm`.
RootResult on_root(Comm comm, const std::function<std::string()>& work);

}  // namespace parlayer::parallel
