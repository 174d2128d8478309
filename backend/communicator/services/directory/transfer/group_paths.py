"""Group cells: «Монтажники, Склад / Ночная смена» to existing groups or groups the import creates."""

from __future__ import annotations

from dataclasses import dataclass, field

from communicator.services.directory.transfer.columns import PATH_SEPARATOR, path_key
from communicator.services.directory.transfer.snapshot import Snapshot

# A group name may itself hold a comma: at most this many comma-separated pieces are tried as one name.
_MAX_JOINED = 8
MAX_NAME = 200


class AmbiguousGroup(ValueError):
    """Two groups share this path, or a name is too long: the cell cannot name a group."""

    def __init__(self, path: str, code: str) -> None:
        super().__init__(path)
        self.path = path
        self.code = code


@dataclass
class GroupResolver:
    """Resolves group cells against the directory, collecting the groups to create (parents first)."""

    snapshot: Snapshot
    new_groups: dict[str, str] = field(default_factory=dict)  # path_key → path as first spelled

    def resolve(self, text: str) -> list[str]:
        """The path keys a cell names; raises AmbiguousGroup for a path it cannot settle."""
        pieces = [piece.strip() for piece in text.split(",")]
        keys: list[str] = []
        start = 0
        while start < len(pieces):
            end = self._longest_known(pieces, start)
            path = ", ".join(pieces[start:end])
            start = end
            if path.strip(" /"):
                keys.append(self._settle(path))
        return list(dict.fromkeys(keys))

    def display(self, key: str) -> str:
        """A path key as the report shows it."""
        ids = self.snapshot.ids_by_path.get(key)
        return self.snapshot.paths[ids[0]] if ids else self.new_groups[key]

    def _longest_known(self, pieces: list[str], start: int) -> int:
        """The end of the longest run of pieces from `start` that names an existing group (at least one piece)."""
        for end in range(min(len(pieces), start + _MAX_JOINED), start + 1, -1):
            if path_key(",".join(pieces[start:end])) in self.snapshot.ids_by_path:
                return end
        return start + 1

    def _settle(self, path: str) -> str:
        """The key of an existing group, or of a new one (with its missing parents) to create."""
        whole = path_key(path)
        if whole in self.snapshot.ids_by_path:  # a name may itself hold a «/»
            if len(self.snapshot.ids_by_path[whole]) > 1:
                raise AmbiguousGroup(path, "ambiguous_group")
            return whole
        segments = [" ".join(s.split()) for s in path.split("/") if s.strip()]
        key = ""
        for depth in range(1, len(segments) + 1):
            shown = PATH_SEPARATOR.join(segments[:depth])
            key = path_key(shown)
            found = self.snapshot.ids_by_path.get(key, [])
            if len(found) > 1:
                raise AmbiguousGroup(shown, "ambiguous_group")
            if not found:
                if len(segments[depth - 1]) > MAX_NAME:
                    raise AmbiguousGroup(shown, "too_long")
                self.new_groups.setdefault(key, shown)
        return key
