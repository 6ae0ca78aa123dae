// The rows and the R-tree of a GeoPackage feature table, written with SQLite directly instead of
// through GDAL's OGR features (docs/exports.md, "Write speed": GDAL's GPKG driver took 6.6x the
// GeoJSON text writer's time for the 88,000-cell layer; most of it was per-feature work in GDAL
// and SQLite's page cache growing to hold the whole file).
//
// GDAL still creates everything but the rows: the file, gpkg_spatial_ref_sys with the real CRS
// definition, gpkg_contents, gpkg_geometry_columns, gpkg_ogr_contents and the empty table with its
// columns (a layer created with SPATIAL_INDEX=NO). fill_gpkg_rows then, on its own connection with
// GDAL's dataset closed:
//   - encodes the GeoPackage geometry blobs (header, envelope, WKB) on `threads` threads;
//   - inserts the rows with one prepared statement in one transaction (journal off: the file is a
//     private temporary renamed into place, so durability comes from the rename), with GDAL's
//     triggers on the table dropped meanwhile and recreated;
//   - sets gpkg_contents' extent and last_change and gpkg_ogr_contents' feature count;
//   - writes the R-tree (extension gpkg_rtree_index) packed in Hilbert order straight into SQLite's
//     rtree shadow tables (_node, _rowid, _parent), as a bulk load, then the gpkg_extensions row and
//     the six triggers GDAL 3.6 makes, so later edits by GDAL or QGIS keep the index consistent.
// Only src/io includes this header.
#pragma once

#include <string>

#include "kepu15/io/detail/layer_writer.hpp"

namespace kepu15::io::detail {

// True when fill_gpkg_rows can write `layer`: a layer with geometry whose every value is null or
// of its field's type (GDAL converts mismatched values; kepu15 leaves those layers to GDAL).
// Checked on up to `threads` threads (0: every core).
bool gpkg_rows_supported(const LayerRef& layer, unsigned threads = 1);

// Fills table `layer.name` of GeoPackage `path`, which must be empty and have been created by
// write_ogr_layer with SPATIAL_INDEX=NO (its columns: fid, geometry, then layer.fields in order).
// Geometry is transformed from WGS84 to `crs`. REQUIRES: gpkg_rows_supported(layer); no other
// connection writes to `path` meanwhile. Throws output_error starting with `shown`; the file is
// then unusable (the caller deletes its temporary).
void fill_gpkg_rows(const std::string& path, const LayerRef& layer, const OutputCrs& crs, unsigned threads,
                    const std::string& shown);

// Cells per R-tree node: SQLite's rtree module with 2 dimensions of float32 holds at most 51
// (RTREE_MAXCELLS) per node of 4 + 51 x 24 bytes for any page size of 2 KiB or more.
inline constexpr int gpkg_rtree_node_cells = 51;

}  // namespace kepu15::io::detail
