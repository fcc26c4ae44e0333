"""``backprop-playground --host H --port P``: serve with uvicorn; settings from flags or env.

Every flag is a setting of app/settings.py (its help, allowed values and default come from
there) and every setting is a flag. A refused value, on the command line or in a ``BPP_*``
variable, is a usage error (exit status 2) naming the flag or the variable, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, Literal

from app.settings import (
    SettingError,
    Settings,
    allowed,
    check,
    default,
    env_name,
    field_info,
    flag_name,
    setting_names,
)

KEEP_ALIVE_S = 5  # an idle kept-alive HTTP connection is closed after this long (uvicorn's)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-playground",
        usage="%(prog)s [--FLAG VALUE ...]  (--help lists every flag)",
        description="Serve Backprop Playground. Every flag can also be set as BPP_<FLAG> "
        "in the environment (e.g. BPP_MAX_SESSIONS=500); flags win.",
        epilog="docs/settings.md lists the same settings as a table; docs/deploy.md shows "
        "how to host behind a proxy.",
    )
    for name in setting_names():
        parser.add_argument(flag_name(name), type=_checker(name), metavar=_metavar(name),
                            help=_help(name))
    return parser


def _checker(name: str) -> Callable[[str], Any]:
    """argparse ``type=``: the value as the setting takes it, or a usage error saying why not."""

    def parse(raw: str) -> Any:
        try:
            return check(name, raw)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _metavar(name: str) -> str:
    kind: Any = field_info(name).annotation
    if getattr(kind, "__origin__", None) is Literal:
        return "|".join(kind.__args__)
    metavars: dict[Any, str] = {int: "N", float: "X"}
    return metavars.get(kind, "LIST" if kind == tuple[str, ...] else "TEXT")


def _help(name: str) -> str:
    value = default(name)
    shown = ",".join(value) if isinstance(value, tuple) else value
    shown = "none" if shown == "" else shown
    text = f"{field_info(name).description} ({allowed(name)}; default: {shown}; " \
        f"env {env_name(name)})"
    return text.replace("%", "%%")  # argparse formats help with %


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(**{name: getattr(args, name) for name in setting_names()})
    except SettingError as exc:  # a BPP_* variable (flags were checked while parsing)
        parser.error(str(exc))
    if settings.redis_url:
        from app.redis_broker import unreachable

        problem = unreachable(settings.redis_url)
        if problem is not None:
            parser.error(f"{flag_name('redis_url')} ({env_name('redis_url')}): cannot use "
                         f"Redis at {settings.redis_url}: {problem}")
    # Small matrices: threads only add overhead; more cores -> more processes.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if settings.workers > 1:
        with _metrics_shared_by_workers():
            _serve(settings)
    else:
        _serve(settings)


def _serve(settings: Settings) -> None:
    if settings.workers > 1:
        from app.workers import serve_workers

        serve_workers(settings)  # worker processes, each running uvicorn_options(settings)
        return
    import uvicorn

    from app.main import create_app

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                **uvicorn_options(settings))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What every server process hands uvicorn besides the app and where to listen."""
    from app.http_transport import MAX_HEAD_BYTES, http_protocol
    from app.log_format import log_config
    from app.ws_transport import websocket_protocol

    return dict(
        http=http_protocol(settings.header_timeout_s),
        ws=websocket_protocol(settings.send_timeout_s),
        ws_per_message_deflate=False,
        ws_max_size=max(65536, settings.max_message_bytes * 4),
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        log_level=settings.log_level,
        log_config=log_config(settings.log_format, settings.log_level),
        proxy_headers=False,  # the app trusts X-Forwarded-For itself (forwarded_allow_ips)
        server_header=False,
    )


@contextlib.contextmanager
def _metrics_shared_by_workers() -> Iterator[None]:
    """prometheus-client's multiprocess mode: the workers (started after this) write their
    metrics under one fresh directory, and /metrics adds them up. A directory the host set in
    PROMETHEUS_MULTIPROC_DIR is used as it is (the host empties it between runs)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="bpp-metrics-") as directory:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


if __name__ == "__main__":
    main()
