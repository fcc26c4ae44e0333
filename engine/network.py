"""A fully connected network (MLP) with a forward pass that keeps what backprop needs.

All parameters live in one flat float64 vector, weights first then biases, and ``params`` are
views into it: the optimizer can update every parameter with a handful of vector operations,
and the regulariser sees all weights (never the biases) as one contiguous slice.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS, Activation, get_activation
from engine.arrays import Array, FloatArray
from engine.initializers import get_initializer
from engine.losses import LOSSES, get_loss
from engine.regularization import get_regularizer


class MLP:
    """sizes = [d_in, h1, ..., d_out]; W_l: (fan_in, fan_out), b_l: (fan_out,).

    ``activation`` is one name for every hidden layer or a list with one name per hidden layer.
    The last layer is linear unless ``output_activation`` says tanh or sigmoid (mse only).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "tanh",
        output_activation: str = "linear",
        init: str = "xavier_uniform",
        seed: int | np.random.Generator = 0,
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes: need at least [d_in, d_out], all >= 1; got {sizes}")
        n_hidden = len(sizes) - 2
        names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
        if len(names) != n_hidden:
            raise ValueError(f"activation: expected 1 or {n_hidden} names, got {len(names)}")
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation: unknown {output_activation!r}; "
                f"allowed: {', '.join(OUTPUT_ACTIVATIONS)}"
            )
        self.sizes = sizes
        self.hidden_activations = [get_activation(n) for n in names]
        self.output_activation = output_activation
        self.layer_activations: list[Activation] = [
            *self.hidden_activations,
            ACTIVATIONS[output_activation],
        ]
        self.init = init
        shapes = list(itertools.pairwise(sizes))
        self.n_weights = sum(i * o for i, o in shapes)
        self.n_params = self.n_weights + sum(o for _, o in shapes)
        self.flat = np.zeros(self.n_params)
        self.weights: list[Array] = _views(self.flat, [(i, o) for i, o in shapes], 0)
        self.biases: list[Array] = _views(self.flat, [(o,) for _, o in shapes], self.n_weights)
        self.params: list[Array] = [p for wb in zip(self.weights, self.biases, strict=True)
                                    for p in wb]
        # (slice, shape) of each parameter in ``flat``, in ``params`` order (shape None for 1-D
        # biases): gradient views are cut from a fresh flat vector with a slice and a reshape.
        self._layout = _layout(shapes, self.n_weights)
        # Per layer: f, or None when the layer is linear (z is then its own activation); and
        # for backprop, what carries delta from layer l to l - 1: (W_l, df of layer l - 1 or None).
        self._fs = [None if a.name == "linear" else a.f for a in self.layer_activations]
        self._back = [
            (self.weights[layer], None if a.name == "linear" else a.df)
            for layer, a in enumerate(self.hidden_activations, start=1)
        ]
        # Networks with equal keys can run as lanes of one stacked pass (engine.lockstep)
        self.shape_key = (tuple(sizes), tuple(self._fs), tuple(df for _, df in self._back))
        self.reinitialize(seed)
        # What the last forward/backward computed (read by traces, explanations, the page).
        self.inputs: Array | None = None
        self.zs: list[Array] = []
        self.activations: list[Array] = []
        self.deltas: list[Array] = []
        self.grad_flat: Array | None = None
        self.penalty = 0.0

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def reinitialize(self, seed: int | np.random.Generator) -> None:
        """Draw fresh weights and biases in place (same seed, same numbers)."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        make = get_initializer(self.init)
        for W, b in zip(self.weights, self.biases, strict=True):
            W[...], b[...] = make(W.shape[0], W.shape[1], rng)

    def forward(self, X: Array) -> Array:
        """X: (n, d_in) -> raw last-layer output (n, d_out); caches z and a of every layer."""
        zs, acts = forward_layers(X, self.weights, self.biases, self._fs)
        self.inputs, self.zs, self.activations = X, zs, acts
        return acts[-1]

    @property
    def layer_functions(self) -> tuple[list[Any], list[Any]]:
        """Per layer f (None: linear), and per hidden layer df (None: linear): what
        ``forward_layers`` and ``chain_rule`` apply (the same for networks of one shape)."""
        return self._fs, [df for _, df in self._back]

    @overload
    def forward_all(self, X: Array, dtype: None = None) -> list[Array]: ...
    @overload
    def forward_all(self, X: FloatArray, dtype: type[np.floating[Any]]) -> list[FloatArray]: ...

    def forward_all(self, X: npt.NDArray[Any], dtype: type[np.floating[Any]] | None = None
                    ) -> list[npt.NDArray[Any]]:
        """X: (n, d_in) -> every layer's activation [(n, h1), ..., (n, d_out)]; no caching.

        ``dtype`` (e.g. np.float32, for pictures) computes in that precision instead of float64
        (the activations are elementwise NumPy, so they keep the precision they are given).
        """
        a, acts = X, []
        for W, b, f in zip(self.weights, self.biases, self._fs, strict=True):
            if dtype is not None:
                W, b = W.astype(dtype), b.astype(dtype)
            z = a @ W
            z += b
            a = z if f is None else f(z)
            acts.append(a)
        return acts

    def backward(
        self,
        Y: Array,
        loss: str = "mse",
        regularization: str = "none",
        rate: float = 0.0,
    ) -> tuple[float, list[Array]]:
        """Gradients of the batch-mean loss at the last forward pass.

        Y: (n, d_out) floats for mse, (n, 1) of 0/1 for bce, (n,) ints for cross_entropy.
        Returns (data loss, grads aligned with ``params``). The penalty's value is kept in
        ``self.penalty`` (rate * penalty); its gradient is included in the weight grads.
        ``self.deltas[l]`` = dL/dz_l, (n, fan_out). The two halves, ``loss_and_delta`` and
        ``backprop``, can also be called apart (the trainer's forward and backward phases).
        """
        value, delta = self.loss_and_delta(Y, loss)
        return value, self.backprop(delta, regularization, rate)

    def loss_and_delta(self, Y: Array, loss: str = "mse") -> tuple[float, Array]:
        """The batch-mean data loss at the last forward pass and dL/dz of the last layer,
        (n, d_out): the loss and the first factor of the chain rule come out of one formula."""
        if self.inputs is None:
            raise RuntimeError("backward() needs a forward() first")
        out_act = self.layer_activations[-1]
        if loss != "mse" and out_act.name != "linear":
            raise ValueError(
                f"output_activation: {out_act.name!r} only goes with loss 'mse'; "
                f"{loss!r} applies its own link to a linear output"
            )
        loss_fn = LOSSES.get(loss) if isinstance(loss, str) else None
        value, delta = (loss_fn or get_loss(loss)).value_and_grad(self.activations[-1], Y)
        if out_act.name != "linear":
            delta = delta * out_act.df(self.zs[-1], self.activations[-1])
        return value, delta

    def backprop(self, delta: Array, regularization: str = "none", rate: float = 0.0
                 ) -> list[Array]:
        """The chain rule from the last layer's dL/dz (n, d_out) back to the input, at the last
        forward pass, plus the penalty's gradient: grads aligned with ``params`` (views of the
        new ``self.grad_flat``). Sets ``self.deltas`` and ``self.penalty``. The chain rule
        itself, layer by layer with the textbook's names, is ``chain_rule`` below."""
        grad_flat = np.empty(self.n_params)
        grads = [grad_flat[at] if shape is None else grad_flat[at].reshape(shape)
                 for at, shape in self._layout]
        inputs = self.inputs
        if inputs is None:
            raise RuntimeError("backprop() needs a forward() first")
        deltas = chain_rule(inputs, self.zs, self.activations, delta, self.weights,
                            self.layer_functions[1], grads)
        self.penalty = self.add_penalty(grad_flat, regularization, rate)
        self.deltas, self.grad_flat = deltas, grad_flat
        return grads

    def add_penalty(self, grad_flat: Array, regularization: str, rate: float) -> float:
        """Add the penalty's gradient at this network's weights to ``grad_flat`` (P,), in place;
        return the penalty, rate * penalty(weights)."""
        if regularization == "none":
            return 0.0
        reg = get_regularizer(regularization)
        w = self.flat[: self.n_weights]
        if rate:
            grad_flat[: self.n_weights] += rate * reg.grad(w)
        return rate * reg.value(w)

    def copy(self) -> MLP:
        """The same network with its own parameters (an exact copy); caches are shared, since
        every forward and backward pass makes new arrays rather than writing into old ones."""
        twin = MLP(self.sizes, [a.name for a in self.hidden_activations],
                   self.output_activation, self.init, seed=0)
        twin.flat[...] = self.flat
        twin.inputs, twin.zs, twin.activations = self.inputs, self.zs, self.activations
        twin.deltas, twin.grad_flat, twin.penalty = self.deltas, self.grad_flat, self.penalty
        return twin

    def split(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """Views of a flat parameter-shaped vector as (weights, biases) per layer."""
        return (
            _views(flat, [W.shape for W in self.weights], 0),
            _views(flat, [b.shape for b in self.biases], self.n_weights),
        )


def forward_layers(X: Array, weights: Sequence[Array], biases: Sequence[Array],
                   fs: Sequence[Any]) -> tuple[list[Array], list[Array]]:
    """z = a_prev @ W + b and a = f(z) (f None: linear) for every layer: (zs, activations).

    X: (n, d_in); W_l: (fan_in, fan_out), b_l: (fan_out,). Several networks of one shape at once
    (a race's lanes): W_l (lanes, fan_in, fan_out) and b_l (lanes, 1, fan_out) give every z and
    a a leading lane axis, each lane's the very numbers its own network would give."""
    a = X
    zs, acts = [], []
    for W, b, f in zip(weights, biases, fs, strict=True):
        z = a @ W
        z += b
        a = z if f is None else f(z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def chain_rule(inputs: Array, zs: Sequence[Array], acts: Sequence[Array], delta: Array,
               weights: Sequence[Array], dfs: Sequence[Any], grads: Sequence[Array]
               ) -> list[Array]:
    """Backprop from the last layer's dL/dz back to the input, writing dL/dW_l and dL/db_l into
    ``grads`` (W0, b0, W1, b1, ...); returns dL/dz per layer. dfs: each hidden layer's df
    (None: linear). Shapes as ``forward_layers``; with a leading lane axis each lane's numbers
    are its own network's.

    Layer by layer, from the output back, with z = a_prev @ W + b and a = f(z):
        dL/dW      = a_prev^T @ dL/dz      (dz/dW = a_prev)
        dL/db      = sum over the batch of dL/dz      (dz/db = 1)
        dL/da_prev = dL/dz @ W^T           (dz/da_prev = W)
        dL/dz_prev = dL/da_prev * f'(z_prev)          (da/dz = f'(z), elementwise)
    """
    L = len(weights)
    deltas = [delta] * L
    dL_dz = delta  # (..., n, fan_out) of the layer in hand, starting at the output
    for layer in range(L - 1, -1, -1):
        a_prev = acts[layer - 1] if layer else inputs  # dz/dW
        dL_dW, dL_db = grads[2 * layer], grads[2 * layer + 1]
        np.matmul(np.swapaxes(a_prev, -1, -2), dL_dz, out=dL_dW)
        np.add.reduce(dL_dz, axis=-2, out=dL_db)
        deltas[layer] = dL_dz
        if layer == 0:
            break  # the inputs need no gradient
        df = dfs[layer - 1]
        dL_da = dL_dz @ np.swapaxes(weights[layer], -1, -2)  # dL/da of the layer below
        if df is not None:
            dL_da *= df(zs[layer - 1], acts[layer - 1])  # times da/dz: now dL/dz
        dL_dz = dL_da
    return deltas


def stack_networks(nets: Sequence[MLP], dtype: type[np.floating[Any]] | None = None
                   ) -> tuple[Array, list[Array], list[Array]]:
    """Same-shaped networks as lanes of one pass: their flat vectors as rows (lanes, P), and
    views of every lane's weights (lanes, fan_in, fan_out) and biases (lanes, 1, fan_out) as
    ``forward_layers`` and ``chain_rule`` take them (``dtype``: a copy in that precision)."""
    rows = np.stack([net.flat for net in nets])
    if dtype is not None:
        rows = rows.astype(dtype, copy=False)
    weights, biases = layer_views(rows, nets[0])
    return rows, weights, [b[:, None, :] for b in biases]


def layer_views(rows: Array, net: MLP) -> tuple[list[Array], list[Array]]:
    """Several flat vectors of ``net``'s shape as rows (lanes, P) -> views of every lane's
    weights (lanes, fan_in, fan_out) and biases (lanes, fan_out) per layer, for passes of many
    same-shaped networks at once (engine.lockstep, engine.evaluate_together)."""
    weights, biases = [], []
    for at, shape in net._layout:
        if shape is None:
            biases.append(rows[:, at])
        else:
            weights.append(rows[:, at].reshape(len(rows), *shape))
    return weights, biases


def _views(flat: Array, shapes: Sequence[tuple[int, ...]], offset: int) -> list[Array]:
    """Consecutive reshaped views of ``flat`` starting at ``offset``."""
    views = []
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return views


def _layout(shapes: Sequence[tuple[int, int]], n_weights: int) -> list[tuple[slice, Any]]:
    """(slice, shape) of W0, b0, W1, b1, ... in the flat vector; biases (1-D) get shape None."""
    layout: list[tuple[slice, Any]] = []
    w_at, b_at = 0, n_weights
    for fan_in, fan_out in shapes:
        layout.append((slice(w_at, w_at + fan_in * fan_out), (fan_in, fan_out)))
        layout.append((slice(b_at, b_at + fan_out), None))
        w_at, b_at = w_at + fan_in * fan_out, b_at + fan_out
    return layout
