from catalogue.fetch import Document
from catalogue.parse import parse_document
from catalogue.records import split_records
from catalogue.validate import validate_records

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


def test_each_record_gets_its_own_results() -> None:
    records = split_records(parse_document(Document("d.ttl", DOC.encode())), "be", "http://c.test")
    reports = validate_records(records)
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
    # a record is not blamed for another's problems
    assert all(r.focus != "https://node.example/dist" for r in by_uri["good"].results)


def test_worker_processes_give_the_same_reports(monkeypatch) -> None:
    import catalogue.validate as validate

    records = split_records(parse_document(Document("d.ttl", DOC.encode())), "be", "http://c.test")
    in_process = validate_records(records, workers=1)
    monkeypatch.setattr(validate, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(validate, "BATCH_SIZE", 2)
    in_workers = validate_records(records, workers=2)
    assert {k: sorted(v.results, key=repr) for k, v in in_workers.items()} == {
        k: sorted(v.results, key=repr) for k, v in in_process.items()
    }
    assert any(not report.conforms for report in in_workers.values())
