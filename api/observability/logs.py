"""How the server's log lines look (`STOCKPOOL_LOG_FORMAT`): one JSON object a line, or text.

Every line written while a request or WebSocket connection is being served carries its
request id (`RequestIdFilter`, from api/observability/request_log.py's context variable), the
request's own summary line included. A line's structured fields ride in the record's `fields`
attribute (`log.info("…", extra={"fields": {...}})`): JSON merges them into the object, text
appends them as `key=value`.

`stockpool serve` hands `logging_config()` to uvicorn, which applies it in every worker."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from api.observability.request_log import current_request_id

LOG_FORMATS = ("text", "json")
TRACE = 5
QUIET_LIBRARIES = ("httpx", "httpcore", "sqlalchemy", "aiosqlite", "asyncio", "websockets")
"""Logged at WARNING whatever the level: at INFO httpx writes every webhook URL (a URL may
hold a token), at DEBUG SQLAlchemy every statement's parameters."""
"""uvicorn's level below DEBUG (`STOCKPOOL_LOG_LEVEL=trace`)."""


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id"?, ...fields, "exception"?}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if fields:
            for key, value in fields.items():
                line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """`2026-12-06T22:44:03.123Z INFO stockpool.request [id] message key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        parts = [_time(record), record.levelname, record.name]
        if request_id is not None:
            parts.append(f"[{request_id}]")
        parts.append(record.getMessage())
        fields = getattr(record, "fields", None)
        if fields:
            parts.extend(f"{key}={_text_value(value)}" for key, value in fields.items())
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_NEEDS_QUOTES = re.compile(r'[\s"=]')


def _text_value(value: object) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(map(str, value)) or "-"
    shown = "-" if value is None else str(value)
    if not shown or _NEEDS_QUOTES.search(shown):
        return orjson.dumps(shown).decode()  # quoted, so a line still splits on spaces
    return shown


def make_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing lines of `log_format` ("text" or "json") with request ids."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: expected one of {LOG_FORMATS}")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def level_number(level: str) -> int:
    """A `STOCKPOOL_LOG_LEVEL` name as logging's number."""
    return TRACE if level.lower() == "trace" else logging.getLevelName(level.upper())


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of a server process: everything (stockpool's loggers,
    uvicorn's) through one handler on standard error. uvicorn's access log is not used: the
    request log (api/observability/request_log.py) is its replacement, with more in it.
    Libraries' own chatter stays at WARNING (`QUIET_LIBRARIES`)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {
            "main": {
                "()": "api.observability.logs.make_handler",
                "log_format": log_format,
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            **{name: {"level": "WARNING"} for name in QUIET_LIBRARIES},
        },
        "root": {"level": level_number(level), "handlers": ["main"]},
    }
