#include "kepu15/io/text_encoding.hpp"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>

#include "kepu15/error.hpp"

namespace kepu15::io {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid.
std::size_t sequence_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0U) == 0x80U; };
    const unsigned char c = b(0);
    if (c < 0x80U) return 1;
    if (c >= 0xC2U && c <= 0xDFU) return cont(1) ? 2 : 0;
    if (c >= 0xE0U && c <= 0xEFU) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0U && b(1) < 0xA0U) return 0;   // overlong
        if (c == 0xEDU && b(1) >= 0xA0U) return 0;  // surrogates
        return 3;
    }
    if (c >= 0xF0U && c <= 0xF4U) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0U && b(1) < 0x90U) return 0;   // overlong
        if (c == 0xF4U && b(1) >= 0x90U) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

struct Iconv {
    iconv_t cd;
    explicit Iconv(const std::string& from) : cd(iconv_open("UTF-8", from.c_str())) {}
    ~Iconv() {
        if (ok()) iconv_close(cd);
    }
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    [[nodiscard]] bool ok() const { return cd != reinterpret_cast<iconv_t>(static_cast<std::intptr_t>(-1)); }
};

}  // namespace

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = sequence_length(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t repair_utf8(std::string& s) {
    if (is_valid_utf8(s)) return 0;
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t replaced = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = sequence_length(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++replaced;
            ++i;
            // One replacement per maximal invalid run of continuation bytes.
            while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0U) == 0x80U) ++i;
            continue;
        }
        out.append(s, i, n);
        i += n;
    }
    s.swap(out);
    return replaced;
}

bool is_utf8_name(const std::string& encoding) {
    std::string e;
    for (unsigned char c : encoding) {
        if (c != '-' && c != '_') e.push_back(static_cast<char>(std::toupper(c)));
    }
    return e == "UTF8";
}

void require_known_encoding(const std::string& encoding, const std::string& where) {
    if (is_utf8_name(encoding)) return;
    const bool plain =
        !encoding.empty() && std::all_of(encoding.begin(), encoding.end(), [](unsigned char c) {
            return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == ':';
        });
    if (plain && Iconv(encoding).ok()) return;
    throw config_error(where + ": unknown encoding '" + encoding +
                       "' (use UTF-8, GBK, GB18030, BIG5, CP936, ISO-8859-1, ...)");
}

std::optional<std::string> decode_to_utf8(std::string_view bytes, const std::string& encoding) {
    if (is_utf8_name(encoding)) {
        if (!is_valid_utf8(bytes)) return std::nullopt;
        return std::string(bytes);
    }
    Iconv cv(encoding);
    if (!cv.ok()) return std::nullopt;
    std::string out(bytes.size() * 2 + 16, '\0');
    // iconv's interface is not const-correct.
    char* in = const_cast<char*>(bytes.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    std::size_t in_left = bytes.size();
    std::size_t done = 0;
    for (;;) {
        char* dst = out.data() + done;
        std::size_t out_left = out.size() - done;
        const std::size_t r = iconv(cv.cd, &in, &in_left, &dst, &out_left);
        done = out.size() - out_left;
        if (r != static_cast<std::size_t>(-1)) break;
        if (errno == E2BIG) {
            out.resize(out.size() * 2);
            continue;
        }
        return std::nullopt;  // EILSEQ, EINVAL: not text in this encoding
    }
    out.resize(done);
    if (!is_valid_utf8(out)) return std::nullopt;
    return out;
}

}  // namespace kepu15::io
