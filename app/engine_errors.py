"""The engine's ValueErrors ("field: what is allowed") as protocol errors naming the field."""

from __future__ import annotations

from app.protocol.codes import ErrorCode
from app.protocol.commands import ProtocolError


def engine_error(exc: ValueError, prefix: str = "", fallback_field: str | None = None
                 ) -> ProtocolError:
    """Keep the engine's words; lift the dotted field name (``hidden.1``) out of them."""
    message = str(exc)
    head = message.split(":", 1)[0]
    is_field = bool(head) and all(p.isidentifier() or p.isdigit() for p in head.split("."))
    field = f"{prefix}{head}" if is_field else fallback_field
    return ProtocolError(ErrorCode.INVALID_VALUE, message, field)
