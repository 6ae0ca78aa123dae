// Tables people open in Excel (towns.csv, villages.csv, compare.csv): UTF-8 with a byte-order mark
// (Excel on Chinese Windows reads a file without one as GBK), CRLF line ends, numbers unquoted
// with a fixed number of decimals, whole persons, shares as percentages with one decimal.
// Each header cell is the Chinese label, a space, then the English key: "人口 population".
// A `.csvt` beside the table (csv_table_types) gives GDAL and QGIS the column types.
#pragma once

#include "kepu15/io/attributes.hpp"

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
    std::vector<std::vector<FieldValue>> rows;  // parallel to columns; null = empty cell
};

// The file's bytes. Throws output_error when a row has the wrong number of values or a numeric
// column holds text that is not a number.
std::string format_csv_table(const CsvTable& table);
// GDAL's .csvt: "String","Integer","Real(8.1)" ... one per column.
std::string csv_table_types(const CsvTable& table);
// "人口 population".
std::string csv_header(const CsvColumn& column);

}  // namespace kepu15::io
