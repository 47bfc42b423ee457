"""CSV the way Dutch Excel opens it: `;`-separated, UTF-8 with a byte-order mark.

Dutch Excel uses the comma as decimal separator, so it splits on `;`; without a
BOM it reads the file as Windows-1252 and garbles "–" and "é". Every CSV the
server hands out is made here, so all of them open the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
DELIMITER = ";"


def excel_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """The whole file as text, BOM first; send it encoded as UTF-8."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def safe_cell(text: str) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
