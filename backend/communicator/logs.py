"""Logging setup: plain lines, or one JSON object per line when COMMUNICATOR_LOG_FORMAT=json."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import msgspec

from communicator.settings import Settings

_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line: time, level, logger, message, process, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        """The line."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encoder.encode(entry).decode()


def configure_logging(settings: Settings) -> bool:
    """Send every log line to stderr in the configured format; True when uvicorn must keep its hands off."""
    handler = logging.StreamHandler(sys.stderr)
    as_json = settings.log_format.lower() == "json"
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    if as_json:
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
        logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return as_json
