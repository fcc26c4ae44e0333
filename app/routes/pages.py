"""The page and the health check. Thin: the page's options come over the websocket's hello."""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.paths import TEMPLATES_DIR
from app.protocol import PROTOCOL_VERSION
from engine.surfaces import SURFACES, surface_params_json

TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "index.html", {"title": "Backprop Playground"})


@router.get("/lab", response_class=HTMLResponse)
async def lab(request: Request) -> HTMLResponse:
    """The gradient-descent lab: optimizers on two-parameter surfaces (static/js/lab/)."""
    # The surfaces' parameter definitions go to the page as a data attribute (no inline script).
    surfaces = [surface_params_json(name) for name in SURFACES]
    return TEMPLATES.TemplateResponse(request, "lab.html", {"title": "Gradient-descent lab",
                                                            "surfaces": surfaces})


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    state = request.app.state
    sessions = state.registry.sessions
    return {
        "status": "ok",
        "sessions": len(sessions),
        "running": sum(1 for s in sessions if s.wants_cpu),
        "rooms": len(state.rooms.rooms),
        "loop_lag_ms_p99": state.loop_lag.p99_ms(),
        "loop_lag_ms_max": state.loop_lag.max_ms(),
        "steps_total": state.scheduler.steps_total,
        "protocol": PROTOCOL_VERSION,
        "uptime_s": round(time.monotonic() - state.started, 1),
        "pid": os.getpid(),  # which worker answered (--workers N)
    }
