"""Validation: reports per record, profiles as lists of shapes files, and the two SHACL engines.

pyrudof is the default engine and pyshacl the reference: on hand-written
records and on every parsable file of the shared corpus (with every built-in
profile) both must give the same findings. See catalogue/shacl_engines.py for
the differences that were traced and how they are handled.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

import catalogue.validation.validator as validate
from catalogue.config import Settings
from catalogue.fetch import Document
from catalogue.model import ValidationResult
from catalogue.parse import parse_document
from catalogue.records import Record, split_records
from catalogue.validation.errors import EngineUnsupported, ShapesError
from catalogue.validation.literals import ILL_TYPED, ntriples, well_formed
from catalogue.validation.profiles import BUILT_IN, Profile, shapes_files
from catalogue.validation.selection import pyrudof_available
from catalogue.validation.validator import Validator, validate_records

ENGINES = [
    "pyshacl",
    pytest.param("pyrudof", marks=pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")),
]
XSD = "http://www.w3.org/2001/XMLSchema#"

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .

ex:good a dcat:Dataset ; dct:title "Good"@en ; dct:description "Fine."@en ;
    dct:publisher ex:org .
ex:notitle a dcat:Dataset ; dct:description "No title here."@en ; dct:publisher ex:org .
ex:badsize a dcat:Dataset ; dct:title "Bad size"@en ; dct:description "x"@en ;
    dcat:distribution ex:dist .
ex:dist a dcat:Distribution ; dcat:accessURL ex:file ; dcat:byteSize "about 2 GB" .
ex:org a foaf:Agent ; foaf:name "Org" .
"""


def records_of(text: str, name: str = "d.ttl") -> list[Record]:
    return split_records(parse_document(Document(name, text.encode())), "be", "http://c.test")


def results(reports: dict) -> dict[str, list[ValidationResult]]:
    return {k: sorted(v.results, key=repr) for k, v in reports.items()}


@pytest.mark.parametrize("engine", ENGINES)
def test_each_record_gets_its_own_results(engine) -> None:
    records = records_of(DOC)
    reports = validate_records(records, engine=engine)
    by_uri = {r.uri.rsplit("/", 1)[-1]: reports[r.id] for r in records}
    assert by_uri["good"].conforms
    assert not by_uri["notitle"].conforms
    assert any(
        r.path == "http://purl.org/dc/terms/title" and r.severity == "Violation"
        for r in by_uri["notitle"].results
    )
    bad = [r for r in by_uri["badsize"].results if r.severity == "Violation"]
    assert [r.focus for r in bad] == ["https://node.example/dist"]
    assert bad[0].path == "http://www.w3.org/ns/dcat#byteSize"
    assert bad[0].value == "about 2 GB"
    assert bad[0].message.startswith("Byte size")  # the shape's sh:message, whatever the engine
    assert bad[0].component == "http://www.w3.org/ns/shacl#DatatypeConstraintComponent"
    assert bad[0].shape == "https://w3id.org/catalogue/shapes/dcat-ap-3#Distribution.byteSize"
    # a record is not blamed for another's problems
    assert all(r.focus != "https://node.example/dist" for r in by_uri["good"].results)


@pytest.mark.parametrize("engine", ENGINES)
def test_worker_processes_give_the_same_reports(monkeypatch, engine) -> None:
    records = records_of(DOC)
    in_process = validate_records(records, workers=1, engine=engine)
    monkeypatch.setattr(validate, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(validate, "BATCH_SIZES", {"pyrudof": 2, "pyshacl": 2})
    with Validator(workers=2, engine=engine) as validator:
        in_workers = validator.validate(records)
        assert len(validator.worker_pids()) == 2
        again = validator.validate(records)  # the same workers, still alive
    assert results(in_workers) == results(in_process) == results(again)
    assert any(not report.conforms for report in in_workers.values())


def test_the_default_engine_is_pyrudof_and_pyshacl_can_be_chosen(monkeypatch) -> None:
    monkeypatch.delenv("CATALOGUE_SHACL_ENGINE", raising=False)
    expected = "pyrudof" if pyrudof_available() else "pyshacl"
    assert Validator().engine == expected
    assert Validator(engine="pyshacl").engine == "pyshacl"
    monkeypatch.setenv("CATALOGUE_SHACL_ENGINE", "pyshacl")
    assert Validator().engine == "pyshacl"
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        Validator(engine="jena")


def test_worker_count_follows_the_cpus(monkeypatch) -> None:
    monkeypatch.setattr(validate.os, "cpu_count", lambda: 6)
    assert Validator().workers == 6
    monkeypatch.setattr(validate.os, "cpu_count", lambda: 64)
    assert Validator().workers == validate.MAX_WORKERS
    assert Validator(workers=1).workers == 1


# -- profiles: lists of shapes files --------------------------------------------------

EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/extra#Dataset.identifier>
    sh:path dct:identifier ; sh:minCount 1 ; sh:severity sh:Violation ;
    sh:message "The extension profile wants an identifier."@en .
<https://example.org/extra#DatasetShape> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property <https://example.org/extra#Dataset.identifier> .
"""


def test_a_profile_is_its_list_of_shapes_files() -> None:
    for name in BUILT_IN:
        assert Validator(name).shapes_paths == tuple(shapes_files(name))
    with pytest.raises(ShapesError, match="no validation profile 'nope'"):
        Validator("nope")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("workers", [1, 2])
def test_several_shapes_files_are_merged_and_workers_get_them_all(tmp_path, monkeypatch, engine, workers):
    extra = tmp_path / "extra.ttl"
    extra.write_text(EXTRA_SHAPES)
    base = shapes_files("dcat-ap-3")
    extension = Profile("extension", "Extension", "", (str(extra),), extends="dcat-ap-3")
    settings = Settings("T", "http://catalogue.test", tmp_path, profiles=(extension,))
    monkeypatch.setattr(validate, "PARALLEL_THRESHOLD", 1)
    records = records_of(DOC)
    with Validator("extension", workers=workers, engine=engine, settings=settings) as validator:
        assert validator.shapes_paths == (*base, extra)
        reports = validator.validate(records)
    by_uri = {r.uri.rsplit("/", 1)[-1]: reports[r.id] for r in records}
    messages = {r.message for r in by_uri["good"].results}
    assert "The extension profile wants an identifier." in messages  # the extra file
    assert not by_uri["good"].conforms
    assert any(r.path == "http://purl.org/dc/terms/title" for r in by_uri["notitle"].results)  # the base file
    # an explicit list replaces the profile's files
    only_extra = validate_records(records, shapes=[extra], engine=engine)
    assert {r.message for r in only_extra[records[0].id].results} == {
        "The extension profile wants an identifier."
    }


def test_broken_or_missing_shapes_fail_before_any_work(tmp_path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . this is not turtle")
    with pytest.raises(ShapesError, match="broken.ttl"):
        Validator(shapes=[*shapes_files("dcat-ap-3"), broken])
    with pytest.raises(ShapesError, match="missing.ttl"):
        Validator(shapes=tmp_path / "missing.ttl")


def test_profile_version_changes_with_the_shapes_files(tmp_path) -> None:
    shapes = tmp_path / "s.ttl"
    shapes.write_text(EXTRA_SHAPES)
    first = Validator("dcat-ap-3", shapes=[shapes]).profile_version
    assert first.startswith("dcat-ap-3@") and first == Validator("dcat-ap-3", shapes=[shapes]).profile_version
    shapes.write_text(EXTRA_SHAPES.replace("wants an identifier", "needs an identifier"))
    assert Validator("dcat-ap-3", shapes=[shapes]).profile_version != first


# -- the two engines agree ---------------------------------------------------------------

HAND_WRITTEN = {
    "the demo document": DOC,
    "dates, ill-typed and fine": """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <https://node.example/> .
ex:a a dcat:Dataset ; dct:title "A"@en ; dct:description "d"@en ;
    dct:issued "2012-05-10T21:04"^^xsd:dateTime ; dct:modified "2009-05-19 14:39:22-06:00"^^xsd:dateTime .
ex:b a dcat:Dataset ; dct:title "B"@en ; dct:description "d"@en ;
    dct:issued ""^^xsd:date ; dct:modified "20090519"^^xsd:date .
ex:c a dcat:Dataset ; dct:title "C"@en ; dct:description "d"@en ;
    dct:issued "2022-03-22T08:51:36"^^xsd:date ; dct:modified "2020-13"^^xsd:gYearMonth .
ex:d a dcat:Dataset ; dct:title "D"@en ; dct:description "d"@en ;
    dct:issued "2024-05-27+02:00"^^xsd:date ; dct:modified "2018-04-01T15:20:15.5-07:00"^^xsd:dateTime ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020"^^xsd:gYear ; dcat:endDate "2021-02"^^xsd:gYearMonth ] .
""",
    "numbers and odd text": """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <https://node.example/> .
ex:a a dcat:Dataset ; dct:title "Quote \\" and\\nnewline and \\\\ and é"@en ; dct:description "d"@en ;
    dcat:distribution ex:d1, ex:d2, ex:d3 .
ex:d1 a dcat:Distribution ; dcat:accessURL ex:f ; dcat:byteSize "0012"^^xsd:nonNegativeInteger ;
    dcat:spatialResolutionInMeters "1e3"^^xsd:decimal .
ex:d2 a dcat:Distribution ; dcat:accessURL ex:f ; dcat:byteSize "-1"^^xsd:nonNegativeInteger ;
    dcat:spatialResolutionInMeters "12.50"^^xsd:decimal .
ex:d3 a dcat:Distribution ; dcat:accessURL "https://not.an.iri/" ; dcat:byteSize "12 \\"MB\\"" ;
    dct:format "CSV" ; dct:language "en" .
""",
    "a catalogue, agents and contact points": """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix ex: <https://node.example/> .
ex:cat a dcat:Catalog ; dct:title "Cat"@en ; dcat:dataset ex:a .
ex:a a dcat:Dataset ; dct:title "A"@en ; dct:description "d"@en ; dct:publisher ex:org, ex:person ;
    dcat:contactPoint [ a vcard:Kind ; vcard:fn "Desk" ], [ a vcard:Organization ; vcard:hasEmail <mailto:x@y.z> ] ;
    dcat:theme <http://eurovoc.europa.eu/1808> .
ex:org a foaf:Organization ; foaf:name "Org" .
ex:person foaf:name "Nobody typed me" .
ex:api a dcat:DataService ; dcat:servesDataset ex:a .
""",
}


def compare_engines(records: list[Record], **options) -> None:
    """Both engines: the same reports, result for result (messages come from our shapes' sh:message)."""
    by_pyshacl = validate_records(records, engine="pyshacl", workers=1, **options)
    by_pyrudof = validate_records(records, engine="pyrudof", workers=1, **options)
    assert results(by_pyrudof) == results(by_pyshacl)


@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_engines_agree_on_hand_written_records(name) -> None:
    records = records_of(HAND_WRITTEN[name])
    compare_engines(records)
    reports = validate_records(records, engine="pyrudof")
    if name == "dates, ill-typed and fine":
        verdicts = {r.uri.rsplit("/", 1)[-1]: reports[r.id].conforms for r in records if r.kind == "dataset"}
        assert verdicts == {"a": False, "b": False, "c": False, "d": True}


# Literals of each XSD type, well-formed (True) or not (False), as catalogue.validation.literals judges them.
LEXICAL = {
    "date": {"2024-05-27": True, "2024-05-27Z": True, "2024-05-27-14:00": True, "2000-02-29": True,
             "": False, "20090519": False, "2022-03-22T08:51:36": False, "2021-02-29": False,
             "1900-02-29": False, "2024-05-27+15:00": False, " 2024-05-27": False, "-0044-03-15": False},
    "dateTime": {"2018-04-01T15:20:15-07:00": True, "2020-01-01T10:00:00.123456789Z": True,
                 "2012-05-10T21:04": False, "2009-05-19 14:39:22-06:00": False, "20090621T0545Z": False,
                 "2020-01-01T24:00:00": False, "2020-01-01T10:00:00+0100": False, "2020-01-01": False},
    "gYear": {"2020": True, "2020Z": True, "20": False, "02020": False, "2020-01": False},
    "gYearMonth": {"2020-01": True, "2020-13": False, "2020-1": False, "2020": False},
    "decimal": {"1": True, "-1.5": True, ".5": True, "5.": True, "1e3": False, "NaN": False, " 1": False},
    "integer": {"01": True, "+1": True, "1.0": False, "": False},
    "nonNegativeInteger": {"0": True, "-0": True, "5120": True, "-1": False, "about 2 GB": False},
    "unsignedByte": {"255": True, "256": False, "-0": False},
    "boolean": {"true": True, "0": True, "TRUE": False, "yes": False},
    "double": {"1.5e3": True, "INF": True, "-INF": True, "NaN": True, "inf": False, "+INF": False},
    "duration": {"P1Y2M3DT4H5M6.7S": True, "-P1D": True, "PT36H": True, "P": False, "PT": False,
                 "P1.5Y": False, "P1W": False},
    "hexBinary": {"0fa3": True, "": True, "0f3": False, "zz": False},
    "time": {"10:00:00.5+01:00": True, "10:00": False, "24:00:00": False},
    "dateTimeStamp": {"2020-01-01T10:00:00Z": True, "2020-01-01T10:00:00": False},
}  # fmt: skip


def test_one_judge_of_well_formed_literals() -> None:
    for datatype, cases in LEXICAL.items():
        for text, expected in cases.items():
            assert well_formed(text, XSD + datatype) is expected, (datatype, text)
    assert well_formed("anything", XSD + "string") is None
    assert well_formed("anything", "https://example.org/myType") is None
    subject, predicate = ox.NamedNode("https://x.example/s"), ox.NamedNode("https://x.example/p")
    text = ntriples(
        [
            ox.Triple(subject, predicate, ox.Literal("20090519", datatype=ox.NamedNode(XSD + "date"))),
            ox.Triple(subject, predicate, ox.Literal("2009-05-19", datatype=ox.NamedNode(XSD + "date"))),
        ]
    )
    assert f'"20090519"^^<{ILL_TYPED}{XSD}date>' in text
    assert f'"2009-05-19"^^<{XSD}date>' in text


DATATYPE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<https://example.org/s#S> a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property {properties} .
{definitions}
"""


@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
def test_engines_agree_on_every_datatype_case(tmp_path) -> None:
    """sh:datatype on each LEXICAL case: both engines follow the one judge."""
    properties, definitions, data = [], [], ["@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    for datatype in LEXICAL:
        shape = f"<https://example.org/s#{datatype}>"
        properties.append(shape)
        definitions.append(
            f'{shape} sh:path <https://example.org/p#{datatype}> ; sh:datatype xsd:{datatype} ; sh:message "{datatype}" .'
        )
    for number, (datatype, cases) in enumerate(LEXICAL.items()):
        for case, text in enumerate(cases):
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            data.append(
                f"<https://example.org/d/{number}-{case}> a <http://www.w3.org/ns/dcat#Dataset> ; "
                f'<https://example.org/p#{datatype}> "{escaped}"^^xsd:{datatype} .'
            )
    shapes = tmp_path / "datatypes.ttl"
    shapes.write_text(
        DATATYPE_SHAPES.format(properties=", ".join(properties), definitions="\n".join(definitions))
    )
    records = records_of("\n".join(data))
    compare_engines(records, shapes=[shapes])
    reports = validate_records(records, shapes=[shapes], engine="pyrudof")
    for number, (datatype, cases) in enumerate(LEXICAL.items()):
        for case, (text, expected) in enumerate(cases.items()):
            record = next(r for r in records if r.uri == f"https://example.org/d/{number}-{case}")
            assert reports[record.id].conforms is expected, (datatype, text)


LITERAL_FOCUS_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/s#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
ex:Dataset a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property ex:creator, ex:publisher, ex:contributor, ex:rightsHolder, ex:inverse .
ex:creator sh:path dct:creator ; sh:node ex:Agent ; sh:message "creator: an agent with a name" .
ex:publisher sh:path dct:publisher ; sh:or ( ex:Agent [ sh:nodeKind sh:IRI ] ) ; sh:message "publisher" .
ex:contributor sh:path dct:contributor ; sh:not ex:Agent ; sh:message "contributor: not an agent" .
ex:rightsHolder sh:path dct:rightsHolder ;
    sh:qualifiedValueShape ex:Agent ; sh:qualifiedMinCount 1 ; sh:message "rights holder" .
ex:inverse sh:path dct:relation ; sh:node ex:Unreferenced ; sh:message "inverse" .
ex:Agent a sh:NodeShape ; sh:property [ sh:path foaf:name ; sh:minCount 1 ] .
ex:Unreferenced a sh:NodeShape ; sh:property [ sh:path [ sh:inversePath dct:source ] ; sh:maxCount 0 ] .
"""


@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
def test_engines_agree_when_literals_meet_shapes_that_need_properties(tmp_path) -> None:
    """A literal value checked with sh:node/sh:or/sh:not/sh:qualifiedValueShape against a shape
    with sh:minCount: SHACL fails it (a literal has no properties); pyrudof is helped to see that."""
    shapes = tmp_path / "literal-focus.ttl"
    shapes.write_text(LITERAL_FOCUS_SHAPES)
    data = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix ex: <https://node.example/> .
ex:text a dcat:Dataset ; dct:creator "Statistics office"@en ; dct:publisher "Office" ;
    dct:contributor "Someone" ; dct:rightsHolder "Owner" ; dct:relation "x" ; dct:source "x" .
ex:links a dcat:Dataset ; dct:creator ex:org ; dct:publisher ex:org ; dct:contributor ex:org ;
    dct:rightsHolder ex:org ; dct:relation ex:other .
ex:unnamed a dcat:Dataset ; dct:creator ex:anon ; dct:publisher ex:anon ; dct:contributor ex:anon ;
    dct:rightsHolder ex:anon .
ex:org foaf:name "Org" .
"""
    records = records_of(data)
    compare_engines(records, shapes=[shapes])
    reports = validate_records(records, shapes=[shapes], engine="pyrudof")
    found = {
        r.uri.rsplit("/", 1)[-1]: sorted(x.message for x in reports[r.id].results)
        for r in records
        if r.kind == "dataset"
    }
    # sh:inversePath from a literal ("x" is the dct:source of ex:text): pyrudof evaluates it itself
    assert found["text"] == ["creator: an agent with a name", "inverse", "publisher", "rights holder"]
    assert found["links"] == ["contributor: not an agent"]
    assert found["unnamed"] == ["creator: an agent with a name", "rights holder"]


@pytest.mark.parametrize(
    ("shapes", "reason"),
    [
        (
            '<https://e.org/S> a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:sparql [ sh:select "SELECT $this {}" ] .',
            "sh:sparql",
        ),
        (
            "<https://e.org/S> a sh:NodeShape ; sh:targetClass dcat:Dataset ;"
            " sh:property [ sh:path dcat:byteSize ; sh:minExclusive 0 ] .",
            "sh:minExclusive",
        ),
        (
            "<https://e.org/S> a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property [ sh:path dct:creator ;"
            " sh:property [ sh:path foaf:name ; sh:minCount 1 ] ] .",
            "on literal focus nodes",
        ),
        (
            "<https://e.org/S> a sh:NodeShape ; sh:targetObjectsOf dct:creator ;"
            " sh:property [ sh:path foaf:name ; sh:minCount 1 ] .",
            "on literal focus nodes",
        ),
        (
            '<https://e.org/S> a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:property [ sh:path dct:title ; sh:pattern "^(a)\\\\1$" ] .',
            "regex",
        ),
    ],
)
@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
def test_shapes_pyrudof_cannot_be_trusted_with_go_to_pyshacl(tmp_path, monkeypatch, shapes, reason) -> None:
    monkeypatch.delenv("CATALOGUE_SHACL_ENGINE", raising=False)
    path = tmp_path / "s.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .\n"
        "@prefix dct: <http://purl.org/dc/terms/> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .\n" + shapes
    )
    assert Validator(shapes=[path]).engine == "pyshacl"
    with pytest.raises(EngineUnsupported, match=reason):
        Validator(shapes=[path], engine="pyrudof")._in_process([])


@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
def test_a_batch_pyrudof_fails_on_is_validated_by_pyshacl(monkeypatch, caplog) -> None:
    import pyrudof

    from catalogue.validation.pyrudof_engine import RudofEngine

    records = records_of(DOC)
    expected = validate_records(records, engine="pyshacl", workers=1)

    def refuse(self, *args, **kwargs):
        raise pyrudof.DataError("cannot read that")

    monkeypatch.setattr(RudofEngine, "_read", refuse)
    assert results(validate_records(records, engine="pyrudof", workers=1)) == results(expected)
    assert "validating it with pyshacl" in caplog.text


# -- the whole corpus ---------------------------------------------------------------------


def corpus_records(corpus: Path) -> dict[str, list[Record]]:
    """Every example file our parser reads, split into records as a harvest does."""
    found = {}
    for path in sorted(p for p in (corpus / "examples").rglob("*") if p.is_file()):
        try:
            quads = parse_document(Document(str(path), path.read_bytes()))
        except Exception:  # a bad-input case of the corpus: nothing to validate
            continue
        records = split_records(quads, "corpus", "http://c.test")
        if records:
            found[path.relative_to(corpus).as_posix()] = records
    return found


@pytest.mark.skipif(not pyrudof_available(), reason="no pyrudof")
@pytest.mark.parametrize("profile", sorted(BUILT_IN))
def test_engines_agree_on_the_whole_corpus(corpus, profile) -> None:
    """Per record: the verdict, and the set of (focus, path, severity, component) — and, where the
    shape has an sh:message, the whole result (message, value, shape)."""
    files = corpus_records(corpus)
    assert len(files) > 100
    compared = 0
    with (
        Validator(profile, engine="pyshacl", workers=1) as reference,
        Validator(profile, engine="pyrudof", workers=1) as fast,
    ):
        messages = fast.shapes.messages
        for name, records in files.items():
            expected, actual = reference.validate(records), fast.validate(records)
            for record in records:
                want, got = expected[record.id], actual[record.id]
                assert got.conforms == want.conforms, (name, record.uri)
                key = lambda r: (r.focus, r.path, r.severity, r.component)  # noqa: E731
                assert {key(r) for r in got.results} == {key(r) for r in want.results}, (name, record.uri)
                described = lambda report: {r for r in report.results if r.shape in messages}  # noqa: E731
                assert described(got) == described(want), (name, record.uri)
                compared += 1
    assert compared > 1500
