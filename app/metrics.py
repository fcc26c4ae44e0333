"""Prometheus metrics for hosts, served at ``/metrics``; the ``record_*`` functions feed them.

With several worker processes (``--workers N``) the CLI points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh directory before the workers start, and prometheus-client's multiprocess mode adds up every
worker's figures, whichever worker answers the scrape. ``bpp_sessions`` and ``bpp_rooms`` then
count live workers only (a worker that stops takes its figures out, ``forget_this_process``);
counters keep what stopped workers counted. Behind a proxy with several machines, scrape each
replica itself (docs/deploy.md).

Label values come from a closed set the server defines (refusal reasons, command types that
parsed, error codes); ``_bounded`` still caps how many distinct ones a label can take, so a bug
that passed client text through could not grow the registry without bound.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ  # read by prometheus-client at import
MAX_LABEL_VALUES = 64
OTHER = "other"

SESSIONS = Gauge("bpp_sessions", "Open training sessions (websocket connections).",
                 multiprocess_mode="livesum")
ROOMS = Gauge("bpp_rooms", "Open rooms.", multiprocess_mode="livesum")
STEPS = Counter("bpp_steps", "Training steps taken by all sessions.")
FRAMES = Counter("bpp_frames_sent", "Binary frames sent to clients.")
FRAME_BYTES = Counter("bpp_frame_bytes_sent", "Bytes of binary frames sent to clients.")
LOOP_LAG = Histogram("bpp_loop_lag_seconds", "How late the event loop woke up from a short "
                     "sleep: a busy loop means late frames.",
                     buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                              2.5, 5.0))
REFUSALS = Counter("bpp_refusals", "Connections refused, by reason.", ["reason"])
REFUSAL_REASONS = ("server_full", "per_client", "origin")
COMMANDS = Counter("bpp_commands", "Client commands accepted for processing, by type.", ["type"])
ERRORS = Counter("bpp_errors", "Error messages sent to clients, by code.", ["code"])

_seen: dict[Counter, set[str]] = {REFUSALS: set(REFUSAL_REASONS)}
for _reason in REFUSAL_REASONS:  # shown as 0 before the first refusal
    REFUSALS.labels(_reason)


def _bounded(metric: Counter, value: str) -> str:
    seen = _seen.setdefault(metric, set())
    if value in seen:
        return value
    if len(seen) >= MAX_LABEL_VALUES:
        return OTHER
    seen.add(value)
    return value


def record_session_opened() -> None:
    SESSIONS.inc()


def record_session_closed() -> None:
    SESSIONS.dec()


def record_room_opened() -> None:
    ROOMS.inc()


def record_room_closed() -> None:
    ROOMS.dec()


def record_refusal(reason: str) -> None:
    """A connection turned away: ``server_full``, ``per_client``, ``origin``."""
    REFUSALS.labels(_bounded(REFUSALS, reason)).inc()


def record_steps(n: int) -> None:
    if n:
        STEPS.inc(n)


def record_frame(n_bytes: int) -> None:
    """One binary frame of ``n_bytes`` sent."""
    FRAMES.inc()
    FRAME_BYTES.inc(n_bytes)


def record_command(kind: str) -> None:
    """A command that parsed (its ``type``), before it is applied."""
    COMMANDS.labels(_bounded(COMMANDS, kind)).inc()


def record_error(code: str) -> None:
    """An ``error`` message sent to a client, by its ``code``."""
    ERRORS.labels(_bounded(ERRORS, code)).inc()


def record_loop_lag(seconds: float) -> None:
    LOOP_LAG.observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: this process's metrics, or with several
    workers every worker's, added up."""
    if not MULTIPROCESS:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated
    return generate_latest(registry), CONTENT_TYPE_LATEST


def forget_this_process() -> None:
    """At a worker's shutdown: take its live gauges (sessions, rooms) out of the sums."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated
