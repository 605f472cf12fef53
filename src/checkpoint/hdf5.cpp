#include "checkpoint/hdf5.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace parlayer::checkpoint::h5 {

namespace {

struct StackEntry {
  std::string function;
  std::string description;
  std::string minor;
};

herr_t collect(unsigned /*n*/, const H5E_error2_t* error, void* data) {
  auto& entries = *static_cast<std::vector<StackEntry>*>(data);
  StackEntry e;
  if (error->func_name) e.function = error->func_name;
  if (error->desc) e.description = error->desc;
  char minor[256] = {};
  if (H5Eget_msg(error->min_num, nullptr, minor, sizeof minor) > 0) e.minor = minor;
  entries.push_back(std::move(e));
  return 0;
}

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string describe(const StackEntry& e) {
  std::string s = e.function.empty() ? e.description : e.function + "(): " + e.description;
  if (!e.minor.empty() && e.description.find(e.minor) == std::string::npos) s += " (" + e.minor + ")";
  return one_line(s);
}

}  // namespace

std::string take_error_stack() {
  std::vector<StackEntry> entries;
  // Walking downward lists the API call first and the lowest-level cause (e.g. the MPI-IO or
  // POSIX error) last: those two are what a user needs.
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &entries) < 0) entries.clear();
  H5Eclear2(H5E_DEFAULT);
  if (entries.empty()) return "no HDF5 error details";
  std::string text = describe(entries.front());
  if (entries.size() > 1) text += "; " + describe(entries.back());
  return text;
}

ErrorPrintingOff::ErrorPrintingOff() noexcept {
  m_saved = H5Eget_auto2(H5E_DEFAULT, &m_function, &m_data) >= 0;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorPrintingOff::~ErrorPrintingOff() {
  if (m_saved) H5Eset_auto2(H5E_DEFAULT, m_function, m_data);
}

namespace detail {

void report_close_failure(const char* close_name) noexcept {
  try {
    const std::string stack = take_error_stack();
    std::fprintf(stderr, "parlayer: %s failed in a destructor (ignored): %s\n", close_name, stack.c_str());
  } catch (...) {
    std::fprintf(stderr, "parlayer: %s failed in a destructor (ignored)\n", close_name);
  }
}

}  // namespace detail

}  // namespace parlayer::checkpoint::h5
