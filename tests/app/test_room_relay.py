"""Rooms across processes, without Redis: two room registries relaying through one in-process
broker as two server processes would through Redis (app/room_relay.py). The owner publishes
frames and texts once; the other process mirrors them, counts its followers and votes upstream
(one vote per student, wherever the students are), and gets the run's exact state for a copy."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import numpy as np

from app.broker import LocalBroker
from app.room_registry import RoomRegistry
from app.rooms import Room
from app.session import TrainingSession
from app.settings import Settings
from engine.snapshot import restore


class Follower:
    """A follower's connection, as the room sees it."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.frames: list[bytes] = []

    def push_text(self, text: str) -> None:
        self.texts.append(text)

    def wake_sender(self) -> None:
        return None

    def take_frame(self, seq: int, frame: bytes, wire: bytes) -> None:
        assert wire.endswith(frame)  # the same bytes, framed for the wire
        self.frames.append(frame)


async def settle() -> None:
    """Let the relays' tasks (subscriptions, directory writes) run."""
    for _ in range(5):
        await asyncio.sleep(0)


Scenario = Callable[[Room, RoomRegistry, RoomRegistry], Awaitable[None]]


def in_two_processes(scenario: Scenario) -> None:
    """A room open in process "a" with its first ``ready`` and frame; "b" may follow it."""

    async def run() -> None:
        broker = LocalBroker(shared=True)
        a, b = RoomRegistry(broker=broker, process="a"), RoomRegistry(broker=broker, process="b")
        await a.start()
        await b.start()
        session = TrainingSession(Settings())
        room = a.open(session)
        room.publish_message(session.ready_message())
        room.publish_frame(b"frame at step 0")
        await settle()
        await scenario(room, a, b)
        await a.stop()
        await b.stop()

    asyncio.run(run())


def test_a_room_is_found_from_another_process_with_what_a_follower_needs_first() -> None:
    async def scenario(room: Room, a: RoomRegistry, b: RoomRegistry) -> None:
        remote = await b.find(room.code.lower())
        assert remote is not room and remote.code == room.code
        assert remote.ready_text == room.ready_text  # from the directory
        assert remote.frame == b"frame at step 0"  # the owner sent its latest again
        assert await b.find(room.code) is remote  # one subscription per process

    in_two_processes(scenario)


def test_frames_and_texts_are_relayed_as_the_same_bytes() -> None:
    async def scenario(room: Room, a: RoomRegistry, b: RoomRegistry) -> None:
        remote = await b.find(room.code)
        here, there = Follower(), Follower()
        room.followers[1], remote.followers[1] = here, there
        seq = remote.seq
        room.publish_frame(b"frame at step 1")
        assert remote.frame == b"frame at step 1" and remote.seq == seq + 1
        assert here.frames == there.frames == [b"frame at step 1"]
        room.set_view({"edges": "gradient"})
        assert here.texts == there.texts == [room.view_text]
        assert remote.view_text == room.view_text

    in_two_processes(scenario)


def test_followers_elsewhere_count_and_vote_once_each() -> None:
    async def scenario(room: Room, a: RoomRegistry, b: RoomRegistry) -> None:
        remote = await b.find(room.code)
        remote.followers[7] = Follower()
        remote.report_followers()
        room.followers[7] = Follower()  # connection ids repeat across processes
        assert room.state_message()["followers"] == 2
        poll = room.open_poll("Up or down?", ["up", "down"])
        room.broadcast(room.poll_message())
        assert remote.poll is not None and remote.poll.id == poll.id and remote.poll.open
        poll.votes[7] = 0  # the student here
        for option in (1, 0):  # the student there, twice: the first counts
            remote.send_vote(7, poll.id, option)
        assert poll.results()["counts"] == [1, 1]
        results = [m for m in room.session.outbox if isinstance(m, dict)]
        assert results[-1]["type"] == "poll_results" and results[-1]["total"] == 2

    in_two_processes(scenario)


def test_a_copy_elsewhere_continues_bit_identically() -> None:
    async def scenario(room: Room, a: RoomRegistry, b: RoomRegistry) -> None:
        room.session.trainer.run(13)
        remote = await b.find(room.code)
        copy = restore(await remote.request_snapshot())
        copy.run(20)
        room.session.trainer.run(20)
        assert copy.step_count == room.session.trainer.step_count == 33
        assert np.array_equal(copy.net.flat, room.session.trainer.net.flat)

    in_two_processes(scenario)


def test_closing_the_room_tells_followers_elsewhere_and_drops_the_mirror() -> None:
    async def scenario(room: Room, a: RoomRegistry, b: RoomRegistry) -> None:
        remote = await b.find(room.code)
        there = Follower()
        remote.followers[1] = there
        a.close(room)
        await settle()
        assert remote.closed and b.remote == {}
        assert json.loads(there.texts[-1])["state"] == "closed"
        assert await a.broker.get_room(room.code) is None

    in_two_processes(scenario)


