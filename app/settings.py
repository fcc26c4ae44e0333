"""Every server setting in one typed object, read from ``BPP_*`` environment variables.

Each setting is defined once, here: its type, default, allowed range or choices, and what it
means. ``backprop-playground --help`` (app/cli.py) and the table in ``docs/settings.md``
(app/settings_doc.py) are built from these definitions, and a value outside them is refused with
a message naming the setting and what is allowed. The engine never reads the environment; the
server reads it once, here.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import fields
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass
from pydantic.fields import FieldInfo


def _comma_separated(value: Any) -> Any:
    """``"a, b,"`` -> ``("a", "b")``: flags and variables give lists as one string."""
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


def _addresses(value: tuple[str, ...]) -> tuple[str, ...]:
    for item in value:
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address, a network (CIDR) or '*'")\
                    from None
    return value


def _redis_url(value: str) -> str:
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"{value!r} is not a Redis URL (redis://, rediss:// or unix://), "
                         "nor empty")
    return value


RedisUrl = Annotated[str, AfterValidator(_redis_url)]
CommaList = Annotated[tuple[str, ...], BeforeValidator(_comma_separated)]
AddressList = Annotated[CommaList, AfterValidator(_addresses)]
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Settings:
    # Serving.
    host: str = Field("127.0.0.1", description="address to listen on; 0.0.0.0 serves every "
                      "interface (a classroom LAN; the Docker image uses it)")
    port: int = Field(8000, ge=0, le=65535, description="TCP port")
    workers: int = Field(1, ge=1, le=64, description="processes sharing the port, each with its "
                         "own sessions (a session lives in one process)")
    forwarded_allow_ips: AddressList = Field((), description="reverse proxies to trust (IPs, "
                                             "CIDR networks, or *): a connection from one of "
                                             "them is counted under the address its "
                                             "X-Forwarded-For names; from anyone else that "
                                             "header is ignored")
    header_timeout_s: float = Field(10.0, gt=0, description="a connection must send a whole "
                                    "request head (a page request or a websocket upgrade) "
                                    "within this long, or it is closed")
    redis_url: RedisUrl = Field("", description="Redis for rooms across workers and machines "
                           "(redis://host:6379/0): a room opened on one process can be joined "
                           "from any other; empty keeps rooms inside this process")
    log_level: LogLevel = Field("info", description="how much the server logs")
    log_format: Literal["text", "json"] = Field("text", description="log lines as text or as "
                                                "one JSON object each")
    # Capacity and fairness.
    max_sessions: int = Field(300, ge=1, description="per process")
    max_sessions_per_client: int = Field(250, ge=1, description="per client address (a "
                                         "classroom often shares one)")
    max_steps_per_second: int = Field(50000, ge=1, description="per session, the \"max\" speed")
    frame_rate: float = Field(30.0, ge=1, le=60, description="frames per second per session")
    # Network and data size caps.
    max_hidden_layers: int = Field(6, ge=1, description="hidden layers a client may ask for")
    max_neurons: int = Field(8, ge=1, description="neurons per hidden layer")
    max_samples: int = Field(2000, ge=1, description="points per dataset")
    max_batch_size: int = Field(2000, ge=1, description="largest mini-batch (or \"all\")")
    # Abuse limits.
    max_message_bytes: int = Field(4096, ge=1, description="largest command accepted; bigger "
                                   "ones get an error")
    commands_per_second: float = Field(60.0, gt=0, description="sustained, per connection")
    command_burst: int = Field(120, ge=1, description="commands allowed at once before the "
                               "rate applies")
    idle_timeout_s: float = Field(600.0, gt=0, description="paused and silent this long: closed")
    send_timeout_s: float = Field(10.0, gt=0, description="a client that does not read for "
                                  "this long is dropped")
    shutdown_grace_s: float = Field(3.0, ge=0, description="on SIGTERM, clients get close code "
                                    "1012 and this long to go")
    # Pages and websocket security.
    allowed_origins: CommaList = Field((), description="origins allowed to open the websocket "
                                       "besides the page's own host")
    frame_ancestors: str = Field("'self'", description="CSP frame-ancestors: who may embed "
                                 "the page")
    # Frame contents.
    grid_size: int = Field(48, ge=1, description="output heatmap cells per side sent in frames "
                           "(the page scales it up)")
    neuron_grid_size: int = Field(16, ge=1, description="cells per side of each neuron's heatmap")
    scheduler_slice_ms: float = Field(4.0, gt=0, le=50, description="CPU slice a session trains "
                                      "for before the next session's turn")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``BPP_<NAME>`` variables, then explicit overrides (the CLI flags).

        Raises SettingError naming the variable (or the override's name) of a refused value.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in setting_names():
            raw = env.get(env_name(name))
            if raw is not None:
                values[name] = check(name, raw, source=env_name(name))
        for name, value in overrides.items():
            if value is not None:
                values[name] = check(name, value, source=name)
        return cls(**values)


class SettingError(ValueError):
    """A refused value, e.g. ``BPP_FRAME_RATE: 100 is not allowed (a number from 1 to 60)``."""


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def field_info(name: str) -> FieldInfo:
    fields_by_name: dict[str, FieldInfo] = cast(Any, Settings).__pydantic_fields__  # untyped
    info = fields_by_name[name]
    return info


def env_name(name: str) -> str:
    return f"BPP_{name.upper()}"


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def default(name: str) -> Any:
    return field_info(name).default


def check(name: str, value: Any, source: str | None = None) -> Any:
    """``value`` (a string from a flag or variable, or a typed value) as setting ``name`` takes
    it; otherwise SettingError saying what is allowed, prefixed by ``source`` if given."""
    try:
        return getattr(Settings(**{name: value}), name)
    except ValidationError as exc:
        error = exc.errors()[0]
        reason = allowed(name)
        if error["type"] == "value_error":  # our own validators say precisely what is wrong
            reason = str(error["ctx"]["error"])
        shown = ", ".join(value) if isinstance(value, tuple) else value
        message = f"{shown} is not allowed ({reason})"
        raise SettingError(f"{source}: {message}" if source else message) from None


def allowed(name: str) -> str:
    """What setting ``name`` accepts, in words: 'a number from 1 to 60', 'one of: text, json'."""
    info = field_info(name)
    kind: Any = info.annotation
    choices = getattr(kind, "__args__", ()) if getattr(kind, "__origin__", None) is Literal \
        else ()
    if choices:
        return "one of: " + ", ".join(choices)
    if kind == tuple[str, ...]:
        return "a comma-separated list"
    nouns: dict[Any, str] = {int: "an integer", float: "a number", str: "text"}
    noun = nouns.get(kind, str(kind))
    bounds = {op: getattr(m, attr) for m in info.metadata  # Field(ge=..): annotated_types.Ge
              for attr, op in _BOUNDS if getattr(m, attr, None) is not None}
    if ">=" in bounds and "<=" in bounds:
        return f"{noun} from {bounds['>=']:g} to {bounds['<=']:g}"
    return " ".join([noun, " and ".join(f"{op} {v:g}" for op, v in bounds.items())]).strip()


_BOUNDS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
