"""docs/protocol.md's config table, generated from engine.schema (a test keeps them equal).

    python -m app.protocol.docs     # rewrite the table in docs/protocol.md
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.limits import engine_limits
from app.settings import Settings
from engine.schema import SETTINGS, Limits

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
START, END = "<!-- config-table:start -->", "<!-- config-table:end -->"


def config_table(limits: Limits) -> str:
    """One row per key: its default, what is allowed (with the default server's caps), meaning."""
    rows = ["| key | default | allowed | meaning |", "|---|---|---|---|"]
    for key, s in SETTINGS.items():
        allowed = s.allowed(limits)
        if s.kind == "hyper":
            allowed = "per optimizer: `config_schema.properties.hyper.x-by-optimizer`"
        default = json.dumps(s.default)
        rows.append(f"| `{key}` | `{default}` | {allowed} | {s.description} |")
    return "\n".join(rows)


def render(doc_text: str, limits: Limits) -> str:
    table = f"{START}\n{config_table(limits)}\n{END}"
    return re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: table, doc_text,
                  flags=re.S)


def main() -> None:
    DOC.write_text(render(DOC.read_text(), engine_limits(Settings.from_env({}))))


if __name__ == "__main__":
    main()
