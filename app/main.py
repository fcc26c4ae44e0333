"""``create_app(settings)``: the FastAPI application, its background tasks and its routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import metrics
from app.broker import make_broker
from app.loop_lag import LoopLagMonitor
from app.paths import STATIC_DIR
from app.registry import SessionRegistry
from app.room_registry import RoomRegistry
from app.routes import metrics as metrics_route
from app.routes import pages, rooms, ws
from app.scheduler import Scheduler
from app.security import SecurityHeaders
from app.settings import Settings

GC_THRESHOLDS = (20_000, 20, 20)  # CPython's defaults are (700, 10, 10)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = Scheduler(settings.scheduler_slice_ms)
        await app.state.rooms.start()  # with Redis: connects, or the start-up fails loudly
        tasks = [asyncio.create_task(app.state.scheduler.run()),
                 asyncio.create_task(app.state.loop_lag.run())]
        # What start-up built (modules, the app, caches) lives as long as the process: move it
        # out of the collector's generations, so that full collections during a connection
        # storm scan only what the sessions allocate.
        gc.collect()
        gc.freeze()
        # A full collection scans every live container: with a classroom connected that took
        # 45-75 ms, every 5 s, each one a stall of every connection (the loop lag's p99). They
        # came so often because young collections, every 700 allocations, promoted whatever was
        # in flight (frames, tasks, messages), so the old generation filled with objects that
        # died moments later. Rarer young collections promote far less; cycles still go.
        gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.rooms.stop()
            gc.unfreeze()
            metrics.forget_this_process()

    app = FastAPI(title="Backprop Playground", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    app.state.registry = SessionRegistry(settings)
    app.state.rooms = RoomRegistry(broker=make_broker(settings.redis_url))
    app.state.loop_lag = LoopLagMonitor()
    app.state.started = time.monotonic()
    app.include_router(pages.router)
    app.include_router(metrics_route.router)
    app.include_router(ws.router)
    app.include_router(rooms.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)
    # The page's modules are plain text: compressed they cross a classroom's network at a
    # third of their size (websockets are not touched: frames are binary and already small).
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.forwarded_allow_ips:
        # Outermost: every route (and the per-address caps) sees the real client address.
        app.add_middleware(ProxyHeadersMiddleware,
                           trusted_hosts=list(settings.forwarded_allow_ips))
    return app
