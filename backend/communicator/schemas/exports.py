"""Export jobs: a search (or everything) written to .xlsx in the background (docs/exports.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from communicator.schemas.search import SearchFilters

ExportStatus = Literal["running", "done", "failed"]


class ExportRead(Struct, kw_only=True):
    """One export job as its owner sees it; rows written so far out of total."""

    id: int
    status: ExportStatus
    rows: int
    total: int
    error: str | None
    filters: SearchFilters
    created_at: datetime
    finished_at: datetime | None
