import json

import pyoxigraph as ox
import pytest

from catalogue.fetch import Document
from catalogue.parse import ParseError, detect_format, parse_document

TTL = '@prefix dct: <http://purl.org/dc/terms/> .\n<http://x/a> dct:title "A"@en .\n'


@pytest.mark.parametrize(
    ("location", "content_type", "data", "expected"),
    [
        ("http://h/x", "text/turtle", b"", ox.RdfFormat.TURTLE),
        ("http://h/x.ttl", "application/rdf+xml", b"", ox.RdfFormat.RDF_XML),  # header wins
        ("http://h/x.jsonld", "text/plain", b"", ox.RdfFormat.JSON_LD),  # vague header: extension
        ("/tmp/x.nq", None, b"", ox.RdfFormat.N_QUADS),
        ("/tmp/x.trig.gz", None, b"", ox.RdfFormat.TRIG),
        ("/tmp/x", None, b'  {"@id": "http://x/a"}', ox.RdfFormat.JSON_LD),
        ("/tmp/x", None, b'<?xml version="1.0"?><rdf:RDF/>', ox.RdfFormat.RDF_XML),
        ("/tmp/x", None, b"@prefix a: <http://a/> .", ox.RdfFormat.TURTLE),
        ("/tmp/x", None, b"<http://a/s> <http://a/p> <http://a/o> .\n", ox.RdfFormat.N_TRIPLES),
        ("/tmp/x", None, b"<http://a/s> <http://a/p> <http://a/o> <http://a/g> .\n", ox.RdfFormat.N_QUADS),
    ],
)
def test_format_detection(location, content_type, data, expected) -> None:
    assert detect_format(Document(location, data, content_type)) == expected


def test_turtle_syntax_error_gives_line_and_column() -> None:
    bad = TTL + '<http://x/b> dct:title "unterminated .\n<http://x/c> dct:title "C" .\n'
    with pytest.raises(ParseError) as caught:
        parse_document(Document("nodes/be.ttl", bad.encode()))
    error = caught.value
    assert error.line == 3 and error.column is not None
    assert "nodes/be.ttl" in str(error) and "line 3" in str(error)


def test_jsonld_with_known_remote_context_parses_offline() -> None:
    from catalogue.contexts import KNOWN_CONTEXTS

    url = next(iter(KNOWN_CONTEXTS))
    doc = {"@context": url, "@id": "http://x/ds", "@type": "Dataset", "title": {"en": "Bees"}}
    quads = parse_document(Document("x.jsonld", json.dumps(doc).encode()))
    predicates = {q.predicate.value for q in quads}
    assert "http://purl.org/dc/terms/title" in predicates


def test_jsonld_with_unknown_remote_context_is_a_clear_error() -> None:
    doc = {"@context": "https://unknown.example/ctx.jsonld", "@id": "http://x/a"}
    with pytest.raises(ParseError, match=r"unknown\.example/ctx\.jsonld"):
        parse_document(Document("feed.jsonld", json.dumps(doc).encode()))


def test_broken_json_names_line() -> None:
    with pytest.raises(ParseError, match="not valid JSON") as caught:
        parse_document(Document("feed.jsonld", b'{\n "@id": "x",\n}'))
    assert caught.value.line == 3


RDFXML_HEAD = '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{entities}\n]>\n'
RDFXML_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:d="http://purl.org/dc/terms/">'
    '<rdf:Description rdf:about="http://x/a"><d:title>{value}</d:title></rdf:Description></rdf:RDF>'
)


def test_rdfxml_external_entities_are_refused(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    entities = f'<!ENTITY x SYSTEM "{secret.as_uri()}">'
    data = (RDFXML_HEAD.format(entities=entities) + RDFXML_BODY.format(value="&x;")).encode()
    with pytest.raises(ParseError, match="external entity"):
        parse_document(Document("evil.rdf", data))


def test_rdfxml_entity_expansion_bomb_is_refused() -> None:
    entities = '<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    data = (RDFXML_HEAD.format(entities=entities) + RDFXML_BODY.format(value="&b;")).encode()
    with pytest.raises(ParseError, match="nested entities"):
        parse_document(Document("bomb.rdf", data))


def test_rdfxml_plain_internal_entities_still_work() -> None:
    entities = '<!ENTITY dct "http://purl.org/dc/terms/">'
    data = (RDFXML_HEAD.format(entities=entities) + RDFXML_BODY.format(value="Plain")).encode()
    quads = parse_document(Document("ok.rdf", data))
    assert [q.object.value for q in quads] == ["Plain"]


def test_an_html_page_is_named_as_such() -> None:
    page = Document(
        "https://node.example/catalog", b"<!DOCTYPE html><html><body>Hi</body></html>", "text/html"
    )
    with pytest.raises(ParseError, match=r"HTML page \(served as text/html\), not an RDF document"):
        parse_document(page)


BOMB_ENTITIES = '<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'


def test_rdfxml_entities_declared_after_a_long_comment_are_refused_with_their_line() -> None:
    comment = "<!--" + "x" * 70_000 + "-->\n"
    head = '<?xml version="1.0"?>\n' + comment + RDFXML_HEAD.removeprefix('<?xml version="1.0"?>\n')
    data = (head.format(entities=BOMB_ENTITIES) + RDFXML_BODY.format(value="&b;")).encode()
    with pytest.raises(ParseError, match="nested entities") as caught:
        parse_document(Document("late.rdf", data))
    assert caught.value.line == 5 and "late.rdf" in str(caught.value)


def test_rdfxml_doctype_inside_the_root_element_is_checked_too() -> None:
    body = RDFXML_BODY.format(value="&x;").replace(
        "<rdf:Description", '<!DOCTYPE y [<!ENTITY x SYSTEM "file:///etc/passwd">]><rdf:Description', 1
    )
    with pytest.raises(ParseError, match="external entity"):
        parse_document(Document("inside.rdf", body.encode()))


def test_rdfxml_flat_entity_repeated_thousands_of_times_is_refused() -> None:
    entities = f'<!ENTITY a "{"a" * 16_000}">'
    data = (RDFXML_HEAD.format(entities=entities) + RDFXML_BODY.format(value="&a;" * 4000)).encode()
    assert len(data) < 72_000
    with pytest.raises(ParseError, match=r"expand to 64,000,000 bytes"):
        parse_document(Document("flat.rdf", data))


def test_rdfxml_plain_doctype_without_entities_parses() -> None:
    data = ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n' + RDFXML_BODY.format(value="Plain")).encode()
    assert [q.object.value for q in parse_document(Document("plain.rdf", data))] == ["Plain"]


def test_a_literal_over_the_limit_is_refused_naming_its_triple() -> None:
    from catalogue.parse import MAX_LITERAL

    text = f'<http://x/a> <http://x/p> "{"x" * (MAX_LITERAL + 1)}" .\n'
    with pytest.raises(ParseError, match=r"<http://x/a> <http://x/p> has 1,048,577 characters"):
        parse_document(Document("long.nt", text.encode()))


def test_a_term_longer_than_the_parser_buffer_is_a_parse_error() -> None:
    text = '<http://x/a> <http://x/p> """' + "\\n" * (9 * 1024 * 1024) + '""" .\n'
    with pytest.raises(ParseError, match="a single term is too long") as caught:
        parse_document(Document("huge.ttl", text.encode()))
    assert "huge.ttl" in str(caught.value)


def test_deeply_nested_json_ld_is_a_parse_error() -> None:
    nested = '{"@id": "http://x/a", "http://x/p": ' + "[" * 5000 + "1" + "]" * 5000 + "}"
    with pytest.raises(ParseError, match="nested too deeply") as caught:
        parse_document(Document("deep.jsonld", nested.encode()))
    assert "deep.jsonld" in str(caught.value)
