"""Frame building shared out by turn of the event loop: about ``TURN_FRAMES_S`` of frames in one
turn, whoever builds them (a sender, a training visit, a deferred turn).

Sessions that start together have their frames fall due together: twenty senders of the largest
network woke in one turn and built their frames back to back, 50-80 ms in which nothing else
ran (loop lag is what the lag monitor's timer sees of that). Past the budget a builder waits for
the next turn; the budget opens again when a turn has passed.
"""

from __future__ import annotations

import asyncio

TURN_FRAMES_S = 0.008


class FrameTurns:
    def __init__(self) -> None:
        self.spent_s = 0.0  # in this turn
        self.total_s = 0.0  # ever (the scheduler subtracts a visit's frames from its training)
        self._next_turn_armed = False

    def open(self) -> bool:
        """Whether a frame may be built in this turn."""
        return self.spent_s < TURN_FRAMES_S

    def record(self, seconds: float) -> None:
        """A frame was built in this turn, taking ``seconds``."""
        self.spent_s += seconds
        self.total_s += seconds
        if not self._next_turn_armed:  # runs in the next turn: callbacks added now go there
            self._next_turn_armed = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    async def wait_open(self) -> None:
        while not self.open():
            await asyncio.sleep(0)

    def _next_turn(self) -> None:
        self.spent_s = 0.0
        self._next_turn_armed = False
