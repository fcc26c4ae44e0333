"""Lessons: a shipped lesson walked alone (pause points at phases and steps, captions, a
question), a teacher's own lesson in the link, and a bad lesson named field by field."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pageutil import settled_step, state
from tests.live_server import ROOT, ServerProcess

pytestmark = pytest.mark.browser

LESSONS = ROOT / "static" / "lessons"


def own_link(lesson: dict[str, object]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(lesson).encode()).decode().rstrip("=")
    return f"#lesson={raw}"


def open_lesson(page: Page, server: ServerProcess, hash_: str) -> None:
    page.goto(f"{server.url}/{hash_}")
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "open")


def test_the_index_lists_five_shipped_lessons_that_all_open(
        page: Page, server: ServerProcess) -> None:
    index = json.loads((LESSONS / "index.json").read_text())["lessons"]
    assert len(index) >= 5
    for entry in index:
        lesson = json.loads((LESSONS / f"{entry['name']}.json").read_text())
        assert lesson["title"] == entry["title"]
        open_lesson(page, server, f"#lesson={entry['name']}")
        expect(page.get_by_test_id("lesson-title")).to_have_text(entry["title"])
        expect(page.get_by_test_id("lesson-error")).to_be_hidden()
        # The lesson's configuration is the run's (the server accepted every key).
        page.wait_for_function("(seed) => window.__bpp.state().config?.seed === seed",
                               arg=lesson["config"]["seed"])
        assert settled_step(page) == 0
        for key, value in lesson["config"].items():
            if key != "hyper":
                assert state(page)["config"][key] == value, key


def test_one_step_taken_apart_walks_phase_by_phase(page: Page, server: ServerProcess) -> None:
    open_lesson(page, server, "#lesson=one-step")
    panel = page.get_by_test_id("lesson-panel")
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("lesson-count")).to_have_text("1 of 6")
    page.get_by_test_id("lesson-next").click()
    expect(page.get_by_test_id("lesson-caption")).to_contain_text("Forward pass")
    page.wait_for_function("() => window.__bpp.lastHeader?.phase === 'forward'")
    # The question, answered alone: the page says whether it was right.
    expect(page.get_by_test_id("lesson-question-text")).to_contain_text("go up or down")
    page.get_by_test_id("lesson-option").nth(1).click()
    expect(page.get_by_test_id("lesson-feedback")).to_contain_text("Yes")
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("() => window.__bpp.lastHeader?.phase === 'backward'")
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("() => window.__bpp.lastHeader?.step === 1")
    page.get_by_test_id("lesson-next").click()  # at step 50
    page.wait_for_function("() => window.__bpp.lastHeader?.step === 50")
    assert settled_step(page) == 50
    expect(page.get_by_test_id("lesson-count")).to_have_text("5 of 6")


def test_a_teachers_own_lesson_opens_from_its_link(page: Page, server: ServerProcess) -> None:
    lesson = {"title": "Mine", "config": {"dataset": "xor", "hidden": [2], "seed": 4},
              "points": [{"at": {"start": True}, "caption": "Look at the XOR data."},
                         {"at": {"step": 5}, "caption": "Five steps."}]}
    open_lesson(page, server, own_link(lesson))
    expect(page.get_by_test_id("lesson-title")).to_have_text("Mine")
    page.wait_for_function("() => window.__bpp.state().config?.dataset === 'xor'")
    page.get_by_test_id("lesson-next").click()
    page.wait_for_function("() => window.__bpp.lastHeader?.step === 5")
    expect(page.get_by_test_id("lesson-caption")).to_have_text("Five steps.")


BAD: list[tuple[Callable[[dict], None], str]] = [
    (lambda d: d.pop("title"), "title: must be a non-empty string"),
    (lambda d: d.update(colour="red"), "colour: unknown key"),
    (lambda d: d["config"].update(depth=3), "config.depth: unknown key"),
    (lambda d: d["points"][1]["at"].update(step=-1), "points[1].at.step: must be an integer"),
    (lambda d: d["points"][0].update(question={"text": "Q", "options": ["only one"]}),
     "points[0].question.options: must be a list of 2 to 6 answers"),
    (lambda d: d["points"][0]["at"].update(phase="sideways"),
     "points[0].at: must have exactly one of step, phase, start"),
]


@pytest.mark.parametrize(("spoil", "message"), BAD)
def test_a_bad_lesson_names_its_field(page: Page, server: ServerProcess,
                                      spoil: Callable[[dict], None], message: str) -> None:
    lesson = {"title": "Bad", "config": {"seed": 1},
              "points": [{"at": {"start": True}, "caption": "a"},
                         {"at": {"step": 3}, "caption": "b"}]}
    spoil(lesson)
    open_lesson(page, server, own_link(lesson))
    error = page.get_by_test_id("lesson-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    expect(page.get_by_test_id("lesson-next")).to_be_hidden()
