"""The one way regwatch parses XML from outside (pure)."""

from __future__ import annotations

from lxml import etree

__all__ = ["untrusted_xml_parser"]


def untrusted_xml_parser(*, huge_tree: bool) -> etree.XMLParser:
    """A parser for XML nobody here wrote: no entity expansion, no DTD and no network (the
    billion-laughs and external-entity attacks), comments and processing instructions left out
    of the tree.  ``huge_tree`` lifts libxml2's limits on depth and text size, for the whole
    lists (a part of the CFR, the SDN list) that exceed them."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge_tree,
    )
