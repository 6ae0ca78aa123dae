// Attribute values as plain data, shared by readers and writers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kepu15::io {

enum class FieldType { integer, real, string };

// monostate = null.
using FieldValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct FieldDef {
    std::string name;
    FieldType type = FieldType::string;
};

// Number in a value: integers and reals as is, strings parsed strictly (whole string, finite);
// nullopt for null, empty, non-numeric or NaN.
std::optional<double> as_number(const FieldValue& v);
// Text of a value ("" for null; integers without decimals; reals with up to 15 significant digits).
std::string as_text(const FieldValue& v);

}  // namespace kepu15::io
