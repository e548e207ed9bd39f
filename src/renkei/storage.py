"""Local files for the code that needs a path (DuckDB reading and writing the Parquet meter
datasets), whatever storage holds the platform's files (``STORAGES["default"]``, chosen by
``RENKEI_STORAGE``; docs/ops/storage.md).

A storage with local paths (``FileSystemStorage``) is used in place: no copy is made. A storage
without them (an S3-compatible object store) is reached only through the storage API: a stored
file is downloaded to a temporary file for as long as it is needed and deleted after; a new file
is written to a temporary file and then saved through the storage under its name. Temporary
files go to ``FILE_UPLOAD_TEMP_DIR`` (``var/incoming``), where uploads are received too, not to
the system's ``/tmp`` (often a small tmpfs)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage

CHUNK = 1024 * 1024


def local_path(name: str, storage: Storage | None = None) -> str | None:
    """The stored file's own local path, or None when the storage has none."""
    try:
        return (storage or default_storage).path(name)
    except NotImplementedError:
        return None


def _temporary(name: str) -> str:
    folder = settings.FILE_UPLOAD_TEMP_DIR or None
    if folder:
        os.makedirs(folder, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix="renkei-", suffix=os.path.splitext(name)[1], dir=folder)
    os.close(fd)
    return path


@contextlib.contextmanager
def local_copy(name: str, storage: Storage | None = None) -> Iterator[str]:
    """A local path holding the stored file ``name`` while the block runs: the storage's own
    path when it has one, else a downloaded copy, deleted when the block ends.
    ``FileNotFoundError`` when the storage does not hold the file."""
    storage = storage or default_storage
    own = local_path(name, storage)
    if own is not None:
        if not os.path.exists(own):
            raise FileNotFoundError(f"{name} is not in the storage")
        yield own
        return
    path = _temporary(name)
    try:
        with storage.open(name, "rb") as src, open(path, "wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


class LocalCopies(contextlib.ExitStack):
    """Local paths of stored files for one computation: each file is copied at most once
    however often it is asked for, and every copy is deleted when the block ends::

        with LocalCopies() as local:
            duckdb_reads(local.path(upload.dataset))
    """

    def __init__(self, storage: Storage | None = None) -> None:
        super().__init__()
        self.storage = storage
        self._paths: dict[str, str] = {}

    def path(self, name: str) -> str:
        if name not in self._paths:
            self._paths[name] = self.enter_context(local_copy(name, self.storage))
        return self._paths[name]


class NewFile:
    """A file being made for the storage: written at ``path``, then ``save()`` puts it in the
    storage and returns its stored name (see ``new_stored_file``)."""

    def __init__(self, name: str, storage: Storage, path: str, in_place: bool) -> None:
        self.name = name
        self.storage = storage
        self.path = path
        self.in_place = in_place
        self.saved: str | None = None

    def save(self) -> str:
        if self.saved is not None:
            return self.saved
        if self.in_place:
            self.saved = self.name
        else:
            with open(self.path, "rb") as content:
                self.saved = self.storage.save(self.name, File(content, name=self.name))
        return self.saved


@contextlib.contextmanager
def new_stored_file(name: str, storage: Storage | None = None) -> Iterator[NewFile]:
    """A local path to write a new file at, that ``save()`` then keeps in the storage under
    ``name`` (or the name the storage gives it, if ``name`` is taken: a stored file is never
    replaced; use the name ``save()`` returns).

    With local paths the file is written in place (no copy; ``name`` must be free); otherwise
    it is written to a temporary file, uploaded by ``save()`` and the temporary file deleted.
    If the block fails before ``save()``, nothing is left behind."""
    storage = storage or default_storage
    own = local_path(name, storage)
    if own is not None:
        if storage.exists(name):
            raise FileExistsError(f"{name} is already in the storage")
        os.makedirs(os.path.dirname(own), exist_ok=True)
    new = NewFile(name, storage, own or _temporary(name), in_place=own is not None)
    try:
        yield new
    except BaseException:
        if new.in_place and new.saved is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(new.path)
        raise
    finally:
        if not new.in_place:
            with contextlib.suppress(FileNotFoundError):
                os.remove(new.path)
