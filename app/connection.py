"""One websocket connection: a reader task, a sender task and the policies between them.

The reader always reads (so commands and pings flow during training) and never sends; the sender
drains JSON messages and sends the newest frame at most ``frame_rate`` times a second, each send
with a timeout, so a client that stops reading costs bounded memory and is dropped. A frame due
right after training, with nothing queued before it and the sender idle, is built and written by
the scheduler's visit instead (``frame_after_training``), paced the same way.

A connection plays one of three roles: ``own`` (its private session), ``teacher`` (its session
is a room's run: every frame it builds also goes to the room) or ``student`` (it follows a room:
it sends the room's frames, not its own, and its own session costs no training CPU).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app import json_values, metrics, phases
from app.command_cost import command_cost
from app.cpu_share import OVER_SHARE, cpu_clock
from app.protocol.codes import CloseCode, ErrorCode
from app.protocol.commands import STUDENT_COMMANDS, Command, ProtocolError, parse_command
from app.room_commands import ROOM_HANDLERS
from app.rooms import Room
from app.session import TrainingSession
from app.settings import Settings
from app.ws_transport import PREPARED_FRAMES, prepared_frame

log = logging.getLogger(__name__)
MAX_OUTBOX = 512  # JSON messages waiting for a client that does not read: then it is dropped
_ids = itertools.count(1)


class Connection:
    def __init__(self, ws: WebSocket, session: TrainingSession) -> None:
        self.ws = ws
        self.app_state = ws.app.state
        self.settings: Settings = self.app_state.settings
        self.id = next(_ids)  # a follower's identity in its room (one vote per poll)
        self.session = session
        self.role = "own"
        self.room: Room | None = None
        self.sent_seq = 0  # as a student: the room's last frame this connection sent
        self._wake = asyncio.Event()
        self._sending = True  # the sender task is at work (not waiting to be woken)
        prepared = ws.scope.get("extensions", {}).get(PREPARED_FRAMES)
        self._write_prepared: Callable[[bytes], bool] | None = prepared and prepared["write"]
        self._can_write: Callable[[], bool] | None = prepared and prepared["can_write"]
        self._frame_interval = 1.0 / self.settings.frame_rate
        self._last_frame = 0.0  # when the last own frame was due (monotonic; paces frames)
        self._suggesting: asyncio.Task[None] | None = None
        self.attach(session)

    # ---- the session this connection drives ---------------------------------------------------
    def attach(self, session: TrainingSession) -> None:
        """Drive ``session`` (its own, or a room's run taken over by a returning teacher)."""
        self.session = session
        session.on_change = self.wake_sender
        session.on_trained = self.frame_after_training

    def wake_sender(self) -> None:
        self._wake.set()
        if self.role != "student":  # a follower's session does not train
            self.app_state.scheduler.wake()

    def frame_after_training(self) -> None:
        """The session trained and wants a frame: built and written right here, in the
        scheduler's visit, when it is due, nothing is queued before it, the sender is idle and
        the socket takes it now (no task switch, no send timeout: nothing waits); else the
        sender sends it in turn. With hundreds of sessions this halves a frame's overhead, and
        frames are built where training yields to the loop, not piled into one loop turn."""
        session = self.session
        if not session.frame_wanted:
            return  # built meanwhile
        if (self.role == "student" or self._sending or session.outbox or self._can_write is None
                or not self._can_write()):
            self.wake_sender()
            return
        if not self.app_state.scheduler.may_build_frames():
            self.app_state.scheduler.defer(self.frame_after_training)
            return
        if not self._frame_now():
            self.wake_sender()
            return
        # Sending is frame work too: the scheduler leaves training what frames do not take
        # (booked as training, 200 sessions' writes made it step more and send fewer frames)
        started = time.perf_counter(), cpu_clock()
        data = self._frame_data()
        if self._write_prepared is not None and self._write_prepared(prepared_frame(data)):
            metrics.record_frame(len(data))
        else:  # cannot happen between the check and now (one thread); kept safe all the same
            session.frame_wanted = True
            self.wake_sender()
        self._frame_work(started)

    def _frame_now(self) -> bool:
        """Whether an own frame may go now (paced at the frame rate; a session over its share
        of CPU spaces its frames out); if so, it counts as sent."""
        now = time.monotonic()
        if now < self._last_frame + self._frame_interval:
            return False
        self._last_frame = max(self._last_frame + self._frame_interval,
                               now - self._frame_interval)  # no drift
        # Fair by cost: a session using more than its share spaces its frames out.
        share = self.session.cpu.rate(time.perf_counter()) / \
            self.app_state.scheduler.share_of(self.session)
        if share > OVER_SHARE:
            self._last_frame += self._frame_interval * min(share / OVER_SHARE - 1.0, 10.0)
            return False
        return True

    def _build_frame(self) -> bytes:
        started = time.perf_counter(), cpu_clock()
        data = self._frame_data()
        self._frame_work(started)
        return data

    def _frame_data(self) -> bytes:
        data = self.session.build_frame()
        if self.role == "teacher" and self.room is not None:
            self.room.publish_frame(data)  # built once, sent to every follower
        return data

    def _frame_work(self, started: tuple[float, float]) -> None:
        """Frame work since ``started`` (wall clock, CPU clock): the session's CPU (fair
        shares) and the loop turn's frame budget, in wall time (the scheduler subtracts it from
        training)."""
        now = time.perf_counter()
        self.session.cpu.charge(cpu_clock() - started[1], now)
        self.app_state.scheduler.frames.record(now - started[0])

    def take_frame(self, seq: int, frame: bytes, wire: bytes) -> None:
        """A room's new frame (as a follower). Written at once when nothing is queued before it
        and the sender is idle: no task switch, no framing, the room's one framing for all
        (app/ws_transport.py); else the sender sends the room's newest frame in turn."""
        if (self._write_prepared is not None and not self._sending
                and not self.session.outbox and self._write_prepared(wire)):
            self.sent_seq = seq
            metrics.record_frame(len(frame))
            return
        self.wake_sender()

    def push_text(self, text: str) -> None:
        """A serialised message from the room (the same text for every follower)."""
        self.session.outbox.append(text)

    # ---- lifetime ------------------------------------------------------------------------------
    async def serve(self) -> None:
        reader = asyncio.create_task(self._read())
        sender = asyncio.create_task(self._send())
        try:
            done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, WebSocketDisconnect | OSError):
                    log.error("session ended by an error", exc_info=exc)
                    self.session.close_request = (CloseCode.INTERNAL, "internal error")
        finally:
            tasks = [t for t in (reader, sender, self._suggesting) if t is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._close()

    async def _close(self) -> None:
        from app.room_commands import leave_room  # the room outlives a teacher who drops

        leave_room(self, dropped=True)
        session = self.session
        session.closed = True
        self.app_state.scheduler.remove(session)
        self.app_state.registry.remove(session)
        code, reason = session.close_request
        if self.ws.application_state == WebSocketState.CONNECTED:
            # A client that stopped reading blocks even the close frame: do not wait on it.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await self.ws.close(code=code, reason=reason)

    # ---- reading -------------------------------------------------------------------------------
    async def _read(self) -> None:
        s = self.settings
        tokens, last = float(s.command_burst), time.monotonic()
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            now = time.monotonic()
            tokens = min(s.command_burst, tokens + (now - last) * s.commands_per_second)
            last = now
            session = self.session
            try:
                if tokens < 1:
                    raise ProtocolError(ErrorCode.RATE_LIMITED, f"more than "
                                        f"{s.commands_per_second:g} commands a second; this "
                                        "one was ignored")
                tokens -= 1
                text = message.get("text")
                if text is None:
                    raise ProtocolError(ErrorCode.BAD_MESSAGE,
                                        "commands are JSON text messages, not binary")
                command = parse_command(text, s.max_message_bytes, session.limits)
                metrics.record_command(command.type)
                self.handle(command)
                # Charged by cost: a configure of the largest network costs many commands.
                tokens -= command_cost(self.session, command) - 1
            except ProtocolError as exc:
                metrics.record_error(str(exc.code))
                session.outbox.append(exc.to_message())
                self.wake_sender()
            except Exception:  # a server fault: the run and the connection stay, training pauses
                log.exception("command failed; pausing the session")
                session.fail("the server could not apply that command; training is paused and "
                             "the run is kept")
            if len(self.session.outbox) > MAX_OUTBOX:
                self.session.close_request = (CloseCode.POLICY, "too many unread messages")
                return
            await asyncio.sleep(0)  # buffered commands never run back to back

    def handle(self, cmd: Command) -> None:
        room_handler = ROOM_HANDLERS.get(cmd.type)
        if self.role == "student" and cmd.type not in STUDENT_COMMANDS:
            raise ProtocolError(ErrorCode.READ_ONLY, f"{cmd.type}: you are following room "
                                f"{self.room.code if self.room else ''}; only the teacher drives "
                                "it. Take a copy (room_copy) to try things yourself", "type",
                                cmd.id)
        if cmd.type == "suggest_learning_rate":
            self._suggest_in_background(cmd)
            return
        if room_handler is not None:
            try:
                with self.session.answering(cmd.id):
                    room_handler(self, cmd)
            except ProtocolError as exc:
                exc.id = cmd.id
                raise
            self.wake_sender()
        else:
            self.session.apply(cmd)

    def _suggest_in_background(self, cmd: Command) -> None:
        """Trying learning rates trains copies for a few hundred steps each (~0.3 s): done in a
        thread on a copy of the run, one at a time per connection, so the loop stays free."""
        if self._suggesting is not None and not self._suggesting.done():
            raise ProtocolError(ErrorCode.RATE_LIMITED, "a learning rate is already being tried; "
                                "wait for its answer", None, cmd.id)
        trainer = self.session.trainer.copy()
        session = self.session

        async def work() -> None:
            try:
                message = await asyncio.to_thread(phases.suggestion_message, trainer)
            except Exception:
                log.exception("suggest_learning_rate failed")
                session.outbox.append(ProtocolError(ErrorCode.INTERNAL, "could not try learning "
                                                    "rates", None, cmd.id).to_message())
            else:
                with session.answering(cmd.id):
                    session.say(message)
            self.wake_sender()

        self._suggesting = asyncio.create_task(work())

    # ---- sending -------------------------------------------------------------------------------
    async def _send(self) -> None:
        s = self.settings
        while True:
            session = self.session
            if not session.outbox and not self._frame_due():
                self._wake.clear()
                self._sending = False
                try:
                    async with asyncio.timeout(1.0):  # no task per wait, unlike wait_for
                        await self._wake.wait()
                except TimeoutError:
                    if self.role != "student" and \
                            session.idle_for(time.monotonic()) > s.idle_timeout_s:
                        idle = _duration(s.idle_timeout_s)
                        session.close_request = (
                            CloseCode.IDLE, f"closed after {idle} paused and silent; "
                            "reload to go on")
                        return
                    continue
                finally:
                    self._sending = True
            while session.outbox:
                item = session.outbox.popleft()
                await self._timed(self.ws.send_text(item if isinstance(item, str)
                                                    else json_values.text(item)))
            if self.role == "student":
                room = self.room
                if room is not None and room.frame is not None and room.seq != self.sent_seq:
                    self.sent_seq = room.seq
                    await self._send_frame(room.frame)
            elif session.frame_wanted:
                wait = self._last_frame + self._frame_interval - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                    if session.outbox:
                        continue  # e.g. a 'ready' arrived: it must go before the frame
                await self.app_state.scheduler.frames.wait_open()  # this loop turn's share
                if session.outbox:
                    continue
                if not session.frame_wanted:
                    continue  # sent meanwhile, straight after training
                if not self._frame_now():
                    continue  # over its share: spaced out
                await self._send_frame(self._build_frame())

    def _frame_due(self) -> bool:
        if self.role == "student":
            return self.room is not None and self.room.seq != self.sent_seq
        return self.session.frame_wanted

    async def _send_frame(self, data: bytes) -> None:
        await self._timed(self.ws.send_bytes(data))
        metrics.record_frame(len(data))

    async def _timed(self, coro: Any) -> None:
        try:
            async with asyncio.timeout(self.settings.send_timeout_s):
                await coro
        except TimeoutError:
            raise WebSocketDisconnect(code=CloseCode.POLICY,
                                      reason="client stopped reading") from None



def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"
