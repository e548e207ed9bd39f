"""Receiving uploaded files: the size limit is decided while the bytes stream in, and the SHA-256
and the first bytes (for the content check) are taken on the way, so nothing reads a file twice.

``AttachmentUploadHandler`` is the platform's only upload handler (``FILE_UPLOAD_HANDLERS``), for
the pages and the API alike. A file over ``RENKEI_UPLOAD_MAX_BYTES`` is not kept: from the byte
that crosses the limit (or from its first byte, when the request's Content-Length already says
the body is too large) nothing more is written, what was written is deleted, and the request
carries a ``RefusedUpload`` with the size that was sent, so the attachment service refuses it with
its usual message ("… is 25.3 MB; the limit is 20 MB") instead of the file silently missing.

Small files stay in memory, larger ones stream to a temporary file in ``FILE_UPLOAD_TEMP_DIR``
(``var/incoming`` by default, next to the storage's ``var/uploads``): scratch space of this one
request, deleted when it ends. Keeping the file is always the storage's work (the services save
it with ``FieldFile.save`` / ``Storage.save``, never at a path): with ``FileSystemStorage`` on
the same file system that is a rename, not a copy; with an object store (``RENKEI_STORAGE=s3``)
the temporary file is uploaded to it, so that every web process sees it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    TemporaryUploadedFile,
    UploadedFile,
)
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

# room for the form's other fields and the multipart boundaries around one file
BODY_SLACK = 64 * 1024
HEAD_BYTES = 16


class RefusedUpload(UploadedFile):
    """A file that was not kept because it is over the size limit: its name and the number of
    bytes that were sent, no content."""

    refused = True

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(io.BytesIO(), name, content_type, size)


class AttachmentUploadHandler(FileUploadHandler):
    """Counts, hashes and keeps each file's bytes in one pass (see the module docstring)."""

    # larger than Django's 64 KB: fewer rounds through the multipart parser per megabyte
    chunk_size = 1024 * 1024

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.body_too_large = content_length > settings.RENKEI_UPLOAD_MAX_BYTES + BODY_SLACK
        self.in_memory = content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        return None  # the multipart parser goes on as usual

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()
        self.head = b""
        self.refused = getattr(self, "body_too_large", False)
        self.file: Any = None
        if not self.refused:
            self._open()
        raise StopFutureHandlers  # this handler keeps the file; no other one sees it

    def _open(self) -> None:
        if getattr(self, "in_memory", False):
            self.file = InMemoryUploadedFile(
                io.BytesIO(),
                self.field_name,
                self.file_name,
                self.content_type,
                0,
                self.charset,
                self.content_type_extra,
            )
        else:
            if settings.FILE_UPLOAD_TEMP_DIR:
                os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, exist_ok=True)
            self.file = TemporaryUploadedFile(
                self.file_name, self.content_type, 0, self.charset, self.content_type_extra
            )

    def _discard(self) -> None:
        """Delete what was written of a refused file."""
        if self.file is None:
            return
        path = getattr(self.file, "temporary_file_path", None)
        location = path() if path else None
        self.file.close()
        if location:
            with contextlib.suppress(FileNotFoundError):  # gone with close() already
                os.remove(location)
        self.file = None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.refused:
            return None
        if start + len(raw_data) > settings.RENKEI_UPLOAD_MAX_BYTES:
            self.refused = True
            self._discard()
            return None
        if len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        if self.refused:
            return RefusedUpload(self.file_name, file_size, self.content_type)
        self.file.seek(0)
        self.file.size = file_size
        self.file.renkei_sha256 = self.digest.hexdigest()
        self.file.renkei_head = self.head
        return self.file

    def upload_interrupted(self) -> None:
        if getattr(self, "file", None) is not None:
            self._discard()
