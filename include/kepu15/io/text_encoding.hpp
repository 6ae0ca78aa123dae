// Text encodings of inputs: every string kepu15 passes on is valid UTF-8. Inputs are decoded with
// the declared encoding (study `encoding`, `--encoding`), else read as UTF-8 and, when that fails,
// as GB18030 (a superset of GBK and GB2312, what Excel and older GIS save in China). Whatever is
// still invalid is replaced by U+FFFD and counted, so writers never see broken text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kepu15::io {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s);

// Replaces every invalid byte sequence by U+FFFD; returns how many were replaced.
std::size_t repair_utf8(std::string& s);

// True for the spellings of UTF-8 ("UTF-8", "utf8", ...).
bool is_utf8_name(const std::string& encoding);

// Throws config_error "`where`: unknown encoding 'X' (use UTF-8, GBK, GB18030, BIG5, ...)" when the
// system's iconv does not know `encoding`.
void require_known_encoding(const std::string& encoding, const std::string& where);

// `bytes` decoded from `encoding` to UTF-8; nullopt when they are not valid in that encoding.
// REQUIRES: a known encoding (require_known_encoding).
std::optional<std::string> decode_to_utf8(std::string_view bytes, const std::string& encoding);

// The encoding tried when undeclared text is not valid UTF-8.
inline constexpr const char* fallback_encoding = "GB18030";

}  // namespace kepu15::io
