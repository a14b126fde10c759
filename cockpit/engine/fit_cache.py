"""Fitted references kept beside the config, so that a new process (``cockpit run-once``, a
restarted daemon) neither reads a reference nor fits it again.

A fit is filed under a token: a digest of the monitor's spec, of the reference's version as
known *without reading it* (a rolling window's bounds, or a fixed reference's files by path,
size and modification time) and of the statistics' code (every module of ``monitors``), so a
changed config, reference or release never meets an old fit. One fit is kept per monitor: the
newest replaces the others. The folder, ``.cockpit-cache/fitted`` beside the config, holds
Python pickles: it is as trusted as the config file it sits next to (the cockpit writes it with
the permissions of the config's folder; delete it at any time, it is refilled).

Reading or writing a fit never fails a run: a missing, stale or unreadable file is a miss, a
failed write is logged and the fit stays in memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import monitors

log = logging.getLogger(__name__)
FOLDER = Path(".cockpit-cache") / "fitted"


@cache
def code_digest() -> str:
    """A digest of the statistics' code: a fit made by other code is never loaded."""
    digest = hashlib.sha256()
    root = Path(monitors.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def token(spec: str, reference: str) -> str:
    """The name a fit is filed under: the spec, the reference's version and the code."""
    digest = hashlib.sha256()
    for part in (spec, reference, code_digest()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


class FitCache:
    """Fits on disk under ``folder``: one file per (service, monitor), named by its token."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _dir(self, service: str, monitor: str) -> Path:
        return self.folder / quote(service, safe="") / quote(monitor, safe="")

    def load(self, service: str, monitor: str, name: str) -> Any | None:
        path = self._dir(service, monitor) / f"{name}.pickle"
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a torn or foreign file: fit again, and overwrite it
            log.warning("fit cache: ignoring %s: %s", path, exc)
            return None

    def save(self, service: str, monitor: str, name: str, value: Any) -> None:
        folder = self._dir(service, monitor)
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, folder / f"{name}.pickle")
            tmp = None
            for old in folder.glob("*.pickle"):  # one fit per monitor: the newest
                if old.stem != name:
                    old.unlink(missing_ok=True)
        except Exception as exc:  # a full disk, a read-only folder: the fit stays in memory
            log.warning("fit cache: could not keep the fit of %s/%s: %s", service, monitor, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
