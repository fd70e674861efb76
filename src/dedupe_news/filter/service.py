"""``dedupe-news serve``: the filter as an HTTP JSON service (Starlette on uvicorn).

* ``POST /decide`` - body: one article ``{"id", "text", ...}`` (the JSONL record fields), a
  list of them, or ``{"articles": [...]}``.  Answer: the decision object, or a list of them
  in the same order (a bad record gets an ``error`` decision; the others go on).  A body
  over ``max_bytes`` is refused with 413 before it is read in full.
* ``GET /health`` - ``{"status": "ok"}`` once the index is open.
* ``GET /metrics`` - fresh decisions per action, replays, a latency histogram
  (milliseconds per decision), uptime; ``?format=prometheus`` gives the Prometheus text format.

Decisions run one at a time per process (a lock around :meth:`Filter.decide`, in a worker
thread so the event loop keeps answering /health); several ``serve`` processes may share
one index, as several ``filter`` processes do.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from typing import Any

from dedupe_news.filter.core import (
    ACTIONS,
    Decision,
    Filter,
    FilterIndexError,
    error,
    json_line,
)
from dedupe_news.load import parse_jsonl_line

BUCKETS_MS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)


class Metrics:
    """Counts per action and a cumulative latency histogram (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = time.time()
        self.actions = dict.fromkeys(ACTIONS, 0)
        self.replayed = 0
        self.buckets = [0] * (len(BUCKETS_MS) + 1)
        self.total_ms = 0.0
        self.requests = 0

    def observe(self, d: Decision, ms: float) -> None:
        with self.lock:
            if d.replayed:  # answered from the index: counted apart from fresh decisions
                self.replayed += 1
            else:
                self.actions[d.action] = self.actions.get(d.action, 0) + 1
            k = next((i for i, b in enumerate(BUCKETS_MS) if ms <= b), len(BUCKETS_MS))
            self.buckets[k] += 1
            self.total_ms += ms

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            n = sum(self.actions.values()) + self.replayed
            cum, hist = 0, {}
            for b, c in zip([*map(str, BUCKETS_MS), "+Inf"], self.buckets, strict=True):
                cum += c
                hist[b] = cum
            return {"decisions": n, "actions": dict(self.actions), "replayed": self.replayed,
                    "requests": self.requests,
                    "latency_ms": {"buckets_le": hist, "sum": round(self.total_ms, 3),
                                   "mean": round(self.total_ms / n, 3) if n else None},
                    "uptime_s": round(time.time() - self.started, 1)}

    def prometheus(self) -> str:
        s = self.snapshot()
        out = ["# TYPE dedupe_news_decisions_total counter"]
        out += [f'dedupe_news_decisions_total{{action="{a}"}} {c}'
                for a, c in s["actions"].items()]
        out += ["# TYPE dedupe_news_decision_latency_ms histogram"]
        out += [f'dedupe_news_decision_latency_ms_bucket{{le="{b}"}} {c}'
                for b, c in s["latency_ms"]["buckets_le"].items()]
        out += [f"dedupe_news_decision_latency_ms_sum {s['latency_ms']['sum']}",
                f"dedupe_news_decision_latency_ms_count {s['decisions']}",
                f"dedupe_news_replayed_total {s['replayed']}"]
        return "\n".join(out) + "\n"


def make_app(flt: Filter, max_batch: int = 1000, max_bytes: int = 10_000_000) -> Any:
    """The Starlette application around one :class:`Filter`."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise FilterIndexError("dedupe-news serve needs starlette and uvicorn: pip install "
                               "'dedupe-news[service]'") from None
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    metrics = Metrics()
    lock = threading.Lock()

    def decide_all(records: list[Any]) -> list[Decision]:
        out = []
        for k, rec in enumerate(records, 1):
            t0 = time.perf_counter()
            if not isinstance(rec, dict):
                d = error(None, "bad_json", f"request:{k}: a JSON {type(rec).__name__}, not "
                          'an object; expected {"id": ..., "text": ...}')
            else:
                item = parse_jsonl_line(json.dumps(rec).encode("utf-8", "surrogatepass"),
                                        "request", k)
                with lock:
                    d = flt.decide_item(item, "request", k)
            metrics.observe(d, (time.perf_counter() - t0) * 1e3)
            out.append(d)
        return out

    def problem(status: int, reason: str, message: str) -> JSONResponse:
        return JSONResponse({"error": reason, "message": message}, status_code=status)

    async def decide(request: Request) -> Response:
        with metrics.lock:
            metrics.requests += 1
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > max_bytes:
            return problem(413, "too_large", f"body of {int(size):,} bytes is over the "
                           f"{max_bytes:,}-byte limit")
        chunks, got = [], 0
        async for chunk in request.stream():
            got += len(chunk)
            if got > max_bytes:
                return problem(413, "too_large", f"body over the {max_bytes:,}-byte limit")
            chunks.append(chunk)
        try:
            body = json.loads(b"".join(chunks).decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            return problem(400, "bad_json", f"body is not JSON: {str(exc)[:160]}")
        single = isinstance(body, dict) and "articles" not in body
        records = [body] if single else body.get("articles") if isinstance(body, dict) \
            else body
        if not isinstance(records, list):
            return problem(400, "bad_json", 'expected an article, a list of articles or '
                           '{"articles": [...]}')
        if len(records) > max_batch:
            return problem(413, "too_many", f"{len(records)} articles; at most {max_batch} "
                           "per request")
        try:
            decisions = await run_in_threadpool(decide_all, records)
        except Exception as exc:  # the index failed: one clean 503, the service goes on
            return problem(503, "index", str(exc)[:300])
        text = decisions[0].line if single else "[" + ", ".join(d.line for d in decisions) + "]"
        return Response(text, media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "index": getattr(flt.index, "path", None)
                             or getattr(flt.index, "url", None)})

    async def get_metrics(request: Request) -> Response:
        if request.query_params.get("format") == "prometheus":
            return PlainTextResponse(metrics.prometheus())
        return Response(json_line(metrics.snapshot()), media_type="application/json")

    routes = [Route("/decide", decide, methods=["POST"]),
              Route("/health", health, methods=["GET"]),
              Route("/metrics", get_metrics, methods=["GET"])]
    app = Starlette(routes=routes)
    app.state.metrics = metrics
    return app


def run(flt: Filter, host: str = "127.0.0.1", port: int = 8080, max_batch: int = 1000,
        max_bytes: int = 10_000_000) -> None:
    """Serve until interrupted (SIGINT/SIGTERM: uvicorn finishes requests in flight)."""
    import uvicorn

    app = make_app(flt, max_batch, max_bytes)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"dedupe-news: serving on http://{shown}:{bound}", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=10)
    uvicorn.Server(config).run(sockets=[sock])
