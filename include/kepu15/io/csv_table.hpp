// Tables people open in Excel (towns.csv, villages.csv, compare.csv): UTF-8 with a byte-order mark
// (Excel on Chinese Windows reads a file without one as GBK), CRLF line ends, numbers unquoted
// with a fixed number of decimals, whole persons, shares as percentages with one decimal.
// Each header cell is the Chinese label, a space, then the English key: "人口 population".
// A `.csvt` beside the table (csv_table_types) gives GDAL and QGIS the column types.
// Line ends are CRLF (Excel reads LF too; CRLF is what Notepad on older Windows needs).
// Sinks write tables with Sink::add_table (sink.hpp): `<name>.csv` + `<name>.csvt` in folders,
// and the same bytes plus an attribute table in a GeoPackage or PostGIS schema (csv_table_layer).
#pragma once

#include "kepu15/io/attributes.hpp"
#include "kepu15/io/layer.hpp"

#include <string>
#include <vector>

namespace kepu15::io {

enum class CsvColumnKind {
    text,     // quoted only when needed (comma, quote, line break)
    persons,  // a population: rounded to whole persons
    percent,  // a share given as 0..1, written as a percentage with `decimals` decimals (45.3)
    number,   // a number with `decimals` decimals (minutes, km²)
    integer,  // a count, rank or code number
};

struct CsvColumn {
    std::string key;       // English, snake_case: "population", "station_walk_pct"
    std::string label_zh;  // Chinese: "人口"
    CsvColumnKind kind = CsvColumnKind::text;
    int decimals = 1;      // percent and number
};

struct CsvTable {
    std::vector<CsvColumn> columns;
    std::vector<std::vector<FieldValue>> rows;  // parallel to columns; null, NaN, ±inf = empty cell
};

// The file's bytes. Throws output_error when a row has the wrong number of values or a numeric
// column holds text that is not a number.
std::string format_csv_table(const CsvTable& table);
// GDAL's .csvt: "String","Integer","Real(8.1)" ... one per column.
std::string csv_table_types(const CsvTable& table);
// "人口 population".
std::string csv_header(const CsvColumn& column);

// The table as an attribute-only layer (GeometryKind::none) for databases: fields named by the
// English keys; persons and integer columns as integers, percent columns as the percentage
// rounded to `decimals` (45.3), number columns rounded to `decimals`, text as text; the values
// equal what format_csv_table writes. Throws like format_csv_table.
Layer csv_table_layer(const std::string& name, const CsvTable& table);

}  // namespace kepu15::io
