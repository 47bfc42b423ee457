"""The form controls of issue 12, without a browser: the number of persons typed
or stepped, "Bodycam aan" without a default, a switch row that flips from its
label, the camera behind its interface (a fake camera returning real JPEG and
HEIC bytes), the save message that tells the truth about the connection, and
Haarlem time on the officer's screens whatever zone the machine runs in."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fake_host import FakeHost, phone_state, texts
from PIL import Image
from test_views_forms import answer, fill_incident, fill_waarneming

from fieldapp.components.camera import CameraUnavailable
from fieldapp.state import moment_texts, parse_moment
from fieldapp.views import forms
from fieldapp.views.forms.base import SAVED, SAVED_ONLINE
from fieldapp.views.forms.leave import DISCARDED, KEPT, leave_dialog
from fieldapp.views.log import LogScreen
from sync_protocol import RecordKind


@pytest.fixture
def host(tmp_path) -> FakeHost:
    return FakeHost(phone_state(tmp_path / "phone"))


def new(host: FakeHost, kind: RecordKind) -> Any:
    form = forms.new_form(host, kind)
    assert form is not None
    form.view()
    return form


def type_into(field: Any, text: str) -> None:
    """Type into a Flet text field as Flutter reports it: the value, then on_change."""
    field.value = text
    field.on_change(None)


# ---------------------------------------------------------------- persons


def test_thirty_persons_are_typed_not_tapped(host):
    form = new(host, RecordKind.WAARNEMING)
    fill_waarneming(form)
    type_into(form.persons.number, "30")
    assert form.persons.value == 30
    form.save()
    [entry] = host.state.store.entries()
    assert entry.payload["persons"] == 30


def test_the_buttons_step_from_the_typed_number_within_the_range(host):
    form = new(host, RecordKind.WAARNEMING)
    persons = form.persons
    type_into(persons.number, "12")
    minus, plus = _buttons(persons)
    plus(None)
    assert persons.value == 13 and persons.number.value == "13"
    type_into(persons.number, "0")
    minus(None)
    assert persons.value == 0 and persons.number.value == "0"  # never below 0


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Typ een aantal"),
        ("1001", "Typ een aantal van 0 tot en met 1000"),
        ("3a", "Typ alleen cijfers"),
    ],
)
def test_a_wrong_number_is_explained_in_dutch_and_not_saved(host, typed, message):
    form = new(host, RecordKind.WAARNEMING)
    fill_waarneming(form)
    type_into(form.persons.number, typed)
    assert message in texts(form.persons.control)  # at once, under the field
    form.save()
    assert host.state.store.entries() == []
    assert "• Aantal personen: " + message[0].lower() + message[1:] in (
        form.problems.text.value.splitlines()
    )
    type_into(form.persons.number, "4")
    assert message not in texts(form.persons.control)
    form.save()
    [entry] = host.state.store.entries()
    assert entry.payload["persons"] == 4


def test_a_typed_number_survives_as_a_draft(host):
    form = new(host, RecordKind.WAARNEMING)
    fill_waarneming(form)
    type_into(form.persons.number, "27")
    assert form.keep_draft()
    again = new(host, RecordKind.WAARNEMING)
    assert again.persons.value == 27 and again.persons.number.value == "27"


def _buttons(stepper: Any) -> tuple[Any, Any]:
    row = stepper.control.controls[0].controls[1]
    minus, plus = (c.content.content.on_click for c in (row.controls[0], row.controls[2]))
    return minus, plus


# ---------------------------------------------------------------- bodycam


def test_bodycam_has_no_default_and_must_be_answered(host):
    form = new(host, RecordKind.INCIDENT)
    assert form.bodycam.value is None
    assert not any(chip.selected for chip in form.bodycam.chips.values())
    fill_incident(form)
    form.bodycam.value = None  # fill_incident answered it: take that back
    form.save()
    assert host.state.store.entries() == []
    assert "Kies Ja of Nee: stond je bodycam aan?" in texts(form.bodycam.control)
    assert "• Bodycam aan: moet ja of nee zijn" in form.problems.text.value.splitlines()
    answer(form.bodycam, False)
    assert form.secured.disabled  # no footage without a bodycam
    assert "Kies Ja of Nee: stond je bodycam aan?" not in texts(form.bodycam.control)
    form.save()
    [entry] = host.state.store.entries()
    assert entry.payload["bodycam_on"] is False


def test_bodycam_yes_lets_the_footage_be_secured(host):
    form = new(host, RecordKind.INCIDENT)
    fill_incident(form)
    assert not form.secured.disabled
    form.secured.row.on_click(None)  # a tap on the words "Beelden veiliggesteld"
    assert form.reference.visible
    form.reference.value = "BC-2291"
    form.save()
    [entry] = host.state.store.entries()
    assert entry.payload["bodycam_on"] is True
    assert entry.payload["footage_secured"] is True
    assert entry.payload["footage_reference"] == "BC-2291"


def test_an_answered_bodycam_survives_as_a_draft(host):
    form = new(host, RecordKind.INCIDENT)
    fill_incident(form)
    answer(form.bodycam, False)
    assert form.keep_draft()
    again = new(host, RecordKind.INCIDENT)
    assert again.bodycam.value is False and again.bodycam.chips[False].selected


# ---------------------------------------------------------------- switch rows


def test_a_tap_on_the_row_flips_the_switch(host):
    form = new(host, RecordKind.INCIDENT)
    injured = form.injured
    assert injured.value is False and "Nee" in texts(injured.control)
    injured.row.on_click(None)
    assert injured.value is True and injured.switch.value is True
    assert "Ja" in texts(injured.control)
    injured.row.on_click(None)
    assert injured.value is False and "Nee" in texts(injured.control)


def test_a_tap_on_a_disabled_row_changes_nothing(host):
    form = new(host, RecordKind.INCIDENT)
    answer(form.bodycam, False)
    form.secured.row.on_click(None)
    assert form.secured.value is False


# ---------------------------------------------------------------- saved message


@pytest.mark.parametrize(
    ("online", "message"), [(True, SAVED_ONLINE), (False, SAVED), (None, SAVED)]
)
def test_the_saved_message_promises_what_the_connection_allows(host, online, message):
    host.state.online = online
    form = new(host, RecordKind.WAARNEMING)
    fill_waarneming(form)
    form.save()
    assert host.closed == [(form, message)]
    assert SAVED_ONLINE == "Opgeslagen — wordt verzonden"


# ---------------------------------------------------------------- camera


def _jpeg_bytes(width: int = 640, height: int = 480) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "FakeCam"  # Make: must not survive
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(
        buffer, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return buffer.getvalue()


def _heic_bytes() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 40, 40)).save(buffer, format="HEIF", quality=90)
    return buffer.getvalue()


class FakeCamera:
    """A camera behind the PhotoSource interface: hands out the pictures it was given."""

    def __init__(self, *pictures: bytes, fails: bool = False) -> None:
        self.pictures = list(pictures)
        self.fails = fails
        self.opened = self.closed = self.taken = 0

    def preview(self) -> Any:
        return None

    async def open(self) -> None:
        if self.fails:
            raise CameraUnavailable("geen toestemming")
        self.opened += 1

    async def take(self) -> bytes:
        self.taken += 1
        return self.pictures.pop(0)

    async def close(self) -> None:
        self.closed += 1


def test_without_a_camera_only_the_picker_is_offered(host):
    form = new(host, RecordKind.WAARNEMING)
    assert not form.photos.camera_button.visible
    shown = texts(form.photos.control)
    assert "Foto kiezen" in shown and "Foto maken" not in shown


def test_a_photo_taken_with_the_camera_is_made_safe_and_saved(host):
    camera = FakeCamera(_jpeg_bytes(), _heic_bytes())
    host.camera_source = camera
    form = new(host, RecordKind.WAARNEMING)
    photos = form.photos
    assert "Foto maken" in texts(photos.control) and "Foto kiezen" in texts(photos.control)
    for _ in range(2):  # a JPEG, then a HEIC as an iPhone writes it
        photos.camera_button.on_click(None)
        assert photos.camera_panel.visible and not photos.shoot_button.disabled
        photos.shoot_button.on_click(None)
        assert not photos.camera_panel.visible
    assert camera.opened == camera.taken == camera.closed == 2
    assert len(photos.photos) == 2
    assert "2 foto's" in texts(photos.control)
    for photo in photos.photos:
        with Image.open(io.BytesIO(photo.data)) as image:
            assert image.format == "JPEG" and not image.getexif()
        assert b"FakeCam" not in photo.data
    fill_waarneming(form)
    form.save()
    [entry] = host.state.store.entries()
    assert host.state.entry_photo_count(entry.id) == 2


def test_cancelling_the_camera_takes_no_photo(host):
    camera = FakeCamera(_jpeg_bytes())
    host.camera_source = camera
    form = new(host, RecordKind.WAARNEMING)
    form.photos.camera_button.on_click(None)
    cancel = form.photos.camera_panel.controls[-1].controls[1]
    cancel.on_click(None)
    assert not form.photos.camera_panel.visible
    assert camera.taken == 0 and camera.closed == 1 and form.photos.photos == []


def test_a_camera_that_cannot_open_says_so_in_dutch(host):
    host.camera_source = FakeCamera(fails=True)
    form = new(host, RecordKind.WAARNEMING)
    form.photos.camera_button.on_click(None)
    assert not form.photos.camera_panel.visible
    assert 'De camera kon niet openen. Gebruik "Foto kiezen".' in texts(form.photos.control)


def test_a_picture_that_is_no_photo_is_refused_in_dutch(host):
    host.camera_source = FakeCamera(b"not a picture at all")
    form = new(host, RecordKind.WAARNEMING)
    form.photos.camera_button.on_click(None)
    form.photos.shoot_button.on_click(None)
    assert form.photos.photos == []
    assert any("geen foto die de app kan lezen" in t for t in texts(form.photos.control))


class FakePickedFile:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.bytes = name, data


class FakePicker:
    """The file picker's one call the photo field makes (a HEIC from the camera roll)."""

    def __init__(self, *files: FakePickedFile) -> None:
        self.files = list(files)

    async def pick_files(self, **_kwargs: Any) -> list[FakePickedFile]:
        return self.files


def test_a_heic_from_the_picker_is_accepted(host):
    host.picker = FakePicker(FakePickedFile("IMG_0001.HEIC", _heic_bytes()))
    form = new(host, RecordKind.WAARNEMING)
    form.photos.button.on_click(None)
    [photo] = form.photos.photos
    assert photo.data[:2] == b"\xff\xd8" and (photo.width, photo.height) == (320, 240)


# ---------------------------------------------------------------- Haarlem time


@pytest.fixture
def machine_in_new_york(monkeypatch):
    """The machine's own zone is far from Haarlem: the screens must not follow it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 the next day in Haarlem
SUMMER = datetime(2026, 7, 15, 23, 30, tzinfo=UTC)  # 01:30 the next day in Haarlem


def test_a_moment_is_shown_and_read_in_haarlem_time(machine_in_new_york):
    assert moment_texts(WINTER) == ("16-01-2026", "00:30")
    assert moment_texts(SUMMER) == ("16-07-2026", "01:30")
    assert parse_moment("16-01-2026", "00:30", now=WINTER) == WINTER
    assert parse_moment("16-07-2026", "01:30", now=SUMMER) == SUMMER


def test_mijn_log_and_the_edit_screen_show_haarlem_time(host, machine_in_new_york):
    entry = host.state.save(
        "waarneming",
        {"theme": "afval", "action": "waarschuwing", "hotspot": "noord-a", "observed_at": WINTER},
    )
    log = LogScreen(host)
    log.refresh()
    shown = texts(log.view())
    assert "16-01 00:30" in shown
    assert not any("15-01" in t or "23:30" in t or "18:30" in t for t in shown)
    form = forms.edit_form(host, entry)
    assert form is not None
    shown = texts(form.view())
    assert any("van 16-01 00:30" in t for t in shown)
    assert ("16-01-2026" in shown) and ("00:30" in shown)  # the moment field


# ---------------------------------------------------------------- ← with input


@pytest.mark.parametrize("keep", [True, False])
def test_leaving_a_form_asks_to_keep_or_throw_away_its_draft(host, keep):
    form = new(host, RecordKind.ADRESCONTROLE)
    form.address.value = "Kleverparkweg 12"
    assert form.has_input() and form.keep_draft()  # kept before the question
    host.show_dialog(leave_dialog(host, form))
    [dialog] = host.dialogs
    assert "Formulier verlaten?" in texts(dialog)
    discard, keep_button = dialog.actions
    (keep_button if keep else discard).on_click(None)
    assert host.dialogs == []  # closed
    drafts = host.state.drafts()
    if keep:
        assert [d.id for d in drafts] == [form.new_id]
        assert host.snacks == [(KEPT, False)]
    else:
        assert drafts == []
        assert host.snacks == [(DISCARDED, False)]
        assert not form.keep_draft()  # the background keeper cannot bring it back
        assert host.state.drafts() == []
