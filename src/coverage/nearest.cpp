#include "kepu15/coverage/nearest.hpp"

#include <nanoflann.hpp>

#include <cassert>
#include <cmath>

namespace kepu15::coverage {

namespace {

struct PointCloud {
    std::vector<Point> points;
    [[nodiscard]] std::size_t kdtree_get_point_count() const { return points.size(); }
    [[nodiscard]] double kdtree_get_pt(std::size_t i, std::size_t dim) const {
        return dim == 0 ? points[i].x : points[i].y;
    }
    template <class Box>
    bool kdtree_get_bbox(Box& /*bb*/) const {
        return false;
    }
};

using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, PointCloud>, PointCloud, 2,
                                                 std::size_t>;

}  // namespace

struct NearestIndex::impl {
    PointCloud cloud;
    std::unique_ptr<Tree> tree;
};

NearestIndex::NearestIndex(std::vector<Point> points) : m_impl(std::make_unique<impl>()) {
    m_impl->cloud.points = std::move(points);
    if (!m_impl->cloud.points.empty()) {
        m_impl->tree = std::make_unique<Tree>(2, m_impl->cloud, nanoflann::KDTreeSingleIndexAdaptorParams(10));
    }
}

NearestIndex::~NearestIndex() = default;

bool NearestIndex::empty() const { return m_impl->cloud.points.empty(); }

NearestIndex::Hit NearestIndex::nearest(Point query) const {
    assert(!empty());
    std::size_t index = 0;
    double dist_sq = 0.0;
    nanoflann::KNNResultSet<double, std::size_t> result(1);
    result.init(&index, &dist_sq);
    const double q[2] = {query.x, query.y};
    m_impl->tree->findNeighbors(result, q, nanoflann::SearchParams());
    return {index, std::sqrt(dist_sq)};
}

std::vector<NearestIndex::Hit> NearestIndex::within(Point query, double radius) const {
    std::vector<Hit> hits;
    if (empty()) return hits;
    std::vector<std::pair<std::size_t, double>> found;
    const double q[2] = {query.x, query.y};
    nanoflann::SearchParams params;
    params.sorted = true;
    // nanoflann's L2_Simple metric compares squared distances.
    m_impl->tree->radiusSearch(q, radius * radius, found, params);
    hits.reserve(found.size());
    for (const auto& [i, d2] : found) hits.push_back({i, std::sqrt(d2)});
    return hits;
}

}  // namespace kepu15::coverage
