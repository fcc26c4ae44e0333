"""The ``/ws`` endpoint: check the origin, admit under the caps, then serve a ``Connection``."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from app import json_values, metrics
from app.connection import Connection
from app.frames import config_json
from app.protocol.codes import CloseCode
from app.protocol.hello import hello_message
from app.session import TrainingSession
from app.settings import Settings

router = APIRouter()



def origin_allowed(ws: WebSocket, settings: Settings) -> bool:
    """Browsers always send Origin: it must be this host or on the allowlist."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: nothing for CSRF-style hijacking to ride on
    if origin in settings.allowed_origins or "*" in settings.allowed_origins:
        return True
    return urlsplit(origin).netloc.lower() == ws.headers.get("host", "").lower()


@router.websocket("/ws")
async def training_socket(ws: WebSocket) -> None:
    state = ws.app.state
    settings: Settings = state.settings
    if not origin_allowed(ws, settings):
        metrics.record_refusal("origin")
        await ws.close(code=CloseCode.POLICY)  # before accept: the handshake gets HTTP 403
        return
    client = ws.client.host if ws.client else "?"
    await ws.accept()
    refusal = state.registry.refusal(client)
    if refusal:
        await ws.close(code=CloseCode.TRY_AGAIN_LATER, reason=refusal)
        return
    if getattr(state, "prototype", None) is None:  # what every connection starts with: once
        first = TrainingSession(settings, client)
        state.prototype = first.trainer
        state.hello_text = json_values.text(hello_message(settings, config_json(first.trainer)))
        state.ready_text = json_values.text(first.ready_message())
    session = TrainingSession(settings, client, trainer=state.prototype.copy())
    session.outbox.append(state.hello_text)
    session.outbox.append(state.ready_text)
    session.frame_wanted = True
    state.registry.add(session)
    session.capacity_check = state.registry.growth_check(session)
    state.scheduler.add(session)
    await Connection(ws, session).serve()
