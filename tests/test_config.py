import re
from pathlib import Path

import pytest

from catalogue.config import ConfigError, load_settings, locate_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[catalogue]
title = "Genomes"
base_url = "https://example.org/"
data_dir = "./store-here"

[[sources]]
name = "be"
title = "Belgian node"
country = "be"
url = "nodes/be.ttl"

[[sources]]
name = "nl"
url = "https://nl.example/catalog.ttl"
policy = "warn"
""",
    )
    settings = load_settings(path)
    assert settings.title == "Genomes"
    assert settings.base_url == "https://example.org"
    assert settings.data_dir == tmp_path / "store-here"
    be, nl = settings.sources
    assert be.url == str(tmp_path / "nodes" / "be.ttl")
    assert be.country == "BE" and be.profile == "dcat-ap-3" and be.policy == "reject"
    assert nl.url == "https://nl.example/catalog.ttl" and nl.policy == "warn" and nl.title == "nl"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[catalogue]\ntitle = ""', "catalogue.title", "non-empty"),
        ('[catalogue]\nbase_url = "ftp://x"', "catalogue.base_url", "http(s) URL"),
        ('[catalogue]\ncolour = "red"', "catalogue.colour", "unknown key"),
        ('[[sources]]\nname = "be"', "sources[0].url", "required"),
        ('[[sources]]\nname = "B E"\nurl = "x"', "sources[0].name", "lower-case"),
        ('[[sources]]\nname = "be"\nurl = "x"\npolicy = "maybe"', "sources[0].policy", "not one of"),
        ('[[sources]]\nname = "be"\nurl = "x"\nprofile = "dcat-ap-9"', "sources[0].profile", "not one of"),
        (
            '[[sources]]\nname = "be"\nurl = "x"\n[[sources]]\nname = "be"\nurl = "y"',
            "sources.name",
            "more than once",
        ),
        ('[[sources]]\nname = "lu"\nkind = "push"\nurl = "x"', "sources[0].url", "never harvested"),
        (
            '[[sources]]\nname = "lu"\nkind = "push"\ninterval = "1h"',
            "sources[0].interval",
            "never harvested",
        ),
        ('[[sources]]\nname = "be"\nurl = "x"\nnamespaces = "https://x/"', "sources[0].namespaces", "list"),
        ('[[sources]]\nname = "be"\nurl = "x"\nnamespaces = ["urn:x:"]', "sources[0].namespaces", "http(s)"),
        ("[catalogue\n", "(syntax)", ""),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.toml")


def test_config_location_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOGUE_CONFIG", "/etc/from-env.toml")
    assert locate_config("given.toml") == Path("given.toml")
    assert locate_config(None) == Path("/etc/from-env.toml")
    monkeypatch.delenv("CATALOGUE_CONFIG")
    assert locate_config(None) == Path("catalogue.toml")


def test_a_source_owns_the_host_of_its_url_and_its_configured_namespaces(tmp_path: Path) -> None:
    from catalogue.claims import ownership

    path = write(
        tmp_path,
        '[[sources]]\nname = "be"\nurl = "https://node.example.be/catalog.ttl"\n'
        'namespaces = ["https://data.example.be/datasets/"]\n'
        '[[sources]]\nname = "nl"\nurl = "nl.ttl"\n',
    )
    settings = load_settings(path)
    assert settings.source("be").namespaces == ("https://data.example.be/datasets/",)
    owns = ownership(settings.sources)
    assert owns("be", "https://node.example.be/ds/1") and owns("be", "https://data.example.be/datasets/7")
    assert not owns("be", "https://data.example.be/other/7") and not owns("be", "https://example.be/ds/1")
    assert not owns("nl", "https://node.example.be/ds/1")  # a file path owns no host
    assert not owns("unknown", "https://node.example.be/ds/1")


def test_every_mistake_is_reported_in_one_run(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[catalogue]\nbase_url = "ftp://x"\n'
        '[[sources]]\nname = "be"\nurl = "x"\ninterval = "soon"\nmax_withdraw_share = 2\n'
        '[[sources]]\nname = "nl"\nurl = "y"\nkind = "gopher"\n'
        '[limits]\nretries = -1\ntimeout_seconds = "10"\n'
        '[web]\nvalidations = 1.5\n[search]\nverify_certs = "no"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert dict(caught.value.problems) == {
        "catalogue.base_url": "must be an http(s) URL, got 'ftp://x'",
        "sources[0].interval": 'must be like "30m", "6h" or "7d"',
        "sources[0].max_withdraw_share": "must be a share between 0 and 1",
        "sources[1].kind": "'gopher' is not one of 'rdf', 'fdp', 'ldes', 'sparql' or 'push'",
        "limits.retries": "must be zero or a positive number",
        "limits.timeout_seconds": "must be a number",
        "web.validations": "must be a whole number",
        "search.verify_certs": "must be true or false",
    }
    assert str(caught.value).startswith(f"{path}: 8 problems:\n  catalogue.base_url: ")


def test_checks_across_tables_are_reported_together(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[sources]]\nname = "be"\nurl = "x"\nprofile = "ours"\n'
        '[[sources]]\nname = "be"\nurl = "y"\n'
        '[[profiles]]\nname = "gdi"\nshapes = ["missing.ttl"]\n'
        '[[profiles]]\nname = "a"\nextends = "b"\nshapes = ["s.ttl"]\n'
        '[[profiles]]\nname = "b"\nextends = "a"\nshapes = ["s.ttl"]\n',
    )
    (tmp_path / "s.ttl").write_text("")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    problems = caught.value.problems
    assert ("profiles[0].name", "'gdi' is a built-in profile; choose another name") in problems
    assert any(key == "profiles[0].shapes" and "'missing.ttl': no such file" in p for key, p in problems)
    assert ("profiles[1].extends", "'a' extends itself (through 'a')") in problems
    assert ("sources.name", "'be' is used more than once") in problems
    assert any(key == "sources[0].profile" and "'ours' is not one of" in p for key, p in problems)


def test_settings_made_in_code_are_checked_too() -> None:
    from pydantic import ValidationError

    from catalogue.config import Limits, Source

    assert Source(name="be", url="https://x/").title == "be"
    with pytest.raises(ValidationError):
        Limits(max_bytes=0)
    with pytest.raises(ValidationError):
        Source(name="be", url="x", max_withdraw_share=1.5)


README = Path(__file__).parent.parent / "README.md"


def readme_keys() -> dict[str, set[str]]:
    """Each table's keys in the README's ``toml`` blocks (commented-out keys count: they document)."""
    keys: dict[str, set[str]] = {}
    for block in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL):
        table = None
        for line in block.splitlines():
            if header := re.match(r"^\[\[?([a-z_]+)\]\]?", line):
                table = header[1]
                keys.setdefault(table, set())
            elif (key := re.match(r"^(?:#\s*)?([a-z_]+)\s*=", line)) and table is not None:
                keys[table].add(key[1])
    return keys


def test_the_readme_documents_exactly_the_keys_the_models_take() -> None:
    from catalogue.config import ConfigFile
    from catalogue.config_checks import table_model

    documented = readme_keys()
    assert set(documented) == set(ConfigFile.model_fields)
    for table, field in ConfigFile.model_fields.items():
        model = table_model(field.annotation)
        assert model is not None and documented[table] == set(model.model_fields), table
