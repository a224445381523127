"""The filters of the gallery. The plan, review and rating forms are posted fields read by the
views and checked by the operations (their number depends on the assignment's template)."""

from flask_babel import lazy_gettext as _l

from app.core.listing import FilterForm, FilterSelect


class GalleryFilters(FilterForm):
    country = FilterSelect(_l("Country"), _l("Every country"), id="gallery-country")
    theme = FilterSelect(_l("Theme"), _l("Every theme"), id="gallery-theme")
