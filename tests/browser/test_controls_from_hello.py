"""The page's controls take their bounds and choices from `hello` (the engine's one schema under the
server's caps): a server with narrow caps gets narrow controls, and a link beyond them is refused.
The expected values come from the engine's definitions (engine.schema, the optimizers' HYPER), not
from the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.protocol.config_model import hyper_schemas
from engine.schema import SETTINGS
from tests.browser.pageutil import open_app, settled_step, state
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

CAPS = {"BPP_MAX_NEURONS": "5", "BPP_MAX_HIDDEN_LAYERS": "3", "BPP_MAX_SAMPLES": "800",
        "BPP_MAX_BATCH_SIZE": "50", "BPP_MAX_STEPS_PER_SECOND": "1000"}


@pytest.fixture(scope="module")
def capped_server() -> Iterator[ServerProcess]:
    s = ServerProcess(env=CAPS)
    yield s
    s.close()


def values(page: Page, selector: str, attribute: str) -> list[str]:
    return page.evaluate("([sel, attr]) => [...document.querySelectorAll(sel)]"
                         ".map((e) => e.getAttribute(attr))", [selector, attribute])


def slide(page: Page, testid: str, index: int | str) -> str:
    """Move a range input to `index` ("max": its last stop) as a drag would; the label it shows."""
    return page.evaluate("""([id, i]) => {
      const s = document.querySelector(`[data-testid="${id}"]`);
      s.value = i === 'max' ? s.max : String(i);
      s.dispatchEvent(new Event('input'));
      const out = s.closest('label').querySelector('output');
      return out.textContent;
    }""", [testid, index])


def test_layer_and_neuron_buttons_stop_at_the_servers_caps(
        page: Page, capped_server: ServerProcess) -> None:
    open_app(page, capped_server)
    add, count = page.get_by_test_id("add-layer"), page.get_by_test_id("layer-count")
    expect(count).to_have_text("2 hidden layers")
    expect(add).to_be_enabled()
    add.click()
    expect(count).to_have_text("3 hidden layers")
    expect(add).to_be_disabled()  # max_hidden_layers 3
    page.wait_for_function("() => window.__bpp.state().config.hidden.length === 3")
    assert state(page)["config"]["hidden"] == [4, 2, 2]
    plus = page.get_by_test_id("add-neuron-1")
    expect(plus).to_be_enabled()
    plus.click()
    page.wait_for_function("() => window.__bpp.state().config.hidden[0] === 5")
    expect(page.get_by_test_id("add-neuron-1")).to_be_disabled()  # max_neurons 5
    expect(page.get_by_test_id("remove-neuron-1")).to_be_enabled()


def test_sliders_span_the_schemas_ranges(page: Page, capped_server: ServerProcess) -> None:
    open_app(page, capped_server)
    # Points: the schema's smallest and the server's max_samples, both reachable.
    assert slide(page, "samples", 0) == str(SETTINGS["samples"].bounds()[0])
    assert slide(page, "samples", "max") == "800"
    # Batch size: every whole number stop up to max_batch_size 50, then "all".
    assert slide(page, "batch-size", 0) == "1"
    last = int(page.get_by_test_id("batch-size").get_attribute("max") or 0)
    assert slide(page, "batch-size", last - 1) == "50"
    assert slide(page, "batch-size", last).startswith("all")
    # Fractions as percent: the schema's bounds.
    for testid, key in (("noise", "noise"), ("train-ratio", "train_ratio")):
        lo, hi = SETTINGS[key].bounds()
        slider = page.get_by_test_id(testid)
        assert (slider.get_attribute("min"), slider.get_attribute("max")) == \
            (str(round(lo * 100)), str(round(hi * 100)))
    # Speed: up to the server's max_steps_per_second, then 'max' (which is that cap).
    speed = page.get_by_test_id("speed")
    stops = int(speed.get_attribute("max") or 0)
    page.evaluate("(i) => { const s = document.querySelector('[data-testid=\"speed\"]');"
                  " s.value = String(i); s.dispatchEvent(new Event('input')); }", stops - 1)
    expect(page.locator("#speed-value")).to_have_text("1,000 steps/s")
    page.evaluate("(i) => { const s = document.querySelector('[data-testid=\"speed\"]');"
                  " s.value = String(i); s.dispatchEvent(new Event('input')); }", stops)
    expect(page.locator("#speed-value")).to_contain_text("1,000")
    expect(page.locator("#speed-value")).to_contain_text("max")


def test_choices_are_the_schemas(page: Page, capped_server: ServerProcess) -> None:
    open_app(page, capped_server)
    for key in ("activation", "loss", "regularization", "init"):
        assert values(page, f'[data-testid="{key}"] option', "value") == \
            list(SETTINGS[key].choices), key
    # Optimizer: every schema optimizer once (SGD also under its momentum presets), in order.
    names = values(page, '[data-testid="optimizer"] option', "data-optimizer")
    assert list(dict.fromkeys(names)) == list(SETTINGS["optimizer"].choices)
    assert sorted(values(page, "[data-dataset]", "data-dataset")) == \
        sorted(SETTINGS["dataset"].choices)
    assert values(page, "[data-feature]", "data-feature") == list(SETTINGS["features"].choices)


def hyper_inputs(page: Page) -> dict[str, dict[str, Any]]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-hyper]')]
      .map((i) => [i.dataset.hyper, {type: i.type, min: i.getAttribute('min'),
                                     max: i.getAttribute('max')}]))""")


def test_hyperparameter_inputs_are_each_optimizers_schema(
        page: Page, capped_server: ServerProcess) -> None:
    open_app(page, capped_server)
    optimizer = page.get_by_test_id("optimizer")
    for name, schema in hyper_schemas().items():
        optimizer.select_option(name)
        page.wait_for_function("(n) => window.__bpp.state().config.optimizer === n", arg=name)
        expect(page.get_by_test_id("hyper")).to_have_attribute("data-optimizer", name)
        shown = hyper_inputs(page)
        assert list(shown) == list(schema["properties"]), name
        for key, spec in schema["properties"].items():
            if spec["type"] == "boolean":
                assert shown[key]["type"] == "checkbox", (name, key)
            else:
                got = (float(shown[key]["min"]), float(shown[key]["max"]))
                assert got == (spec["minimum"], spec["maximum"]), (name, key)


def test_a_link_beyond_the_caps_is_refused(page: Page, capped_server: ServerProcess) -> None:
    open_app(page, capped_server, "#hidden=4,4,4,4&samples=900&batch_size=60&activation=relu")
    notice = page.get_by_test_id("url-notice")
    expect(notice).to_be_visible()
    for word in ("hidden", "samples", "batch_size", "to 3 ", "to 800", "to 50 "):
        expect(notice).to_contain_text(word)
    config = state(page)["config"]
    assert config["hidden"] == [4, 2] and config["activation"] == "relu"
    assert config["batch_size"] == SETTINGS["batch_size"].default
    settled_step(page)
