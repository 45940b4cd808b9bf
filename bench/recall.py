"""Recall table: a fixed query set in six languages over the demo catalogue, before and after, in one run.

Builds the demo catalogue (``catalogue demo --no-serve``) twice — once with
the code of a base checkout (``--base``, e.g. a worktree of the commit before
the cross-language search: ``git worktree add --detach /tmp/base-lingo <commit>``)
and once with this checkout — and counts the hits of every query on each
(embedded index). Each side runs in its own interpreter with its own
checkout first on ``sys.path``, so the two never share a module.

    python bench/recall.py --base /tmp/base-lingo
    python bench/recall.py --base /tmp/base-lingo --markdown

The queries are ours, written for the demo's health and genomics records
(~11 per language: the plain word, a compound's part, the compound, a
spelling variant, a word whose translation labels a shipped concept, a
condition named in several words or as a compound). A
query is "dead" when it finds nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

QUERIES: dict[str, tuple[str, ...]] = {
    "nl": (
        "kanker",
        "genoom",
        "borstkanker",
        "tumor",
        "sequencing",
        "ziekte",
        "gezondheid",
        "zeldzame ziekten",
        "darmkanker",
        "dementie",
        "hart- en vaatziekten",
    ),
    "de": (
        "Krebs",
        "Genom",
        "Brustkrebs",
        "Tumor",
        "Sequenzierung",
        "Gesundheit",
        "Erkrankungen",
        "Genotypisierung",
        "Demenz",
        "Lungenkrebs",
        "seltene Erkrankungen",
    ),
    "fr": (
        "cancer",
        "génome",
        "tumeur",
        "séquençage",
        "santé",
        "maladies rares",
        "sein",
        "génotypage",
        "cancer du sein",
        "diabète",
        "maladies cardiovasculaires",
    ),
    "fi": (
        "syöpä",
        "genomi",
        "kasvain",
        "sekvensointi",
        "terveys",
        "rintasyöpä",
        "sairaudet",
        "potilas",
        "diabetes",
        "harvinaiset sairaudet",
        "lapset",
    ),
    "sv": (
        "cancer",
        "genom",
        "tumör",
        "sekvensering",
        "hälsa",
        "bröstcancer",
        "sjukdom",
        "genotypning",
        "hjärt-kärlsjukdomar",
        "sällsynta sjukdomar",
        "barn",
    ),
    "en": (
        "cancer",
        "genome",
        "leukaemia",
        "tumour",
        "sequencing",
        "health",
        "paediatric",
        "haematology",
        "breast cancer",
        "bowel cancer",
        "rare diseases",
    ),
}
HERE = Path(__file__).resolve().parent.parent


def count_hits(directory: Path, queries: list[str]) -> list[int]:
    """In a worker: the number of hits of each query on the demo catalogue in ``directory``."""
    from catalogue.config import load_settings
    from catalogue.index import SearchQuery
    from catalogue.index.opening import open_index

    settings = load_settings(directory / "catalogue.toml")
    index = open_index(settings.search, settings.index_dir)
    try:
        return [index.search(SearchQuery(text=text, size=1, facet_size=0)).total for text in queries]
    finally:
        index.close()


def run_side(checkout: Path, directory: Path, queries: list[str]) -> list[int]:
    """Build the demo with ``checkout``'s code and count the hits of ``queries`` there."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    demo = [sys.executable, "-m", "catalogue", "demo", "--no-serve", "--dir", str(directory)]
    subprocess.run(demo, env=env, check=True, capture_output=True, cwd=checkout)
    worker = [sys.executable, str(Path(__file__).resolve()), "--worker", str(directory)]
    done = subprocess.run(
        worker, env=env, check=True, capture_output=True, input=json.dumps(queries), text=True, cwd=checkout
    )
    return [int(n) for n in json.loads(done.stdout)]


def table(before: list[int], after: list[int], markdown: bool) -> str:
    rows = [("lang", "query", "before", "after")]
    spans: dict[str, range] = {}
    for lang, queries in QUERIES.items():
        start = sum(len(span) for span in spans.values())
        spans[lang] = range(start, start + len(queries))
        rows += [
            (lang, text, str(before[i]), str(after[i])) for i, text in zip(spans[lang], queries, strict=True)
        ]
    for lang, span in spans.items():
        rows.append(
            (
                lang,
                "queries finding nothing",
                str(sum(before[i] == 0 for i in span)),
                str(sum(after[i] == 0 for i in span)),
            )
        )
        rows.append(
            (lang, "hits, all queries", str(sum(before[i] for i in span)), str(sum(after[i] for i in span)))
        )
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "| --- | --- | ---: | ---: |")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, help="checkout of the code to compare against")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:  # inside a side's interpreter: queries on stdin, counts on stdout
        print(json.dumps(count_hits(args.worker, json.loads(sys.stdin.read()))))
        return
    if args.base is None:
        parser.error("--base is required")
    queries = [text for texts in QUERIES.values() for text in texts]
    with tempfile.TemporaryDirectory(prefix="recall-") as scratch:
        before = run_side(args.base.resolve(), Path(scratch) / "before", queries)
        after = run_side(HERE, Path(scratch) / "after", queries)
    print(table(before, after, args.markdown))


if __name__ == "__main__":
    main()
