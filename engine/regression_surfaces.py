"""Gradient descent outside neural networks: fitting a line and a 1-D classifier.

Both models predict ``w * x + b`` for each example, scored by the engine's own losses: mean squared
error (linear regression) and binary cross-entropy on the logit (logistic regression). The
parameters (w, b) are the surface's two axes, and each surface carries its examples
(``Surface.data``) so that batch, mini-batch and stochastic descent can draw batches from them.
"""

from __future__ import annotations

import numpy as np

from engine.activations import sigmoid
from engine.optimizers import HyperSpec
from engine.surface import XY, ExampleSet, Surface, SurfaceRecipe, polish_minimum, read_only

LINE_EXAMPLES = 64
LINE_W, LINE_B = 1.5, -1.0  # the line the examples scatter around
DOSES = np.linspace(-2.5, 2.5, 6)  # a dose-response experiment: 6 doses ...
SUBJECTS_PER_DOSE = 10  # ... of 10 subjects each
LOGIT_W, LOGIT_B = 1.5, 0.5  # the true response probability is sigmoid(w * dose + b)


def linear_regression(seed: int, noise: float) -> Surface:
    """Mean squared error of y = w x + b over 64 seeded examples, x uniform in [0, 2].

    The inputs are not centred (mean 1), so the bowl is a tilted, elongated valley (condition
    number ~14): the zigzag of plain descent on real data. MSE is exactly quadratic in (w, b):
    L = L* + [dw db] H [dw db]^T around the least-squares fit, with H = [[E x^2, E x], [E x, 1]],
    which costs a few operations per point instead of one per example.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 2.0, LINE_EXAMPLES)
    y = LINE_W * x + LINE_B + noise * rng.standard_normal(LINE_EXAMPLES)
    Ex, Exx = float(x.mean()), float(x @ x) / len(x)
    H = np.array([[Exx, Ex], [Ex, 1.0]])
    w_fit, b_fit = np.linalg.solve(H, [float(x @ y) / len(x), float(y.mean())])
    residual = w_fit * x + b_fit - y
    L_fit = float(residual @ residual) / len(x)

    def f(w: XY, b: XY) -> XY:
        dw, db = w - w_fit, b - b_fit
        return L_fit + (Exx * dw * dw + 2.0 * Ex * dw * db + db * db)

    def df(w: XY, b: XY) -> tuple[XY, XY]:
        dw, db = w - w_fit, b - b_fit
        return 2.0 * (Exx * dw + Ex * db), 2.0 * (Ex * dw + db)

    lam = np.linalg.eigvalsh(2.0 * H)  # the Hessian of the mean squared error
    return Surface(
        "linear_regression", "Linear regression (mean squared error)", f, df,
        window=((-1.5, 4.5), (-4.0, 2.0)), start=(-1.0, 1.5),
        minima=((float(w_fit), float(b_fit)),), lr=0.1,
        params={"seed": seed, "noise": noise}, axes=("w", "b"),
        hessian_eigenvalues=(float(lam[0]), float(lam[1])),
        data=ExampleSet(read_only(x), read_only(y), "mse"),
    )


def logistic_regression(seed: int) -> Surface:
    """Mean binary cross-entropy of P(y = 1 | x) = sigmoid(w x + b) over a seeded experiment:
    6 doses x of 10 subjects each, y = 1 with the true probability sigmoid(1.5 x + 0.5).

    Examples sharing a dose share a logit, and the loss is linear in the label, so the surface
    sums one term per dose (with the dose's fraction of positives as a soft label) instead of
    one per example: 6 exponentials per point instead of 60, which keeps a 200 x 200 contour
    grid within a few milliseconds. Batches use the engine's loss example by example.
    """
    rng = np.random.default_rng(seed)
    x = np.repeat(DOSES, SUBJECTS_PER_DOSE)
    y = (rng.random(len(x)) < sigmoid(LOGIT_W * x + LOGIT_B)).astype(np.float64)
    positives = y.reshape(len(DOSES), SUBJECTS_PER_DOSE).mean(axis=1)  # fraction of y = 1
    terms = list(zip(DOSES.tolist(), positives.tolist(), strict=True))
    # sum over doses of p z = w sum(p u) + b sum(p): the labels' part is linear in (w, b)
    pu, p_sum = float(DOSES @ positives), float(positives.sum())

    def f(w: XY, b: XY) -> XY:
        # Per dose, bce's max(z, 0) - p z + log1p(e^-|z|) (engine.losses), p the dose's fraction
        # of positives; the - p z terms summed once (linear in w, b), the log1p terms of the
        # equal-sized doses as one log of a product (factors in (1, 2], no overflow): one log
        # per point instead of 6. Buffers reused: a 200 x 200 contour grid is 40,000 points.
        total = np.array(-(w * pu + b * p_sum), dtype=np.float64)
        product, z, part = np.ones_like(total), np.empty_like(total), np.empty_like(total)
        for u, _ in terms:
            np.multiply(w, u, out=z)
            z += b
            total += np.maximum(z, 0.0, out=part)
            np.abs(z, out=z)
            np.negative(z, out=z)
            np.exp(z, out=z)
            z += 1.0
            product *= z
        total += np.log(product, out=product)
        total /= len(terms)
        return total

    def df(w: XY, b: XY) -> tuple[XY, XY]:
        dw: XY = 0.0
        db: XY = 0.0
        for u, p in terms:
            d = sigmoid(w * u + b) - p
            dw, db = dw + d * u, db + d
        return dw / len(terms), db / len(terms)

    fit = polish_minimum(df, (LOGIT_W, LOGIT_B))  # None if a dose threshold separates the labels
    return Surface(
        "logistic_regression", "Logistic regression (binary cross-entropy)", f, df,
        window=((-2.0, 5.0), (-3.5, 3.5)), start=(-1.5, 3.0),
        minima=() if fit is None else (fit,), lr=1.0,
        params={"seed": seed}, axes=("w", "b"),
        data=ExampleSet(read_only(x), read_only(y), "bce"),
    )


_SEED = HyperSpec(0, "int", 0, 2**32 - 1, "seed of the examples")

REGRESSION_RECIPES = (
    SurfaceRecipe("linear_regression", "Linear regression (MSE)", {
        "seed": _SEED,
        "noise": HyperSpec(0.5, "float", 0.0, 2.0, "standard deviation of y around the line"),
    }, linear_regression),
    SurfaceRecipe("logistic_regression", "Logistic regression (BCE)", {"seed": _SEED},
                  logistic_regression),
)
