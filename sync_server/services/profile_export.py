"""A district profile (wijkprofiel) as a page to print and as a CSV to reuse.

The team leader takes the profile to the district meeting: on paper, or as a
spreadsheet to work on. Both are made from the same DistrictProfile the app
shows, so the figures (and their "<5" suppression) are the same everywhere. The
profile holds no personal data; every text from the database is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape

from sync_protocol import RecordKind
from sync_server.services.excel_csv import excel_csv, safe_cell
from sync_server.services.localtime import MONTHS
from sync_server.services.profile import DistrictProfile
from sync_server.services.small_counts import Value
from sync_server.services.wijkactie_result import WijkactieResult

RECORD_KINDS = tuple(kind.value for kind in RecordKind)

HEAT_STEPS = ["#FFFFFF", "#DCE8F5", "#A9C7E8", "#6E9FD3", "#2F6DB5", "#0B3A6E"]


# What a district's figure counts, as the profile prints it.
SOURCE_LABELS = {
    "handhavers": "registraties handhavers",
    "meldingen": "meldingen bewoners (gemeente)",
}


def value_text(value: Value) -> str:
    """A figure as the programme prints it: a number, "<5" (suppressed), or "–"."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


def _heat(count: int, maximum: int) -> str:
    if count <= 0 or maximum <= 0:
        return HEAT_STEPS[0]
    steps = HEAT_STEPS[1:]
    return steps[min(len(steps) - 1, (count * len(steps) - 1) // maximum)]


def profile_csv(profile: DistrictProfile) -> str:
    """One row per indicator: whole years, this year so far and last year's same months."""
    years = sorted({y for i in profile.indicators for y in i.years})
    through = MONTHS[profile.through_month - 1]
    header = [
        "stadsdeel",
        "stadsdeel_naam",
        "indicator",
        "naam",
        "bron",
        "eenheid",
        *years,
        f"{profile.year} t/m {through}",
        f"{profile.year - 1} t/m {through}",
        "definitieversie",
    ]
    version = profile.definition.version if profile.definition else ""
    rows = [
        [
            profile.code,
            safe_cell(profile.name),
            item.code,
            safe_cell(item.name),
            SOURCE_LABELS.get(item.data_source, item.data_source),
            safe_cell(item.unit),
            *[value_text(item.years.get(y)) for y in years],
            value_text(item.this_year_to_date),
            value_text(item.last_year_same_period),
            version,
        ]
        for item in profile.indicators
    ]
    return excel_csv(header, rows)


def profile_html(profile: DistrictProfile) -> str:
    """A self-contained page (no scripts, no outside files) that prints on A4."""
    e = escape
    years = sorted({y for i in profile.indicators for y in i.years})
    through = MONTHS[profile.through_month - 1]
    hot = profile.hot_times
    maximum = max((max(row) for row in hot.matrix if row), default=0)
    version = (
        f"definities versie {e(str(profile.definition.version))}, geteld op "
        f"{profile.definition.computed_at:%d-%m-%Y %H:%M}"
        if profile.definition and profile.definition.computed_at
        else "de registraties zijn nog niet geteld (dat gebeurt elke nacht)"
    )
    themes = "".join(
        f"<tr><td>{e(t.name)}</td><td class=n>{t.hotspots}</td></tr>" for t in profile.themes
    )
    spots = "".join(
        f"<tr><td>{e(h.name)}</td><td>{e(', '.join(h.themes))}</td><td>{e(h.note)}</td></tr>"
        for h in profile.hotspots
    )
    head = "".join(f"<th class=n>{y}</th>" for y in years)
    indicators = "".join(
        "<tr>"
        f"<td>{e(i.name)}<br><small class=muted>"
        f"{e(SOURCE_LABELS.get(i.data_source, i.data_source))}</small></td>"
        + "".join(f"<td class=n>{e(value_text(i.years.get(y)))}</td>" for y in years)
        + f"<td class=n><b>{e(value_text(i.this_year_to_date))}</b></td>"
        f"<td class=n>{e(value_text(i.last_year_same_period))}</td>"
        "</tr>"
        for i in profile.indicators
    )
    hours = "".join(f"<th>{h if h % 3 == 0 else ''}</th>" for h in range(24))
    grid = "".join(
        f"<tr><th>{e(day)}</th>"
        + "".join(
            f'<td style="background:{_heat(c, maximum)}" title="{e(day)} {h}:00: {c}"></td>'
            for h, c in enumerate(row)
        )
        + "</tr>"
        for day, row in zip(hot.weekdays, hot.matrix, strict=False)
    )
    actions = "".join(_action_row(r) for r in profile.wijkacties) or (
        "<tr><td colspan=6 class=muted>Nog geen wijkacties.</td></tr>"
    )
    busiest = "".join(
        f"<tr><td>{e(h.name)}</td><td class=n>{h.count}</td></tr>"
        for h in sorted(hot.by_hotspot, key=lambda h: -h.count)[:10]
    )
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<title>Wijkprofiel {e(profile.name)} {profile.year}</title>
<style>
body{{font-family:Arial,Helvetica,sans-serif;color:#1A1C1E;margin:24px;font-size:12px}}
h1{{color:#0B3A6E;font-size:22px;margin:0 0 4px}}
h2{{color:#0B3A6E;font-size:15px;margin:18px 0 6px}}
table{{border-collapse:collapse;margin-bottom:8px}}
td,th{{border:1px solid #C5CDD6;padding:3px 6px}}
th{{background:#EEF2F6;text-align:left}} .n{{text-align:right}} .muted{{color:#5F6B7A}}
table.heat td{{width:14px;height:14px;padding:0}} table.heat th{{font-weight:normal;padding:0 3px}}
@page{{size:A4;margin:14mm}} @media print{{body{{margin:0}} h2{{break-after:avoid}}}}
</style></head><body>
<h1>Wijkprofiel {e(profile.name)}</h1>
<p class=muted>Handhaving Haarlem · {profile.year} t/m {through} · {version}.
“&lt;5”: minder dan 5 (afgeschermd); “x”: afgeschermd omdat het een klein aantal
zou verraden; “–”: geen cijfer.</p>
<h2>Thema's (aantal focuslocaties)</h2>
<table><tr><th>Thema</th><th class=n>Focuslocaties</th></tr>{themes}</table>
<h2>Indicatoren uit de registraties</h2>
<table><tr><th>Indicator</th>{head}<th class=n>{profile.year} t/m {through}</th>
<th class=n>{profile.year - 1} t/m {through}</th></tr>{indicators}</table>
<h2>Hot times: registraties per weekdag en uur</h2>
<p class=muted>{hot.date_from:%d-%m-%Y} t/m {hot.date_to:%d-%m-%Y}: {hot.total} registraties.
Hoe donkerder, hoe meer.</p>
<table class=heat><tr><th></th>{hours}</tr>{grid}</table>
<h2>Wijkacties</h2>
<p class=muted>Registraties tegen de actie; meldingen van bewoners op haar focuslocaties
in evenveel dagen voor, tijdens en na de actie (“–”: de periode erna loopt nog).</p>
<table><tr><th>Actie</th><th>Periode</th><th>Doel</th><th class=n>Registraties</th>
<th>Per soort</th><th class=n>Meldingen voor / tijdens / na</th></tr>{actions}</table>
<h2>Drukste focuslocaties</h2>
<table><tr><th>Focuslocatie</th><th class=n>Registraties</th></tr>{busiest}</table>
<h2>Focuslocaties</h2>
<table><tr><th>Focuslocatie</th><th>Thema's</th><th>Toelichting</th></tr>{spots}</table>
</body></html>
"""


def _action_row(item: WijkactieResult) -> str:
    e = escape
    action, counts = item.wijkactie, item.meldingen
    goal = action.goal + (f" (doel: {action.target})" if action.target is not None else "")
    kinds = ", ".join(f"{k}: {n}" for k, n in sorted(item.entries.by_kind.items()))
    after = "–" if counts.after is None else str(counts.after)
    return (
        f"<tr><td>{e(action.title)}</td>"
        f"<td>{e(_day(action.starts_on))} t/m {e(_day(action.ends_on))}</td>"
        f"<td>{e(goal)}</td><td class=n>{item.entries.total}</td><td>{e(kinds)}</td>"
        f"<td class=n>{counts.before} / {counts.during} / {e(after)}</td></tr>"
    )


def _day(iso: str) -> str:
    return f"{date.fromisoformat(iso):%d-%m-%Y}"


WIJKACTIE_COLUMNS = (
    "stadsdeel",
    "wijkactie",
    "titel",
    "van",
    "tot en met",
    "thema's",
    "focuslocaties",
    "doel",
    "streefcijfer",
    "registraties",
    *(f"registraties {kind}" for kind in RECORD_KINDS),
    "meldingen voor",
    "meldingen tijdens",
    "meldingen na",
    "dagen per periode",
)


def wijkacties_csv(profile: DistrictProfile) -> str:
    """One row per district action with what it produced; semicolons and a BOM,
    so that a Dutch spreadsheet opens it as it is."""
    rows = []
    for item in profile.wijkacties:
        action, counts = item.wijkactie, item.meldingen
        rows.append(
            [
                safe_cell(profile.name),
                action.id,
                safe_cell(action.title),
                action.starts_on,
                action.ends_on,
                ",".join(action.themes),
                ",".join(action.hotspots),
                safe_cell(action.goal),
                "" if action.target is None else action.target,
                item.entries.total,
                *(item.entries.by_kind.get(kind, 0) for kind in RECORD_KINDS),
                counts.before,
                counts.during,
                "" if counts.after is None else counts.after,
                counts.days,
            ]
        )
    return excel_csv(WIJKACTIE_COLUMNS, rows)
