#pragma once
/// \file
/// \brief Move-only owners of HDF5 identifiers, and checked HDF5 calls that throw.
///
///     h5::PropertyList fapl(PARLAYER_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS), path));
///     h5::File file(PARLAYER_H5_CHECK(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), path));
///     ...
///     file.close(path);   // a close whose failure matters is checked; the destructor only logs
///
/// Every `hid_t` parlayer creates is owned by one of these types (after HighFive's `Object`): the
/// destructor closes it and never throws (a failure there is printed on stderr); a moved-from owner
/// holds H5I_INVALID_HID. A failing HDF5 call becomes an Hdf5Error whose one-line message names the
/// call, the object it was working on (file, dataset) and HDF5's own reasons, taken from the error
/// stack (which is then cleared). Use ErrorPrintingOff so HDF5 does not also print its stack.
///
/// All functions here are Local. HDF5 itself is not thread-safe in this build: call it from one
/// thread at a time.
#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>

#include "parlayer/error.hpp"

namespace parlayer::checkpoint::h5 {

/// \brief An HDF5 call failed. Local: it may have happened on one rank only.
class Hdf5Error : public Error {
public:
  using Error::Error;
};

/// \brief The current HDF5 error stack as one line (outermost reason first, then the innermost
///        one with its detail), or "" if the stack is empty. Clears the stack. Local.
std::string take_error_stack();

/// \brief Throws Hdf5Error("<function> failed for <where>: <error stack>") if `status` < 0;
///        returns `status` otherwise. `call` may be the whole call expression: only the function
///        name (the text before '(') goes into the message. Local.
template <class Status>
Status check(Status status, std::string_view call, std::string_view where) {
  if (status < 0) [[unlikely]]
    throw Hdf5Error(std::string(call.substr(0, call.find('('))) + " failed for " + std::string(where) +
                    ": " + take_error_stack());
  return status;
}

/// \brief Disables HDF5's automatic printing of its error stack for the lifetime of the object,
///        restoring the previous setting afterwards (parlayer builds its own messages). Local.
class ErrorPrintingOff {
public:
  ErrorPrintingOff() noexcept;
  ~ErrorPrintingOff();
  ErrorPrintingOff(const ErrorPrintingOff&) = delete;
  ErrorPrintingOff& operator=(const ErrorPrintingOff&) = delete;

private:
  H5E_auto2_t m_function = nullptr;
  void* m_data = nullptr;
  bool m_saved = false;
};

namespace detail {
/// \brief Prints "parlayer: <close> failed in a destructor (ignored): <stack>" on stderr. Never throws.
void report_close_failure(const char* close_name) noexcept;
}  // namespace detail

/// \brief Owns one HDF5 identifier, closed with `Close`. Move-only. Local.
template <herr_t (*Close)(hid_t), const char* CloseName>
class Handle {
public:
  Handle() noexcept = default;
  /// \brief Takes ownership of `id` (a valid identifier or H5I_INVALID_HID).
  explicit Handle(hid_t id) noexcept : m_id(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : m_id(std::exchange(other.m_id, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      m_id = std::exchange(other.m_id, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const noexcept { return m_id; }
  bool valid() const noexcept { return m_id >= 0; }

  /// \brief Closes now, checked: throws Hdf5Error naming `where` if the close fails. The owner is
  ///        empty afterwards either way (HDF5 is not asked twice to close the same identifier).
  void close(std::string_view where) {
    if (!valid()) return;
    const hid_t id = std::exchange(m_id, H5I_INVALID_HID);
    check(Close(id), CloseName, where);
  }
  /// \brief Closes now; a failure is printed on stderr, never thrown.
  void reset() noexcept {
    if (!valid()) return;
    const hid_t id = std::exchange(m_id, H5I_INVALID_HID);
    if (Close(id) < 0) detail::report_close_failure(CloseName);
  }
  /// \brief Gives up ownership without closing.
  hid_t release() noexcept { return std::exchange(m_id, H5I_INVALID_HID); }

private:
  hid_t m_id = H5I_INVALID_HID;
};

namespace detail {
inline constexpr char fclose_name[] = "H5Fclose";
inline constexpr char gclose_name[] = "H5Gclose";
inline constexpr char dclose_name[] = "H5Dclose";
inline constexpr char sclose_name[] = "H5Sclose";
inline constexpr char aclose_name[] = "H5Aclose";
inline constexpr char tclose_name[] = "H5Tclose";
inline constexpr char pclose_name[] = "H5Pclose";
}  // namespace detail

using File = Handle<H5Fclose, detail::fclose_name>;
using Group = Handle<H5Gclose, detail::gclose_name>;
using Dataset = Handle<H5Dclose, detail::dclose_name>;
using Dataspace = Handle<H5Sclose, detail::sclose_name>;
using Attribute = Handle<H5Aclose, detail::aclose_name>;
using Datatype = Handle<H5Tclose, detail::tclose_name>;
using PropertyList = Handle<H5Pclose, detail::pclose_name>;

}  // namespace parlayer::checkpoint::h5

/// Checks an HDF5 call's result (see h5::check): `where` names the file/dataset for the message.
#define PARLAYER_H5_CHECK(call, where) ::parlayer::checkpoint::h5::check((call), #call, (where))
