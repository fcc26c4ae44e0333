"""The wire protocol, every definition in one place (docs/protocol.md; static/js/protocol.js).

- ``codes``: the version, error codes and close codes;
- ``commands``: client -> server commands, parsed and validated;
- ``config_model``: the ``configure`` config as pydantic models and JSON Schema, from engine.schema;
- ``hello``: the first message, every option and limit;
- ``binary``: the binary frame layout, encode and decode.
"""

from app.protocol.binary import decode_frame, encode_frame, quantize
from app.protocol.codes import PROTOCOL_VERSION, CloseCode, ErrorCode
from app.protocol.commands import ProtocolError, parse_command

__all__ = ["PROTOCOL_VERSION", "CloseCode", "ErrorCode", "ProtocolError", "decode_frame",
           "encode_frame", "parse_command", "quantize"]
