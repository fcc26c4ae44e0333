"""The network's loss landscape (Li et al. 2018): the grid against losses computed directly with
a copy of the network, the directions' normalisation, and the trainer left untouched."""

from __future__ import annotations

import numpy as np
import pytest

from engine import LOSSES, MLP, Trainer, TrainingConfig, loss_landscape
from engine import landscape as landscape_module

CONFIGS = {
    "default (circle, bce)": TrainingConfig(),
    "plane regression (mse), relu": TrainingConfig(dataset="plane", activation="relu",
                                                   hidden=(5,)),
    "spiral3 (cross-entropy), 3 layers": TrainingConfig(dataset="spiral3", hidden=(6, 5, 4)),
    "mse on tanh output, l2 penalty": TrainingConfig(loss="mse", regularization="l2",
                                                     regularization_rate=0.1),
    "extra features, adam": TrainingConfig(features=("x1", "x2", "x1x2", "sinx1"),
                                           optimizer="adam", learning_rate=0.01),
}


def trained(config: TrainingConfig, steps: int = 60, every: int = 5):
    """A trainer after ``steps`` steps and its path of parameter vectors (start and every 5)."""
    trainer = Trainer(config)
    path = [trainer.net.flat.copy()]
    for _ in range(steps // every):
        trainer.run(every)
        path.append(trainer.net.flat.copy())
    return trainer, np.array(path)


def direct_loss(trainer: Trainer, theta: np.ndarray) -> float:
    """The training data loss with ``theta`` set into a copy of the network."""
    net = trainer.net
    net = MLP(net.sizes, [a.name for a in net.hidden_activations], net.output_activation)
    net.flat[:] = theta
    out = net.forward_all(trainer.F_train)[-1]
    return LOSSES[trainer.config.loss].value_and_grad(out, trainer.Y_train)[0]


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("directions", ["random", "pca"])
def test_centre_is_the_current_training_loss_and_the_grid_is_the_direct_loss(name, directions):
    trainer, path = trained(CONFIGS[name])
    theta = trainer.net.flat.copy()
    land = loss_landscape(trainer, size=9, span=0.8, directions=directions, path=path, seed=2)
    assert land.centre_loss == pytest.approx(trainer.evaluate().train_loss, rel=1e-12, abs=1e-12)
    assert land.losses.shape == (9, 9)
    assert land.losses[4, 4] == pytest.approx(land.centre_loss, rel=1e-12)
    for i, j in [(0, 0), (2, 7), (8, 3), (5, 5)]:
        point = theta + land.alphas[j] * land.d1 + land.betas[i] * land.d2
        assert land.losses[i, j] == pytest.approx(direct_loss(trainer, point), rel=1e-12)


@pytest.mark.parametrize("directions", ["random", "pca"])
def test_the_trainer_is_left_exactly_as_it_was(directions):
    trainer, path = trained(TrainingConfig(optimizer="adam", learning_rate=0.01))
    flat = trainer.net.flat.copy()
    state = [{k: v.copy() for k, v in s.items() if isinstance(v, np.ndarray)}
             for s in trainer.optimizer.state]
    loss_landscape(trainer, size=5, directions=directions, path=path)
    assert np.array_equal(trainer.net.flat, flat)
    assert state[0] and all(np.array_equal(v, trainer.optimizer.state[0][k])
                            for k, v in state[0].items())
    assert trainer.run(5) == Trainer(TrainingConfig(optimizer="adam", learning_rate=0.01)) \
        .run(65)[-5:]  # training goes on as if nothing happened


def test_random_directions_are_filter_normalised_and_leave_biases_out():
    trainer, _ = trained(CONFIGS["spiral3 (cross-entropy), 3 layers"])
    land = loss_landscape(trainer, size=3, seed=5)
    net = trainer.net
    for d in (land.d1, land.d2):
        d_weights, d_biases = net.split(d)
        for W_d, W in zip(d_weights, net.weights, strict=True):
            np.testing.assert_allclose(np.linalg.norm(W_d, axis=0), np.linalg.norm(W, axis=0),
                                       rtol=1e-13)  # one norm per neuron (column)
        assert all(not b.any() for b in d_biases)
    assert not np.allclose(land.d1, land.d2)


def test_random_directions_are_seeded():
    trainer, _ = trained(TrainingConfig())
    a, b = loss_landscape(trainer, size=3, seed=1), loss_landscape(trainer, size=3, seed=1)
    c = loss_landscape(trainer, size=3, seed=2)
    assert np.array_equal(a.d1, b.d1) and np.array_equal(a.losses, b.losses)
    assert not np.array_equal(a.d1, c.d1)


def test_pca_directions_are_orthonormal_and_the_path_ends_at_the_centre():
    trainer, path = trained(TrainingConfig(), steps=200, every=10)
    land = loss_landscape(trainer, size=5, directions="pca", path=path)
    D = np.column_stack([land.d1, land.d2])
    np.testing.assert_allclose(D.T @ D, np.eye(2), atol=1e-14)
    np.testing.assert_allclose(land.path[-1], [0.0, 0.0], atol=1e-14)
    assert land.path.shape == (len(path), 2) and (land.path[0] < 0).all()
    first, second = land.explained_variance
    assert 1 >= first >= second > 0 and first + second <= 1 + 1e-12
    # the plane holds the path as far as the explained variance says
    centred = path - path.mean(axis=0)
    kept = np.linalg.norm(centred @ D) ** 2 / np.linalg.norm(centred) ** 2
    assert kept == pytest.approx(first + second, rel=1e-10)


def test_a_given_path_is_projected_onto_random_directions_too():
    trainer, path = trained(TrainingConfig())
    theta = trainer.net.flat
    land = loss_landscape(trainer, size=3, path=path, seed=4)
    in_plane = theta + 0.3 * land.d1 - 0.7 * land.d2
    np.testing.assert_allclose(
        loss_landscape(trainer, size=3, path=in_plane[None], seed=4).path, [[0.3, -0.7]],
        rtol=1e-10)
    assert land.path.shape == (len(path), 2) and land.explained_variance is None


def test_axes_span_the_requested_square():
    trainer, _ = trained(TrainingConfig())
    land = loss_landscape(trainer, size=41, span=2.5)
    assert land.alphas[0] == -2.5 and land.alphas[-1] == 2.5 and land.alphas[20] == 0.0
    assert np.all(np.diff(land.alphas) > 0) and np.array_equal(land.alphas, land.betas)
    assert land.losses.shape == (41, 41) and land.d1.shape == (trainer.net.n_params,)


def test_chunking_does_not_change_the_result(monkeypatch):
    trainer, _ = trained(TrainingConfig())
    whole = loss_landscape(trainer, size=11)
    monkeypatch.setattr(landscape_module, "CHUNK_BYTES", 1)  # one grid point per chunk
    np.testing.assert_allclose(loss_landscape(trainer, size=11).losses, whole.losses,
                               rtol=1e-14)


def test_a_far_slice_overflows_silently():
    trainer, _ = trained(TrainingConfig(dataset="plane"))
    land = loss_landscape(trainer, size=5, span=100.0)  # warnings are errors in this suite
    assert np.isfinite(land.centre_loss) and land.losses.shape == (5, 5)


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 1}, "size: must be an integer from 2 to 201"),
    ({"size": 41.0}, "size: must be an integer"),
    ({"span": 0}, "span: must be a number above 0 and at most 100"),
    ({"span": float("nan")}, "span: must be a number"),
    ({"directions": "hessian"}, "directions: unknown 'hessian'; allowed: random, pca"),
    ({"directions": "pca"}, r"path: the pca directions need the path of parameter vectors"),
    ({"path": np.zeros((3, 4))}, r"path: must be \(T, 25\) parameter vectors"),
    ({"directions": "pca", "path": "two"}, "path: must be"),
    ({"directions": "pca", "path": np.zeros((2, 25))}, "path: needs at least 3 parameter"),
    ({"seed": -2}, "seed: must be a non-negative integer"),
])
def test_errors_name_the_field(kwargs, message):
    trainer = Trainer()
    with pytest.raises(ValueError, match=message):
        loss_landscape(trainer, **kwargs)


def test_a_diverged_trainer_has_no_landscape():
    trainer = Trainer(learning_rate=10.0, dataset="plane", batch_size=None)
    trainer.run(200)
    assert trainer.divergence is not None
    with pytest.raises(ValueError, match="trainer: its loss or parameters are not finite"):
        loss_landscape(trainer)
