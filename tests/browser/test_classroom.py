"""The classroom in a real browser: a teacher presents, two students follow (each in its own
browser context, as on their own devices), a poll, read only, taking a copy."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, ConsoleLog
from tests.browser.pageutil import open_app, settled_step, wait_connected
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def student_page(browser: Browser, console: ConsoleLog) -> Callable[[], Page]:
    """A page in a context of its own (another device: its own sessionStorage and localStorage)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        p = ctx.new_page()
        console.watch(p)
        return p

    yield make
    for ctx in contexts:
        ctx.close()


def present(teacher: Page) -> str:
    teacher.get_by_test_id("present-button").click()
    panel = teacher.get_by_test_id("room-panel")
    expect(panel).to_be_visible()
    expect(teacher.get_by_test_id("present-button")).to_have_attribute("aria-pressed", "true")
    code = teacher.get_by_test_id("room-code").text_content() or ""
    assert re.fullmatch(r"[A-Z0-9-]{3,16}", code), code
    return code


def follow(student: Page, server: ServerProcess, code: str) -> None:
    student.goto(f"{server.url}/#room={code}")
    expect(student.get_by_test_id("follow-banner")).to_be_visible()
    expect(student.get_by_test_id("follow-banner")).to_contain_text(f"Following {code}")
    expect(student.get_by_test_id("follow-banner")).to_contain_text("read only")


def class_of_one(teacher: Page, student_page: Callable[[], Page], server: ServerProcess
                 ) -> tuple[str, Page]:
    """The teacher's page presents the default run; one student follows: (code, student)."""
    open_app(teacher, server)
    code = present(teacher)
    student = student_page()
    follow(student, server, code)
    return code, student


def test_students_follow_the_teacher_vote_and_take_a_copy(
        page: Page, student_page: Callable[[], Page], server: ServerProcess,
        console: ConsoleLog) -> None:
    teacher = page
    open_app(teacher, server, "#hidden=3&learning_rate=0.1")
    code = present(teacher)
    # The token stays in this tab's sessionStorage, never in the URL.
    assert "token" not in teacher.evaluate("() => location.href")
    saved = teacher.evaluate("() => JSON.parse(sessionStorage.getItem('bpp.room.teacher'))")
    assert saved["code"] == code
    qr = teacher.get_by_test_id("room-qr")
    expect(qr).to_have_attribute("src", f"/room/{code}/qr.svg")
    teacher.wait_for_function(
        "() => document.querySelector('[data-testid=\"room-qr\"]').naturalWidth > 0")
    box = qr.bounding_box()
    assert box and box["width"] >= 300 and box["height"] >= 300

    students = [student_page(), student_page()]
    for s in students:
        follow(s, server, code)
    expect(teacher.get_by_test_id("room-followers")).to_have_text("2")

    # The teacher steps: both students see the step, with the teacher's edge mode.
    teacher.get_by_test_id("room-hide").click()
    teacher.get_by_test_id("edge-mode-gradient").click()
    for _ in range(3):
        teacher.get_by_test_id("step").click()
    expect(teacher.get_by_test_id("step-counter")).to_have_text("3")
    for s in students:
        expect(s.get_by_test_id("step-counter")).to_have_text("3")
        expect(s.get_by_test_id("edge-mode-gradient")).to_have_attribute("aria-checked", "true")
        assert s.evaluate("() => window.__bpp.state().config.hidden") == [3]

    # A student's play is refused by the server: read only; the room's run does not move.
    console.allow(r"read_only")
    students[0].get_by_test_id("play").click()
    expect(students[0].get_by_test_id("toasts")).to_contain_text("only the teacher drives it")
    expect(teacher.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")

    # A poll: two votes, counted live on the teacher's screen; revealed to everyone.
    teacher.get_by_test_id("present-button").click()  # the panel again
    teacher.get_by_test_id("poll-preset").select_option("2")
    teacher.get_by_test_id("poll-open").click()
    for s, option in zip(students, [0, 2], strict=True):
        expect(s.get_by_test_id("poll-question")).to_have_text(
            "Is the learning rate too large, too small or about right?")
        s.get_by_test_id("poll-option").nth(option).click()
        chosen = s.get_by_test_id("poll-option").nth(option)
        expect(chosen).to_have_attribute("aria-pressed", "true")
        expect(s.get_by_test_id("poll-option").first).to_be_disabled()  # one vote
    results = teacher.get_by_test_id("poll-results")
    expect(results).to_have_attribute("data-total", "2")
    expect(teacher.get_by_test_id("poll-count")).to_have_text(["1", "0", "1"])
    expect(students[0].get_by_test_id("poll-results")).to_be_hidden()  # until revealed
    shot(teacher, "classroom-teacher-poll")
    teacher.get_by_test_id("poll-reveal").click()
    expect(students[1].get_by_test_id("poll-results")).to_be_visible()
    expect(students[1].get_by_test_id("poll-count")).to_have_text(["1", "0", "1"])
    shot(students[1], "classroom-student-revealed")

    # Take a copy: the student's own run, continuing from the room's step 3.
    s = students[1]
    s.get_by_test_id("take-copy").click()
    expect(s.get_by_test_id("follow-banner")).to_be_hidden()
    wait_connected(s)
    assert settled_step(s) == 3
    s.get_by_test_id("step").click()
    expect(s.get_by_test_id("step-counter")).to_have_text("4")
    expect(teacher.get_by_test_id("step-counter")).to_have_text("3")  # the room is untouched
    expect(students[0].get_by_test_id("step-counter")).to_have_text("3")
    expect(teacher.get_by_test_id("room-followers")).to_have_text("1")

    # The class ends: the remaining student is told and keeps the last state.
    teacher.get_by_test_id("room-close").click()
    expect(students[0].get_by_test_id("follow-banner")).to_contain_text("The class has ended")
    expect(students[0].get_by_test_id("step-counter")).to_have_text("3")


def test_students_see_the_teachers_explainer(
        page: Page, student_page: Callable[[], Page], server: ServerProcess) -> None:
    teacher = page
    code, student = class_of_one(teacher, student_page, server)
    teacher.get_by_test_id("room-hide").click()
    teacher.get_by_test_id("step").click()
    expect(student.get_by_test_id("step-counter")).to_have_text("1")

    # The teacher opens the explainer on example 4: the student's opens on it, same numbers.
    teacher.get_by_test_id("explain-open").click()
    expect(teacher.get_by_test_id("explain-loss")).to_be_visible()  # loaded, its first example
    teacher.get_by_test_id("explain-index").fill("4")
    teacher.get_by_test_id("explain-index").dispatch_event("change")
    expect(teacher.get_by_test_id("explain-summary")).to_contain_text("Training point 4 ")
    expect(student.get_by_test_id("explainer")).to_be_visible()
    expect(student.get_by_test_id("explain-index")).to_have_value("4")
    for part in ("explain-loss", "explain-dw", "explain-formula"):
        expect(student.get_by_test_id(part)).to_have_text(
            teacher.get_by_test_id(part).text_content() or "")
    shot(student, "classroom-student-explainer")

    # A late joiner sees it at once; the teacher closes it and it closes for everyone.
    late = student_page()
    follow(late, server, code)
    expect(late.get_by_test_id("explainer")).to_be_visible()
    expect(late.get_by_test_id("explain-loss")).to_have_text(
        teacher.get_by_test_id("explain-loss").text_content() or "")
    teacher.get_by_test_id("explain-close").click()
    expect(student.get_by_test_id("explainer")).to_be_hidden()
    expect(late.get_by_test_id("explainer")).to_be_hidden()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_teacher_reloads_and_the_room_goes_on(
        page: Page, student_page: Callable[[], Page], server: ServerProcess) -> None:
    teacher = page
    code, student = class_of_one(teacher, student_page, server)
    teacher.get_by_test_id("step").click()
    expect(student.get_by_test_id("step-counter")).to_have_text("1")

    teacher.reload()  # the teacher's connection drops; the token is in this tab's sessionStorage
    expect(teacher.get_by_test_id("present-button")).to_have_attribute("aria-pressed", "true")
    expect(teacher.get_by_test_id("room-code")).to_have_text(code)
    # the room's run, not a new one
    expect(teacher.get_by_test_id("step-counter")).to_have_text("1")
    expect(student.get_by_test_id("follow-banner")).not_to_contain_text("paused")
    teacher.get_by_test_id("room-hide").click()
    teacher.get_by_test_id("step").click()
    expect(student.get_by_test_id("step-counter")).to_have_text("2")

    teacher.close()  # the teacher's screen goes away: the student is told and keeps the state
    expect(student.get_by_test_id("follow-banner")).to_contain_text("paused, reconnecting")
    expect(student.get_by_test_id("step-counter")).to_have_text("2")


def test_a_teacher_runs_a_lesson_in_the_room(
        page: Page, student_page: Callable[[], Page], server: ServerProcess) -> None:
    teacher = page
    _, student = class_of_one(teacher, student_page, server)
    teacher.get_by_test_id("room-hide").click()
    teacher.get_by_test_id("lessons-button").click()
    teacher.get_by_test_id("lesson-link").filter(has_text="One step, taken apart").click()
    expect(teacher.get_by_test_id("lesson-title")).to_have_text("One step, taken apart")
    # The lesson drives the room's run: the student gets its configuration and its captions.
    student.wait_for_function("() => window.__bpp.state().config?.seed === 1")
    expect(student.get_by_test_id("follow-caption")).to_contain_text("A small network at step 0")
    teacher.get_by_test_id("lesson-next").click()
    student.wait_for_function("() => window.__bpp.lastHeader?.phase === 'forward'")
    expect(student.get_by_test_id("follow-caption")).to_contain_text("Forward pass")
    # Its question becomes a poll.
    teacher.get_by_test_id("lesson-ask").click()
    expect(student.get_by_test_id("poll-question")).to_contain_text("go up or down")
    student.get_by_test_id("poll-option").nth(1).click()
    expect(teacher.get_by_test_id("poll-results")).to_have_attribute("data-total", "1")
    shot(teacher, "classroom-teacher-lesson")
    shot(student, "classroom-student-lesson")


def test_after_a_server_restart_the_teacher_keeps_the_network_not_the_room(
        page: Page, console: ConsoleLog) -> None:
    console.allow(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws' failed")
    own = ServerProcess()
    try:
        open_app(page, own, "#hidden=3&seed=2")
        present(page)
        page.get_by_test_id("room-hide").click()
        page.get_by_test_id("step-epoch").click()
        page.wait_for_function("() => window.__classroom.keptStep() === 25")
        own.kill()
        own.start()
        expect(page.get_by_test_id("toasts")).to_contain_text("The room has ended",
                                                              timeout=20_000)
        expect(page.get_by_test_id("restored-notice")).to_contain_text("restored at step 25")
        expect(page.get_by_test_id("present-button")).to_have_attribute("aria-pressed", "false")
        wait_connected(page)
        assert settled_step(page) == 25
    finally:
        own.close()
