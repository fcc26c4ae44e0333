"""The room commands of one connection (docs/protocol.md, "Rooms"): open, join, resume, copy,
close, leave, polls and the teacher's view."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.protocol.codes import ErrorCode
from app.protocol.commands import (
    Command,
    PollOpen,
    ProtocolError,
    RoomJoin,
    RoomResume,
    View,
    Vote,
)
from app.room_relay import RemoteRoom
from app.rooms import MAX_FOLLOWERS, Room, RoomError
from engine.snapshot import restore as restore_trainer

if TYPE_CHECKING:
    from app.connection import Connection
    from app.room_registry import RoomRegistry
    from engine.trainer import Trainer


T = TypeVar("T")


def _error(message: str, field: str | None = None) -> ProtocolError:
    return ProtocolError(ErrorCode.ROOM, message, field)


def _rooms(conn: Connection) -> Any:
    return conn.app_state.rooms


def _teacher_room(conn: Connection) -> Room:
    if conn.role != "teacher" or conn.room is None:
        raise _error("only the teacher of a room can do that; open one with room_open")
    return conn.room


def join_url(conn: Connection, code: str) -> str:
    scheme = "https" if conn.ws.url.scheme in ("wss", "https") else "http"
    host = conn.ws.headers.get("host", "localhost")
    return f"{scheme}://{host}/#room={code}"


def _room_message(conn: Connection, room: Room, **extra: Any) -> dict[str, Any]:
    return {**room.state_message(), "role": conn.role, "join_url": join_url(conn, room.code),
            "qr_url": f"/room/{room.code}/qr.svg", **extra}


def room_open(conn: Connection, cmd: Command) -> None:
    if conn.role != "own":
        raise _error(f"you are already in room {conn.room.code if conn.room else ''}")
    try:
        room = _rooms(conn).open(conn.session)
    except RoomError as exc:
        raise _error(str(exc)) from None
    _become_teacher(conn, room)
    conn.session.say(_room_message(conn, room, teacher_token=room.token))


def _become_teacher(conn: Connection, room: Room) -> None:
    conn.role, conn.room = "teacher", room
    session = conn.session
    session.publish = room.publish_message
    room.publish_message(session.ready_message())
    room.teacher_wake = conn.wake_sender
    session.frame_wanted = True  # the room's first frame


def room_join(conn: Connection, cmd: RoomJoin) -> None:
    if conn.role == "teacher":
        raise _error("close your own room (room_close) before joining another", "code")
    rooms = _rooms(conn)
    room = rooms.find_here(cmd.code)
    if room is not None:
        _follow(conn, room)
    elif rooms.broker.shared:  # owned by another process, perhaps: ask the directory
        _answer_later(conn, cmd, _find_elsewhere(rooms, cmd.code), lambda room: _follow(conn, room))
    else:
        try:
            rooms.get(cmd.code)
        except RoomError as exc:
            raise _error(str(exc), "code") from None


async def _find_elsewhere(rooms: RoomRegistry, code: str) -> Room:
    try:
        return await rooms.find(code)
    except RoomError as exc:
        raise _error(str(exc), "code") from None


def _answer_later(conn: Connection, cmd: Command, wait: Awaitable[T],
                  then: Callable[[T], None]) -> None:
    """A command that waits on another process: ``then(await wait)`` answers it (or the error
    does) when the answer comes, echoing the command's id; meanwhile the connection goes on."""

    async def answer() -> None:
        try:
            result = await wait
            with conn.session.answering(cmd.id):
                then(result)
        except ProtocolError as exc:
            exc.id = cmd.id
            conn.session.outbox.append(exc.to_message())
        except TimeoutError:
            conn.session.outbox.append(ProtocolError(
                ErrorCode.ROOM, f"{cmd.type}: the room's server did not answer", None,
                cmd.id).to_message())
        conn.wake_sender()

    _rooms(conn).in_background(answer())


def _follow(conn: Connection, room: Room) -> None:
    if conn.session.closed:  # the connection ended while the room was looked up
        return
    if conn.role == "teacher":  # opened a room of its own meanwhile
        raise _error("close your own room (room_close) before joining another", "code")
    if room.closed:
        raise _error(f"room {room.code} is closed", "code")
    if room.follower_count() >= MAX_FOLLOWERS:
        raise _error(f"room {room.code} is full ({MAX_FOLLOWERS} students)", "code")
    leave_room(conn)
    conn.session.hold()
    conn.app_state.scheduler.remove(conn.session)  # a follower costs no training CPU
    conn.role, conn.room, conn.sent_seq = "student", room, 0
    room.followers[conn.id] = conn
    conn.session.say(_room_message(conn, room))
    room.welcome(conn)
    _followers_changed(conn, room)


def room_resume(conn: Connection, cmd: RoomResume) -> None:
    rooms = _rooms(conn)
    try:
        room = rooms.get(cmd.code)
    except RoomError as exc:
        if not rooms.broker.shared:
            raise _error(str(exc), "code") from None
        _answer_later(conn, cmd, _held_elsewhere(rooms, cmd.code), lambda _: None)
        return
    if not secrets.compare_digest(room.token, cmd.teacher_token):
        raise _error("that is not this room's teacher token", "teacher_token")
    if room.away_since is None:
        raise _error("the room's teacher is still connected", "code")
    if conn.role != "own":
        raise _error("leave your room first", "code")
    state = conn.app_state
    old = conn.session
    state.scheduler.remove(old)
    state.registry.remove(old)
    old.closed = True
    session = room.session
    session.closed = False
    session.outbox.clear()
    state.registry.add(session)
    state.scheduler.add(session)
    conn.attach(session)
    room.away_since = None
    room.broadcast(room.state_message())
    _become_teacher(conn, room)
    session.say(_room_message(conn, room, teacher_token=room.token))
    session.outbox.append(session.ready_message())  # followers already have it


async def _held_elsewhere(rooms: RoomRegistry, code: str) -> None:
    """Why a teacher cannot resume here a room this process does not hold (always raises)."""
    if await rooms.broker.get_room(code.strip().upper()) is None:
        raise _error(f"no room {code!r} is open; check the code", "code")
    raise _error(f"room {code.strip().upper()} is held by another server process; a teacher "
                 "can come back only to that one (its followers keep the last state until "
                 "the grace period ends)", "code")


def room_copy(conn: Connection, cmd: Command) -> None:
    room = conn.room
    if conn.role != "student" or room is None:
        raise _error("room_copy: only a student following a room can take a copy")
    if isinstance(room, RemoteRoom):  # the run is in another process: its snapshot comes here
        _answer_later(conn, cmd, room.request_snapshot(),
                      lambda state: _copy_from_snapshot(conn, room, state))
        return
    assert room.session is not None
    _take_copy(conn, room, room.session.trainer.copy())


def _copy_from_snapshot(conn: Connection, room: RemoteRoom, state: dict[str, Any]) -> None:
    try:
        trainer = restore_trainer(state)
    except ValueError as exc:
        raise _error(f"room_copy: the room's snapshot was refused: {exc}") from None
    if conn.room is room and conn.role == "student":  # still following
        _take_copy(conn, room, trainer)


def _take_copy(conn: Connection, room: Room, trainer: Trainer) -> None:
    leave_room(conn)
    session = conn.session
    conn.app_state.scheduler.add(session)
    session.say({"type": "room", "code": room.code, "state": "copied", "role": "own"})
    session.start_run(trainer)


def room_close(conn: Connection, cmd: Command) -> None:
    room = _teacher_room(conn)
    conn.session.publish = None
    conn.role, conn.room = "own", None
    _rooms(conn).close(room)
    conn.session.say(_room_message(conn, room))


def room_leave(conn: Connection, cmd: Command) -> None:
    if conn.role == "teacher":
        room_close(conn, cmd)
        return
    room = conn.room
    if room is None:
        raise _error("you are not in a room")
    leave_room(conn)
    session = conn.session
    conn.app_state.scheduler.add(session)
    session.say({"type": "room", "code": room.code, "state": "left", "role": "own"})
    session.say(session.ready_message())  # back to this connection's own run
    session.frame_wanted = True


def leave_room(conn: Connection, dropped: bool = False) -> None:
    """Stop following (a student), or, when a teacher's connection drops, keep the room for
    the grace period with followers told."""
    room = conn.room
    if room is None:
        return
    if conn.role == "student":
        room.followers.pop(conn.id, None)
        _followers_changed(conn, room)
    elif conn.role == "teacher" and dropped and not room.closed:
        room.away_since = room.clock()
        room.teacher_wake = None
        room.broadcast(room.state_message())
    conn.role, conn.room = "own", None


def poll_open(conn: Connection, cmd: PollOpen) -> None:
    room = _teacher_room(conn)
    room.open_poll(cmd.question, list(cmd.options))
    message = room.poll_message()
    room.broadcast(message)
    conn.session.say(message)
    conn.session.say(room.poll.results() if room.poll else {})


def vote(conn: Connection, cmd: Vote) -> None:
    room = conn.room
    poll = room.poll if room is not None else None
    if conn.role != "student" or room is None or poll is None or poll.id != cmd.poll:
        raise _error(f"poll {cmd.poll} is not open in your room", "poll")
    if not poll.open:
        raise _error(f"poll {cmd.poll} is closed", "poll")
    if cmd.option >= len(poll.options):
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"option: must be below "
                            f"{len(poll.options)}", "option")
    if conn.id in poll.votes:
        raise _error("you have already voted in this poll", "poll")
    poll.votes[conn.id] = cmd.option
    conn.session.say({"type": "voted", "poll": poll.id, "option": cmd.option})
    if isinstance(room, RemoteRoom):  # counted by the room's own process
        room.send_vote(conn.id, poll.id, cmd.option)
    else:
        room.tell_teacher(poll.results())


def poll_close(conn: Connection, cmd: Command) -> None:
    room = _teacher_room(conn)
    if room.poll is None or not room.poll.open:
        raise _error("no poll is open")
    room.poll.open = False
    results = room.poll.results()
    room.broadcast(results)
    conn.session.say(results)


def view(conn: Connection, cmd: View) -> None:
    room = _teacher_room(conn)
    room.set_view(cmd.view)


def _followers_changed(conn: Connection, room: Room) -> None:
    if isinstance(room, RemoteRoom):
        room.report_followers()
        if not room.followers:
            _rooms(conn).forget(room)
    else:
        room.tell_teacher(room.state_message())


ROOM_HANDLERS: dict[str, Callable[[Connection, Any], None]] = {
    "room_open": room_open,
    "room_join": room_join,
    "room_resume": room_resume,
    "room_copy": room_copy,
    "room_close": room_close,
    "room_leave": room_leave,
    "poll_open": poll_open,
    "vote": vote,
    "poll_close": poll_close,
    "view": view,
}
