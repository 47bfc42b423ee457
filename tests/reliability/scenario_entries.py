"""What the officers do on their phones: make, edit and delete entries (through
AppState, the same calls the screens make), with photos, sometimes shared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from scenario_base import ScenarioBase
from scenario_phones import CLOCK, NAMES, Made, Rig

from fieldapp import models as m
from fieldapp.photos import ProcessedPhoto
from fieldapp.state import AppState, EntryInvalid, EntryLocked
from sync_protocol import RecordKind


class EntryMaking(ScenarioBase):
    def ensure_work(self, rig: Rig) -> None:
        """Most syncs a step disturbs should have something to send (and a photo)."""
        if self.rng.random() < 0.75 and not rig.app.store.photos_to_upload():
            self.make_entry(rig, RecordKind.WAARNEMING, with_photo=True)
        elif self.rng.random() < 0.75 and not rig.app.pending_count():
            self.make_entry(rig)

    def make_entry(
        self, rig: Rig, kind: RecordKind | None = None, *, with_photo: bool = False
    ) -> None:
        rng = self.rng
        spots = [h.code for h in rig.app.hotspots()]
        spot = rng.choice(spots) if spots else None
        kind = kind or rng.choice(list(RecordKind))
        note = self.unique("n")
        observed = CLOCK.utcnow() - timedelta(minutes=rng.randint(0, 600))
        fields: dict[str, Any] = {"observed_at": observed}
        photos: list[ProcessedPhoto] = []
        if kind in (RecordKind.WAARNEMING, RecordKind.SIGNAAL_ONDERMIJNING) and (
            with_photo or rng.random() < 0.6
        ):
            # Often the same picture as another entry of this seed (the same photo attached twice).
            photos = rng.sample(self.photos, rng.randint(1, min(2, len(self.photos))))
        if kind is RecordKind.WAARNEMING:
            fields |= {
                "theme": rng.choice(["afval", "jeugd", "parkeren", "honden"]),
                "hotspot": spot,
                "action": rng.choice(["aanspreken", "waarschuwing", "sticker", "geen_actie"]),
                "persons": rng.randint(0, 5),
                "note": note,
            }
        elif kind is RecordKind.GELE_KAART:
            fields |= {
                "naam": rng.choice(NAMES),
                "geboortedatum": f"2010-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "hotspot": spot,
                "aanleiding": rng.choice(["hinderlijk_gedrag", "vernieling", "overig"]),
                "note": note,
            }
        elif kind is RecordKind.INCIDENT:
            fields |= {
                "types": rng.sample(["verbaal", "fysiek", "bedreiging", "intimidatie"], 2),
                "hotspot": spot,
                "place": "" if spot else "Grote Markt",
                "injured": rng.random() < 0.2,
                "bodycam_on": True,
                "footage_secured": rng.random() < 0.5,
                "politie": rng.choice(["geen", "melding_gedaan"]),
                "bot_gewenst": rng.random() < 0.5,
                "description": note,
            }
        elif kind is RecordKind.ADRESCONTROLE:
            fields |= {"uitkomst": rng.choice(["hit", "geen_hit"]), "address": "Kruisweg 1"}
            fields["note"] = note
        elif kind is RecordKind.SIGNAAL_ONDERMIJNING:
            fields |= {
                "categorie": rng.choice(["drugs", "overig", "woon_adresfraude"]),
                "description": note,
                "hotspot": spot,
            }
        else:
            fields |= {
                "branche": "horeca",
                "uitkomst": rng.choice(["geen_bevindingen", "waarschuwing"]),
                "partners": rng.sample(["politie", "brandweer", "belastingdienst"], 1),
                "hotspot": spot,
                "note": note,
            }
        if not spot and kind not in (RecordKind.ADRESCONTROLE, RecordKind.INCIDENT):
            self.say(f"  {rig.name}: no hotspot known yet, no {kind.value}")
            return
        saver = self.saver(rig.app, kind)
        with self.phone_clock(rig):
            entry = saver(**fields, **({"photos": photos} if photos else {}))
        rig.made[entry.id] = Made(kind, fields)
        self.note_photos(photos)
        self.say(
            f"  {rig.name} saved {kind.value} {entry.id[-8:]} ({note})"
            + (f" with {len(photos)} photo(s)" if photos else "")
        )

    @staticmethod
    def saver(app: AppState, kind: RecordKind) -> Callable[..., m.Entry]:
        return {
            RecordKind.WAARNEMING: app.save_waarneming,
            RecordKind.GELE_KAART: app.save_gele_kaart,
            RecordKind.INCIDENT: app.save_incident,
            RecordKind.ADRESCONTROLE: app.save_adrescontrole,
            RecordKind.SIGNAAL_ONDERMIJNING: app.save_signaal,
            RecordKind.INTEGRALE_CONTROLE: app.save_integrale_controle,
        }[kind]

    def edit(self, rig: Rig, entry_id: str | None = None) -> None:
        live = [e for e in rig.made if e not in rig.deleted]
        if not live:
            return
        entry_id = entry_id or self.rng.choice(live)
        made = rig.made[entry_id]
        fields = dict(made.fields)
        text_field = "description" if "description" in fields else "note"
        fields[text_field] = self.unique("edit")
        if made.kind is RecordKind.GELE_KAART:
            fields["naam"] = fields["geboortedatum"] = ""  # keep the youth as recorded
        photos = []
        if made.kind in (RecordKind.WAARNEMING, RecordKind.SIGNAAL_ONDERMIJNING):
            if self.rng.random() < 0.5:
                photos = [self.rng.choice(self.photos)]  # maybe one it already has
        try:
            with self.phone_clock(rig):
                entry = rig.app.update_entry(
                    entry_id, **fields, **({"photos": photos} if photos else {})
                )
        except EntryInvalid as exc:
            # e.g. its focus location was retired meanwhile: the officer picks another.
            self.say(f"  {rig.name} cannot edit {entry_id[-8:]}: {exc.problems}")
            return
        made.fields = fields
        self.note_photos(photos)
        self.say(f"  {rig.name} edited {entry_id[-8:]} -> v{entry.version} ({fields[text_field]})")

    def note_photos(self, photos: list[ProcessedPhoto]) -> None:
        for photo in photos:
            if photo.sha256 in self.attached:
                self.covered.add("same photo attached twice")
            self.attached.add(photo.sha256)

    def delete(self, rig: Rig, entry_id: str) -> None:
        try:
            rig.app.delete_entry(entry_id)
        except EntryLocked:
            self.say(f"  {rig.name} may not delete {entry_id[-8:]} (maybe on the server)")
            return
        rig.deleted.add(entry_id)
        self.say(f"  {rig.name} deleted {entry_id[-8:]}")
