#pragma once
/// \file
/// \brief ElementType: the element types a Field may hold, as checkpoint files and MPI messages
///        describe them.
#include <cstddef>
#include <cstdint>

namespace parlayer::domain {

/// \brief The element types a Field may hold (what checkpoint files and MPI messages describe).
enum class ElementType { float32, float64, int32, int64, uint8 };

template <class T>
struct ElementTypeOf;  // defined only for the supported element types
template <> struct ElementTypeOf<float> { static constexpr ElementType value = ElementType::float32; };
template <> struct ElementTypeOf<double> { static constexpr ElementType value = ElementType::float64; };
template <> struct ElementTypeOf<std::int32_t> { static constexpr ElementType value = ElementType::int32; };
template <> struct ElementTypeOf<std::int64_t> { static constexpr ElementType value = ElementType::int64; };
template <> struct ElementTypeOf<std::uint8_t> { static constexpr ElementType value = ElementType::uint8; };

/// \brief "float64" etc.
const char* to_string(ElementType type) noexcept;
/// \brief Bytes per element.
std::size_t size_of(ElementType type) noexcept;

}  // namespace parlayer::domain
