"""A room's join link as a QR code (SVG, made on the server with segno), for the projector."""

from __future__ import annotations

import io
import re

import segno
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.rooms import CODE_ALPHABET, CODE_LENGTH

router = APIRouter()
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


@router.get("/room/{code}/qr.svg")
async def room_qr(code: str, request: Request) -> Response:
    if not _CODE.fullmatch(code):
        raise HTTPException(404, "not a room code")
    link = f"{str(request.base_url).rstrip('/')}/#room={code}"
    qr = segno.make(link, error="m")
    # A standalone SVG (with xmlns): an <img> does not render segno's svg_inline.
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False)
    svg = out.getvalue()
    return Response(svg, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})
