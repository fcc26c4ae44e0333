"""Contracts of the page's source (static/js), read as text: only the store changes state, and
nothing the server sends in `hello` is given a number of the page's own as a fallback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "static" / "js"

# `store.x = ...`, `store.x.y++`, `Object.assign(store.x, ...)`, `store.pending.set(...)`.
STATE_WRITE = re.compile(
    r"\bstore(?:\.\w+)+\s*(?:[-+*/]?=(?!=)|\+\+|--)|Object\.assign\(\s*store\b"
    r"|\bstore(?:\.\w+)+\.(?:add|delete|clear|set|push|splice|reset)\(")
# `hello.limits.max_neurons ?? 8`, `setting('hidden').maxItems || 6`, `protocol !== 1`.
OWN_FALLBACK = re.compile(
    r"(?:hello|limits|schema|setting\([^)]*\))[\w.?\[\]'\"]*\s*(?:\?\?|\|\|)\s*-?\d"
    r"|\bprotocol\s*!==?\s*\d")


def sources() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def offending(pattern: re.Pattern[str], skip: str = "") -> list[str]:
    return [f"{p.relative_to(JS)}:{n}: {line.strip()}"
            for p in sources() if p.name != skip
            for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]


@pytest.mark.parametrize(("pattern", "line"), [
    (STATE_WRITE, "store.speed = 3;"),
    (STATE_WRITE, "store.ui.hide.push('x');"),
    (STATE_WRITE, "Object.assign(store.config, next);"),
    (OWN_FALLBACK, "return store.hello?.limits?.max_neurons ?? 8;"),
    (OWN_FALLBACK, "if (msg.protocol !== 1) warn();"),
])
def test_the_checks_catch_what_they_look_for(pattern: re.Pattern[str], line: str) -> None:
    assert pattern.search(line)


def test_only_the_store_changes_state() -> None:
    assert offending(STATE_WRITE, skip="store.js") == []


def test_no_number_of_the_pages_own_stands_in_for_hello() -> None:
    assert offending(OWN_FALLBACK) == []
