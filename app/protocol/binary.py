"""Binary frame layout (docs/protocol.md): encode on the server, decode for tests and clients.

    uint32 LE header length H | H bytes of JSON header, space-padded so 4 + H is a multiple of 8
    | arrays back to back, each at an 8-byte aligned offset (so the browser can view them in place)
"""

from __future__ import annotations

import itertools
import json
import struct
from typing import Any

import numpy as np
import orjson

from app.protocol.codes import PROTOCOL_VERSION

_DTYPES = {"f8": "<f8", "f4": "<f4", "i4": "<i4", "u1": "u1"}
_WIRE_CODES = {np.dtype(d): code for code, d in _DTYPES.items()}  # sent as they are
_PADDING = [b"\0" * n for n in range(8)]
_LENGTH = struct.Struct("<I")


def quantize(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Floats clipped to [lo, hi] -> uint8 0..255 (rounded); NaN becomes lo."""
    scaled = values * (255.0 / (hi - lo))
    scaled += 0.5 - lo * (255.0 / (hi - lo))
    np.fmax(scaled, 0.0, out=scaled)  # fmax/fmin, unlike clip, turn NaN into the bound
    np.fmin(scaled, 255.0, out=scaled)
    return scaled.astype(np.uint8)


def encode_frame(header: dict[str, Any], arrays: list[tuple[str, np.ndarray, dict[str, Any]]]
                 ) -> bytes:
    """Header fields + named arrays -> one binary frame. Each array entry: (name, data, extra)
    where extra holds e.g. lo/hi for a quantised u1 array."""
    # A frame has a dozen arrays and hundreds of sessions send 20 a second each: the per-array
    # Python is most of the cost, so arrays already in a wire dtype go out as they are.
    entries: list[dict[str, Any]] = []
    chunks: list[Any] = []  # bytes and arrays: buffers for the join
    offset = 0
    for name, data, extra in arrays:
        code = _WIRE_CODES.get(data.dtype)
        if code is None:
            code = _code(data.dtype)
            data = data.astype(_DTYPES[code])
        elif not data.flags.c_contiguous:
            data = np.ascontiguousarray(data)
        entry = {"name": name, "dtype": code, "shape": data.shape, "offset": offset}
        if extra:
            entry.update(extra)
        entries.append(entry)
        chunks.append(data)  # its buffer: the one copy is the join's
        size = data.nbytes
        pad = -size % 8
        if pad:
            chunks.append(_PADDING[pad])
        offset += size + pad
    # orjson: a tenth of the json module's time, and a frame header is encoded 4,000 times a
    # second at full load (it writes NaN and infinities as null, as the header's numbers do)
    text = orjson.dumps({"v": PROTOCOL_VERSION, **header, "arrays": entries},
                        option=orjson.OPT_SERIALIZE_NUMPY)
    text += b" " * (-(4 + len(text)) % 8)
    return b"".join([_LENGTH.pack(len(text)), text, *chunks])


def decode_frame(data: bytes) -> dict[str, Any]:
    """A binary frame -> dict of header fields, arrays by name, and per-layer ``layers``.

    Quantised (u1) arrays come back as float64 in their real units. ``layers[l]`` holds
    ``weights``, ``biases``, ``grad_weights``, ``grad_biases``, ``update_weights``,
    ``update_biases`` and ``state`` (optimizer state by torch name), split from the flat vectors
    using the shapes in the header's ``topology``.
    """
    (length,) = struct.unpack_from("<I", data, 0)
    header = json.loads(data[4 : 4 + length])
    base = 4 + length
    frame: dict[str, Any] = {k: v for k, v in header.items() if k != "arrays"}
    for entry in header["arrays"]:
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        count = int(np.prod(entry["shape"])) if entry["shape"] else 1
        arr = np.frombuffer(data, dtype, count, base + entry["offset"]).reshape(entry["shape"])
        if entry["dtype"] == "u1":
            lo, hi = entry["lo"], entry["hi"]
            arr = lo + (hi - lo) * arr.astype(np.float64) / 255.0
        frame[entry["name"]] = arr
    frame["layers"] = _split_layers(frame)
    return frame


def _split_layers(frame: dict[str, Any]) -> list[dict[str, Any]]:
    sizes = frame.get("sizes")
    if not sizes or "params" not in frame:
        return []
    shapes = list(itertools.pairwise(sizes))
    n_weights = sum(i * o for i, o in shapes)
    states = {k.removeprefix("state."): v for k, v in frame.items() if k.startswith("state.")}
    layers, w_at, b_at = [], 0, n_weights
    for fan_in, fan_out in shapes:
        def cut(flat: np.ndarray, w: int = w_at, b: int = b_at, i: int = fan_in,
                o: int = fan_out) -> tuple[np.ndarray, np.ndarray]:
            return flat[w : w + i * o].reshape(i, o), flat[b : b + o]
        layer: dict[str, Any] = {}
        for key, flat_name in (("", "params"), ("grad_", "grads"), ("update_", "updates")):
            W, b = cut(frame[flat_name])
            layer[f"{key}weights"], layer[f"{key}biases"] = W, b
        layer["state"] = {name: dict(zip(("weights", "biases"), cut(v), strict=True))
                          for name, v in states.items()}
        layers.append(layer)
        w_at += fan_in * fan_out
        b_at += fan_out
    return layers


def _code(dtype: np.dtype) -> str:
    if dtype == np.uint8:
        return "u1"
    if dtype.kind in "iu":
        return "i4"
    if dtype == np.float32:
        return "f4"
    return "f8"
