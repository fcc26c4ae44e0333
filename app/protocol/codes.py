"""The protocol's named constants: version, error codes and websocket close codes.

static/js/protocol.js mirrors these; docs/protocol.md explains them.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

PROTOCOL_VERSION = 1


class ErrorCode(StrEnum):
    """The ``code`` of an ``error`` message."""

    BAD_JSON = "bad_json"  # not valid JSON
    BAD_MESSAGE = "bad_message"  # not an object, binary, too large
    UNKNOWN_TYPE = "unknown_type"  # no such command
    INVALID_VALUE = "invalid_value"  # names the field and what is allowed
    NEEDS_CONFIGURE = "needs_configure"  # `set` of a key that needs a new network
    RATE_LIMITED = "rate_limited"  # too many commands a second
    DIVERGED = "diverged"  # a step asked for after divergence
    WRONG_PHASE = "wrong_phase"  # e.g. compare_updates before the gradient exists
    READ_ONLY = "read_only"  # a student's command that would change the room's run
    ROOM = "room"  # an unknown room code, a full or closed room, a wrong teacher token
    IN_RACE = "in_race"  # a command one lane of a race cannot take alone
    INTERNAL = "internal"  # a server fault: training paused, the session goes on


class CloseCode(IntEnum):
    """Websocket close codes the server uses."""

    NORMAL = 1000
    IDLE = 1001  # paused and silent for limits.idle_timeout_s
    POLICY = 1008  # the client stopped reading; also a refused Origin (HTTP 403 at handshake)
    INTERNAL = 1011  # an internal error ended the session
    RESTART = 1012  # graceful shutdown: reconnect with backoff
    TRY_AGAIN_LATER = 1013  # session cap (per process or per address)
