"""Reads a server's /metrics (Prometheus text) into ``{'name{label="v"}': value}``."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.live_server import ServerProcess


def scrape(server: ServerProcess) -> dict[str, float]:
    status, headers, body = server.get("/metrics")
    assert status == 200, status
    assert headers["content-type"].startswith("text/plain"), headers["content-type"]
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples
