"""What the screens say about the app's state, in the officer's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldapp.dates import haarlem
from fieldapp.state.core import StateCore
from fieldapp.state.entries import SENT_BACK
from fieldapp.sync import SyncReport


class ScreenTexts(StateCore):
    """The sentences the status bar and the sync screen show, in Dutch."""

    def remark_count(self) -> int:
        """Entries the team leader sent back with a remark: the badge on home and
        the line in the sync result."""
        return sum(1 for entry in self.store.entries() if entry.review_state == SENT_BACK)

    def sync_summary(self, report: SyncReport) -> list[str]:
        """What a sync did, in the officer's words (the first line is the verdict)."""
        if report.error is not None:
            lines = [f"Synchronisatie mislukt. {report.error.message}"]
        elif report.rejected or report.conflicts:
            lines = ["Verzonden, maar niet alles is aangenomen."]
        else:
            lines = ["Synchronisatie gelukt."]
        counts = [
            (report.accepted, "geaccepteerd", "geaccepteerd"),
            (report.rejected, "afgewezen", "afgewezen"),
            (report.conflicts, "conflict", "conflicten"),
        ]
        parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
        if report.photos_uploaded:
            parts.append(f"{report.photos_uploaded} foto('s) verstuurd")
        if parts:
            lines.append("Resultaat: " + ", ".join(parts) + ".")
        if report.rejected or report.conflicts:
            lines.append("Tik hieronder op wat niet is aangenomen om het aan te passen.")
        lines.extend(f"Foto: {problem}" for problem in report.photo_errors)
        remarks = self.remark_count()
        if remarks:
            lines.append(remark_text(remarks) + ": zie Mijn log.")
        waiting = self.pending_count()
        if waiting:
            lines.append(f"{self.pending_text()}.")
            if report.error is None and self.online is False:
                # An old success is no news while offline with entries waiting.
                lines[0] = "Nu geen verbinding. De vorige synchronisatie was gelukt."
        return lines

    def officer_name(self) -> str:
        enrolment = self.enrolment
        return enrolment.display_name if enrolment else ""

    def online_text(self) -> str:
        if self.online is None:
            return "Verbinding controleren…"
        return "Online" if self.online else "Offline — invoer blijft bewaard"

    def pending_text(self) -> str:
        count = self.pending_count()
        if count == 0:
            return "Alles is verzonden"
        return f"{count} {'wacht' if count == 1 else 'wachten'} op verzenden"

    def last_sync_text(self, now: datetime | None = None) -> str:
        last = self.last_sync()
        if last is None:
            return "Nog niet gesynchroniseerd"
        local = haarlem(last)
        today = haarlem(now or datetime.now(UTC)).date()
        if local.date() == today:
            day = ""
        elif local.date() == today - timedelta(days=1):
            day = "gisteren "
        else:
            day = f"{local.day}-{local.month} "
        return f"Laatst gesynchroniseerd {day}{local:%H:%M}"


def moment_texts(moment: datetime | None = None) -> tuple[str, str]:
    """A moment as the form shows it: ("dd-mm-jjjj", "uu:mm") in Haarlem time."""
    local = haarlem(moment or datetime.now(UTC))
    return f"{local:%d-%m-%Y}", f"{local:%H:%M}"


def remark_text(count: int) -> str:
    return f"{count} {'opmerking' if count == 1 else 'opmerkingen'} van je teamleider"
