"""Wijkacties: the team leader plans district actions (title, themes, focus
locations, period, hot times, goal and target, the team and the officers of the
district on it) and reads what each produced:
entries by kind and action taken, and residents' reports at its focus locations
before, during and after it. The district's phones get a planned action on their
next pull and show it on home during its hot times.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import text_field
from fieldapp.labels import ACTION_LABELS, KIND_LABELS
from fieldapp.teamleader import haarlem_today
from fieldapp.teamleader.wijk import (
    Wijk,
    Wijkactie,
    WijkactieResult,
    hot_times_text,
    parse_hot_times,
)
from fieldapp.views.teamleider.parts import back_link, card, note, section, small_button

if TYPE_CHECKING:
    from collections.abc import Callable

    from fieldapp.views.teamleider.tab_host import TabHost

__all__ = ["WijkactiesTab", "profile_actions", "result_lines"]


class WijkactiesTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.leader = screen, screen.leader
        self.mode = "list"  # or "plan", or an action's id (its detail)
        self.title = text_field("Titel")
        self.starts = text_field("Van (JJJJ-MM-DD)", width=200)
        self.ends = text_field("Tot en met (JJJJ-MM-DD)", width=200)
        self.hot_times = text_field("Hot times, bijv. vr-za 20-23")
        self.goal = text_field("Doel", multiline=True)
        self.target = text_field("Streefcijfer (aantal registraties)", width=260)
        self.team = text_field("Team (naam)")
        self.theme_boxes: dict[str, ft.Checkbox] = {}
        self.spot_boxes: dict[str, ft.Checkbox] = {}
        self.officer_boxes: dict[int, ft.Checkbox] = {}

    @property
    def wijk(self) -> Wijk:
        return Wijk(self.leader.client)

    def build(self) -> list[ft.Control]:
        if self.mode == "plan":
            return self._plan_form()
        if self.mode != "list":
            return self._detail(self.mode)
        actions = self.wijk.wijkacties(self.screen.district)
        names = self._names({a.district for a in actions if a.officers})
        rows: list[ft.Control] = [
            card(
                ft.Column(
                    [
                        ft.Text(a.title, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                        ft.Text(
                            f"{a.district.capitalize()} · {a.starts_on} t/m {a.ends_on} · "
                            f"{hot_times_text(a.hot_times) or 'hele dag'}",
                            size=s.SMALL,
                            color=s.MUTED,
                        ),
                        *(
                            [ft.Text(who, size=s.SMALL, color=s.MUTED)]
                            if (who := self._who(a, names))
                            else []
                        ),
                    ],
                    spacing=2,
                ),
                on_click=self.screen.app.act(self._go(a.id)),
            )
            for a in actions
        ]
        return [
            ft.Row(
                [
                    self.screen.district_filter(everything="Al mijn stadsdelen"),
                    small_button(
                        "Nieuwe wijkactie",
                        self.screen.app.act(self._go("plan")),
                        icon=ft.Icons.ADD,
                        primary=True,
                    ),
                ],
                wrap=True,
            ),
            *(rows or [note("Nog geen wijkacties gepland.")]),
        ]

    # ------------------------------------------------------------ plan

    def _plan_form(self) -> list[ft.Control]:
        district = self.screen.district or (self.leader.districts or [""])[0]
        today = haarlem_today()
        self.starts.value = self.starts.value or today.isoformat()
        self.ends.value = self.ends.value or (today + timedelta(days=27)).isoformat()
        themes = self.screen.themes()
        self.theme_boxes = {
            code: self.theme_boxes.get(code) or ft.Checkbox(label=name, value=False)
            for code, name in themes.items()
        }
        spots = [h for h in self.wijk.hotspots(district) if not h.retired]
        self.spot_boxes = {
            h.code: self.spot_boxes.get(h.code) or ft.Checkbox(label=h.name, value=False)
            for h in spots
        }
        # Only the district's own officers: the server refuses anyone else.
        self.officer_boxes = (
            {
                i: self.officer_boxes.get(i) or ft.Checkbox(label=name, value=False)
                for i, name in self.wijk.officers(district).items()
            }
            if district
            else {}
        )
        return [
            back_link(self.screen.app.act(self._go("list"))),
            section(f"Nieuwe wijkactie · {district.capitalize()}"),
            self.title,
            ft.Row([self.starts, self.ends], wrap=True),
            self.hot_times,
            note("Dagen ma…zo, uren van-tot; leeg: de hele dag binnen de periode."),
            section("Thema's"),
            ft.Row(list(self.theme_boxes.values()), wrap=True),
            section("Focuslocaties"),
            ft.Row(list(self.spot_boxes.values()), wrap=True),
            section("Handhavers"),
            ft.Row(list(self.officer_boxes.values()), wrap=True)
            if self.officer_boxes
            else note("Dit stadsdeel heeft nog geen handhavers."),
            self.team,
            self.goal,
            self.target,
            small_button(
                "Wijkactie plannen",
                self.screen.app.act(self._plan(district)),
                icon=ft.Icons.SAVE,
                primary=True,
            ),
        ]

    def _body(self, district: str) -> dict[str, Any]:
        """The form as the API's WijkactieIn; a mistake raises ValueError (Dutch)."""
        title = (self.title.value or "").strip()
        if not title:
            raise ValueError("Geef de wijkactie een titel.")
        target_text = (self.target.value or "").strip()
        if target_text and not target_text.isdigit():
            raise ValueError("Het streefcijfer is een heel getal.")
        return {
            "district": district,
            "title": title,
            "themes": [code for code, box in self.theme_boxes.items() if box.value],
            "hotspots": [code for code, box in self.spot_boxes.items() if box.value],
            "starts_on": (self.starts.value or "").strip(),
            "ends_on": (self.ends.value or "").strip(),
            "hot_times": [
                {"weekday": t.weekday, "start_hour": t.start_hour, "end_hour": t.end_hour}
                for t in parse_hot_times(self.hot_times.value or "")
            ],
            "goal": (self.goal.value or "").strip(),
            "target": int(target_text) if target_text else None,
            "team": (self.team.value or "").strip(),
            "officers": [i for i, box in self.officer_boxes.items() if box.value],
        }

    def _plan(self, district: str) -> Callable[[], Any]:
        async def handler() -> None:
            try:
                body = self._body(district)
            except ValueError as exc:
                self.screen.banner.show(str(exc), "error")
                return
            planned = await self.screen.attempt(self.wijk.plan, body)
            if planned is not None:
                self.title.value = self.goal.value = self.hot_times.value = ""
                self.target.value = self.team.value = ""
                self.officer_boxes = {}
                self.screen.app.snack(
                    "Wijkactie gepland; telefoons krijgen haar bij de volgende sync."
                )
                self.mode = planned.id
                await self.screen.load()

        return handler

    # ------------------------------------------------------------ detail

    def _detail(self, actie_id: str) -> list[ft.Control]:
        result = self.wijk.result(actie_id)
        a: Wijkactie = result.actie
        lines: list[ft.Control] = [
            back_link(self.screen.app.act(self._go("list"))),
            section(a.title),
            note(
                f"{a.district.capitalize()} · {a.starts_on} t/m {a.ends_on} · "
                f"{hot_times_text(a.hot_times) or 'hele dag'}"
            ),
        ]
        if who := self._who(a, self._names({a.district} if a.officers else set())):
            lines.append(ft.Text(who, size=s.TEXT, color=s.INK))
        if a.goal:
            lines.append(ft.Text(f"Doel: {a.goal}", size=s.TEXT, color=s.INK))
        lines += result_lines(result)
        return lines

    def _names(self, districts: set[str]) -> dict[str, str]:
        """The officers' names of these districts (id as text → name), asked fresh:
        an officer added today is planned today."""
        names: dict[str, str] = {}
        for district in sorted(districts):
            names.update({str(i): n for i, n in self.wijk.officers(district).items()})
        return names

    @staticmethod
    def _who(a: Wijkactie, names: dict[str, str]) -> str:
        """Who is planned: the team and the officers by name (an officer since moved
        to another district by number)."""
        officers = [names.get(i, f"handhaver {i}") for i in a.officers]
        parts = ([f"Team {a.team}"] if a.team else []) + officers
        return "Ingepland: " + ", ".join(parts) if parts else ""

    def _go(self, mode: str) -> Callable[[], Any]:
        async def handler() -> None:
            self.mode = mode
            await self.screen.load()

        return handler


def result_lines(result: WijkactieResult) -> list[ft.Control]:
    """What an action produced: entries against it by kind and action taken, and
    residents' reports at its focus locations before, during and after it."""
    a = result.actie
    target = f" van streefcijfer {a.target}" if a.target is not None else ""
    lines: list[ft.Control] = [
        ft.Text(
            f"Registraties bij deze actie: {result.total}{target}",
            size=s.TEXT,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
        )
    ]
    for kind, n in sorted(result.by_kind.items()):
        lines.append(ft.Text(f"{KIND_LABELS.get(kind, kind)}: {n}", size=s.TEXT))
    for actie, n in sorted(result.by_actie.items()):
        lines.append(ft.Text(f"Actie {ACTION_LABELS.get(actie, actie)}: {n}", size=s.SMALL))
    m = {k: "nog niet" if v is None else str(v) for k, v in result.meldingen.items()}
    lines.append(
        ft.Text(
            f"Meldingen bewoners bij de focuslocaties: voor {m.get('before', '0')} · "
            f"tijdens {m.get('during', '0')} · na {m.get('after', '0')}"
            + (f" (per {m['days']} dagen)" if m.get("days") else ""),
            size=s.TEXT,
            color=s.INK,
        )
    )
    return lines


def profile_actions(wijk: Wijk, district: str) -> list[ft.Control]:
    """The district profile's actions, each with what it produced (the Wijkprofiel
    tab; the printable page and the CSV have them from the server)."""
    results = [wijk.result(a.id) for a in wijk.wijkacties(district)]
    controls: list[ft.Control] = [section(f"Wijkacties ({len(results)})")]
    if not results:
        return [*controls, note("Nog geen wijkacties in dit stadsdeel.")]
    for result in results:
        a = result.actie
        controls.append(
            ft.Semantics(
                container=True,
                content=card(
                    ft.Column(
                        [
                            ft.Text(a.title, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                            ft.Text(
                                f"{a.starts_on} t/m {a.ends_on} · "
                                f"{hot_times_text(a.hot_times) or 'hele dag'}",
                                size=s.SMALL,
                                color=s.MUTED,
                            ),
                            *result_lines(result),
                        ],
                        spacing=2,
                    ),
                    padding=10,
                ),
            )
        )
    return controls
