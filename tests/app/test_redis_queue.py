"""When Redis falls behind, the publishing queue stays bounded by dropping frames (a newer one
follows), never a room's `ready`, poll or state: followers elsewhere skip frames, not runs."""

from __future__ import annotations

from app.redis_broker import MAX_QUEUED, RedisBroker


def test_a_full_queue_drops_the_oldest_frames_and_keeps_the_events() -> None:
    broker = RedisBroker("redis://127.0.0.1:1/0")  # never connected: publish only queues
    broker.publish("bpp:room:ABCDEF:events", b"ready")
    for i in range(MAX_QUEUED + 10):
        broker.publish("bpp:room:ABCDEF:frames", b"frame %d" % i)
    broker.publish("bpp:room:ABCDEF:events", b"poll")
    queued = list(broker._queue)
    assert len(queued) == MAX_QUEUED
    assert queued[0] == ("bpp:room:ABCDEF:events", b"ready")
    assert queued[-1] == ("bpp:room:ABCDEF:events", b"poll")
    frames = [data for channel, data in queued if channel.endswith(":frames")]
    assert frames[-1] == b"frame %d" % (MAX_QUEUED + 9)  # the newest frames are kept
    assert frames[0] == b"frame %d" % (MAX_QUEUED + 10 - len(frames))
