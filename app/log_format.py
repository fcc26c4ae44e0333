"""Log configuration for uvicorn and the app's own loggers: text (uvicorn's) or JSON lines.

JSON lines are for log collectors: one object per line with ``time`` (UTC, ISO 8601), ``level``,
``logger``, ``pid`` (which worker), ``message``, ``exception`` (a traceback, when there is one),
and for access lines ``client``, ``method``, ``path``, ``http_version``, ``status``.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import os
from typing import Any

from uvicorn.config import LOGGING_CONFIG

ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")  # uvicorn's access args


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": os.getpid(),
            "message": record.getMessage(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) \
                and len(args) == len(ACCESS_FIELDS):
            entry.update(zip(ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def log_config(log_format: str, log_level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict for ``uvicorn.run(log_config=...)``: uvicorn's own,
    with the app's loggers added and, for ``json``, every formatter replaced by JsonFormatter.
    A plain dict, so uvicorn can hand it to worker processes."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["app"] = {"handlers": ["default"], "level": log_level.upper(),
                                "propagate": False}
    if log_format == "json":
        json_formatter = {"()": f"{__name__}.JsonFormatter"}
        config["formatters"] = {name: dict(json_formatter) for name in config["formatters"]}
    return config
