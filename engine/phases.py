"""The step taken apart: forward, backward and update, each its own call.

A training step has three phases::

    trainer.forward()          # draws the next mini-batch; predictions and batch loss
    trainer.backward()         # dL/dparams of that batch (penalty included); nothing changes
    trainer.pending_update()   # (P,) what the optimizer is about to add; nothing changes
    trainer.update()           # the optimizer applies it: params == before + pending, exactly

``step()`` is the three in a row, bit for bit. ``trainer.phase`` says where the run is: None (no
step yet), "forward" or "backward" (a step in progress, ``trainer.pending`` holds it) or
"update" (the last step is complete). A half-done step meets the other calls like this:

- ``step()`` / ``run()`` / ``finish_step()`` finish it (``step()`` counts it as its one step);
- ``reset()`` and ``drop_step()`` drop it: the batch draw is undone, so the next ``forward()``
  draws the same batch again. Forward and backward change nothing else, so dropping a step is
  exactly as if it had never started. Anyone who writes parameters by hand mid-step should
  drop the step first (its gradient would belong to the old weights);
- ``configure()`` keeps it when only the learning rate or optimizer hyperparameters change
  (the gradient does not depend on them; ``pending_update()`` follows the new values) and drops
  it when the regularization or the batch size changes (the gradient or the batch would be
  stale);
- ``copy()`` and snapshots carry it along.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from engine.arrays import Array, IntArray
from engine.trace import PendingStep, PhaseError, StepTrace

if TYPE_CHECKING:
    from engine.compare import ShadowOptimizers
    from engine.config import TrainingConfig
    from engine.network import MLP
    from engine.optimizers import Optimizer
    from engine.trace import Divergence

PHASES = ("forward", "backward", "update")


class BatchDraw(NamedTuple):
    """A mini-batch drawn for a step, and what undoing the draw needs (PendingStep's fields)."""

    batch: IntArray
    inputs: Array
    targets: Array
    pass_complete: bool
    cursor_before: int
    order_before: IntArray | None
    rng_before: Mapping[str, Any] | None


class BatchPick(NamedTuple):
    """A mini-batch's indices, before its rows are taken: BatchDraw without inputs and
    targets (engine.lockstep takes the rows of many runs' batches at once)."""

    batch: IntArray
    pass_complete: bool
    cursor_before: int
    order_before: IntArray | None
    rng_before: Mapping[str, Any] | None


class StepPhases:
    """The phases of ``Trainer``'s step (a mixin: Trainer owns the attributes below and the
    methods ``configure`` and ``_explain_divergence``)."""

    config: TrainingConfig
    net: MLP
    optimizer: Optimizer
    F_train: Array
    Y_train: Array
    step_count: int
    epoch: int
    divergence: Divergence | None
    last_trace: StepTrace | None
    shadows: ShadowOptimizers | None
    _pending: PendingStep | None
    _order: IntArray  # the batch order, reshuffled in place every pass
    _cursor: int  # where the next batch starts in it
    _shuffle_rng: np.random.Generator
    _everything: IntArray  # arange(n_train), the batch of batch gradient descent
    _zeros: Array  # (P,) zeros, for the divergence check

    if TYPE_CHECKING:  # Trainer's, called from here
        def configure(self, **changes: Any) -> None: ...
        def _explain_divergence(self, loss: float) -> Divergence: ...

    @property
    def phase(self) -> str | None:
        """The last phase done: None (no step since the start), "forward" or "backward" (a step
        in progress) or "update" (the last step is complete)."""
        p = self._pending
        if p is not None:
            return p.phase
        return "update" if self.step_count else None

    @property
    def pending(self) -> PendingStep | None:
        """The step in progress (after forward or backward), or None."""
        return self._pending

    def step(self) -> StepTrace | None:
        """One parameter update on the next mini-batch: forward, backward and update in a row
        (from mid-step: the rest of the current step). None (and nothing done) once diverged."""
        if self.divergence is not None:
            return None
        p = self._pending
        with np.errstate(all="ignore"):  # overflow is reported as divergence, not warned about
            if p is None:
                p = self._forward()
            if p.phase == "forward":
                self._backward(p)
            return self._update(p)

    def forward(self) -> PendingStep | None:
        """Phase 1: draw the next mini-batch; its predictions and batch loss at the current
        weights. None (and nothing done) once diverged. PhaseError if a step is in progress."""
        if self.divergence is not None:
            return None
        if self._pending is not None:
            raise PhaseError(f"forward: a step is in progress (after {self._pending.phase}); "
                             "finish or drop it first")
        with np.errstate(all="ignore"):
            return self._forward()

    def backward(self) -> PendingStep:
        """Phase 2: the gradients of the batch at the current weights, regularization included
        (the gradient the update will apply). Parameters and optimizer state do not change."""
        p = self._expect("backward", "forward")
        with np.errstate(all="ignore"):
            self._backward(p)
        return p

    def update(self, **changes: Any) -> StepTrace | None:
        """Phase 3: the optimizer applies the gradient; the step and epoch counters advance and
        divergence is checked. Returns the step's trace: ``trace.update_flat`` is the applied
        update, equal bit for bit to ``pending_update()``; params_after == params_before +
        update, bit for bit.

        (Called with keyword arguments it is ``configure(**changes)``, its former name.)"""
        if changes:
            self.configure(**changes)
            return None
        p = self._expect("update", "backward")
        with np.errstate(all="ignore"):
            return self._update(p)

    def pending_update(self) -> Array:
        """(P,) the update ``update()`` is about to apply, in the network's flat layout, computed
        on copies of the parameters and the optimizer state: nothing changes."""
        _, grad_flat, _ = self._expect("pending_update", "backward").gradients()
        with np.errstate(all="ignore"):
            (update,) = self.optimizer.peek([grad_flat])
        return update

    def next_phase(self) -> str | None:
        """Run the next phase (forward after a complete step); returns its name, or None
        (nothing done) once diverged."""
        phase = self.phase
        if phase == "forward":
            self.backward()
            return "backward"
        if phase == "backward":
            self.update()
            return "update"
        return None if self.forward() is None else "forward"

    def advance_to(self, phase: str) -> None:
        """Run phases until ``phase`` is the last one done (nothing if it already is); stops
        early once diverged. From the middle of a step, "forward" finishes it and starts the
        next."""
        if phase not in PHASES:
            raise ValueError(f"phase: unknown {phase!r}; allowed: {', '.join(PHASES)}")
        while self.phase != phase:
            if self.next_phase() is None:
                return

    def finish_step(self) -> StepTrace | None:
        """Complete a half-done step; None when there is none (or the run has diverged)."""
        return None if self._pending is None else self.step()

    def drop_step(self) -> None:
        """Forget a half-done step and undo its batch draw: as if it had never started."""
        p = self._pending
        if p is None:
            return
        self._cursor = p.cursor_before
        if p.order_before is not None and p.rng_before is not None:  # set together
            self._order[...] = p.order_before
            self._shuffle_rng.bit_generator.state = p.rng_before
        self._pending = None

    def _expect(self, call: str, phase: str) -> PendingStep:
        p = self._pending
        if p is None or p.phase != phase:
            now = "no step in progress" if p is None else f"the step is after {p.phase}"
            raise PhaseError(f"{call}: needs a step after {phase}; {now}")
        return p

    def _forward(self) -> PendingStep:
        draw = self._draw()
        self.net.forward(draw.inputs)
        return self._after_forward(draw)

    def _draw(self) -> BatchDraw:
        """The next mini-batch, advancing the batch position (reshuffled at a new pass)."""
        pick = self._next_batch()
        if pick.batch is self._everything:  # the whole training set, as stored: no copies
            return BatchDraw(pick.batch, self.F_train, self.Y_train, *pick[1:])
        return BatchDraw(pick.batch, self.F_train[pick.batch], self.Y_train[pick.batch],
                         *pick[1:])

    def _next_batch(self) -> BatchPick:
        """The next mini-batch's indices (``_everything`` for the whole training set as
        stored), advancing the batch position; its rows are the caller's to take."""
        order, cursor, cfg = self._order, self._cursor, self.config
        n = len(order)
        B = n if cfg.batch_size is None else min(cfg.batch_size, n)
        cursor_before = cursor
        order_before: IntArray | None = None
        rng_before: Mapping[str, Any] | None = None
        if cursor >= n:  # a new pass over the training set
            if n > B:  # batch gradient descent needs no shuffle
                order_before = order.copy()  # once a pass: what drop_step() needs
                rng_before = self._shuffle_rng.bit_generator.state
                self._shuffle_rng.shuffle(order)
            cursor = 0
        # (a copy: order is reshuffled in place next pass; a slice also for the rest of a pass
        # when the batch size grew to "all" mid-pass)
        whole = cursor == 0 and n == B
        batch = self._everything if whole else order[cursor : cursor + B].copy()
        self._cursor = cursor = cursor + B
        return BatchPick(batch, cursor >= n, cursor_before, order_before, rng_before)

    def _after_forward(self, draw: BatchDraw, computed: tuple[float, Array] | None = None
                       ) -> PendingStep:
        """The step in progress once the network's forward pass over ``draw`` is done (its
        caches hold it): the batch loss and the output's dL/dz (``computed`` already, with
        other runs', by engine.lockstep)."""
        net = self.net
        loss, delta = computed or net.loss_and_delta(draw.targets, self.config.chosen_loss)
        p = self._pending = PendingStep(
            "forward", self.step_count + 1, draw.batch, draw.inputs, draw.targets, loss, net.zs,
            net.activations, delta, draw.pass_complete, draw.cursor_before, draw.order_before,
            draw.rng_before,
        )
        return p

    def _backward(self, p: PendingStep) -> None:
        net, cfg = self.net, self.config
        net.inputs, net.zs, net.activations = p.inputs, p.zs, p.activations  # the step's pass
        net.backprop(p.output_delta, cfg.regularization, cfg.regularization_rate)
        p.deltas, p.grad_flat, p.penalty = net.deltas, net.grad_flat, net.penalty
        p.phase = "backward"

    def _update(self, p: PendingStep, update: Array | None = None) -> StepTrace:
        """The optimizer's step with the step's gradients (``update``: already taken, with
        other runs' by engine.lockstep, and this is what it added), then the bookkeeping."""
        net = self.net
        deltas, grad_flat, penalty = p.gradients()
        if update is None:
            (update,) = self.optimizer.step([grad_flat])
        # flat @ 0 is NaN exactly when some parameter is NaN or infinite (inf * 0 = NaN)
        diverged = not math.isfinite(p.loss) or math.isnan(net.flat @ self._zeros)
        self._pending = None
        self.step_count += 1
        if p.pass_complete:  # count the pass now, not at the next step
            self.epoch += 1
        if self.shadows is not None:
            self.shadows.feed(grad_flat)
        trace = self.last_trace = StepTrace(
            self.step_count, self.epoch, p.loss, penalty, p.batch, p.inputs, p.zs,
            p.activations, deltas, grad_flat, update, net.flat, net.weights, net.biases,
            net.n_weights, net.split,
        )
        if diverged:
            self.divergence = self._explain_divergence(p.loss)
        return trace
