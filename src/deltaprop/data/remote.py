"""Data files named by an http(s) URL: downloaded once into a cache folder, then read as the
local file they are. The URL's last path segment names the file (and so its type:
``.../titanic.csv``). The cache is ``$DELTAPROP_CACHE``, else ``$XDG_CACHE_HOME/deltaprop``,
else ``~/.cache/deltaprop``; a file there is never downloaded again (delete it to refresh)."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

from .errors import DataError

#: Seconds to wait for the server to answer, and between two parts of an answer.
TIMEOUT = 60


def is_url(spec) -> bool:
    """Whether ``spec`` is an http or https URL (the only ones downloaded)."""
    return isinstance(spec, str) and spec.lower().startswith(("http://", "https://"))


def cache_folder() -> Path:
    """Where downloaded files are kept (see the module's description)."""
    if os.environ.get("DELTAPROP_CACHE"):
        return Path(os.environ["DELTAPROP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "deltaprop"


def local_copy(url: str) -> Path:
    """The local file of ``url``: the cached copy, or else downloaded now, atomically (a copy
    cut short by an error or Ctrl-C is never left as the file). A DataError, one line, when
    it cannot be downloaded."""
    url_path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    name = PurePosixPath(url_path).name
    if not name or url_path.endswith("/"):
        raise DataError(f"{url}: the URL names no file (its path ends with '/')")
    key = hashlib.sha256(url.encode()).hexdigest()[:16]  # one folder per URL, the file's name kept
    path = cache_folder() / "downloads" / key / name
    if path.is_file():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=path.parent)
    except (OSError, ValueError) as e:  # a folder that cannot be made; a NUL in the name
        raise DataError(f"{url}: cannot be kept in {path.parent} ({_reason(e)})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            request = urllib.request.Request(url, headers={"User-Agent": "deltaprop"})
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                shutil.copyfileobj(answer, f, 1 << 20)
                announced = answer.headers.get("Content-Length")
            # A read in parts does not notice a connection closed early: the length does.
            if announced is not None and announced.isdigit() and f.tell() != int(announced):
                raise DataError(
                    f"{url}: cannot be downloaded (cut short: {f.tell():,} of {int(announced):,} "
                    "bytes)"
                )
        os.replace(tmp, path)
    except DataError:
        raise
    except urllib.error.HTTPError as e:
        raise DataError(f"{url}: cannot be downloaded (HTTP {e.code} {e.reason})") from None
    except urllib.error.URLError as e:
        raise DataError(f"{url}: cannot be downloaded ({_reason(e.reason)})") from None
    except (OSError, ValueError, http.client.HTTPException) as e:  # cut short, a timeout, ...
        raise DataError(f"{url}: cannot be downloaded ({_reason(e)})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
        if not path.is_file():  # no folder left for a URL that gave no file
            with contextlib.suppress(OSError):  # not empty: the same URL, downloading elsewhere
                path.parent.rmdir()
    return path


def _reason(reason) -> str:
    text = getattr(reason, "strerror", None) or str(reason)
    return " ".join(text.split()) or type(reason).__name__
