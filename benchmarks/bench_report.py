"""The release report at scale: page size and load time in headless Chromium.

Synthesises a release-like folder of ``--docs`` documents (default 100,000) without running a
build: ``manifest.json``, the ``all`` config's shards under the real :data:`corpus.SCHEMA`
(titles, languages, word counts, relations; the text itself is short, the report never reads it
except to name an untitled clustered document), ``clusters.parquet`` with ``--cluster-share``
of the documents in clusters of 2 to 6 members, each non-canonical member with five aligned
passage pairs of about 25 words a side (what ``corpus build`` stores), and ``rejects.parquet``
with ``--rejects`` rows. Then it writes the report with :func:`corpus.report.write_report`,
prints the time that took, the size of ``report.html`` and of its details folder, and opens the
page ``--repeat`` times in headless Chromium (Debian's ``chromium`` + ``chromedriver``, through
selenium): time to the load event, time until the page's script has rendered the first page of
clusters, time to open a cluster (its details file loaded and rendered) and to filter the list
by a search term.

Run from the repository root::

    python benchmarks/bench_report.py [--docs 100000] [--cluster-share 0.15] [--rejects 1000]

``--screenshot PNG --release DIR`` instead writes the report of the release ``DIR`` (e.g.
``releases/seeds/v1.0.0``), opens its first cluster and saves a screenshot of the whole page:
that is how ``docs/images/report.png`` is made.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpus.publish.layout import CLUSTERS, REJECTS, shard_name
from corpus.publish.manifest import Counts, Manifest
from corpus.publish.parquet import WrittenFile
from corpus.report import REPORT, data_dir, write_report
from corpus.schema import CLUSTERS_SCHEMA, REJECTS_SCHEMA, SCHEMA, SCHEMA_VERSION

WORDS = (
    "government", "minister", "election", "market", "city", "council", "police", "court",
    "report", "budget", "school", "health", "river", "border", "talks", "summit", "trade",
    "energy", "climate", "storm", "harvest", "museum", "festival", "vote", "party", "leader",
    "opposition", "protest", "strike", "union", "factory", "bank", "inflation", "prices",
    "housing", "rail", "airport", "bridge", "hospital", "doctors", "teachers", "farmers",
    "ministry", "officials", "statement", "agreement", "sanctions", "prisoners", "embassy",
    "visit", "capital", "president", "spokesman", "week", "monday", "tuesday", "wednesday",
    "thursday", "friday", "morning", "evening", "night", "year",
)
LANGUAGES = ("en",) * 18 + ("de", "fr")
RULES = ("not-utf8", "empty", "bad-name", "duplicate-id", "control-characters")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1300,1000",
)


def sentence(rng: random.Random, n: int = 25) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paraphrase(rng: random.Random, text: str, share: float) -> str:
    words = text.rstrip(".").split()
    return " ".join(rng.choice(WORDS) if rng.random() < share else w for w in words) + "."


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    doc_id = f"{i:016x}"
    untitled = rng.random() < 0.05
    return {
        "id": doc_id, "seq": i,
        "source": {"path": f"{i:06d}_{doc_id}.txt", "member": ""},
        "bom": False, "lines": [], "raw_sha256": "", "line_ending": "lf",
        "title": "" if untitled else sentence(rng, rng.randint(6, 12)).rstrip("."),
        "subtitle": "", "authors": [], "headings": [], "quotes": [], "boilerplate": [],
        "bio": "", "comments": [], "text": sentence(rng, 40),
        "char_count": 0, "word_count": max(20, int(rng.lognormvariate(6.3, 0.5))),
        "paragraph_count": 0, "text_sha256": "", "language": rng.choice(LANGUAGES),
        "language_probability": 0.99, "mojibake_fixed": False, "normalizer_version": "",
        "cluster_id": "", "duplicate_of": "", "relation": "unique", "score": 0.0,
    }


def synthesise(root: Path, docs: int, share: float, rejects: int, seed: int) -> Path:
    """Write a release-like folder under ``root`` and return it."""
    rng = random.Random(seed)
    release = root / "bench" / "v1.0.0"
    rows = [_row(i, rng) for i in range(docs)]

    # Clusters: consecutive runs of 2-6 documents, until `share` of all documents are in one.
    cluster_rows: list[dict[str, Any]] = []
    relations = {"exact": 0, "near": 0, "rewrite": 0}
    in_clusters, i = int(docs * share), 0
    order = rng.sample(range(docs), docs)
    while i < in_clusters - 1:
        size = min(rng.choice((2, 2, 2, 3, 3, 4, 6)), in_clusters - i)
        members = sorted(order[i:i + size])
        i += size
        canonical = rows[members[0]]
        canonical.update(relation="canonical", cluster_id=canonical["id"], score=1.0)
        base = [sentence(rng) for _ in range(5)]
        cluster = []
        for m in members[1:]:
            relation = rng.choice(("exact", "near", "rewrite", "rewrite"))
            relations[relation] += 1
            change = {"exact": 0.0, "near": 0.1, "rewrite": 0.45}[relation]
            score = 1.0 if relation == "exact" else round(rng.uniform(0.5, 0.95), 3)
            rows[m].update(relation=relation, cluster_id=canonical["id"],
                           duplicate_of=canonical["id"], score=score)
            evidence = [{
                "canonical_sentence": k * 3, "canonical_paragraph": k, "canonical_text": s,
                "member_sentence": k * 3 + 1, "member_paragraph": k,
                "member_text": paraphrase(rng, s, change), "similarity": 1.0 - change / 2,
                "jaccard": 1.0 - change, "containment": 1.0 - change / 2,
            } for k, s in enumerate(base)]
            cluster.append((m, relation, score, evidence))
        head = {"cluster_id": canonical["id"], "canonical": canonical["id"],
                "kept_because": "longest text, then lowest seq and id among "
                                f"{size} candidates",
                "matched_with": "", "jaccard": 1.0, "containment": 1.0, "coverage": 1.0,
                "aligned": 0, "weakest_link": min((score for _, _, score, _ in cluster),
                                                  default=1.0)}
        cluster_rows.append({**head, "id": canonical["id"], "name": canonical["source"]["path"],
                             "relation": "canonical", "kept": True, "score": 1.0,
                             "evidence": []})
        for m, relation, score, evidence in cluster:
            cluster_rows.append({**head, "id": rows[m]["id"], "name": rows[m]["source"]["path"],
                                 "relation": relation, "kept": False, "score": score,
                                 "matched_with": canonical["id"], "aligned": 12,
                                 "jaccard": score, "containment": score, "coverage": score,
                                 "evidence": evidence})
    cluster_rows.sort(key=lambda r: (r["cluster_id"], r["relation"] != "canonical", r["id"]))

    # Each row once, as a build writes it (release format 2): the kept rows in
    # ``data/default/``, the others in ``data/duplicates/``, each folder in corpus order.
    files = []
    per_shard = 25_000
    kept = [r for r in rows if r["relation"] in ("unique", "canonical")]
    removed = [r for r in rows if r["relation"] not in ("unique", "canonical")]
    for folder, chosen in (("default", kept), ("duplicates", removed)):
        count = max(1, -(-len(chosen) // per_shard))
        for n in range(count):
            name = shard_name(folder, n, count)
            (release / name).parent.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pylist(chosen[n * per_shard:(n + 1) * per_shard],
                                         schema=SCHEMA)
            pq.write_table(table, release / name)
            files.append(WrittenFile(name, table.num_rows, (release / name).stat().st_size, ""))
    pq.write_table(pa.Table.from_pylist(cluster_rows, schema=CLUSTERS_SCHEMA), release / CLUSTERS)
    reject_rows = [{"path": f"bad/{k:06d}_{k:016x}.txt", "line": rng.randint(1, 80),
                    "rule": rng.choice(RULES), "message": "the file breaks a rule of the format",
                    "offset": -1} for k in range(rejects)]
    pq.write_table(pa.Table.from_pylist(reject_rows, schema=REJECTS_SCHEMA), release / REJECTS)

    clusters = sum(1 for r in cluster_rows if r["relation"] == "canonical")
    duplicates = len(cluster_rows) - clusters
    by_rule: dict[str, int] = {}
    for r in reject_rows:
        by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    manifest = Manifest(
        name="bench", version="1.0.0", schema_version=SCHEMA_VERSION, schema=(),
        seed_format_version="1", libraries={"corpus": "bench"}, source="bench", settings={},
        settings_hash="", inputs=(),
        counts=Counts(
            files_seen=docs + rejects, documents=docs, rejects=rejects,
            rejects_by_rule=dict(sorted(by_rule.items())), clusters=clusters,
            duplicates=duplicates,
            relations={"unique": docs - clusters - duplicates, "canonical": clusters,
                       **{k: v for k, v in relations.items() if v}},
            languages={}, rows={"default": len(kept), "duplicates": len(removed),
                                "all": docs},
        ),
        files=tuple(files), fingerprint="",
    )
    (release / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return release


def chromium() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def measure(page: Path, repeat: int) -> dict[str, list[float]]:
    """Milliseconds per run: load event, first render, opening a cluster, filtering."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium()
    times: dict[str, list[float]] = {"load": [], "ready": [], "open": [], "filter": []}
    try:
        for _ in range(repeat):
            driver.get("about:blank")
            driver.get(page.as_uri())
            wait = WebDriverWait(driver, 60)
            wait.until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
            nav = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return [n.loadEventEnd, n.domInteractive];")
            times["load"].append(float(nav[0]))
            times["ready"].append(float(nav[1]))
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            if errors:
                sys.exit(f"console errors: {errors}")
            row = driver.find_element("css selector", "tr.cluster")
            start = time.perf_counter()
            row.click()
            wait.until(lambda d: d.find_elements("css selector", "tr.details .pair"))
            times["open"].append((time.perf_counter() - start) * 1000)
            box = driver.find_element("css selector", "#search")
            before = driver.find_element("css selector", "#cluster-status").text
            start = time.perf_counter()
            box.send_keys("0000000000000a")
            wait.until(lambda d, was=before: d.find_element(
                "css selector", "#cluster-status").text != was)
            times["filter"].append((time.perf_counter() - start) * 1000)
    finally:
        driver.quit()
    return times


def screenshot(release: Path, png: Path) -> None:
    """Write the report of ``release``, open its first cluster, screenshot the whole page."""
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as tmp:
        page = write_report(release, Path(tmp) / REPORT).path
        driver = chromium()
        try:
            driver.get(page.as_uri())
            driver.find_element("css selector", "tr.cluster").click()
            WebDriverWait(driver, 10).until(
                lambda d: d.find_elements("css selector", "tr.details .pair"))
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1300, int(height) + 120)
            driver.execute_script("window.scrollTo(0, 0)")
            png.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
        finally:
            driver.quit()
    print(f"wrote {png}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--cluster-share", type=float, default=0.15)
    parser.add_argument("--rejects", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--screenshot", type=Path, help="write a screenshot (needs --release)")
    parser.add_argument("--release", type=Path, help="the release to screenshot")
    args = parser.parse_args(argv)
    if args.screenshot is not None:
        if args.release is None:
            parser.error("--screenshot needs --release")
        screenshot(args.release, args.screenshot)
        return 0

    print(f"python {platform.python_version()}, {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        start = time.perf_counter()
        release = synthesise(Path(tmp), args.docs, args.cluster_share, args.rejects, args.seed)
        print(f"synthesised {args.docs:,} documents in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        summary = write_report(release, release / REPORT)
        took = time.perf_counter() - start
        folder = data_dir(summary.path)
        details = sum(p.stat().st_size for p in folder.iterdir()) if folder.is_dir() else 0
        members = pq.ParquetFile(release / CLUSTERS).metadata.num_rows
        print(f"clusters {summary.clusters:,} ({members:,} members), rejects {summary.rejects:,}")
        print(f"write_report: {took:.1f} s")
        print(f"report.html: {summary.bytes / 1e6:.2f} MB; details: {summary.chunks} file(s), "
              f"{details / 1e6:.2f} MB in {folder.name}/")
        times = measure(summary.path, args.repeat)
        for name, label in (("load", "load event"), ("ready", "DOM interactive"),
                            ("open", "open a cluster"), ("filter", "filter by search")):
            values = times[name]
            print(f"{label}: median {statistics.median(values):.0f} ms "
                  f"(runs: {', '.join(f'{v:.0f}' for v in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
