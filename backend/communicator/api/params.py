"""Path and query parameters that carry ids, bounded as schemas/types.py bounds them in bodies.

Litestar keeps only its own Parameter constraints on a parameter (a msgspec Meta there is dropped), so the
limits are stated here once for every route: an id too large for its column is a 400, never a database error.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from communicator.schemas.types import BIG_ID_MAX, ID_MAX

PathId = Annotated[int, PathParameter(ge=1, le=ID_MAX)]
PathBigId = Annotated[int, PathParameter(ge=1, le=BIG_ID_MAX)]
QueryBigId = Annotated[int | None, QueryParameter(ge=1, le=BIG_ID_MAX)]
# An event cursor: 0 means "from the start".
QueryCursor = Annotated[int | None, QueryParameter(ge=0, le=BIG_ID_MAX)]
# A page cursor: the last id of the previous page, 0 for the first page.
QueryAfterId = Annotated[int, QueryParameter(ge=0, le=BIG_ID_MAX)]
