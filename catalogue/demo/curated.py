"""Hand-written HealthDCAT-AP records (content/records/<node>.ttl), merged into a node's catalogue.

The generated datasets vary in size and syntax; these show what a search
must find across languages: a Finnish-only record coded ICD-10 C50.4 that
never names the organ, a Dutch-only "borstkanker" record, German compounds
("Darmkrebs"), British and American spellings, ORPHA, ATC and SNOMED CT
codes, retention periods and personal-data categories, and one record with
no health facts at all. The files say only what a publisher writes; the
range classes and labels DCAT-AP asks of vocabulary terms are added here, as
for generated datasets. The files use no blank nodes (their labels would
change from run to run, and the demo files must be byte-stable).
"""

from __future__ import annotations

from importlib.resources import files

import rdflib
from rdflib import URIRef

from catalogue.demo.datasets import Builder, concept, data_theme
from catalogue.demo.tables import CODING_SYSTEMS, DATA_THEME, ELI
from catalogue.namespaces import DCAT, DCATAP, DCT, HEALTHDCATAP, RDF

#: property -> the class DCAT-AP 3 expects of its (vocabulary) values
RANGES = {
    DCT + "language": DCT + "LinguisticSystem",
    DCT + "spatial": DCT + "Location",
    DCT + "accessRights": DCT + "RightsStatement",
    DCT + "format": DCT + "MediaTypeOrExtent",
    DCT + "license": DCT + "LicenseDocument",
    DCATAP + "applicableLegislation": ELI + "LegalResource",
}


def add_curated(b: Builder, node: str, catalog: URIRef) -> int:
    """Add the node's hand-written records (if it has any) to its graph; returns how many datasets."""
    resource = files("catalogue.demo") / "content" / "records" / f"{node}.ttl"
    if not resource.is_file():
        return 0
    part = rdflib.Graph().parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    for triple in part:
        if any(isinstance(term, rdflib.BNode) for term in triple):
            raise ValueError(f"{resource}: blank nodes are not allowed in curated demo records: {triple}")
        subject, predicate, obj = triple
        b.add(subject, str(predicate), _described(b, str(predicate), obj))
    datasets = sorted(str(s) for s in part.subjects(URIRef(RDF + "type"), URIRef(DCAT + "Dataset")))
    for dataset in datasets:
        b.add(catalog, DCAT + "dataset", URIRef(dataset))
    return len(datasets)


def _described(b: Builder, predicate: str, value: rdflib.term.Node) -> rdflib.term.Node:
    """The value, with what DCAT-AP asks of it added to the graph when it is a vocabulary term."""
    if not isinstance(value, URIRef):
        return value
    if predicate in RANGES:
        return b.typed(str(value), RANGES[predicate])
    if predicate == DCAT + "theme" and value.startswith(DATA_THEME):
        return data_theme(b, value.removeprefix(DATA_THEME))
    if predicate == HEALTHDCATAP + "hasCodeValues":
        for system, where in CODING_SYSTEMS.items():
            if value.startswith(where["codes"]):
                return concept(b, f"{system}:{value.removeprefix(where['codes'])}")
        raise ValueError(f"no coding system known for the code {value}")
    return value
