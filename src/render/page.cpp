// PageSpec: paper sizes and file extensions (in the library and in the render module alike).
#include "kepu15/render/sheet.hpp"

#include <cmath>

namespace kepu15::render {

double PageSpec::width_mm() const {
    const double longer = paper == Paper::a4 ? 297 : 420;
    const double shorter = paper == Paper::a4 ? 210 : 297;
    return orientation == Orientation::landscape ? longer : shorter;
}
double PageSpec::height_mm() const {
    const double longer = paper == Paper::a4 ? 297 : 420;
    const double shorter = paper == Paper::a4 ? 210 : 297;
    return orientation == Orientation::landscape ? shorter : longer;
}
int PageSpec::width_px() const { return static_cast<int>(std::lround(width_mm() / 25.4 * dpi)); }
int PageSpec::height_px() const { return static_cast<int>(std::lround(height_mm() / 25.4 * dpi)); }
const char* PageSpec::extension() const {
    switch (format) {
        case Format::png:
            return ".png";
        case Format::svg:
            return ".svg";
        case Format::pdf:
            return ".pdf";
    }
    return ".png";
}

}  // namespace kepu15::render
