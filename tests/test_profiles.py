"""Validation profiles (catalogue/shapes.py): built-in and configured ones, and loading shapes.

* the three built-in profiles and how they extend each other;
* ``[[profiles]]`` in catalogue.toml: an operator's own shapes files, seen by
  ``profile`` / ``shapes_files`` / ``available`` through the settings, and
  every mistake reported with the file and the key;
* ``load_shapes``: strict, and tolerant of files that do not parse and of
  shapes that point at shapes defined nowhere (which crash pyshacl);
* the single-file view older callers use (``profiles.profile_shapes``), and
  the standards the feed claims.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from catalogue import feed
from catalogue.config import ConfigError, load_settings
from catalogue.resources import shapes_dir
from catalogue.validation.profiles import (
    BUILT_IN,
    Profile,
    ShapesError,
    available,
    combined_shapes_file,
    profile,
    profile_shapes,
    shapes_files,
)
from catalogue.validation.shapes import load_shapes

# ---------------------------------------------------------------------------
# Built-in profiles
# ---------------------------------------------------------------------------


def test_three_built_in_profiles_each_extending_the_one_before():
    assert [(p.name, p.extends) for p in available()] == [
        ("dcat-ap-3", None),
        ("healthdcat-ap", "dcat-ap-3"),
        ("gdi", "healthdcat-ap"),
    ]
    for known in BUILT_IN.values():
        assert known.title and known.spec.startswith("https://")
    assert (
        profile("healthdcat-ap").spec
        == "https://healthdataeu.pages.code.europa.eu/healthdcat-ap/releases/release-5/"
    )
    assert profile("gdi").spec == "https://github.com/GenomicDataInfrastructure/gdi-metadata"


def test_shapes_files_come_base_first():
    assert shapes_files("dcat-ap-3") == [shapes_dir() / "dcat-ap-3.ttl"]
    assert shapes_files("gdi") == [
        shapes_dir() / f for f in ("dcat-ap-3.ttl", "healthdcat-ap.ttl", "gdi.ttl")
    ]


def test_an_unknown_profile_names_the_known_ones():
    with pytest.raises(KeyError, match="dcat-ap-3, healthdcat-ap, gdi"):
        profile("dcat-ap-9")


def test_every_built_in_profile_loads_strictly():
    for name in BUILT_IN:
        graph, problems = load_shapes(shapes_files(name))
        assert problems == [] and len(graph) > 100


# ---------------------------------------------------------------------------
# Configured profiles
# ---------------------------------------------------------------------------

OWN_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/shapes#Licence> a sh:NodeShape ;
    sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dct:license ; sh:minCount 1 ; sh:severity sh:Violation ;
                  sh:message "Our node wants a licence on every dataset." ] .
"""


def write_config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "shapes").mkdir(exist_ok=True)
    (tmp_path / "shapes" / "ours.ttl").write_text(OWN_SHAPES, encoding="utf-8")
    path = tmp_path / "catalogue.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_configured_profile_extends_a_built_in_one(tmp_path: Path):
    settings = load_settings(
        write_config(
            tmp_path,
            """
            [[profiles]]
            name = "be-health"
            title = "Belgian health profile"
            extends = "healthdcat-ap"
            shapes = ["shapes/ours.ttl"]
            spec = "https://example.org/be-health"

            [[sources]]
            name = "be"
            url = "https://example.org/catalog.ttl"
            profile = "be-health"
            """,
        )
    )
    (configured,) = settings.profiles
    assert configured == Profile(
        "be-health",
        "Belgian health profile",
        "https://example.org/be-health",
        (str(tmp_path / "shapes" / "ours.ttl"),),
        extends="healthdcat-ap",
    )
    assert settings.source("be").profile == "be-health"
    assert profile("be-health", settings) == configured
    assert [p.name for p in available(settings)] == ["dcat-ap-3", "healthdcat-ap", "gdi", "be-health"]
    assert shapes_files("be-health", settings) == [
        *shapes_files("healthdcat-ap"),
        tmp_path / "shapes" / "ours.ttl",
    ]
    with pytest.raises(KeyError):
        profile("be-health")  # without the settings only the built-in profiles are known


def test_a_configured_profile_may_stand_alone_and_name_no_spec(tmp_path: Path):
    settings = load_settings(
        write_config(tmp_path, '[[profiles]]\nname = "mine"\nshapes = ["shapes/ours.ttl"]\n')
    )
    (mine,) = settings.profiles
    assert (mine.title, mine.spec, mine.extends) == ("mine", "", None)
    assert shapes_files("mine", settings) == [tmp_path / "shapes" / "ours.ttl"]


def test_configured_profiles_may_extend_each_other_in_any_order(tmp_path: Path):
    settings = load_settings(
        write_config(
            tmp_path,
            """
            [[profiles]]
            name = "strict"
            extends = "mine"
            shapes = ["shapes/ours.ttl"]

            [[profiles]]
            name = "mine"
            extends = "gdi"
            shapes = ["shapes/ours.ttl"]
            """,
        )
    )
    assert shapes_files("strict", settings)[:3] == shapes_files("gdi")
    assert len(shapes_files("strict", settings)) == 5


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[[profiles]]\nname = "x"\nshapes = ["shapes/missing.ttl"]', "profiles[0].shapes", "no such file"),
        ('[[profiles]]\nname = "x"\nshapes = []', "profiles[0].shapes", "non-empty list"),
        ('[[profiles]]\nname = "x"\nshapes = "shapes/ours.ttl"', "profiles[0].shapes", "non-empty list"),
        ('[[profiles]]\nshapes = ["shapes/ours.ttl"]', "profiles[0].name", "required"),
        ('[[profiles]]\nname = "X Y"\nshapes = ["shapes/ours.ttl"]', "profiles[0].name", "lower-case"),
        ('[[profiles]]\nname = "gdi"\nshapes = ["shapes/ours.ttl"]', "profiles[0].name", "built-in"),
        (
            '[[profiles]]\nname = "x"\nshapes = ["shapes/ours.ttl"]\n[[profiles]]\nname = "x"\nshapes = ["shapes/ours.ttl"]',
            "profiles[1].name",
            "more than once",
        ),
        (
            '[[profiles]]\nname = "x"\nextends = "dcat-ap-9"\nshapes = ["shapes/ours.ttl"]',
            "profiles[0].extends",
            "not one of the known profiles",
        ),
        (
            '[[profiles]]\nname = "x"\nextends = "y"\nshapes = ["shapes/ours.ttl"]\n'
            '[[profiles]]\nname = "y"\nextends = "x"\nshapes = ["shapes/ours.ttl"]',
            "profiles[0].extends",
            "extends itself",
        ),
        ('[[profiles]]\nname = "x"\nshapes = ["shapes/ours.ttl"]\nspec = "ours"', "profiles[0].spec", "URL"),
        (
            '[[profiles]]\nname = "x"\nshapes = ["shapes/ours.ttl"]\ncolour = "red"',
            "profiles[0].colour",
            "unknown key",
        ),
        ('[profiles]\nname = "x"', "profiles", "array of tables"),
        (
            '[[sources]]\nname = "be"\nurl = "x"\nprofile = "be-health"',
            "sources[0].profile",
            "not one of the known profiles",
        ),
    ],
)
def test_profile_mistakes_name_file_key_and_problem(tmp_path: Path, text: str, key: str, problem: str):
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_a_source_may_name_every_built_in_profile(tmp_path: Path):
    sources = "".join(
        f'[[sources]]\nname = "s{i}"\nurl = "x"\nprofile = "{p}"\n' for i, p in enumerate(BUILT_IN)
    )
    settings = load_settings(write_config(tmp_path, sources))
    assert [s.profile for s in settings.sources] == list(BUILT_IN)


# ---------------------------------------------------------------------------
# load_shapes
# ---------------------------------------------------------------------------

SHAPES_HEAD = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
"""
GOOD = (
    SHAPES_HEAD
    + """
ex:TitleShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:title ; sh:minCount 1 ; sh:message "A thing needs a title." ] .
"""
)
DANGLING_PROPERTY = (
    SHAPES_HEAD
    + """
ex:ServiceShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property ex:ServiceShape-endpoint, [ sh:path ex:name ; sh:minCount 1 ] .
"""
)
DANGLING_NODE = (
    SHAPES_HEAD
    + """
ex:OwnerShape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:owner ; sh:node ex:AgentShape ] .
"""
)
DANGLING_OR = (
    SHAPES_HEAD
    + """
ex:KindShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:or ( ex:NameShape ex:LabelShape ) .
ex:NameShape sh:path ex:name ; sh:minCount 1 .
"""
)


def shapes_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def conforms(graph: rdflib.Graph, turtle: str) -> bool:
    data = rdflib.Graph().parse(data=SHAPES_HEAD + turtle, format="turtle")
    return validate(data, shacl_graph=graph, inference="none")[0]


def test_strict_loading_parses_every_file_into_one_graph(tmp_path: Path):
    graph, problems = load_shapes([shapes_file(tmp_path, "good.ttl", GOOD), shapes_dir() / "dcat-ap-3.ttl"])
    assert problems == []
    assert (rdflib.URIRef("https://example.org/TitleShape"), SH.targetClass, None) in graph
    assert not conforms(graph, "ex:a a ex:Thing .")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("@prefix sh: <http://www.w3.org/ns/shacl#> . this is not turtle", ["does not parse"]),
        (DANGLING_PROPERTY, ["ServiceShape>", "sh:property", "ServiceShape-endpoint", "is not defined"]),
        (DANGLING_NODE, ["OwnerShape>", "sh:node", "AgentShape", "is not defined"]),
        (DANGLING_OR, ["KindShape>", "sh:or", "LabelShape", "not defined"]),
    ],
)
def test_strict_loading_stops_at_the_first_problem_naming_file_and_shape(tmp_path: Path, text: str, words):
    path = shapes_file(tmp_path, "broken.ttl", text)
    with pytest.raises(ShapesError) as caught:
        load_shapes([path])
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_tolerant_loading_leaves_out_what_is_broken_and_keeps_the_rest(tmp_path: Path):
    files = [
        shapes_file(tmp_path, "good.ttl", GOOD),
        shapes_file(tmp_path, "unparsable.ttl", "@prefix sh: <http://www.w3.org/ns/shacl#> . nonsense"),
        shapes_file(tmp_path, "property.ttl", DANGLING_PROPERTY),
        shapes_file(tmp_path, "node.ttl", DANGLING_NODE),
        shapes_file(tmp_path, "or.ttl", DANGLING_OR),
    ]
    graph, problems = load_shapes(files, tolerant=True)
    assert len(problems) == 4
    assert [
        f for f in ("unparsable.ttl", "property.ttl", "node.ttl", "or.ttl") if any(f in p for p in problems)
    ] == [
        "unparsable.ttl",
        "property.ttl",
        "node.ttl",
        "or.ttl",
    ]
    assert all("left out" in p for p in problems)
    # pyshacl runs on what is left (the dangling sh:property alone would stop it) ...
    assert conforms(graph, 'ex:a a ex:Thing ; ex:title "A" ; ex:name "a" .')
    # ... and the constraints that were not broken still apply
    assert not conforms(graph, 'ex:a a ex:Thing ; ex:name "a" .')  # no title
    assert not conforms(graph, 'ex:a a ex:Thing ; ex:title "A" .')  # no name (ServiceShape's other property)


def test_a_dangling_property_shape_would_crash_pyshacl(tmp_path: Path):
    """Why tolerant loading removes it: pyshacl stops on the first focus node it meets."""
    graph = rdflib.Graph().parse(data=DANGLING_PROPERTY, format="turtle")
    with pytest.raises(Exception, match="ServiceShape-endpoint"):
        conforms(graph, 'ex:a a ex:Thing ; ex:name "a" .')


def test_tolerant_loading_of_good_files_reports_nothing():
    graph, problems = load_shapes(shapes_files("gdi"), tolerant=True)
    assert problems == []
    assert len(graph) == len(load_shapes(shapes_files("gdi")).graph)


# ---------------------------------------------------------------------------
# One file per profile, for callers that take a single path
# ---------------------------------------------------------------------------


def test_profile_shapes_of_a_one_file_profile_is_that_file():
    assert profile_shapes("dcat-ap-3") == shapes_dir() / "dcat-ap-3.ttl"


def test_profile_shapes_of_an_extending_profile_combines_its_files():
    combined = profile_shapes("gdi")
    assert combined == combined_shapes_file("gdi")  # same contents, same file
    graph = rdflib.Graph().parse(combined, format="turtle")
    expected = load_shapes(shapes_files("gdi")).graph
    assert len(graph) == len(expected)
    assert isomorphic(graph, expected)


def test_profile_shapes_of_an_unknown_profile_is_file_not_found():
    with pytest.raises(FileNotFoundError, match="dcat-ap-9"):
        profile_shapes("dcat-ap-9")


def test_profile_shapes_sees_configured_profiles_through_the_settings(tmp_path: Path):
    settings = load_settings(
        write_config(
            tmp_path, '[[profiles]]\nname = "mine"\nextends = "dcat-ap-3"\nshapes = ["shapes/ours.ttl"]\n'
        )
    )
    graph = rdflib.Graph().parse(profile_shapes("mine", settings), format="turtle")
    assert (rdflib.URIRef("https://example.org/shapes#Licence"), SH.targetClass, None) in graph


# ---------------------------------------------------------------------------
# Profiles add up
# ---------------------------------------------------------------------------


def test_a_profile_rejects_exactly_what_its_files_reject_one_by_one():
    """The agreement tests rely on it: no file refers to a shape of another, so verdicts are unions."""
    from catalogue.demo.generated import generate_catalog

    data = rdflib.Graph().parse(data=generate_catalog(30, invalid_every=4), format="turtle")

    def focus(shapes: rdflib.Graph) -> set:
        _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
        return {
            (report.value(r, SH.focusNode), report.value(r, SH.sourceConstraintComponent))
            for r in report.objects(None, SH.result)
            if report.value(r, SH.resultSeverity) == SH.Violation
        }

    together = focus(load_shapes(shapes_files("gdi")).graph)
    apart = set().union(*(focus(load_shapes([path]).graph) for path in shapes_files("gdi")))
    assert together == apart and together


# ---------------------------------------------------------------------------
# The feed claims the built-in profiles' specifications
# ---------------------------------------------------------------------------


def test_the_feed_claims_each_built_in_profile_by_its_specification():
    for built_in in BUILT_IN.values():
        assert feed.conforms_to("published", built_in.name) == built_in.spec
    assert feed.conforms_to("rejected", "gdi") is None and feed.conforms_to("flagged", "gdi") is None


def test_a_configured_profile_claims_its_own_specification_or_the_one_it_extends(tmp_path: Path):
    from catalogue.config import Settings
    from catalogue.validation.profiles import Profile

    own = Profile("ours", "Our rules", "https://node.example/rules", ("x.ttl",), extends="gdi")
    quiet = Profile("quiet", "Quiet rules", "", ("y.ttl",), extends="ours")
    bare = Profile("bare", "Bare rules", "", ("z.ttl",))
    settings = Settings("T", "http://catalogue.test", tmp_path, profiles=(own, quiet, bare))
    assert feed.conforms_to("published", "ours", settings) == "https://node.example/rules"
    assert feed.conforms_to("published", "quiet", settings) == "https://node.example/rules"
    assert feed.conforms_to("published", "bare", settings) is None
    assert feed.conforms_to("published", "unknown", settings) is None


def test_shapes_pyshacl_cannot_build_are_reported_and_nothing_is_left(tmp_path: Path):
    malformed = shapes_file(
        tmp_path,
        "malformed.ttl",
        SHAPES_HEAD + "ex:S a sh:NodeShape ; sh:path ex:p ; sh:targetClass ex:Thing .",
    )
    with pytest.raises(ShapesError, match="pyshacl"):
        load_shapes([malformed])
    graph, problems = load_shapes([malformed], tolerant=True)
    assert len(graph) == 0
    assert len(problems) == 1 and "malformed.ttl" in problems[0] and "left out" in problems[0]
