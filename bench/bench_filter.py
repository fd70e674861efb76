"""Throughput, per-decision latency, index size and agreement of ``dedupe-news filter``.

For each size N (``--sizes``, default 30000) on the ``light`` scale corpus of
``bench_cluster.py`` (``bench/data/scale_<N>.jsonl``: BBC articles and their replicas, most
of them near-duplicates) this script

1. **ingests** the file with ``dedupe-news filter --index <tmp>/filter_<N>.idx FILE`` (one
   subprocess, start-up included): decisions/s, peak RSS, index bytes per article;
2. **probes latency** against the built index: ``--probe`` fresh articles (copies of indexed
   stories under new ids with a word changed, and new stories), fed *one line at a time*
   to a ``dedupe-news filter --batch 1`` process through a pipe, each timed from writing
   the line to reading its decision (p50 / p99 / mean, ms);
3. **compares with ``cluster``** on the same file (``scale_<N>.dedupe-news.out.jsonl``,
   made with ``dedupe-news cluster`` if missing): the same-cluster pairs of the filter's
   ``cluster`` field against ``cluster``'s - precision, recall and F1 of the filter's pairs
   taking ``cluster``'s as the reference - and the replica recall / same-story pair recall of
   both (``bench_cluster.quality``);
4. the same ingest and probe on a **Redis index** (``--redis-sizes``, default the sizes up to
   100k; a private ``redis-server`` on 127.0.0.1 and a free port, no persistence), with
   Redis's ``used_memory`` per article;
5. **datasketch** ``MinHashLSH`` with Redis storage (``prepickle=False``: nothing
   unpickled), ``threshold=0.5``, 256 permutations, our signatures: for the first
   ``--datasketch`` articles a query then an insert when nothing was found - the index
   operations alone, per article.

``--corpus stream`` runs the same on ``bench/data/stream_<N>.jsonl`` instead: 80% new stories
(sentences drawn from different BBC articles) and 20% copies of recent ones, so the index
grows with the stream (the light corpus has ~2,200 stories whatever N).  Its new stories
reuse a finite pool of ~45k BBC sentences, so the stories one shares a sentence with grow
with N (~250 uses a sentence at 1M: ~1,000 band-sharing canonicals a look-up).
``--corpus stream-fresh`` (``bench/data/stream_fresh_<N>.jsonl``) is the same stream with
every sentence of a new story rewritten (a third of its words replaced by words drawn from
the corpus's own word frequencies), so that overlap between different stories stays rare
at any N, as in a real feed; its copies are made as the stream's.

    .venv/bin/python bench/bench_filter.py --sizes 30000,100000 --redis-sizes 100000
    .venv/bin/python bench/bench_filter.py --corpus stream --sizes 100000 --redis-sizes '' \
        --datasketch 0 --out bench_filter_stream.json

Prints a table on stdout; progress on stderr; writes ``bench/out/bench_filter.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from _common import DATA_DIR, OUT_DIR, log, read_jsonl, write_report
from bench_cluster import measure, quality, scale_file

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "dedupe_news"]


def stream_file(n: int, seed: int = 13, fresh: bool = False) -> Path:
    """``stream_<n>.jsonl``: a news stream with a large index - 80% new stories (8-14
    sentences drawn from different BBC articles, so every story is distinct and some share a
    sentence or two: partial links), 20% copies of an earlier story (a word or two changed,
    sometimes the last paragraph dropped, ids ``<orig>~c<k>``).  Built once, cached."""
    from _common import CORPUS

    name = f"stream_fresh_{n}" if fresh else f"stream_{n}"
    path = DATA_DIR / f"{name}.jsonl"
    meta = DATA_DIR / f"{name}.meta.json"
    want = {"n": n, "seed": seed, "version": 1, "corpus_size": CORPUS.stat().st_size}
    if fresh:
        want["fresh"] = 1
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return path
    rng = random.Random(seed)
    sents = [s.strip() + "." for row in read_jsonl(CORPUS)
             for s in row["text"].replace("\n", " ").split(". ") if len(s.split()) >= 6]
    # replacement words, at the corpus's frequencies (none that would end a sentence)
    vocab = [w for s in sents for w in s.split() if w[-1] not in ".!?"]

    def rewrite(sentence: str) -> str:
        words = sentence.split()
        for k in rng.sample(range(len(words) - 1), len(words) // 3):  # the last ends it
            words[k] = rng.choice(vocab)
        return " ".join(words)

    made: list[tuple[str, str]] = []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if made and rng.random() < 0.2:
                orig, text = made[rng.randrange(max(0, len(made) - 5000), len(made))]
                words = text.split(" ")
                for _ in range(rng.randint(1, 3)):
                    k = rng.randrange(len(words))
                    words[k] = words[k].upper()
                text = " ".join(words)
                if rng.random() < 0.3:
                    text = text.rsplit("\n\n", 1)[0]
                row = {"id": f"{orig}~c{i}", "text": text}
            else:
                k = rng.randint(8, 14)
                paras = [" ".join(map(rewrite, rng.sample(sents, 2)) if fresh else
                                  rng.sample(sents, 2)) for _ in range(k // 2)]
                text = "\n\n".join(paras)
                row = {"id": f"s{i:07d}", "text": text}
                made.append((row["id"], text))
            fh.write(json.dumps(row) + "\n")
    tmp.replace(path)
    meta.write_text(json.dumps(want) + "\n")
    return path


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def ingest(location: str, data: Path, out: Path) -> dict[str, Any]:
    r = measure([*CLI, "filter", "--index", location, str(data), "--skip-bad", "-q"],
                str(out))
    n = sum(1 for _ in out.open("rb"))
    r["decisions"] = n
    r["decisions_per_s"] = round(n / r["seconds"], 1) if r["seconds"] else None
    actions: dict[str, int] = {}
    for row in read_jsonl(out):
        actions[row["action"]] = actions.get(row["action"], 0) + 1
    r["actions"] = actions
    r.pop("stderr_tail", None)
    return r


def probes(data: Path, n: int, seed: int = 11) -> list[bytes]:
    """``n`` fresh lines: half copies of indexed articles (one word changed, new id), half
    new stories (words shuffled across articles)."""
    rng = random.Random(seed)
    rows = list(itertools.islice(read_jsonl(data), 20000))
    out = []
    for k in range(n):
        a = rng.choice(rows)
        words = a["text"].split(" ")
        if k % 2 == 0:
            i = rng.randrange(len(words))
            words[i] = words[i][::-1]
        else:
            b = rng.choice(rows)["text"].split(" ")
            words = rng.sample(words + b, min(len(words) + len(b), 400))
        out.append(json.dumps({"id": f"probe-{seed}-{k}", "text": " ".join(words)}).encode()
                   + b"\n")
    return out


def latency(location: str, lines: list[bytes]) -> dict[str, Any]:
    """One line in, one decision out, timed per line through a pipe."""
    proc = subprocess.Popen([*CLI, "filter", "--index", location, "--batch", "1", "-q",
                             "--skip-bad"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    times = []
    try:
        warm = lines[:20]
        for line in warm:  # start-up and first compilations are not latency
            proc.stdin.write(line)
            proc.stdin.flush()
            proc.stdout.readline()
        for line in lines[20:]:
            t0 = time.perf_counter()
            proc.stdin.write(line)
            proc.stdin.flush()
            if not proc.stdout.readline():
                break
            times.append(time.perf_counter() - t0)
    finally:
        proc.stdin.close()
        proc.wait(120)
        proc.stdout.close()
    ms = np.array(times) * 1e3
    return {"probes": len(times), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2)}


def _pairs(cluster_of: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for k, v in cluster_of.items():
        groups.setdefault(v, []).append(k)
    return {(a, b) if a < b else (b, a) for m in groups.values()
            for a, b in itertools.combinations(m, 2)}


def agreement(filter_out: Path, cluster_out: Path) -> dict[str, Any]:
    f = {r["id"]: r["cluster"] for r in read_jsonl(filter_out) if r.get("id") is not None}
    c = {r["id"]: r["cluster"] for r in read_jsonl(cluster_out)}
    common = set(f) & set(c)
    pf = _pairs({k: f[k] for k in common})
    pc = _pairs({k: c[k] for k in common})
    both = len(pf & pc)
    prec = both / len(pf) if pf else 1.0
    rec = both / len(pc) if pc else 1.0
    same_copy = sum(1 for k in common if (f[k] == k) == (c[k] == k))
    return {"pairs_filter": len(pf), "pairs_cluster": len(pc), "pairs_both": both,
            "precision": round(prec, 4), "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
            "same_leader_or_member_role": round(same_copy / len(common), 4)}


def cluster_output(data: Path) -> Path:
    out = data.with_name(data.stem + ".dedupe-news.out.jsonl")
    if not out.exists():
        log(f"cluster {data.name} ...")
        with out.open("wb") as fh:
            subprocess.run([*CLI, "cluster", str(data), "--format", "jsonl", "-q"],
                           stdout=fh, check=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir",
                                      str(workdir)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        import redis

        r = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        self.client = r
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def used_memory(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def flush(self) -> None:
        self.client.flushall()

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(20)


def datasketch_redis(data: Path, n: int, port: int) -> dict[str, Any]:
    """datasketch MinHashLSH on Redis storage: query, then insert when nothing matched."""
    from datasketch import MinHashLSH

    from dedupe_news.features import featurize

    texts, ids = [], []
    for row in itertools.islice(read_jsonl(data), n):
        texts.append(row["text"])
        ids.append(row["id"])
    feats = featurize(texts, 256, 1, 1)
    from dedupe_news.sketch import Sketcher

    sk = Sketcher(256, 1)
    lsh = MinHashLSH(threshold=0.5, num_perm=256, prepickle=False,
                     storage_config={"type": "redis", "basename": b"dsbench",
                                     "redis": {"host": "127.0.0.1", "port": port}})
    times = []
    kept = 0
    t_all = time.perf_counter()
    for aid, sig in zip(ids, feats.signatures, strict=True):
        m = sk.to_minhash(sig)
        t0 = time.perf_counter()
        if not lsh.query(m):
            lsh.insert(aid.encode("utf-8", "surrogatepass"), m)
            kept += 1
        times.append(time.perf_counter() - t0)
    secs = time.perf_counter() - t_all
    ms = np.array(times) * 1e3
    return {"articles": len(times), "kept": kept,
            "decisions_per_s": round(len(times) / secs, 1),
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2)}


def _data(corpus: str, n: int) -> Path:
    if corpus.startswith("stream"):
        return stream_file(n, fresh=corpus == "stream-fresh")
    return scale_file(n)


def run(sizes: list[int], redis_sizes: list[int], n_probe: int, n_ds: int,
        workdir: Path, corpus: str = "light", tag: str = "") -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for n in sizes:
        data = _data(corpus, n)
        res: dict[str, Any] = {"articles": n, "corpus": corpus}
        idx = workdir / f"filter_{n}.idx"
        for p in workdir.glob(idx.name + "*"):
            p.unlink()
        out = data.with_name(f"{data.stem}.filter{tag}.out.jsonl")
        log(f"ingest {n:,} into SQLite ...")
        res["sqlite_ingest"] = ingest(str(idx), data, out)
        res["sqlite_bytes"] = _size(idx)
        res["sqlite_bytes_per_article"] = round(_size(idx) / n, 1)
        log(f"  {res['sqlite_ingest']['decisions_per_s']} decisions/s; latency probe ...")
        res["sqlite_latency"] = latency(str(idx), probes(data, n_probe))
        res["agreement_with_cluster"] = agreement(out, cluster_output(data))
        mark = "~c" if corpus.startswith("stream") else "~r"
        res["quality_filter"] = quality(out, mark)
        res["quality_cluster"] = quality(cluster_output(data), mark)
        results.append(res)
        log(f"  {json.dumps(res)}")
    redis_results: list[dict[str, Any]] = []
    server: RedisServer | None = None
    try:
        if redis_sizes or n_ds:
            server = RedisServer(workdir)
        for n in redis_sizes:
            assert server is not None
            server.flush()
            data = _data(corpus, n)
            out = workdir / f"redis_{n}.out.jsonl"
            log(f"ingest {n:,} into Redis ...")
            r: dict[str, Any] = {"articles": n}
            r["redis_ingest"] = ingest(server.url, data, out)
            r["redis_used_memory_per_article"] = round(server.used_memory() / n, 1)
            r["redis_latency"] = latency(server.url, probes(data, n_probe))
            r["agreement_with_cluster"] = agreement(out, cluster_output(data))
            redis_results.append(r)
            log(f"  {json.dumps(r)}")
        ds = None
        if n_ds:
            assert server is not None
            server.flush()
            log(f"datasketch MinHashLSH on Redis, {n_ds:,} articles ...")
            ds = datasketch_redis(scale_file(30000), n_ds, server.port)
            log(f"  {json.dumps(ds)}")
    finally:
        if server is not None:
            server.stop()
    return {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "sqlite": results, "redis": redis_results, "datasketch_redis": ds}


def print_table(rep: dict[str, Any]) -> None:
    print(f"{'index':8} {'N':>9} {'dec/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'B/art':>7} "
          f"{'RSS MB':>7} {'pairs P':>8} {'pairs R':>8} {'recall f/c':>11}")
    for r in rep["sqlite"]:
        a, q1, q2 = r["agreement_with_cluster"], r["quality_filter"], r["quality_cluster"]
        print(f"{'sqlite':8} {r['articles']:>9,} {r['sqlite_ingest']['decisions_per_s']:>7} "
              f"{r['sqlite_latency']['p50_ms']:>7} {r['sqlite_latency']['p99_ms']:>7} "
              f"{r['sqlite_bytes_per_article']:>7} {r['sqlite_ingest']['peak_rss_mb']:>7} "
              f"{a['precision']:>8} {a['recall']:>8} "
              f"{q1['replica_recall']:.3f}/{q2['replica_recall']:.3f}")
    for r in rep["redis"]:
        a = r["agreement_with_cluster"]
        print(f"{'redis':8} {r['articles']:>9,} {r['redis_ingest']['decisions_per_s']:>7} "
              f"{r['redis_latency']['p50_ms']:>7} {r['redis_latency']['p99_ms']:>7} "
              f"{r['redis_used_memory_per_article']:>7} {r['redis_ingest']['peak_rss_mb']:>7} "
              f"{a['precision']:>8} {a['recall']:>8}")
    ds = rep.get("datasketch_redis")
    if ds:
        print(f"{'ds+redis':8} {ds['articles']:>9,} {ds['decisions_per_s']:>7} "
              f"{ds['p50_ms']:>7} {ds['p99_ms']:>7}   (index operations only)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="30000")
    ap.add_argument("--corpus", choices=("light", "stream", "stream-fresh"), default="light",
                    help="light: bench_cluster's replicas (few stories, most articles "
                         "copies); stream: 80%% new stories, 20%% copies (a large index)")
    ap.add_argument("--out", default="bench_filter.json", help="report name in bench/out")
    ap.add_argument("--redis-sizes", default=None,
                    help="default: the --sizes up to 100000; '' for none")
    ap.add_argument("--probe", type=int, default=1000)
    ap.add_argument("--tag", default="", help="the filter's output goes to "
                    "<corpus>.filter<TAG>.out.jsonl (two runs at once on one corpus)")
    ap.add_argument("--datasketch", type=int, default=3000,
                    help="articles for the datasketch+Redis comparison (0: skip)")
    ap.add_argument("--workdir", default=None, help="where the indexes go (default: a "
                    "temporary folder, removed after)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    rsizes = [n for n in sizes if n <= 100_000] if args.redis_sizes is None else \
        [int(x) for x in args.redis_sizes.split(",") if x]
    if shutil.which("redis-server") is None:
        log("redis-server missing: Redis and datasketch runs skipped")
        rsizes, args.datasketch = [], 0
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        rep = run(sizes, rsizes, args.probe, args.datasketch, Path(tmp), args.corpus,
                  args.tag)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_report(OUT_DIR / args.out, rep)
    print_table(rep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
