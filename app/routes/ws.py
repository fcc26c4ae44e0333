"""The ``/ws`` endpoint: admit, then a reader task and a sender task per connection.

The reader always reads (so commands and pings flow during training) and never sends; the sender
drains JSON messages and sends the newest frame at most ``frame_rate`` times a second, each send
with a timeout, so a client that stops reading costs bounded memory and is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.frames import config_json
from app.protocol.codes import CloseCode, ErrorCode
from app.protocol.commands import ProtocolError, parse_command
from app.protocol.hello import hello_message
from app.session import TrainingSession
from app.settings import Settings

router = APIRouter()
log = logging.getLogger(__name__)
MAX_OUTBOX = 512  # JSON messages waiting for a client that does not read: then it is dropped


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
        await ws.close(code=CloseCode.POLICY)  # before accept: the handshake gets HTTP 403
        return
    client = ws.client.host if ws.client else "?"
    await ws.accept()
    refusal = state.registry.refusal(client)
    if refusal:
        await ws.close(code=CloseCode.TRY_AGAIN_LATER, reason=refusal)
        return
    session = TrainingSession(settings, client)
    wake = asyncio.Event()

    def on_change() -> None:
        wake.set()
        state.scheduler.wake()

    session.on_change = on_change
    session.outbox.append(hello_message(settings, config_json(session.trainer)))
    session.outbox.append(session.ready_message())
    session.frame_wanted = True
    state.registry.add(session)
    state.scheduler.add(session)
    reader = asyncio.create_task(_read(ws, session, settings))
    sender = asyncio.create_task(_send(ws, session, settings, wake))
    try:
        done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect | OSError):
                log.error("session ended by an error", exc_info=exc)
                session.close_request = (CloseCode.INTERNAL, "internal error")
    finally:
        session.closed = True
        state.scheduler.remove(session)
        state.registry.remove(session)
        for task in (reader, sender):
            task.cancel()
        for task in (reader, sender):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        close_code, reason = session.close_request
        if ws.application_state == WebSocketState.CONNECTED:
            # A client that stopped reading blocks even the close frame: do not wait on it.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await ws.close(code=close_code, reason=reason)


async def _read(ws: WebSocket, session: TrainingSession, settings: Settings) -> None:
    tokens, last = float(settings.command_burst), time.monotonic()
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        now = time.monotonic()
        tokens = min(settings.command_burst, tokens + (now - last) * settings.commands_per_second)
        last = now
        try:
            if tokens < 1:
                raise ProtocolError(ErrorCode.RATE_LIMITED, f"more than "
                                    f"{settings.commands_per_second:g} commands a second; this "
                                    "one was ignored")
            tokens -= 1
            text = message.get("text")
            if text is None:
                raise ProtocolError(ErrorCode.BAD_MESSAGE,
                                    "commands are JSON text messages, not binary")
            command = parse_command(text, settings.max_message_bytes, session.limits)
            session.apply(command)
            # Charged by cost: a configure of the largest network spends many commands' worth.
            tokens -= session.command_cost(command) - 1
        except ProtocolError as exc:
            session.outbox.append(exc.to_message())
            session.on_change()
        except Exception:  # a server fault: the run and the connection stay, training pauses
            log.exception("command failed; pausing the session")
            session.fail("the server could not apply that command; training is paused and "
                         "the run is kept")
        if len(session.outbox) > MAX_OUTBOX:
            session.close_request = (CloseCode.POLICY, "too many unread messages")
            return
        await asyncio.sleep(0)  # buffered commands never run back to back: others get the loop


async def _send(ws: WebSocket, session: TrainingSession, settings: Settings,
                wake: asyncio.Event) -> None:
    interval = 1.0 / settings.frame_rate
    timeout = settings.send_timeout_s
    last_frame = 0.0
    while True:
        if not session.outbox and not session.frame_wanted:
            wake.clear()
            try:
                await asyncio.wait_for(wake.wait(), timeout=1.0)
            except TimeoutError:
                if session.idle_for(time.monotonic()) > settings.idle_timeout_s:
                    idle = _duration(settings.idle_timeout_s)
                    session.close_request = (
                        CloseCode.IDLE, f"closed after {idle} paused and silent; reload to go on")
                    return
                continue
        while session.outbox:
            await _timed(ws.send_text(_dumps(session.outbox.popleft())), timeout)
        if session.frame_wanted:
            wait = last_frame + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                if session.outbox:
                    continue  # e.g. a 'ready' arrived: it must go before the frame
            last_frame = max(last_frame + interval, time.monotonic() - interval)  # no drift
            await _timed(ws.send_bytes(session.build_frame()), timeout)


async def _timed(coro: Any, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            await coro
    except TimeoutError:
        raise WebSocketDisconnect(code=CloseCode.POLICY, reason="client stopped reading") from None


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"
