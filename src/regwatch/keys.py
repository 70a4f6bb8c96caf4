"""Every event key format, built and parsed in one place.

An event's key is its identity across polls (two events with one key are versions of one
thing), so these formats are part of every stored database: never change one without a
migration.

- ``fr:<document number>``: a Federal Register document (and its public-inspection filing);
- ``fr:<document number>#<entity key>``: what that rule says about one listed party;
- ``csl:baseline:<list>``: the first snapshot of a list read from the Consolidated Screening
  List (and entity keys of the parties, :func:`regwatch.entities.entity_key`);
- ``meti:release:<id>``, ``meti:anpo:…``: METI news releases and security export control notices;
- ``jp-eul:edition:<date>``, ``jp-eul:<where>:<name>``: End User List editions and entries;
- ``ofac:<list>:<entry number>``, ``un:<reference number>``: entries of OFAC's lists and of the
  UN consolidated list (``ofac:baseline:<list>``, ``un:baseline:un``: their first reads).
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "EUL_EDITION_PREFIX",
    "EUL_ENTRY_PREFIX",
    "FR_PREFIX",
    "METI_PREFIX",
    "METI_RELEASE_PREFIX",
    "csl_baseline_key",
    "eul_edition_key",
    "eul_edition_of",
    "eul_entry_key",
    "fr_document_key",
    "fr_entity_key",
    "is_fr_entity_key",
    "list_baseline_key",
    "list_baseline_prefix",
    "meti_anpo_key",
    "meti_release_key",
    "ofac_entry_key",
    "ofac_entry_number",
    "un_entry_key",
]

FR_PREFIX = "fr:"
CSL_BASELINE_PREFIX = "csl:baseline:"
METI_PREFIX = "meti:"
METI_RELEASE_PREFIX = "meti:release:"
EUL_EDITION_PREFIX = "jp-eul:edition:"
#: every End User List key: editions and entries
EUL_ENTRY_PREFIX = "jp-eul:"
#: every key of the ``ofac`` source: ``ofac:<list>:<entry number>`` and its baselines
OFAC_PREFIX = "ofac:"
UN_PREFIX = "un:"


def fr_document_key(number: str) -> str:
    """``fr:2024-12345``: a Federal Register document, by its normalized number."""
    return f"{FR_PREFIX}{number}"


def fr_entity_key(number: str | None, entity_key: str) -> str:
    """``fr:2024-12345#el:cn:acme``: what rule ``number`` says about one party."""
    return f"{FR_PREFIX}{number}#{entity_key}"


def is_fr_entity_key(key: str) -> bool:
    return key.startswith(FR_PREFIX) and "#" in key


def csl_baseline_key(list_code: str) -> str:
    """``csl:baseline:el``: the first CSL snapshot of a list."""
    return list_baseline_key("csl", list_code)


def csl_baseline_list(key: str) -> str | None:
    """The list code of a baseline key (upper case), or ``None`` for another key."""
    return (
        key.removeprefix(CSL_BASELINE_PREFIX).upper()
        if key.startswith(CSL_BASELINE_PREFIX)
        else None
    )


def list_baseline_prefix(source: str) -> str:
    """``ofac:baseline:``: the keys of the first reads of a list source's lists."""
    return f"{source}:baseline:"


def list_baseline_key(source: str, list_code: str) -> str:
    """``ofac:baseline:sdn``: the first read of one list by a list source (the CSL's is
    ``csl:baseline:el``)."""
    return f"{list_baseline_prefix(source)}{list_code.lower()}"


def ofac_entry_key(list_code: str, entry_number: str) -> str:
    """``ofac:sdn:36``: an entry of an OFAC list, by OFAC's entry number (``uid``/``ent_num``)."""
    return f"{OFAC_PREFIX}{list_code.lower()}:{entry_number}"


def ofac_entry_number(key: str) -> str:
    """The entry number of an :func:`ofac_entry_key`."""
    return key.rsplit(":", 1)[1]


def un_entry_key(reference: str) -> str:
    """``un:qdi.001``: an entry of the UN consolidated list, by its permanent reference number."""
    return f"{UN_PREFIX}{reference.strip().lower()}"


def meti_release_key(release_id: str) -> str:
    return f"{METI_RELEASE_PREFIX}{release_id}"


def meti_anpo_key(*parts: str) -> str:
    return "meti:anpo:" + ":".join(parts)


def eul_edition_key(edition: date) -> str:
    return f"{EUL_EDITION_PREFIX}{edition.isoformat()}"


def eul_edition_of(key: str) -> date | None:
    if not key.startswith(EUL_EDITION_PREFIX):
        return None
    return date.fromisoformat(key.removeprefix(EUL_EDITION_PREFIX))


def eul_entry_key(where: str, name_key: str) -> str:
    return f"{EUL_ENTRY_PREFIX}{where}:{name_key}"
