"""``GET /metrics``: Prometheus text exposition (app/metrics.py defines what is counted)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.metrics import exposition

router = APIRouter()


@router.get("/metrics")
async def metrics() -> Response:
    body, content_type = exposition()
    return Response(body, media_type=content_type)
