"""The gradient-descent lab (/lab) and the loss landscape in the playground, as a learner uses
them: drag the start, move the learning rate, compare batch sizes, open a link, open the landscape.

Paths are the server's (engine.lab); the page exposes what it drew on the canvases' data
attributes (`data-path-start`, `data-paths`, the loss chart's `data-last`, `data-axis`).
Screenshots of each scene go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pageutil import open_app
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

JS_SETTLED = "() => window.__lab && window.__lab.state().paths && !window.__lab.busy()"


def open_lab(page: Page, server: ServerProcess, hash_: str = "") -> None:
    page.goto(f"{server.url}/lab{hash_}")
    page.wait_for_function(JS_SETTLED)


def settle(page: Page) -> None:
    page.wait_for_function(JS_SETTLED)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def attr(page: Page, testid: str, name: str) -> str:
    return page.get_by_test_id(testid).get_attribute(name) or ""


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lab-{name}.png"))


def test_dragging_the_start_moves_every_path(page: Page, server: ServerProcess) -> None:
    open_lab(page, server)
    before = attr(page, "lab-surface", "data-path-start")
    box = page.get_by_test_id("lab-surface").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.3, steps=8)
    page.mouse.up()
    settle(page)
    start = page.get_by_test_id("lab-start")
    x = float(start.get_attribute("data-x") or "nan")
    y = float(start.get_attribute("data-y") or "nan")
    drawn = [float(v) for v in attr(page, "lab-surface", "data-path-start").split(",")]
    assert drawn != [float(v) for v in before.split(",")]
    # The drawn paths start where the readout says the start is: 3/4 across, near the top.
    assert drawn == pytest.approx([x, y], rel=1e-5)
    assert x > 0 and y > 0
    expect(start).to_contain_text("start: x =")
    shot(page, "dragged-start")


def test_the_learning_rate_slider_changes_paths_and_loss_chart(page: Page,
                                                                server: ServerProcess) -> None:
    open_lab(page, server)
    chart_before = attr(page, "lab-loss-chart", "data-last")
    lr_before = page.get_by_test_id("lab-run-lr-0").text_content()
    slider = page.get_by_test_id("lab-lr")
    slider.focus()
    for _ in range(30):  # 0.3 decades lower, with the keyboard
        page.keyboard.press("ArrowLeft")
    settle(page)
    assert page.get_by_test_id("lab-run-lr-0").text_content() != lr_before
    assert attr(page, "lab-loss-chart", "data-last") != chart_before
    assert attr(page, "lab-loss-chart", "data-lines") == "3"
    shot(page, "lower-learning-rate")


@pytest.mark.parametrize(("lr", "diverges"),
                         [(1.5, False), (1.99, False), (2.05, True), (3.0, True)])
def test_plain_descent_diverges_beyond_the_theory_line(page: Page, server: ServerProcess,
                                                       lr: float, diverges: bool) -> None:
    open_lab(page, server, f"#surface=quadratic&p.kappa=10&lr={lr}&run=sgd")
    line = page.get_by_test_id("lab-theory-line")
    expect(line).to_be_visible()
    critical = float(line.get_attribute("data-lr") or "nan")
    assert (lr > critical) is diverges
    expect(page.get_by_test_id("lab-theory-text")).to_contain_text("2 / λmax")
    card = page.get_by_test_id("lab-run-0")
    if diverges:
        expect(card).to_contain_text(re.compile("diverg"))
    else:
        expect(card).not_to_contain_text(re.compile("diverg"))


def test_batch_minibatch_and_stochastic_side_by_side(page: Page, server: ServerProcess) -> None:
    open_lab(page, server, "#surface=linear_regression")
    page.get_by_test_id("batch-compare").click()
    settle(page)
    assert attr(page, "lab-surface", "data-paths") == "3"
    expect(page.get_by_test_id("lab-data")).to_be_visible()  # the examples and each run's line
    names = [page.get_by_test_id(f"lab-run-name-{i}").text_content() or "" for i in range(3)]
    assert "full batch" in names[0] and "mini-batch" in names[1] and "stochastic" in names[2]
    rates = {page.get_by_test_id(f"lab-run-lr-{i}").text_content() for i in range(3)}
    assert len(rates) == 1  # the same learning rate for all three
    assert attr(page, "lab-loss-chart", "data-axis") == "steps"
    steps_x = float(attr(page, "lab-loss-chart", "data-x-max"))
    page.get_by_test_id("cost-axis").check()
    settle(page)
    assert attr(page, "lab-loss-chart", "data-axis") == "examples"
    n = int(page.get_by_test_id("lab-run-batch-0").get_attribute("max") or "0")
    # Full batch reads every example at every step: its cost axis is n times the steps.
    assert float(attr(page, "lab-loss-chart", "data-x-max")) == steps_x * n
    shot(page, "batch-compare-cost-axis")


def test_a_link_reproduces_the_lab(page: Page, server: ServerProcess) -> None:
    open_lab(page, server, "#surface=rosenbrock&start=-1,2.5&lr=0.0002&steps=300"
                           "&run=adam%3Bx%3A100&run=sgd%3Bmomentum%3A0.8")
    start = page.get_by_test_id("lab-start")
    assert (start.get_attribute("data-x"), start.get_attribute("data-y")) == ("-1", "2.5")
    assert attr(page, "lab-surface", "data-path-start") == "-1,2.5"
    expect(page.get_by_test_id("lab-run-name-0")).to_have_text("Adam")
    expect(page.get_by_test_id("lab-run-name-1")).to_have_text("Momentum")
    expect(page.get_by_test_id("lab-run-lr-0")).to_have_text("= 0.02")
    expect(page.get_by_test_id("lab-step-counter")).to_have_text("300")
    # What the page wrote back is the same lab: reloading it gives the same paths.
    drawn = attr(page, "lab-loss-chart", "data-last")
    page.reload()
    page.wait_for_function(JS_SETTLED)
    settle(page)
    assert attr(page, "lab-loss-chart", "data-last") == drawn


def test_play_step_and_reset_walk_the_paths(page: Page, server: ServerProcess) -> None:
    open_lab(page, server, "#surface=himmelblau&steps=50")
    page.get_by_test_id("lab-reset").click()
    expect(page.get_by_test_id("lab-step-counter")).to_have_text("0")
    page.get_by_test_id("lab-step").click()
    page.get_by_test_id("lab-step").click()
    expect(page.get_by_test_id("lab-step-counter")).to_have_text("2")
    page.get_by_test_id("lab-arrows").check()
    expect(page.get_by_test_id("lab-readout")).to_contain_text("exp_avg")
    shot(page, "arrows-at-step-2")
    page.get_by_test_id("lab-play").click()
    expect(page.get_by_test_id("lab-step-counter")).to_have_text("50", timeout=8000)
    expect(page.get_by_test_id("lab-play")).to_have_text("Play")


def test_the_landscape_panel_shows_the_grid_and_the_path(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    expect(page.get_by_test_id("lab-link")).to_have_attribute("href", "/lab")
    for _ in range(5):
        page.get_by_test_id("step").click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=step-counter]')"
                           ".textContent) >= 5")
    page.get_by_test_id("landscape-button").click()
    panel = page.get_by_test_id("landscape-panel")
    expect(panel).to_be_visible()
    canvas = page.get_by_test_id("landscape-canvas")
    expect(canvas).to_have_attribute("data-size", "41")
    expect(canvas).to_have_attribute("data-directions", "random")
    assert int(canvas.get_attribute("data-path-points") or "0") >= 2
    page.get_by_test_id("landscape-pca").click()
    expect(canvas).to_have_attribute("data-directions", "pca")
    expect(page.get_by_test_id("landscape-info")).to_contain_text("of the path's variance")
    shot(page, "landscape-pca")


def test_up_to_seven_optimizers_each_with_its_path(page: Page, server: ServerProcess) -> None:
    open_lab(page, server, "#surface=beale")
    add = page.get_by_test_id("lab-add-optimizer")
    for n in range(4, 8):
        add.click()
        settle(page)
        assert attr(page, "lab-surface", "data-paths") == str(n)
        assert attr(page, "lab-loss-chart", "data-lines") == str(n)
    expect(add).to_be_disabled()
    page.get_by_test_id("lab-run-optimizer-6").select_option("adagrad")
    settle(page)
    expect(page.get_by_test_id("lab-run-name-6")).to_have_text("Adagrad")
    page.get_by_test_id("lab-run-6").get_by_role("button", name="Remove").click()
    settle(page)
    assert attr(page, "lab-surface", "data-paths") == "6"
    expect(add).to_be_enabled()
    shot(page, "six-optimizers-on-beale")


def test_a_long_drag_ends_with_the_paths_of_the_last_start(page: Page,
                                                           server: ServerProcess) -> None:
    # Many moves, a few requests (one in flight, paced by cost): the latest start wins, no error.
    open_lab(page, server, "#surface=rosenbrock&steps=1000")
    box = page.get_by_test_id("lab-surface").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    for k in range(1, 150):  # a drag across the whole surface: 150 pointer moves in 3 s or more
        page.mouse.move(box["x"] + 10 + k * (box["width"] - 20) / 150, box["y"] + box["height"] / 2)
        page.wait_for_timeout(20)
    page.mouse.up()
    settle(page)
    expect(page.get_by_test_id("lab-error")).to_be_hidden()
    start = page.get_by_test_id("lab-start")
    drawn = [float(v) for v in attr(page, "lab-surface", "data-path-start").split(",")]
    assert drawn == pytest.approx([float(start.get_attribute("data-x") or "nan"),
                                   float(start.get_attribute("data-y") or "nan")], rel=1e-5)
