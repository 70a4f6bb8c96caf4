"""The pure parts of reconciliation: joining views into listings (with reasons), deadlines, and
each kind of finding, on sightings written here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from regwatch.events import EventKind
from regwatch.reconcile import (
    ReconcileSettings,
    Sighting,
    Views,
    deadline,
    finding_events,
    join_views,
    reconcile_listings,
)

SETTINGS = ReconcileSettings()
#: a Monday; midnight in Washington is 05:00 UTC in November
MONDAY = date(2026, 11, 16)
VIEWS = Views(
    as_of={"ecfr": datetime(2026, 11, 30, tzinfo=UTC), "csl": datetime(2026, 11, 30, tzinfo=UTC)},
    lists={"ecfr": frozenset({"EL"}), "csl": frozenset({"EL"})},
)


def rule(name: str, listed: bool = True, **kw) -> Sighting:
    return Sighting(
        view="rule",
        list_code="EL",
        country="CN",
        name=name,
        listed=listed,
        since=datetime(2026, 11, 16, 15, tzinfo=UTC),
        effective_on=MONDAY,
        document_number="2026-24001",
        event_key=f"fr:2026-24001#{name}",
        **kw,
    )


def seen(view: str, name: str, listed: bool = True, **kw) -> Sighting:
    kw.setdefault("since", datetime(2026, 11, 17, 2, tzinfo=UTC))
    kw.setdefault("country", "CN")
    return Sighting(view=view, list_code="EL", name=name, listed=listed, **kw)


def test_deadlines_count_from_midnight_in_washington():
    r = rule("Theta Robotics Co., Ltd.")
    assert deadline(r, "csl", SETTINGS) == datetime(2026, 11, 17, 5, tzinfo=UTC)
    # three business days after a Monday is Thursday
    assert deadline(r, "ecfr", SETTINGS) == datetime(2026, 11, 19, 5, tzinfo=UTC)
    friday = Sighting(**{**r.__dict__, "effective_on": date(2026, 11, 20)})
    assert deadline(friday, "ecfr", SETTINGS) == datetime(2026, 11, 25, 5, tzinfo=UTC)


def test_join_by_name_alias_prefix_and_country_with_reasons():
    listings = join_views(
        [
            rule("Yangtze Memory Technologies Co., Ltd.", citations=("87 FR 77510",)),
            seen("csl", "YMTC", aliases=("Yangtze Memory Technologies Co., Ltd.",)),
            rule("Gui'an Investment Co., Ltd.", citations=("91 FR 100",)),
            seen("ecfr", "Gui’an Investment Co., Ltd., Guiyang", citations=("91 FR 100",)),
            seen("ecfr", "Mu Aviation Trading Limited", country="CN"),
            seen("csl", "Mu Aviation Trading Limited", country="HK"),
            seen("csl", "Unrelated Holdings Ltd."),
        ]
    )
    by_name = {x.name: x for x in listings}
    assert len(listings) == 4
    ymtc = by_name["Yangtze Memory Technologies Co., Ltd."]
    assert set(ymtc.views) == {"rule", "csl"}
    assert ymtc.reasons == [
        "the CSL names it 'YMTC' and gives 'Yangtze Memory Technologies Co., Ltd.' as an alias"
    ]
    guian = by_name["Gui'an Investment Co., Ltd."]
    assert set(guian.views) == {"rule", "ecfr"}
    assert "same list, country and citation 91 FR 100" in guian.reasons[0]
    mu = by_name["Mu Aviation Trading Limited"]
    assert set(mu.views) == {"ecfr", "csl"}
    assert mu.reasons == ["the CSL lists it under HK, the other views under CN"]
    assert by_name["Unrelated Holdings Ltd."].reasons == []


def test_a_shared_first_word_without_a_shared_citation_is_not_a_join():
    listings = join_views(
        [
            rule("Huawei Technologies Co., Ltd.", citations=("84 FR 22961",)),
            seen("csl", "Huawei Technologies Co., Ltd., Shenzhen", citations=("85 FR 51603",)),
        ]
    )
    assert len(listings) == 2


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 17, 4, 59, tzinfo=UTC), []),
        (datetime(2026, 11, 17, 11, tzinfo=UTC), [("lagging", "csl")]),
        (datetime(2026, 11, 19, 5, tzinfo=UTC), [("lagging", "csl"), ("lagging", "ecfr")]),
    ],
)
def test_lagging_after_each_views_deadline(now, expected):
    listings = join_views([rule("Theta Robotics Co., Ltd.")])
    found = reconcile_listings(listings, VIEWS, now, SETTINGS)
    assert sorted((f.kind, f.view) for f in found) == expected


def test_a_view_that_was_never_read_or_lacks_the_list_is_not_lagging():
    listings = join_views([rule("Theta Robotics Co., Ltd.")])
    unread = Views(as_of={"ecfr": None, "csl": VIEWS.as_of["csl"]}, lists={"csl": frozenset()})
    assert reconcile_listings(listings, unread, datetime(2027, 1, 1, tzinfo=UTC), SETTINGS) == []


def test_stale_removal_unannounced_and_disagreement():
    now = datetime(2026, 11, 25, tzinfo=UTC)
    listings = join_views(
        [
            rule("Epsilon Trading FZE", listed=False),
            seen("ecfr", "Epsilon Trading FZE", listed=False, announced=True),
            seen("csl", "Epsilon Trading FZE"),
            seen("csl", "Omega Lasers Co., Ltd.", announced=True, citations=("91 FR 52222",)),
            seen("ecfr", "Baseline Entry Ltd."),  # in the first read: nothing to explain
            rule("Beta Microelectronics Ltd.", license_review_policy="Presumption of denial."),
            seen(
                "ecfr", "Beta Microelectronics Ltd.", license_review_policy="Presumption of denial"
            ),
            seen("csl", "Beta Microelectronics Ltd.", license_review_policy="Case-by-case review."),
        ]
    )
    found = {
        (f.kind, f.view, f.listing.name): f
        for f in reconcile_listings(listings, VIEWS, now, SETTINGS)
    }
    assert set(found) == {
        ("stale_removal", "csl", "Epsilon Trading FZE"),
        ("unannounced", "csl", "Omega Lasers Co., Ltd."),
        ("disagreement", "rule/csl", "Beta Microelectronics Ltd."),
        ("disagreement", "ecfr/csl", "Beta Microelectronics Ltd."),
    }
    stale = found[("stale_removal", "csl", "Epsilon Trading FZE")]
    assert stale.status.startswith("removed by 2026-24001 (effective 2026-11-16)")
    assert "still in the CSL since" in stale.status
    omega = found[("unannounced", "csl", "Omega Lasers Co., Ltd.")]
    assert "citing 91 FR 52222" in omega.detail and "possible extraction fault" in omega.detail
    beta = found[("disagreement", "ecfr/csl", "Beta Microelectronics Ltd.")]
    assert "'Presumption of denial', the CSL says 'Case-by-case review.'" in beta.detail


def test_finding_events_are_new_once_and_resolved_when_the_views_agree():
    now = datetime(2026, 11, 18, tzinfo=UTC)
    listings = join_views(
        [rule("Theta Robotics Co., Ltd."), seen("ecfr", "Theta Robotics Co., Ltd.")]
    )
    by_key = {x.key: x for x in listings}
    found = reconcile_listings(listings, VIEWS, now, SETTINGS)
    (first,) = finding_events(found, {}, VIEWS, by_key)
    assert first.kind == EventKind.LISTING_LAGGING and first.source == "reconcile"
    assert first.key == "reconcile:lagging:csl:el:cn:theta robotics co ltd"
    assert first.entity is not None and first.entity.name == "Theta Robotics Co., Ltd."
    assert finding_events(found, {first.key: str(first.kind)}, VIEWS, by_key) == []

    later = join_views(
        [
            rule("Theta Robotics Co., Ltd."),
            seen("ecfr", "Theta Robotics Co., Ltd."),
            seen("csl", "Theta Robotics Co., Ltd.", since=now + timedelta(hours=3)),
        ]
    )
    agreed = reconcile_listings(later, VIEWS, now + timedelta(hours=4), SETTINGS)
    assert agreed == []
    (closed,) = finding_events(
        agreed, {first.key: str(first.kind)}, VIEWS, {x.key: x for x in later}
    )
    assert closed.kind == EventKind.LISTING_RESOLVED and closed.key == first.key
    assert "in the CSL since 2026-11-18 03:00 UTC" in (closed.summary or "")
    assert closed.data["resolves"] == "listing.lagging"


def test_settings_are_checked():
    with pytest.raises(ValueError, match="expected EL or MEU"):
        ReconcileSettings(lists=["SDN"])
    with pytest.raises(ValueError):
        ReconcileSettings(csl_after="soon")


def test_policies_that_differ_only_in_punctuation_or_footnote_marks_agree():
    listings = join_views(
        [
            seen("ecfr", "Sigma Optics Ltd.", license_review_policy="Presumption of denial. 1"),
            seen("csl", "Sigma Optics Ltd.", license_review_policy="Presumption of Denial"),
        ]
    )
    now = datetime(2026, 11, 25, tzinfo=UTC)
    assert reconcile_listings(listings, VIEWS, now, SETTINGS) == []
