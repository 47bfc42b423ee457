"""Every CSV the server hands out opens in Dutch Excel: `;`, UTF-8 with a BOM."""

from __future__ import annotations

from factories import excel_rows

from sync_server.services.excel_csv import excel_csv, safe_cell


def test_dutch_text_and_separators_survive_the_round_trip():
    text = excel_csv(
        ["code", "naam"],
        [
            ["cafe", "Café – terras; achterzijde"],
            ["plein", 'Plein "De Vrijheid", 3,5 km'],
            ["regel", "twee\nregels"],
        ],
    )
    assert text.startswith("\ufeffcode;naam\r\n")
    rows = excel_rows(text.encode("utf-8"))
    assert rows == [
        {"code": "cafe", "naam": "Café – terras; achterzijde"},
        {"code": "plein", "naam": 'Plein "De Vrijheid", 3,5 km'},
        {"code": "regel", "naam": "twee\nregels"},
    ]
    assert "Café –".encode() in text.encode("utf-8")  # not Windows-1252


def test_a_cell_never_runs_as_a_formula():
    assert safe_cell("=HYPERLINK()") == "'=HYPERLINK()"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("Noord") == "Noord"
