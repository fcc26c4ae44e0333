"""Who is connected: open sessions, per-client counts, and the caps that keep the process fair."""

from __future__ import annotations

import collections

from app import metrics
from app.session import TrainingSession
from app.settings import Settings


class SessionRegistry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions: set[TrainingSession] = set()
        self.per_client: collections.Counter[str] = collections.Counter()

    def refusal(self, client: str) -> str | None:
        """Why a new session from ``client`` may not open now, or None if it may. Asked once
        per connection, so a refusal is counted here (``bpp_refusals_total``)."""
        s = self.settings
        if len(self.sessions) >= s.max_sessions:
            metrics.record_refusal("server_full")
            return f"server full: {s.max_sessions} sessions open; try again later"
        if self.per_client[client] >= s.max_sessions_per_client:
            metrics.record_refusal("per_client")
            return (f"too many sessions from your address ({s.max_sessions_per_client}); "
                    "close a tab and retry")
        return None

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
