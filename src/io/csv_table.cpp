#include "kepu15/io/csv_table.hpp"

#include "kepu15/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kepu15::io {

namespace {

void append_text(std::string& out, const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) {
        out += s;
        return;
    }
    out += '"';
    for (const char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

void append_fixed(std::string& out, double v, int decimals) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    if (buf[0] == '-' && std::all_of(buf + 1, r.ptr, [](char c) { return c == '0' || c == '.'; })) {
        out.append(buf + 1, r.ptr);  // no "-0.0"
        return;
    }
    out.append(buf, r.ptr);
}

// Null, and a real that is NaN or infinite (a share of an empty unit): an empty cell.
bool is_blank(const FieldValue& v) {
    if (std::holds_alternative<std::monostate>(v)) return true;
    const auto* d = std::get_if<double>(&v);
    return d != nullptr && !std::isfinite(*d);
}

}  // namespace

std::string csv_header(const CsvColumn& column) {
    if (column.label_zh.empty()) return column.key;
    return column.label_zh + " " + column.key;
}

std::string format_csv_table(const CsvTable& table) {
    std::string out = "\xEF\xBB\xBF";
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (c > 0) out += ',';
        append_text(out, csv_header(table.columns[c]));
    }
    out += "\r\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        const auto& row = table.rows[r];
        if (row.size() != table.columns.size()) {
            throw output_error("table row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) +
                               " values for " + std::to_string(table.columns.size()) + " columns");
        }
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c > 0) out += ',';
            const auto& col = table.columns[c];
            const FieldValue& v = row[c];
            if (is_blank(v)) continue;
            if (col.kind == CsvColumnKind::text) {
                append_text(out, as_text(v));
                continue;
            }
            const auto n = as_number(v);
            if (!n) {
                if (const auto* s = std::get_if<std::string>(&v); s != nullptr && s->empty()) continue;
                throw output_error("table row " + std::to_string(r + 1) + ", column " + col.key + ": '" + as_text(v) +
                                   "' is not a number");
            }
            if (!std::isfinite(*n)) continue;
            switch (col.kind) {
                case CsvColumnKind::persons:
                case CsvColumnKind::integer: append_fixed(out, std::round(*n), 0); break;
                case CsvColumnKind::percent: append_fixed(out, *n * 100.0, col.decimals); break;
                case CsvColumnKind::number: append_fixed(out, *n, col.decimals); break;
                case CsvColumnKind::text: break;
            }
        }
        out += "\r\n";
    }
    return out;
}

Layer csv_table_layer(const std::string& name, const CsvTable& table) {
    Layer layer;
    layer.name = name;
    layer.geometry_kind = GeometryKind::none;
    for (const auto& col : table.columns) {
        const FieldType type = col.kind == CsvColumnKind::text                                        ? FieldType::string
                               : col.kind == CsvColumnKind::persons || col.kind == CsvColumnKind::integer ? FieldType::integer
                                                                                                    : FieldType::real;
        layer.fields.push_back({col.key, type});
    }
    layer.features.reserve(table.rows.size());
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        const auto& row = table.rows[r];
        if (row.size() != table.columns.size()) {
            throw output_error("table " + name + ", row " + std::to_string(r + 1) + " has " +
                               std::to_string(row.size()) + " values for " + std::to_string(table.columns.size()) +
                               " columns");
        }
        OutputFeature f;
        f.values.reserve(row.size());
        for (std::size_t c = 0; c < row.size(); ++c) {
            const auto& col = table.columns[c];
            const FieldValue& v = row[c];
            if (is_blank(v)) {
                f.values.emplace_back(std::monostate{});
                continue;
            }
            if (col.kind == CsvColumnKind::text) {
                f.values.emplace_back(as_text(v));
                continue;
            }
            const auto n = as_number(v);
            if (!n) {
                if (const auto* s = std::get_if<std::string>(&v); s != nullptr && s->empty()) {
                    f.values.emplace_back(std::monostate{});
                    continue;
                }
                throw output_error("table " + name + ", row " + std::to_string(r + 1) + ", column " + col.key +
                                   ": '" + as_text(v) + "' is not a number");
            }
            if (!std::isfinite(*n)) {
                f.values.emplace_back(std::monostate{});
                continue;
            }
            if (col.kind == CsvColumnKind::persons || col.kind == CsvColumnKind::integer) {
                f.values.emplace_back(static_cast<std::int64_t>(std::llround(*n)));
                continue;
            }
            // The number as the CSV shows it (same rounding, ties included), read back.
            std::string text;
            append_fixed(text, col.kind == CsvColumnKind::percent ? *n * 100.0 : *n, col.decimals);
            double shown = 0.0;
            std::from_chars(text.data(), text.data() + text.size(), shown);
            f.values.emplace_back(shown);
        }
        layer.features.push_back(std::move(f));
    }
    return layer;
}

std::string csv_table_types(const CsvTable& table) {
    std::string out;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (c > 0) out += ',';
        const auto& col = table.columns[c];
        switch (col.kind) {
            case CsvColumnKind::text: out += "\"String\""; break;
            case CsvColumnKind::persons:
            case CsvColumnKind::integer: out += "\"Integer64\""; break;
            case CsvColumnKind::percent:
            case CsvColumnKind::number: out += "\"Real\""; break;
        }
    }
    return out + "\r\n";
}

}  // namespace kepu15::io
