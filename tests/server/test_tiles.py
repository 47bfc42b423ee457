"""The caching tile proxy against a small tile server on loopback (real HTTP):
fetched once, then served from the cache even when the tile server is gone;
`tiles_unavailable` when it cannot be reached and the tile is not cached."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import assert_error, enrol, make_user
from tile_server import TileServer


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    yield server
    server.stop()


@pytest.fixture
def settings(settings, tile_server: TileServer, tmp_path: Path):
    return dataclasses.replace(
        settings,
        tile_url_template=tile_server.url + "/{z}/{x}/{y}.png",
        tile_dir=tmp_path / "tiles",
    )


def test_a_tile_is_fetched_once_and_then_served_from_the_cache(
    http, engine, settings, tile_server: TileServer
):
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    first = http.get("/api/v1/tiles/15/16834/10773.png", headers=phone.headers)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/png"
    assert first.content == tile_server.tile
    assert tile_server.hits == ["/15/16834/10773.png"]
    assert (settings.tile_dir / "15" / "16834" / "10773.png").read_bytes() == tile_server.tile

    tile_server.stop()  # the tile server is gone: the cached tile still comes
    again = http.get("/api/v1/tiles/15/16834/10773.png", headers=phone.headers)
    assert again.status_code == 200 and again.content == tile_server.tile
    assert tile_server.hits == ["/15/16834/10773.png"]
    # A tile never fetched cannot come: a clear code, not a 500.
    assert_error(
        http.get("/api/v1/tiles/15/16835/10773.png", headers=phone.headers),
        503,
        "tiles_unavailable",
    )


def test_tiles_need_a_signed_in_caller_and_a_real_tile(http, engine, settings, tile_server):
    assert_error(http.get("/api/v1/tiles/1/0/0.png"), 401, "token_missing")
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    assert_error(http.get("/api/v1/tiles/2/4/0.png", headers=phone.headers), 404, "not_found")
    assert_error(
        http.get("/api/v1/tiles/21/0/0.png", headers=phone.headers), 422, "invalid_request"
    )
    assert tile_server.hits == []


def test_the_server_hands_out_its_proxy_with_a_tile_key_a_map_can_use(
    http, engine, settings, tile_server: TileServer
):
    assert_error(http.get("/api/v1/map/settings"), 401, "token_missing")
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    reply = http.get("/api/v1/map/settings", headers=phone.headers)
    assert reply.status_code == 200, reply.text
    template = reply.json()["tile_url"]
    assert template.startswith("/api/v1/tiles/{z}/{x}/{y}.png?key=")
    # A map cannot send the token: the key in the template is enough for a tile…
    url = template.format(z=15, x=16834, y=10773)
    tile = http.get(url)
    assert tile.status_code == 200, tile.text
    assert tile.content == tile_server.tile
    assert tile_server.hits == ["/15/16834/10773.png"]
    # …and a wrong key is no key: a token is asked for.
    wrong = url.split("?key=")[0] + "?key=" + "0" * 32
    assert_error(http.get(wrong), 401, "token_missing")
    assert tile_server.hits == ["/15/16834/10773.png"]


def test_a_key_that_is_not_the_tile_key_is_no_key(http, tile_server):
    for key in ["", "é" * 32, "0" * 64]:
        assert_error(
            http.get("/api/v1/tiles/15/16834/10773.png", params={"key": key}), 401, "token_missing"
        )
    assert tile_server.hits == []
