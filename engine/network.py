"""A fully connected network (MLP) with a forward pass that keeps what backprop needs.

All parameters live in one flat float64 vector, weights first then biases, and ``params`` are
views into it: the optimizer can update every parameter with a handful of vector operations,
and the regulariser sees all weights (never the biases) as one contiguous slice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS, Activation, get_activation
from engine.initializers import get_initializer
from engine.losses import get_loss
from engine.regularization import get_regularizer

Array = np.ndarray


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
        shapes = list(zip(sizes[:-1], sizes[1:], strict=True))
        self.n_weights = sum(i * o for i, o in shapes)
        self.n_params = self.n_weights + sum(o for _, o in shapes)
        self.flat = np.zeros(self.n_params)
        self.weights: list[Array] = _views(self.flat, [(i, o) for i, o in shapes], 0)
        self.biases: list[Array] = _views(self.flat, [(o,) for _, o in shapes], self.n_weights)
        self.params: list[Array] = [p for wb in zip(self.weights, self.biases, strict=True)
                                    for p in wb]
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
        a = X
        zs, acts = [], []
        for W, b, act in zip(self.weights, self.biases, self.layer_activations, strict=True):
            z = a @ W
            z += b
            a = z if act.name == "linear" else act.f(z)
            zs.append(z)
            acts.append(a)
        self.inputs, self.zs, self.activations = X, zs, acts
        return a

    def forward_all(self, X: Array) -> list[Array]:
        """X: (n, d_in) -> every layer's activation [(n, h1), ..., (n, d_out)]; no caching."""
        a, acts = X, []
        for W, b, act in zip(self.weights, self.biases, self.layer_activations, strict=True):
            z = a @ W
            z += b
            a = z if act.name == "linear" else act.f(z)
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
        ``self.deltas[l]`` = dL/dz_l, (n, fan_out).
        """
        if self.inputs is None:
            raise RuntimeError("backward() needs a forward() first")
        out_act = self.layer_activations[-1]
        if loss != "mse" and out_act.name != "linear":
            raise ValueError(
                f"output_activation: {out_act.name!r} only goes with loss 'mse'; "
                f"{loss!r} applies its own link to a linear output"
            )
        value, delta = get_loss(loss).value_and_grad(self.activations[-1], Y)
        if out_act.name != "linear":
            delta = delta * out_act.df(self.zs[-1], self.activations[-1])
        grad_flat = np.empty(self.n_params)
        gW = _views(grad_flat, [W.shape for W in self.weights], 0)
        gb = _views(grad_flat, [b.shape for b in self.biases], self.n_weights)
        deltas = [delta] * self.n_layers
        for layer in range(self.n_layers - 1, -1, -1):
            a_prev = self.activations[layer - 1] if layer else self.inputs
            np.matmul(a_prev.T, delta, out=gW[layer])
            delta.sum(axis=0, out=gb[layer])
            deltas[layer] = delta
            if layer:
                act = self.layer_activations[layer - 1]
                delta = delta @ self.weights[layer].T
                if act.name != "linear":
                    delta *= act.df(self.zs[layer - 1], self.activations[layer - 1])
        self.penalty = 0.0
        if regularization != "none":
            reg = get_regularizer(regularization)
            w = self.flat[: self.n_weights]
            self.penalty = rate * reg.value(w)
            if rate:
                grad_flat[: self.n_weights] += rate * reg.grad(w)
        self.deltas, self.grad_flat = deltas, grad_flat
        return value, [p for wb in zip(gW, gb, strict=True) for p in wb]

    def split(self, flat: Array) -> tuple[list[Array], list[Array]]:
        """Views of a flat parameter-shaped vector as (weights, biases) per layer."""
        return (
            _views(flat, [W.shape for W in self.weights], 0),
            _views(flat, [b.shape for b in self.biases], self.n_weights),
        )


def _views(flat: Array, shapes: Sequence[tuple[int, ...]], offset: int) -> list[Array]:
    """Consecutive reshaped views of ``flat`` starting at ``offset``."""
    views = []
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[offset : offset + size].reshape(shape))
        offset += size
    return views
