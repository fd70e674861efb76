"""Throughput and peak memory of ``dedupe-news cluster`` vs a plain datasketch pipeline.

For each corpus (``--corpus``, default ``light``) and size N (default 10k and 100k; 1M with
``--sizes ...,1000000``) this script

1. writes the corpus file once (streaming, never holding N articles):

   * ``light`` (``bench/data/scale_<N>.jsonl``): the BBC corpus replicated; replica 0 of an
     article is the original, replica r > 0 gets a new id (``<orig>~r<r>``), 2-8 word
     substitutions and, half the time, one or two swaps of neighbouring sentences - so most
     articles are near-duplicates of their original;
   * ``noisy`` (``scale_noisy_<N>.jsonl``): the same replication, but each replica
     (``<orig>~n<r>``) has 10% of its words replaced by random corpus words
     (``make_relation_sets.noisy_words``);
   * ``syndication`` (``scale_syndication_<N>.jsonl``): stories (BBC articles of 3+
     paragraphs, in a seeded order) each followed by 40-100 republications (``<orig>~s<r>``):
     a dateline, one paragraph dropped (not the first), boilerplate appended, 1-4 word edits
     (``make_relation_sets.wire_edit``). Past the corpus's last story (beyond ~150k articles)
     the stories come round again with further republications only, so each original
     stays unique;

2. runs ``dedupe-news cluster FILE --format jsonl -q`` as a subprocess;
3. runs the plain pipeline as a subprocess too (this script with ``--baseline-worker``):
   word 5-grams of lowercased ``\\w+`` tokens, ``MinHash(num_perm=128).update_batch``,
   ``MinHashLSH(threshold=0.8)`` insert + query, estimated Jaccard >= 0.8, connected
   components, JSONL to stdout. It runs ~1,300 articles/s here, so by default it is skipped
   above 100k (``--skip-baseline-above``); 1M would take ~13 minutes.

Wall time is measured around the subprocess. Peak RSS is reported two ways: ``peak_rss_mb``
= the largest single process in the child's tree (``os.wait4`` rusage, which Linux folds over
waited-for descendants), and ``tree_rss_mb`` = the largest *sum* over the child's process tree
sampled from /proc every 0.1 s (what matters when workers run in parallel).

The outputs are kept (``bench/data/scale_*.<tool>.out.jsonl``) and scored (``--no-check``
skips that): ``replica_recall`` = share of replicas put in the same cluster as their original
(all replicas are copies of it); ``story_pairs`` = share of all same-story pairs (original and
replicas, replica-replica pairs too) put in one cluster; ``original_canonical`` (dedupe-news
only; the plain pipeline has no canonical) = share of the stories whose original was clustered
with at least one replica where the original is the canonical (an original, not a replica:
the BBC corpus holds ~100 articles twice under two ids, and either is the original).

    .venv/bin/python bench/bench_cluster.py --sizes 10000,100000
    .venv/bin/python bench/bench_cluster.py --corpus light,noisy,syndication --sizes 10000,30000
    .venv/bin/python bench/bench_cluster.py --sizes 1000000 --skip-baseline-above 100000

Prints a table on stdout; progress on stderr; writes ``bench/out/bench_cluster.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from _common import (
    CORPUS,
    DATA_DIR,
    OUT_DIR,
    UnionFind,
    log,
    read_jsonl,
    word_ngrams,
    write_report,
)

GENERATOR_VERSION = 1  # bump when the replica scheme changes (cached files are rebuilt)
CORPORA = ("light", "noisy", "syndication")
REPLICA_MARK = {"light": "~r", "noisy": "~n", "syndication": "~s"}
SYNDICATION_COPIES = (40, 100)
ROOT = Path(__file__).resolve().parent.parent
_SENT_END = re.compile(r"(?<=[.!?]) (?=[A-Z\"'])")
_WORD_TOKEN = re.compile(r"^[a-z]{3,}$")

# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _perturb(text: str, rng: random.Random, vocab: list[str]) -> str:
    """A few word substitutions and, half the time, one or two neighbouring-sentence swaps."""
    pars = text.split("\n")
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 2)):
            candidates = [i for i, p in enumerate(pars) if p.count(". ") >= 1]
            if not candidates:
                break
            i = rng.choice(candidates)
            sents = _SENT_END.split(pars[i])
            if len(sents) >= 2:
                j = rng.randrange(len(sents) - 1)
                sents[j], sents[j + 1] = sents[j + 1], sents[j]
                pars[i] = " ".join(sents)
    body = "\n".join(pars)
    ws = body.split(" ")
    for _ in range(rng.randint(2, 8)):
        k = rng.randrange(len(ws))
        if _WORD_TOKEN.match(ws[k]):
            ws[k] = rng.choice(vocab)
    return " ".join(ws)


def _replicated(corpus: list[dict[str, Any]], n: int, mark: str,
                change: Callable[[str], str]) -> Iterator[dict[str, Any]]:
    """The corpus replicated to ``n`` rows: round 0 the originals, round r the replicas
    ``<orig><mark><r>`` with ``change(text)``."""
    for i in range(n):
        r, k = divmod(i, len(corpus))
        src = corpus[k]
        if r == 0:
            yield {"id": src["id"], "title": src["title"], "text": src["text"],
                   "published": src.get("published")}
        else:
            yield {"id": f"{src['id']}{mark}{r}", "title": src["title"],
                   "text": change(src["text"]), "published": src.get("published")}


def _syndicated(corpus: list[dict[str, Any]], n: int, rng: random.Random
                ) -> Iterator[dict[str, Any]]:
    """Stories each followed by 40-100 republications (see the module docstring)."""
    import make_cluster_dev as gen
    import make_relation_sets as rel

    stories = [a for a in corpus if len(gen.paragraphs(a["text"])) >= 3]
    rng.shuffle(stories)
    titles = [a["title"] for a in corpus]
    made: dict[str, int] = {}
    written = 0
    while written < n:
        for src in stories:
            if written >= n:
                return
            paras = gen.paragraphs(src["text"])
            if src["id"] not in made:
                made[src["id"]] = 0
                yield {"id": src["id"], "title": src["title"], "text": src["text"],
                       "published": src.get("published")}
                written += 1
            for _ in range(min(rng.randint(*SYNDICATION_COPIES), n - written)):
                made[src["id"]] += 1
                out, _meta = rel.wire_edit(paras, rng, rng.choice(titles),
                                           edits=rng.randint(1, 4))
                yield {"id": f"{src['id']}{REPLICA_MARK['syndication']}{made[src['id']]}",
                       "title": src["title"], "text": rel.join_paras(out),
                       "published": src.get("published")}
                written += 1


def scale_file(n: int, seed: int = 7, data_dir: Path = DATA_DIR,
               corpus_path: Path = CORPUS, corpus_kind: str = "light") -> Path:
    """``scale_<n>.jsonl`` (``scale_<corpus>_<n>.jsonl`` for the other corpora): n
    news-length articles, written streaming (built once, cached)."""
    stem = f"scale_{n}" if corpus_kind == "light" else f"scale_{corpus_kind}_{n}"
    path = data_dir / f"{stem}.jsonl"
    meta_path = data_dir / f"{stem}.meta.json"
    meta: dict[str, Any] = {"n": n, "seed": seed, "generator_version": GENERATOR_VERSION,
                            "corpus_size": corpus_path.stat().st_size}
    if corpus_kind != "light":
        rel_path = Path(__file__).resolve().parent / "make_relation_sets.py"
        meta.update(corpus=corpus_kind, relation_sets_sha1=hashlib.sha1(
            rel_path.read_bytes()).hexdigest()[:12])
    if path.exists() and meta_path.exists() and json.loads(meta_path.read_text()) == meta:
        return path
    corpus = list(read_jsonl(corpus_path))  # 2,225 articles: small
    rng = random.Random(seed)
    rows: Iterator[dict[str, Any]]
    if corpus_kind == "light":
        vocab = sorted({w for a in corpus[:300] for w in a["text"].lower().split()
                        if _WORD_TOKEN.match(w)})
        rows = _replicated(corpus, n, REPLICA_MARK["light"],
                           lambda t: _perturb(t, rng, vocab))
    elif corpus_kind == "noisy":
        import make_cluster_dev as gen
        import make_relation_sets as rel

        words = sorted({w.lower() for a in corpus for w in rel._TOKEN.findall(a["text"])
                        if len(w) >= 3 and w.isalpha()})
        rows = _replicated(corpus, n, REPLICA_MARK["noisy"], lambda t: rel.join_paras(
            rel.noisy_words(gen.paragraphs(t), rng, words)))
    elif corpus_kind == "syndication":
        rows = _syndicated(corpus, n, rng)
    else:
        raise ValueError(f"unknown corpus {corpus_kind!r}; choose from {', '.join(CORPORA)}")
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    t0 = time.perf_counter()
    with tmp.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            if i and i % 100_000 == 0:
                log(f"  {stem}: {i:,} written ({time.perf_counter() - t0:.0f}s)")
    tmp.replace(path)
    meta_path.write_text(json.dumps(meta) + "\n")
    log(f"wrote {path} ({n:,} articles, {time.perf_counter() - t0:.1f}s)")
    return path


# --------------------------------------------------------------------------------------------
# The plain pipeline (runs in a child process)
# --------------------------------------------------------------------------------------------


def baseline_worker(path: Path, threshold: float, num_perm: int = 128) -> int:
    """Plain datasketch: MinHash.update_batch + MinHashLSH, components -> JSONL on stdout."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    ids: list[str] = []
    sigs: list[Any] = []
    for row in read_jsonl(path):
        m = MinHash(num_perm=num_perm)
        m.update_batch([s.encode("utf-8") for s in word_ngrams(row["text"])])
        lsh.insert(len(ids), m)
        ids.append(row["id"])
        sigs.append(m)
    uf = UnionFind()
    for i, m in enumerate(sigs):
        key = str(i)
        uf.find(key)
        for j in lsh.query(m):
            if j > i and m.jaccard(sigs[j]) >= threshold:
                uf.union(key, str(j))
    out = sys.stdout
    for i, doc_id in enumerate(ids):
        root = int(uf.find(str(i)))
        out.write(json.dumps({"id": doc_id, "cluster": ids[root]}) + "\n")
    out.flush()
    return 0


# --------------------------------------------------------------------------------------------
# Measuring a child process
# --------------------------------------------------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Sum of RSS bytes of ``root`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * _PAGE
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return total


def measure(cmd: list[str], stdout_path: str = os.devnull) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, exit status, peak single-process RSS and peak tree RSS."""
    peak_tree = 0
    with open(stdout_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_rss(proc.pid))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert proc.stderr is not None
        err = proc.stderr.read()  # drain so the child never blocks on a full pipe
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(secs, 2),
        "exit": proc.returncode,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "tree_rss_mb": round(peak_tree / 2**20, 1),
        "stderr_tail": err.decode("utf-8", "replace")[-400:],
    }


def replica_recall(output: Path, mark: str = "~r") -> float:
    """Share of replicas (``<orig><mark><k>``) in the same cluster as their original."""
    return quality(output, mark)["replica_recall"]


def quality(output: Path, mark: str, canonical: bool = False) -> dict[str, float]:
    """Replica recall, same-story pair recall and (``canonical``) the original's canonical
    share, from a JSONL output of ``id``/``cluster`` rows (see the module docstring)."""
    cluster = {}
    for row in read_jsonl(output):
        cluster[row["id"]] = row["cluster"]
    hit = total = 0
    stories: dict[str, list[str]] = {}
    for doc_id, c in cluster.items():
        if mark in doc_id:
            orig = doc_id.split(mark, 1)[0]
            total += 1
            hit += cluster.get(orig) == c
            stories.setdefault(orig, []).append(c)
    pairs = together = 0
    with_copy = canon = 0
    for orig, labels in stories.items():
        members = [*labels, cluster[orig]] if orig in cluster else labels
        pairs += len(members) * (len(members) - 1) // 2
        together += sum(k * (k - 1) // 2 for k in Counter(members).values())
        if orig in cluster and cluster[orig] in labels:
            with_copy += 1
            # the BBC corpus holds ~100 articles twice under two ids (e.g. business-007 and
            # -253): either original is the story's original, never a replica
            canon += mark not in cluster[orig]
    out = {"replica_recall": hit / total if total else 1.0,
           "story_pairs": together / pairs if pairs else 1.0}
    if canonical:
        out["original_canonical"] = canon / with_copy if with_copy else 1.0
    return out


def add_ratios(results: list[dict[str, Any]]) -> None:
    """``speedup_vs_baseline``: docs/s over the plain pipeline's at the same size (and
    corpus).  Where the plain pipeline was skipped, ``speedup_vs_baseline_rate`` compares with
    its docs/s at the largest size it ran on that corpus in this run (its rate is flat with
    size), and says which size."""
    for res in results:
        ran = [r for r in results if r["tool"].startswith("datasketch") and r["exit"] == 0
               and r.get("corpus", "light") == res.get("corpus", "light")]
        base = next((r for r in ran if r["size"] == res["size"]), None)
        res["speedup_vs_baseline"] = (round(res["docs_per_s"] / base["docs_per_s"], 2)
                                      if base and res["docs_per_s"] else None)
        if base is None and ran and res["docs_per_s"] and res["exit"] == 0 \
                and not res["tool"].startswith("datasketch"):
            largest = max(ran, key=lambda r: r["size"])
            res["speedup_vs_baseline_rate"] = round(res["docs_per_s"] / largest["docs_per_s"], 2)
            res["baseline_rate_from_size"] = largest["size"]


def run(sizes: list[int], skip_baseline_above: int, check: bool, threshold: float,
        extra_args: list[str], corpora: Sequence[str] = ("light",)) -> dict[str, Any]:
    exe = ROOT / ".venv" / "bin" / "dedupe-news"
    ours_cmd = [str(exe) if exe.exists() else "dedupe-news", "cluster"]
    results: list[dict[str, Any]] = []
    for corpus_kind, n in [(c, n) for c in corpora for n in sizes]:
        path = scale_file(n, corpus_kind=corpus_kind)
        tools: list[tuple[str, list[str]]] = [
            ("dedupe-news", [*ours_cmd, str(path), "--format", "jsonl", "-q", *extra_args])]
        if n <= skip_baseline_above:
            tools.append((f"datasketch@{threshold}",
                          [sys.executable, str(Path(__file__).resolve()), "--baseline-worker",
                           str(path), "--threshold", str(threshold)]))
        else:
            log(f"  skipping the plain pipeline at {n:,} (> --skip-baseline-above "
                f"{skip_baseline_above:,}; it would take ~{n / 1300 / 60:.0f} min)")
        for name, cmd in tools:
            log(f"{corpus_kind} {n:,}: running {name} ...")
            out_path = (str(path.with_suffix(f".{name}.out.jsonl")) if check else os.devnull)
            res = measure(cmd, out_path)
            res.update({"corpus": corpus_kind, "size": n, "tool": name, "cmd": " ".join(cmd),
                        "docs_per_s": round(n / res["seconds"], 1) if res["seconds"] else None})
            if res["exit"] != 0:
                log(f"  {name} exited {res['exit']}: {res['stderr_tail']}")
            if check and res["exit"] == 0:
                q = quality(Path(out_path), REPLICA_MARK[corpus_kind],
                            canonical=name == "dedupe-news")
                res.update({k: round(v, 4) for k, v in q.items()})
            log(f"  {res['seconds']}s, {res['docs_per_s']} docs/s, peak RSS "
                f"{res['peak_rss_mb']} MB (tree {res['tree_rss_mb']} MB)")
            results.append(res)
    add_ratios(results)
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "baseline": f"datasketch MinHash(num_perm=128).update_batch on word 5-grams + "
                    f"MinHashLSH(threshold={threshold}), components; subprocess",
        "results": results,
    }


def print_table(report: dict[str, Any]) -> None:
    cols = ["corpus", "size", "tool", "seconds", "docs/s", "peak RSS MB", "tree RSS MB",
            "x baseline"]
    has_check = any("replica_recall" in r for r in report["results"])
    if has_check:
        cols += ["replica recall", "story pairs", "orig canonical"]
    print("  ".join(f"{c:>14s}" for c in cols))
    for r in report["results"]:
        cells = [r.get("corpus", "light"), f"{r['size']:,}", r["tool"], f"{r['seconds']:.1f}",
                 f"{r['docs_per_s']:.0f}" if r["docs_per_s"] else "-",
                 f"{r['peak_rss_mb']:.0f}", f"{r['tree_rss_mb']:.0f}",
                 f"{r['speedup_vs_baseline']:.2f}" if r["speedup_vs_baseline"] else
                 f"{r['speedup_vs_baseline_rate']:.2f}*" if "speedup_vs_baseline_rate" in r
                 else "-"]
        if has_check:
            cells += [f"{r[k]:.4f}" if k in r else "-"
                      for k in ("replica_recall", "story_pairs", "original_canonical")]
        if r["exit"] != 0:
            cells[2] += f" (exit {r['exit']})"
        print("  ".join(f"{c:>14s}" for c in cells))
    marked = [r for r in report["results"] if "speedup_vs_baseline_rate" in r]
    if marked:
        print(f"* against the plain pipeline's docs/s at {marked[0]['baseline_rate_from_size']:,}"
              " articles in this run (it was skipped at this size; its rate is flat with size)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000",
                    help="comma-separated article counts (e.g. 10000,100000,1000000)")
    ap.add_argument("--skip-baseline-above", type=int, default=100_000,
                    help="run the plain pipeline only up to this size (it does ~1,300 docs/s)")
    ap.add_argument("--threshold", type=float, default=0.8, help="plain pipeline LSH threshold")
    ap.add_argument("--corpus", default="light",
                    help="comma-separated corpora: " + ", ".join(CORPORA))
    ap.add_argument("--check", action="store_true", help="(the default; kept for old commands)")
    ap.add_argument("--no-check", action="store_true",
                    help="do not keep the outputs nor score them (replica recall, same-story "
                         "pairs, original canonical)")
    ap.add_argument("--cluster-args", default="",
                    help="extra arguments for dedupe-news cluster, e.g. '--workers 2'")
    ap.add_argument("--out", type=Path, default=OUT_DIR / "bench_cluster.json")
    ap.add_argument("--baseline-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.baseline_worker:
        return baseline_worker(args.baseline_worker, args.threshold)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    corpora = [c.strip() for c in args.corpus.split(",") if c.strip()]
    unknown = sorted(set(corpora) - set(CORPORA))
    if unknown:
        ap.error(f"--corpus: unknown {', '.join(unknown)}; choose from {', '.join(CORPORA)}")
    report = run(sizes, args.skip_baseline_above, not args.no_check, args.threshold,
                 args.cluster_args.split(), corpora)
    print_table(report)
    write_report(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
