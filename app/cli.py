"""``backprop-playground --host H --port P``: serve with uvicorn; settings from flags or env."""

from __future__ import annotations

import argparse
import os
from dataclasses import fields

from app.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-playground",
        description="Serve Backprop Playground. Every flag can also be set as BPP_<FLAG> "
        "in the environment (e.g. BPP_MAX_SESSIONS=500); flags win.",
    )
    defaults = Settings()
    for f in fields(Settings):
        default = getattr(defaults, f.name)
        flag = "--" + f.name.replace("_", "-")
        if isinstance(default, tuple):
            parser.add_argument(flag, type=lambda v: tuple(x for x in v.split(",") if x),
                                help=f"comma-separated (default: none; env BPP_{f.name.upper()})")
        else:
            parser.add_argument(flag, type=type(default),
                                help=f"default: {default} (env BPP_{f.name.upper()})")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes, each with its own sessions (default: 1)")
    parser.add_argument("--log-level", default="info")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in fields(Settings)}
    settings = Settings.from_env(**overrides)
    # Small matrices: threads only add overhead; more cores -> more processes.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import uvicorn

    from app.main import create_app
    from app.ws_transport import make_protocol

    common = dict(
        host=settings.host,
        port=settings.port,
        ws=make_protocol(settings.send_timeout_s),
        ws_per_message_deflate=False,
        ws_max_size=max(65536, settings.max_message_bytes * 4),
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        log_level=args.log_level,
        proxy_headers=False,
    )
    if args.workers > 1:
        # Each worker process re-reads settings from the environment.
        for f in fields(Settings):
            value = getattr(settings, f.name)
            os.environ[f"BPP_{f.name.upper()}"] = (
                ",".join(value) if isinstance(value, tuple) else str(value)
            )
        uvicorn.run("app.main:create_app", factory=True, workers=args.workers, **common)
    else:
        uvicorn.run(create_app(settings), **common)


if __name__ == "__main__":
    main()
