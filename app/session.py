"""One browser connection's training session: applies commands, runs steps, builds frames.

The session never touches the socket. Commands go in through ``apply``; the scheduler calls
``run_slice`` to train; the sender takes ``outbox`` messages and ``build_frame()`` when
``frame_wanted`` is set. Training runs at its own speed; frames carry only the newest state plus
every batch loss since the previous frame.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from app import lab_commands, metrics, phases, race_mode, snapshots
from app.cpu_share import CpuAccount
from app.engine_errors import engine_error
from app.frames import FrameBuilder
from app.health_watch import HealthWatch
from app.limits import engine_limits
from app.loss_history import thin
from app.parameter_path import ParameterPath
from app.protocol.codes import ErrorCode
from app.protocol.commands import (
    MAX_STEPS_PER_COMMAND,
    MIN_STEPS_PER_SECOND,
    Command,
    Configure,
    ProtocolError,
    SetBias,
    SetSpeed,
    SetValues,
    SetWeight,
    Step,
)
from app.race_mode import RaceMode
from app.settings import Settings
from engine.config import TrainingConfig
from engine.trace import StepTrace
from engine.trainer import Trainer

DEFAULT_SPEED = 500.0  # steps per second when a page first plays (TF Playground: ~an epoch a frame)
MAX_LOSS_POINTS = 200  # batch losses per frame before thinning
MAX_LOSS_HISTORY = 4096  # batch losses kept between frames (a long `step`): then thinned


class TrainingSession:
    def __init__(self, settings: Settings, client: str = "?",
                 clock: Callable[[], float] = time.monotonic,
                 trainer: Trainer | None = None) -> None:
        """``trainer``: the run to start with (an exact copy of a prototype is cheaper than
        building the default run afresh: a classroom connects all at once); default: built."""
        self.settings = settings
        self.clock = clock  # monotonic seconds; tests pass a fake one
        self.client = client
        self.state = "paused"  # running | paused | diverged
        self.speed: float | str = DEFAULT_SPEED
        # JSON messages to send: dicts, or text already serialised (a room's, shared)
        self.outbox: collections.deque[dict[str, Any] | str] = collections.deque()
        self.frame_wanted = False
        self.closed = False
        self.close_request: tuple[int, str] = (1000, "")  # code and reason when the server ends it
        self.last_activity = self.clock()
        self._steps_left = 0  # a pending `step {n}`: trains at full speed, then one frame
        self._credit = 0.0
        self._last_tick = self.clock()
        self._loss_steps: list[int] = []
        self._losses: list[float] = []
        self.on_change: Any = None  # set by the owner: called when there is something to send
        # set by the owner: called instead when training (finished, consistent) wants a frame
        self.on_trained: Callable[[], None] | None = None
        self.publish: Callable[[dict[str, Any]], None] | None = None  # a room's, when presented
        self.race: RaceMode | None = None  # lanes in lockstep; lane 0 is ``trainer``
        # set by the owner: None if the session may grow to n sessions' worth, else why not
        self.capacity_check: Callable[[int], str | None] = lambda n: None
        self.run = 0  # counts configures, so a client can drop frames of a previous run
        self.limits = engine_limits(settings)
        self._reply_id: str | int | None = None  # the id of the command being answered
        self._ack: str | int | None = None  # echoed by the next frame (the command's result)
        self._step_ack: str | int | None = None  # echoed once a pending `step` has finished
        self.trainer = trainer if trainer is not None else self._build({})
        if not hasattr(self, "_frames"):
            self._frames = FrameBuilder(settings.grid_size, settings.neuron_grid_size)
        self._clear_path()
        self.health = HealthWatch(self.clock)
        self.cpu = CpuAccount()  # training and frame building, for fair shares
        self.sharing = 1  # sessions training in this process (set by the scheduler each round)

    # ---- commands -------------------------------------------------------------------------
    def apply(self, cmd: Command) -> None:
        """Act on one validated command; ProtocolError leaves the session exactly as it was."""
        self.last_activity = self.clock()
        self._reply_id = cmd.id
        try:
            if self.race is not None:
                race_mode.check_allows(cmd)
            _HANDLERS[cmd.type](self, cmd)
            if self.frame_wanted and cmd.id is not None and cmd.type != "step":
                self._ack = cmd.id
        except ProtocolError as exc:
            exc.id = cmd.id
            raise
        finally:
            self._reply_id = None
        self._notify()

    @contextlib.contextmanager
    def answering(self, command_id: str | int | None) -> Iterator[None]:
        """Messages said meanwhile answer the command with this id (they echo it)."""
        self._reply_id = command_id
        try:
            yield
        finally:
            self._reply_id = None

    def say(self, message: dict[str, Any]) -> None:
        """Queue a JSON message; an answer to a command with an ``id`` echoes it."""
        if self._reply_id is not None:
            message["id"] = self._reply_id
        if message["type"] == "ready":  # a newer run replaces an unsent one (and its size)
            for old in [m for m in self.outbox if isinstance(m, dict) and m["type"] == "ready"]:
                self.outbox.remove(old)
        self.outbox.append(message)
        if self.publish is not None:  # a room's run: its followers see the answer too
            self.publish(message)

    def _configure(self, cmd: Configure) -> None:
        self.start_run(self._build(cmd.config))  # _build raises before anything changes

    def start_run(self, trainer: Trainer, race: RaceMode | None = None) -> None:
        """Replace the run (configure, restore, race): paused, ``ready``, then a frame."""
        self.race = race
        self.trainer = trainer
        self.run += 1
        self._steps_left = 0
        self._clear_losses()
        self._clear_path()
        self._clear_health()
        self.state = "paused"
        self.say(self.ready_message())
        self.frame_wanted = True

    def _play(self, cmd: Command) -> None:
        if self.state == "diverged":
            self.say(self.status_message())
            return
        self._steps_left = 0
        self.state = "running"
        self._last_tick = self.clock()
        self._credit = 0.0
        self.say(self.status_message())

    def _pause(self, cmd: Command) -> None:
        self.hold()
        self.say(self.status_message())
        self.frame_wanted = True

    def hold(self) -> None:
        """Stop training (play or a pending step) where it is; a diverged run stays diverged."""
        if self.state == "running" or self._steps_left:
            self.state = "paused"
        self._steps_left = 0

    def record_step(self, step: int, loss: float) -> None:
        """A batch loss for the next frame's chart."""
        self._loss_steps.append(step)
        self._losses.append(loss)

    def after_training(self) -> None:
        """Tell the client once when the run has diverged."""
        over = self.race.race.all_diverged if self.race else self.trainer.divergence is not None
        if over and self.state != "diverged":
            self.state = "diverged"
            self._steps_left = 0
            self.say(self.status_message())
            self.frame_wanted = True

    def _step(self, cmd: Step) -> None:
        if self.state == "diverged":
            raise ProtocolError(ErrorCode.DIVERGED, self.trainer.divergence.message  # type: ignore[union-attr]
                                + " (send reset or configure to go on)")
        n = cmd.n if cmd.n is not None else 1
        if cmd.epochs is not None:
            n = cmd.epochs * self.trainer.steps_per_epoch()
            if n > MAX_STEPS_PER_COMMAND:
                most = MAX_STEPS_PER_COMMAND // self.trainer.steps_per_epoch()
                raise ProtocolError(ErrorCode.INVALID_VALUE, f"epochs: at most "
                                    f"{MAX_STEPS_PER_COMMAND} steps per command, which is {most} "
                                    f"epochs at this batch size; got {cmd.epochs}", "epochs")
        self.state = "paused"
        self._steps_left = n
        self._step_ack = cmd.id
        self._last_tick = self.clock()
        self._credit = 1.0  # the first step at once

    def _reset(self, cmd: Command) -> None:
        if self.race is not None:
            self.race.race.reset()
            self.race.clear_losses()
        self.trainer.reset()
        self._steps_left = 0
        self._clear_losses()
        self._clear_path()
        self._clear_health()
        self.state = "paused"
        self.say(self.status_message())
        self.frame_wanted = True

    def _set(self, cmd: SetValues) -> None:
        changes = dict(cmd.values)
        if changes.get("batch_size") == "all":
            changes["batch_size"] = None
        speed = _speed(cmd.speed, self.settings) if cmd.speed is not None else None
        lanes = self.race.race.lanes if self.race is not None else [self.trainer]
        try:
            for lane in lanes:  # lanes differ only in what `set` may not change in a race
                lane.configure(**changes)  # all validated before anything changes
        except ValueError as exc:
            raise engine_error(exc, "", None) from None
        if speed is not None:
            self.speed = speed
        self.say(self.status_message())
        self.frame_wanted = True

    def _set_speed(self, cmd: SetSpeed) -> None:
        self.speed = _speed(cmd.steps_per_second, self.settings)
        self._credit = 0.0
        self.say(self.status_message())

    def _set_weight(self, cmd: SetWeight) -> None:
        W = self._layer(cmd.layer, self.trainer.net.weights)
        if cmd.from_ >= W.shape[0] or cmd.to >= W.shape[1]:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"from/to: layer {cmd.layer} has "
                                f"{W.shape[0]} inputs and {W.shape[1]} neurons", "from")
        self.trainer.drop_step()  # a half-done step's gradient belongs to the old weights
        W[cmd.from_, cmd.to] = cmd.value
        self.frame_wanted = True

    def _set_bias(self, cmd: SetBias) -> None:
        b = self._layer(cmd.layer, self.trainer.net.biases)
        if cmd.neuron >= b.shape[0]:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"neuron: layer {cmd.layer} has "
                                f"{b.shape[0]} neurons", "neuron")
        self.trainer.drop_step()
        b[cmd.neuron] = cmd.value
        self.frame_wanted = True

    # ---- training (called by the scheduler) -------------------------------------------------
    @property
    def wants_cpu(self) -> bool:
        return not self.closed and (self.state == "running" or self._steps_left > 0)

    def run_slice(self, budget_s: float) -> int:
        """Train for at most ``budget_s`` seconds of CPU; returns the number of steps done."""
        allowed = self.steps_allowed()
        if allowed is None:
            return 0
        deadline = time.perf_counter() + budget_s
        t, done = self.trainer, 0
        step = t.step if self.race is None else self.race.step
        while done < allowed:
            trace = step()
            if trace is None:
                break
            done += 1
            self.record_trace(trace)
            if t.divergence is not None or time.perf_counter() > deadline:
                break
        self.finish_slice(done)
        return done

    @property
    def steps_together(self) -> bool:
        """Whether the scheduler may step this run in lockstep with other sessions' runs of
        the same shape (engine.lockstep): a plain run, training, between steps."""
        t = self.trainer
        return (self.race is None and not self.closed and t.pending is None
                and t.divergence is None)

    def steps_allowed(self) -> int | None:
        """How many steps the speed (or a pending ``step``) allows now; None: not training.
        Credit builds with wall time, capped so a stalled loop does not cause a burst."""
        now = self.clock()
        cap = self.settings.max_steps_per_second  # "max" means the server's cap
        if self._steps_left > 0:
            # A `step {n}` runs as fast as the server's cap allows, never faster.
            earned = self._credit + (now - self._last_tick) * cap
            self._credit = min(earned, max(1.0, cap / 5))
            self._last_tick = now
            return min(self._steps_left, int(self._credit))
        if self.state == "running":
            rate = cap if self.speed == "max" else min(float(self.speed), cap)
            earned = self._credit + (now - self._last_tick) * rate
            self._credit = min(earned, max(1.0, rate / 5))
            self._last_tick = now
            return int(self._credit)
        return None

    def record_trace(self, trace: StepTrace) -> None:
        """One step done (a race: lane 0's trace): kept for the chart, the
        parameter path and the health watch."""
        self._loss_steps.append(trace.step)
        self._losses.append(trace.loss)
        self.path.on_step(trace.step, self.trainer.net.flat)
        self.health.losses.append(trace.loss)

    def finish_slice(self, done: int, check_health: bool = True) -> None:
        """After ``done`` steps: spend the credit, bound the history, look at the run's health
        when due (unless the caller does it later), and ask for a frame."""
        steps, losses = self._loss_steps, self._losses
        t = self.trainer
        if len(losses) > MAX_LOSS_HISTORY:  # a long `step`: keep the curve's shape, bounded
            self._loss_steps, self._losses = (list(a) for a in thin(steps, losses,
                                                                     MAX_LOSS_HISTORY // 2))
        if self._steps_left > 0:
            self._credit -= done
            self._steps_left -= done
            if self._steps_left <= 0 or t.divergence is not None:
                self._steps_left = 0
                self.frame_wanted = True
                self._ack, self._step_ack = self._step_ack, None
        elif done:
            self._credit -= done
            self.frame_wanted = True
        self.after_training()
        if done and check_health:
            self.check_health()
        if done and self.frame_wanted:
            if self.on_trained is not None:
                self.on_trained()
            else:
                self._notify()

    def fail(self, message: str) -> None:
        """Stop training after an unexpected error, tell the client, keep the connection."""
        metrics.record_error(ErrorCode.INTERNAL)
        self.state = "paused"
        self._steps_left = 0
        self.outbox.append({"type": "error", "code": ErrorCode.INTERNAL.value, "message": message,
                            "field": None})
        self.say(self.status_message())
        self.frame_wanted = True
        self._notify()

    # ---- what the client sees ---------------------------------------------------------------
    def build_frame(self) -> bytes:
        """The newest state as one binary frame; clears the batch losses it carries. The costly
        parts follow ``sharing``, the sessions training as the scheduler last counted them."""
        steps, losses = thin(self._loss_steps, self._losses, MAX_LOSS_POINTS)
        self._clear_losses()
        self.frame_wanted = False
        ack, self._ack = self._ack, None
        extra = None
        if self.race is not None:
            extra = self.race.frame_extra(self._frames.grid_size)
        return self._frames.build(self.trainer, self.state, self.speed, steps, losses, self.run,
                                  ack, extra, self.sharing)

    def frame_parts(self) -> tuple[FrameBuilder, Trainer]:
        """The frame builder and the run it shows (app.frames.refresh_together)."""
        return self._frames, self.trainer

    def ready_message(self) -> dict[str, Any]:
        message = self._frames.ready_message(self.trainer, self.state, self.run, self.speed)
        if self.race is not None:
            message["lanes"] = self.race.race.describe()
        return message

    @property
    def weight(self) -> int:
        """How many sessions' worth this one counts for the caps (a race: one per lane)."""
        return 1 if self.race is None else self.race.lanes

    def status_message(self) -> dict[str, Any]:
        t = self.trainer
        message = t.divergence.message if t.divergence is not None else ""
        return {"type": "status", "state": self.state, "message": message,
                "step": t.step_count, "epoch": t.epoch, "speed": self.speed}

    def idle_for(self, now: float) -> float:
        busy = self.state == "running" or self._steps_left > 0
        return 0.0 if busy else now - self.last_activity

    # ---- helpers ----------------------------------------------------------------------------
    def _build(self, values: dict[str, Any]) -> Trainer:
        """A new trainer from the given config keys (validated by the config model): the engine
        checks what spans several keys, under the server's caps."""
        values = dict(values)
        if values.get("batch_size") == "all":
            values["batch_size"] = None
        try:
            config = TrainingConfig(**values).normalized(self.limits)
            trainer = Trainer(config)
        except ValueError as exc:
            raise engine_error(exc, "config.", "config.hyper" if "hyper" in values else None)\
                from None
        s = self.settings
        if not hasattr(self, "_frames") or self._frames.grid_size != s.grid_size:
            self._frames = FrameBuilder(s.grid_size, s.neuron_grid_size)
        return trainer

    def _layer(self, layer: int, arrays: list[np.ndarray]) -> np.ndarray:
        if layer >= len(arrays):
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"layer: must be below {len(arrays)}",
                                "layer")
        return arrays[layer]

    def _clear_losses(self) -> None:
        self._loss_steps, self._losses = [], []

    def _clear_path(self) -> None:
        self.path = ParameterPath(self.trainer.net.flat)

    def check_health(self, force: bool = False) -> None:
        """Dead or saturated units, a stalled loss: said when due and changed."""
        message = self.health.check(self.trainer, force, self.sharing)
        if message is not None:
            self.outbox.append(message)
            if self.publish is not None:
                self.publish(message)
            self._notify()  # (when checked in a later loop turn, no frame may follow soon)

    def _clear_health(self) -> None:
        if hasattr(self, "health"):
            message = self.health.clear()
            if message is not None:
                self.outbox.append(message)

    def parameter_path(self) -> list[np.ndarray]:
        return self.path.with_current(self.trainer.net.flat)

    def _notify(self) -> None:
        if self.on_change is not None:
            self.on_change()


_HANDLERS: dict[str, Any] = {
    "configure": TrainingSession._configure,
    "play": TrainingSession._play,
    "pause": TrainingSession._pause,
    "step": TrainingSession._step,
    "reset": TrainingSession._reset,
    "set": TrainingSession._set,
    "speed": TrainingSession._set_speed,
    "set_weight": TrainingSession._set_weight,
    "set_bias": TrainingSession._set_bias,
    "explain": phases.explain,
    "race": race_mode.start,
    "phase": phases.phase,
    "compare_updates": phases.compare,
    "gradcheck": phases.gradcheck,
    "suggest_learning_rate": phases.suggest,
    "lab_surface": lab_commands.surface,
    "lab_run": lab_commands.run,
    "landscape": lab_commands.landscape,
    "snapshot": snapshots.take,
    "restore": snapshots.restore,
}


def _speed(value: float | str, s: Settings) -> float | str:
    if value == "max":
        return "max"
    lo = MIN_STEPS_PER_SECOND
    if not lo <= float(value) <= s.max_steps_per_second:
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"steps_per_second: must be from {lo} to "
                            f"{s.max_steps_per_second} or 'max'; got {value}", "steps_per_second")
    return float(value)
