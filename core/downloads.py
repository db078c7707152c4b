"""Files sent to the browser as downloads: never kept by a cache, with a filename that is safe to send.

Every download of personal data (Excel lists, subject-access zips, calendars) goes through
``send_download``: ``Cache-Control: no-store`` (``no-cache`` would still let a browser or proxy keep a copy
on disk), ``Content-Disposition: attachment`` with a filename that holds no path, quote or control character.
"""

from __future__ import annotations

import io

from flask import Response, send_file
from werkzeug.utils import secure_filename


def safe_filename(name: str, default: str = "download") -> str:
    """``name`` reduced to ASCII letters, digits, ``-``, ``_`` and ``.`` by Werkzeug's ``secure_filename``
    (no path, quote or control character survives), keeping its extension; ``default`` when nothing is left."""
    stem, dot, ext = (name or "").rpartition(".")
    if not dot:
        stem, ext = name or "", ""
    ext = secure_filename(ext)[:10]
    stem = secure_filename(stem)[:120].strip("._") or default
    return f"{stem}.{ext}" if ext else stem


def no_store(resp: Response) -> Response:
    """Mark a response as not to be stored by any cache (browser, proxy)."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


def send_download(data: bytes | io.BytesIO, filename: str, mimetype: str) -> Response:
    """``data`` as an attachment named ``filename`` (made safe), never cached."""
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    data.seek(0)
    resp = send_file(data, mimetype=mimetype, as_attachment=True, download_name=safe_filename(filename),
                     conditional=False, etag=False, last_modified=None, max_age=None)
    return no_store(resp)
