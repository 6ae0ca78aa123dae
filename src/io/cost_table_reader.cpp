#include "kepu15/io/cost_table_reader.hpp"

#include "kepu15/error.hpp"
#include "kepu15/io/attributes.hpp"
#include "kepu15/io/detail/gdal_util.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <unordered_map>

namespace kepu15::io {

namespace {

using detail::ErrorKind;
using detail::GdalErrorScope;

bool is_csv(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".csv";
}

// The value of a field as vector_reader would read it, so ids compare equal to as_text of the
// demand and supply attributes.
FieldValue value_of(const OGRFeature& f, int i) {
    if (!f.IsFieldSetAndNotNull(i)) return std::monostate{};
    switch (f.GetFieldDefnRef(i)->GetType()) {
        case OFTInteger:
        case OFTInteger64:
            return std::int64_t{f.GetFieldAsInteger64(i)};
        case OFTReal:
            return f.GetFieldAsDouble(i);
        default:
            return std::string(f.GetFieldAsString(i));
    }
}

std::unordered_map<std::string, std::uint32_t> index_of(const std::vector<std::string>& ids) {
    std::unordered_map<std::string, std::uint32_t> m;
    m.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) m.emplace(ids[i], static_cast<std::uint32_t>(i));
    return m;
}

}  // namespace

coverage::CostTable read_cost_table(const std::string& path, const std::vector<std::string>& origin_ids,
                                    const std::vector<std::string>& destination_ids,
                                    const CostTableReadOptions& options) {
    const bool csv = is_csv(path);
    const std::string shown = detail::redact(path);
    if (!detail::is_virtual_path(path) && !std::filesystem::exists(path)) {
        throw input_error(shown + ": cost table not found");
    }
    // CSV columns stay text (no type guessing), so a cost like "12a" is refused rather than read as 12.
    auto ds = detail::open_dataset(path, GDAL_OF_VECTOR | GDAL_OF_VERBOSE_ERROR);
    OGRLayer* layer = nullptr;
    if (!options.layer.empty()) {
        layer = ds->GetLayerByName(options.layer.c_str());
        if (layer == nullptr) throw input_error(shown + ": layer '" + options.layer + "' not found");
    } else {
        if (ds->GetLayerCount() == 0) throw input_error(shown + ": no layers");
        layer = ds->GetLayer(0);
    }
    const std::string where = shown + ", layer " + layer->GetName();
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    const auto field = [&](const std::string& name, const char* role) {
        const int i = defn->GetFieldIndex(name.c_str());
        if (i < 0) {
            std::string list;
            for (int k = 0; k < defn->GetFieldCount(); ++k) {
                list += (k > 0 ? ", " : "") + std::string(defn->GetFieldDefn(k)->GetNameRef());
            }
            throw input_error(where + ": " + role + " field '" + name +
                              "' not found (fields: " + (list.empty() ? "none" : list) + ")");
        }
        return i;
    };
    const int oi = field(options.origin_field, "origin id");
    const int di = field(options.destination_field, "destination id");
    const int ci = field(options.cost_field, "cost");

    const auto origin_index = index_of(origin_ids);
    const auto destination_index = index_of(destination_ids);
    std::vector<std::uint32_t> origin;
    std::vector<std::uint32_t> destination;
    std::vector<double> cost;
    std::unordered_map<std::uint64_t, std::int64_t> row_of_pair;  // (origin, destination) -> first row
    GdalErrorScope errors;
    layer->ResetReading();
    for (;;) {
        OGRFeatureUniquePtr f(layer->GetNextFeature());
        if (!f) {
            detail::check(errors.failed() ? CE_Failure : CE_None, ErrorKind::input, where + ": read error",
                          errors);
            break;
        }
        const std::int64_t fid = f->GetFID();
        const std::string row = where + (csv ? ", row " : ", feature ") + std::to_string(fid);
        const auto id = [&](int i, const std::string& field_name, const std::string& role,
                            const std::unordered_map<std::string, std::uint32_t>& index,
                            const std::string& source) {
            const std::string text = as_text(value_of(*f, i));
            if (text.empty())
                throw input_error(row + ": " + role + " id (field '" + field_name + "') is empty");
            const auto it = index.find(text);
            if (it == index.end()) {
                throw input_error(row + ": " + role + " id '" + text + "' (field '" + field_name +
                                  "') is not in " + source);
            }
            return it->second;
        };
        const std::uint32_t o = id(oi, options.origin_field, "origin", origin_index, options.origin_source);
        const std::uint32_t d =
            id(di, options.destination_field, "destination", destination_index, options.destination_source);
        const FieldValue cv = value_of(*f, ci);
        const auto c = as_number(cv);
        if (!c) {
            throw input_error(row + ": cost '" + as_text(cv) + "' (field '" + options.cost_field +
                              "') is not a finite number");
        }
        if (*c < 0.0) {
            throw input_error(row + ": cost " + as_text(cv) + " (field '" + options.cost_field +
                              "') is negative");
        }
        const std::uint64_t key = (std::uint64_t{o} << 32) | d;
        if (const auto [it, fresh] = row_of_pair.emplace(key, fid); !fresh) {
            throw input_error(row + ": the pair origin '" + origin_ids[o] + "', destination '" +
                              destination_ids[d] + "' is given twice (first at " +
                              (csv ? "row " : "feature ") + std::to_string(it->second) + ")");
        }
        origin.push_back(o);
        destination.push_back(d);
        cost.push_back(*c);
    }
    if (origin.empty()) throw input_error(where + ": no rows (empty cost table)");
    return coverage::cost_table_from_triplets(origin_ids.size(), destination_ids.size(), options.unit,
                                              options.limit, std::move(origin), std::move(destination),
                                              std::move(cost));
}

}  // namespace kepu15::io
