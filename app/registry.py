"""Who is connected: open sessions, per-client counts, and the caps that keep the process fair."""

from __future__ import annotations

import collections
from collections.abc import Callable

from app import metrics
from app.session import TrainingSession
from app.settings import Settings


class SessionRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: set[TrainingSession] = set()
        self.per_client: collections.Counter[str] = collections.Counter()

    def refusal(self, client: str, extra: int = 1) -> str | None:
        """Why ``client`` may not open ``extra`` more sessions' worth now (a new connection: 1;
        a race grows by its lanes), or None if it may. A refusal is counted here
        (``bpp_refusals_total``). A race counts one session per lane (``session.weight``)."""
        s = self.settings
        if self.total() + extra > s.max_sessions:
            metrics.record_refusal("server_full")
            return f"server full: {s.max_sessions} sessions open; try again later"
        if self.client_total(client) + extra > s.max_sessions_per_client:
            metrics.record_refusal("per_client")
            return (f"too many sessions from your address ({s.max_sessions_per_client}); "
                    "close a tab and retry")
        return None

    def total(self) -> int:
        return sum(s.weight for s in self.sessions)

    def client_total(self, client: str) -> int:
        if self.per_client[client] == 0:
            return 0
        return sum(s.weight for s in self.sessions if s.client == client)

    def growth_check(self, session: TrainingSession) -> Callable[[int], str | None]:
        """For ``session.capacity_check``: may this session grow to ``n`` sessions' worth?"""
        def check(n: int) -> str | None:
            return self.refusal(session.client, n - session.weight)
        return check

    def add(self, session: TrainingSession) -> None:
        self.sessions.add(session)
        self.per_client[session.client] += 1
        metrics.record_session_opened()

    def remove(self, session: TrainingSession) -> None:
        if session in self.sessions:
            self.sessions.discard(session)
            self.per_client[session.client] -= 1
            metrics.record_session_closed()
            if self.per_client[session.client] <= 0:
                del self.per_client[session.client]

    def __len__(self) -> int:
        return len(self.sessions)
