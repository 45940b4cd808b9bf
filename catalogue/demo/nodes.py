"""Demo national nodes: seeded, realistic national nodes of the 1+Million Genomes signatories.

Three users need believable DCAT-AP / HealthDCAT-AP input without network access:
``catalogue demo`` (a catalogue to click through), the benchmarks (any number of
datasets, fast) and the tests (every RDF syntax the harvester must read, plus
records that must be rejected). Everything is derived from a seed, so a given
seed always produces byte-identical files and a failing run can be replayed.

The organisations and datasets are fictional; the vocabularies are
real: EU authority tables (data themes, access rights, languages, countries,
frequencies, file types, licences), the ADMS publisher types that DCAT-AP names
for ``dct:type`` of an agent, IANA media types, ELI for legislation, DPV for
purposes and legal bases, and the HealthDCAT-AP (release 6) health categories
and health themes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import Literal, URIRef

from catalogue.demo.curated import add_curated
from catalogue.demo.datasets import Builder, agent_node, node_dataset, publisher_type
from catalogue.demo.serialize import serialize
from catalogue.demo.tables import (
    COUNTRY,
    COUNTRY_CODES,
    DATA_THEME,
    DETAILS,
    EHDS,
    ELI,
    EXTENSIONS,
    INVALID_KINDS,
    LANGUAGE,
    LANGUAGE_CODES,
    LICENCE,
    NODES,
    NodeSpec,
)
from catalogue.namespaces import DCAT, DCATAP, DCT, FOAF, RDF, SKOS, XSD


@dataclass(frozen=True)
class DemoNode:
    """What was written for one node; ``invalid`` is how many records the validator should reject."""

    name: str  # "be", "nl", ...
    title: str  # "Belgian node (demo)"
    country: str  # "BE"
    path: Path  # the written file
    datasets: int  # datasets written
    invalid: int  # how many of them are deliberately invalid under DCAT-AP 3
    curated: int = 0  # how many of them are hand-written (content/records), all valid


def write_demo_nodes(out_dir: Path, seed: int = 2024, datasets_per_node: int = 30) -> list[DemoNode]:
    """Write one RDF document per node into out_dir, each in its own syntax.

    Each node gets about ``datasets_per_node`` generated datasets (±20 %, by
    seed), about one in twelve deliberately invalid under DCAT-AP 3, and its
    hand-written HealthDCAT-AP records (:mod:`catalogue.demo.curated`). The same seed always
    gives byte-identical files, so tests and demos are reproducible.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in NODES:
        rng = random.Random(f"{seed}:{spec.name}")
        graph, generated, invalid, curated = node_graph(spec, rng, datasets_per_node)
        path = out_dir / f"{spec.name}{EXTENSIONS[spec.syntax]}"
        path.write_bytes(serialize(graph, spec.syntax))
        datasets = generated + curated
        written.append(DemoNode(spec.name, spec.title, spec.country, path, datasets, invalid, curated))
    return written


def write_demo_config(
    directory: Path,
    base_url: str = "http://127.0.0.1:8000",
    seed: int = 2024,
    datasets_per_node: int = 30,
) -> Path:
    """Write the demo nodes under ``directory/nodes`` and a ``catalogue.toml`` that harvests them.

    ``catalogue demo`` calls this: one call gives a ready-to-harvest setup whose
    paths are relative to the config file, so the folder can be moved as a whole.
    """
    directory = Path(directory)
    nodes = write_demo_nodes(directory / "nodes", seed=seed, datasets_per_node=datasets_per_node)
    lines = [
        "# Written by `catalogue demo`: fictional national nodes of the 1+MG signatories.",
        "[catalogue]",
        f"title = {_toml_string('1+MG genomic data catalogue (demo)')}",
        f"base_url = {_toml_string(base_url)}",
        'data_dir = "./data"',
    ]
    for node in nodes:
        lines += [
            "",
            "[[sources]]",
            f"name = {_toml_string(node.name)}",
            f"title = {_toml_string(node.title)}",
            f"country = {_toml_string(node.country)}",
            f"url = {_toml_string(node.path.relative_to(directory).as_posix())}",
        ]
    config = directory / "catalogue.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def node_graph(spec: NodeSpec, rng: random.Random, per_node: int) -> tuple[rdflib.Graph, int, int, int]:
    """The catalogue of one node: the graph, its generated and invalid datasets, its hand-written ones."""
    details = DETAILS[spec.name]
    base = f"https://{details.domain}/"
    b = Builder(f"{spec.name}b")
    count = round(per_node * rng.uniform(0.8, 1.2)) if per_node > 0 else 0
    invalid_count = round(count / 12)
    invalid_at = sorted(rng.sample(range(count), invalid_count)) if invalid_count else []
    first_kind = rng.randrange(len(INVALID_KINDS))
    invalid_kinds = {
        position: INVALID_KINDS[(first_kind + k) % len(INVALID_KINDS)]
        for k, position in enumerate(invalid_at)
    }

    catalog = URIRef(f"{base}catalog")
    agents = {agent.key: agent_node(b, base, agent) for agent in details.agents if agent.shared}
    hdab = URIRef(f"{base}agent/hdab")
    b.add(hdab, RDF + "type", URIRef(FOAF + "Agent"))
    b.add(hdab, RDF + "type", URIRef(FOAF + "Organization"))
    b.add(hdab, FOAF + "name", Literal(details.hdab, lang="en"))
    b.add(hdab, FOAF + "homepage", b.typed(f"https://hdab.{details.domain}/", FOAF + "Document"))
    b.add(hdab, FOAF + "mbox", URIRef(f"mailto:permits@hdab.{details.domain}"))
    b.add(hdab, DCT + "type", publisher_type(b, "NationalAuthority"))

    latest = ""
    for index in range(count):
        dataset, modified = node_dataset(
            b, rng, spec, details, base, index, agents, hdab, invalid_kinds.get(index)
        )
        b.add(catalog, DCAT + "dataset", dataset)
        latest = max(latest, modified)
    curated = add_curated(b, spec.name, catalog)

    b.add(catalog, RDF + "type", URIRef(DCAT + "Catalog"))
    for lang in spec.languages:
        b.add(catalog, DCT + "title", Literal(details.catalog_titles[lang], lang=lang))
        b.add(catalog, DCT + "description", Literal(details.catalog_descriptions[lang], lang=lang))
        b.add(catalog, DCT + "language", b.typed(LANGUAGE + LANGUAGE_CODES[lang], DCT + "LinguisticSystem"))
    b.add(catalog, DCT + "publisher", agents[details.agents[0].key])
    b.add(catalog, FOAF + "homepage", b.typed(base, FOAF + "Document"))
    b.add(catalog, DCT + "spatial", b.typed(COUNTRY + COUNTRY_CODES[spec.country], DCT + "Location"))
    b.add(catalog, DCT + "issued", Literal("2023-05-02", datatype=URIRef(XSD + "date")))
    b.add(
        catalog,
        DCT + "modified",
        Literal(latest or "2024-01-01T00:00:00Z", datatype=URIRef(XSD + "dateTime")),
    )
    b.add(catalog, DCT + "license", b.typed(LICENCE + "CC0", DCT + "LicenseDocument"))
    b.add(catalog, DCATAP + "applicableLegislation", b.typed(EHDS, ELI + "LegalResource"))
    taxonomy = b.typed(DATA_THEME[:-1], SKOS + "ConceptScheme")
    b.add(taxonomy, DCT + "title", Literal("Data theme", lang="en"))
    b.add(catalog, DCAT + "themeTaxonomy", taxonomy)
    return b.graph, count, invalid_count, curated


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
