"""The district profile (wijkprofiel): the same figures as JSON, as a page to
print and as CSV; small counts suppressed for a team leader; text escaped."""

from __future__ import annotations

import pytest
from factories import (
    assert_error,
    bearer,
    browser_token,
    enrol,
    excel_rows,
    gele_kaart,
    hotspot_in,
    make_user,
    waarneming,
)

from sync_server.services import nightly
from sync_server.services.profile_export import value_text


@pytest.fixture
def counted(http, engine, settings):
    """Noord: 7 afval observations and 2 yellow cards this year, counted at night."""
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    spot = hotspot_in(engine, "noord")
    phone.push_ok([waarneming(spot, theme="afval") for _ in range(7)])
    phone.push_ok([gele_kaart(spot), gele_kaart(spot, naam="Jan Testjongere")])
    nightly.run_nightly(engine, settings)
    leader = browser_token(
        engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
    )
    return bearer(leader)


def _by_code(profile: dict) -> dict[str, dict]:
    return {i["code"]: i for i in profile["indicators"]}


def test_profile_counts_this_years_logs_and_suppresses_small_counts(http, counted):
    profile = http.get("/api/v1/districts/noord/profile", headers=counted).json()
    year = str(profile["year"])
    figures = _by_code(profile)
    counted_somewhere = {c: i["years"][year] for c, i in figures.items() if i["years"][year]}
    assert counted_somewhere, "the afval observations count toward an indicator"
    cards = [i for i in profile["indicators"] if i["suppress_small_counts"]]
    assert cards and all(i["years"][year] in ("<5", 0) for i in cards)
    assert any(i["this_year_to_date"] == "<5" for i in cards), "2 yellow cards are '<5'"


def test_printable_page_and_csv_carry_the_same_figures(http, counted):
    profile = http.get("/api/v1/districts/noord/profile", headers=counted).json()
    page = http.get("/api/v1/districts/noord/profile.html", headers=counted)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text
    assert f"Wijkprofiel {profile['name']}" in page.text
    assert "@page" in page.text  # prints on A4
    for item in profile["indicators"]:
        assert item["name"].replace("&", "&amp;") in page.text
    assert "&lt;5" in page.text
    assert "Jan Testjongere" not in page.text and "Kees" not in page.text

    export = http.get("/api/v1/districts/noord/profile.csv", headers=counted)
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    rows = excel_rows(export.content)
    assert [r["indicator"] for r in rows] == [i["code"] for i in profile["indicators"]]
    year = str(profile["year"])
    for row, item in zip(rows, profile["indicators"], strict=True):
        assert row[year] == value_text(item["years"][year])
        assert row["definitieversie"] == str(profile["definition"]["version"])
    assert "Testjongere" not in export.text


def test_another_districts_profile_is_refused_in_every_form(http, engine, counted):
    oost = bearer(
        browser_token(
            engine, make_user(engine, role="teamleider", districts=["oost"], password=None)
        )
    )
    for suffix in ("", ".html", ".csv"):
        assert_error(
            http.get(f"/api/v1/districts/noord/profile{suffix}", headers=oost), 403, "forbidden"
        )
    assert_error(
        http.get("/api/v1/districts/atlantis/profile.html", headers=counted), 403, "forbidden"
    )


def test_value_text_follows_the_programmes_notation():
    assert value_text(None) == "–"
    assert value_text("<5") == "<5"
    assert value_text(12) == "12"
    assert value_text(12.0) == "12"
    assert value_text(3.25) == "3,2"


def test_years_before_the_first_log_show_no_figure(http, counted):
    profile = http.get("/api/v1/districts/noord/profile", headers=counted).json()
    year = profile["year"]
    for item in profile["indicators"]:
        assert item["years"][str(year - 1)] is None  # the app did not exist yet: "–", not 0
    page = http.get("/api/v1/districts/noord/profile.csv", headers=counted).content
    assert ";–;" in page.decode("utf-8-sig")  # the dash survives as UTF-8, the BOM says so


def test_last_years_first_months_never_give_the_rest_of_the_year_away():
    from sync_server.services.profile import _same_period

    assert _same_period(5, 7, True) == "x"  # 7 − 5: two cards in the months after
    assert _same_period(5, 5, True) == 5
    assert _same_period(6, 12, True) == 6  # the rest, 6, is no small count
    assert _same_period(2, 2, True) == "<5"
    assert _same_period(5, 7, False) == 5  # the beheerder sees every figure
