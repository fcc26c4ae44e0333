"""The URL hash holds the configuration: a link reproduces a run; a bad link says so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pageutil import location_hash, open_app, shown_number, state
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser


def wait_hash(page: Page, *parts: str) -> None:
    """Wait for the hash to hold every part. A `configure` change reaches the hash only with the
    server's `ready` (so this waits for its echo); a `set` change is written at once."""
    page.wait_for_function("(parts) => parts.every((p) => location.hash.includes(p))",
                           arg=list(parts))


def test_url_round_trip_restores_the_configuration(
        page: Page, new_page: Callable[[], Page], server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("dataset-xor").click()
    wait_hash(page, "dataset=xor")
    page.get_by_test_id("activation").select_option("relu")
    wait_hash(page, "activation=relu")
    page.get_by_test_id("add-layer").click()
    wait_hash(page, "hidden=4,2,2")
    page.get_by_test_id("regenerate").click()
    page.wait_for_function("() => !location.hash.includes('seed=0&')")
    page.get_by_test_id("learning-rate").select_option("0.1")
    wait_hash(page, "learning_rate=0.1&")
    page.get_by_test_id("edge-mode-gradient").click()
    wait_hash(page, "edges=gradient")
    expect(page.get_by_test_id("step")).to_be_enabled()
    link = location_hash(page)
    first = state(page)["config"]
    assert first["seed"] != 0
    loss0 = page.get_by_test_id("train-loss").text_content()

    other = new_page()
    open_app(other, server, link)
    expect(other.get_by_test_id("url-notice")).to_be_hidden()
    # The controls...
    expect(other.get_by_test_id("dataset-xor")).to_have_attribute("aria-pressed", "true")
    expect(other.get_by_test_id("activation")).to_have_value("relu")
    expect(other.get_by_test_id("learning-rate")).to_have_value("0.1")
    expect(other.get_by_test_id("layer-count")).to_have_text("3 hidden layers",
                                                             ignore_case=True)
    expect(other.get_by_test_id("seed")).to_have_text(str(first["seed"]))
    expect(other.get_by_test_id("edge-mode-gradient")).to_have_attribute("aria-checked", "true")
    # ...the configuration the server echoed in `ready`...
    assert state(other)["config"] == first
    assert location_hash(other) == link
    # ...and the same data and initial weights: the same loss at step 0.
    expect(other.get_by_test_id("step-counter")).to_have_text("0")
    assert other.get_by_test_id("train-loss").text_content() == loss0


@pytest.mark.parametrize("link, notice_words", [
    ("#activation=bogus&learning_rate=abc", ["activation=bogus", "learning_rate=abc"]),
    ("#hidden=4,99&batch_size=-3&edges=sideways", ["hidden", "batch_size", "edges"]),
    ("#dataset=xor&activation=bogus", ["activation=bogus"]),
])
def test_bad_link_value_shows_a_notice_and_uses_the_default(
        page: Page, server: ServerProcess, link: str, notice_words: list[str]) -> None:
    open_app(page, server, link)
    notice = page.get_by_test_id("url-notice")
    expect(notice).to_be_visible()
    for word in notice_words:
        expect(notice).to_contain_text(word)
    config = state(page)["config"]
    assert config["activation"] == "tanh"
    assert config["learning_rate"] == 0.03
    assert config["hidden"] == [4, 2]
    assert config["batch_size"] == 10
    # Good keys of the same link still apply.
    assert config["dataset"] == ("xor" if "dataset=xor" in link else "circle")
    expect(page.get_by_test_id("activation")).to_have_value("tanh")
    expect(page.get_by_test_id("learning-rate")).to_have_value("0.03")
    expect(page.get_by_test_id("edge-mode-weight")).to_have_attribute("aria-checked", "true")
    assert 0 < shown_number(page, "train-loss") < 2
    # The page rewrites the link to what it runs, so a copied link is a good one.
    assert "bogus" not in location_hash(page)
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_be_hidden()


def test_lesson_link_hides_controls(page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#hide=optimizer,learning-rate&activation=relu")
    expect(page.get_by_test_id("optimizer")).to_be_hidden()
    expect(page.get_by_test_id("learning-rate")).to_be_hidden()
    expect(page.get_by_test_id("activation")).to_be_visible()
    expect(page.get_by_test_id("activation")).to_have_value("relu")
    expect(page.get_by_test_id("play")).to_be_visible()
    expect(page.get_by_test_id("url-notice")).to_be_hidden()
    assert "hide=optimizer,learning-rate" in location_hash(page)
