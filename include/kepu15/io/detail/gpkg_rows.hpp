// The rows and the R-tree of a GeoPackage feature table, written with SQLite directly instead of
// through GDAL's OGR features (docs/exports.md, "Write speed": GDAL's GPKG driver took 6.6x the
// GeoJSON text writer's time for the 88,000-cell layer; most of it was per-feature work in GDAL
// and SQLite's page cache growing to hold the whole file).
//
// GDAL still creates everything but the rows: the file, gpkg_spatial_ref_sys with the real CRS
// definition, gpkg_contents, gpkg_geometry_columns, gpkg_ogr_contents and the empty table with its
// columns (a layer created with SPATIAL_INDEX=NO). fill_gpkg_rows then, on its own connection with
// GDAL's dataset closed:
//   - inserts the rows in one transaction (fsync off: the file is a private temporary renamed into
//     place), 32 rows per multi-row INSERT OR FAIL, values bound without copies, with GDAL's
//     triggers on the table dropped meanwhile and recreated; each run of 8,192 features has its
//     GeoPackage geometry blobs (header, envelope, WKB) encoded just before its rows;
//   - on two threads or more, with at least two runs: writes 55 % of the rows itself while another
//     thread writes the rest (at most 131,072 rows) into a scratch database in memory (memdb),
//     then copies those with one INSERT ... SELECT, which SQLite runs as a raw transfer of the
//     records;
//   - checks every value against its field's type on the way (a value GDAL would convert rolls the
//     transaction back: the caller then leaves the layer to GDAL);
//   - sets gpkg_contents' extent and last_change and gpkg_ogr_contents' feature count;
//   - writes the R-tree (extension gpkg_rtree_index) packed in Hilbert order straight into SQLite's
//     rtree shadow tables (_node, _rowid, _parent), as a bulk load (packed by the other thread while
//     this one copies), then the gpkg_extensions row and the six triggers GDAL 3.6 makes, so later
//     edits by GDAL or QGIS keep the index consistent.
// Only src/io includes this header.
#pragma once

#include <cstddef>
#include <string>

#include "kepu15/io/detail/layer_writer.hpp"

namespace kepu15::io::detail {

// True when fill_gpkg_rows can write `layer`: a layer with geometry whose every value is null or
// of its field's type (GDAL converts mismatched values; kepu15 leaves those layers to GDAL).
// Checked on up to `threads` threads (0: every core). The GeoPackage sink does not call it (a
// separate pass over every value: 7 % of the write); fill_gpkg_rows checks the values as it binds.
bool gpkg_rows_supported(const LayerRef& layer, unsigned threads = 1);

// Fills table `layer.name` of GeoPackage `path`, which must be empty and have been created by
// write_ogr_layer with SPATIAL_INDEX=NO (its columns: fid, geometry, then layer.fields in order),
// on up to `threads` threads (0: every core). Geometry is transformed from WGS84 to `crs`. False
// when a value is not null and not of its field's type (gpkg_rows_supported would say so): the
// file is then as GDAL left it (the empty table). REQUIRES: layer.geometry_kind != none; no other
// connection writes to `path` meanwhile. Throws output_error starting with `shown`; the file is
// then unusable (the caller deletes its temporary).
bool fill_gpkg_rows(const std::string& path, const LayerRef& layer, const OutputCrs& crs, unsigned threads,
                    const std::string& shown);

// Features per run of geometry blobs encoded together; a layer of fewer than two runs is written
// on one thread.
inline constexpr std::size_t gpkg_rows_run_features = 8192;

// Cells per R-tree node: SQLite's rtree module with 2 dimensions of float32 holds at most 51
// (RTREE_MAXCELLS) per node of 4 + 51 x 24 bytes for any page size of 2 KiB or more.
inline constexpr int gpkg_rtree_node_cells = 51;

}  // namespace kepu15::io::detail
