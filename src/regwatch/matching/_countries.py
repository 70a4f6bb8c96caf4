"""Countries for the matcher: see :mod:`regwatch._countries` (shared with the change log's
filters, which sit below matching)."""

from .._countries import country_code, country_name, country_names, place_words

__all__ = ["country_code", "country_name", "country_names", "place_words"]
