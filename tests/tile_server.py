"""A small map-tile server on loopback (real HTTP) for the tile proxy's tests."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 220, 240)).save(out, "PNG")
    return out.getvalue()


class TileServer:
    """Serves one PNG for every /z/x/y.png and counts the requests."""

    def __init__(self) -> None:
        tile, hits = _png(), []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *_args: object) -> None:
                """Quiet: the test output shows failures, not every tile served."""

        self.tile, self.hits = tile, hits
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
