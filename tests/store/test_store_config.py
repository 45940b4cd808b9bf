"""The [store] table of catalogue.toml: which triple store, and how to reach a SPARQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue.config import ConfigError, StoreSettings, parse_settings

SERVER = {
    "backend": "sparql",
    "query_url": "http://127.0.0.1:8890/sparql",
    "update_url": "http://127.0.0.1:8890/sparql-auth",
    "graph_store_url": "http://127.0.0.1:8890/sparql-graph-crud-auth",
}


def parse(store: dict, tmp_path: Path):
    return parse_settings({"store": store}, tmp_path / "catalogue.toml")


def test_embedded_is_the_default(tmp_path: Path) -> None:
    assert parse_settings({}, tmp_path / "catalogue.toml").store == StoreSettings()
    assert parse({}, tmp_path).store.backend == "embedded"


def test_a_sparql_server(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CATALOGUE_STORE_USER", raising=False)
    monkeypatch.delenv("CATALOGUE_STORE_PASSWORD", raising=False)
    store = parse(
        SERVER
        | {
            "user": "dba",
            "password": "secret",
            "auth": "digest",
            "named_graphs": "all",
            "timeout_seconds": 60,
        },
        tmp_path,
    ).store
    assert (store.backend, store.query_url, store.user, store.password, store.auth) == (
        "sparql", SERVER["query_url"], "dba", "secret", "digest",
    )  # fmt: skip
    assert (store.named_graphs, store.timeout_seconds) == ("all", 60.0)
    assert "secret" not in repr(store)


def test_credentials_from_the_environment_win(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CATALOGUE_STORE_USER", "catalogue")
    monkeypatch.setenv("CATALOGUE_STORE_PASSWORD", "from-env")
    store = parse(SERVER | {"user": "dba", "password": "in-file"}, tmp_path).store
    assert (store.user, store.password) == ("catalogue", "from-env")


@pytest.mark.parametrize(
    ("store", "key", "problem"),
    [
        ({"backend": "fuseki"}, "store.backend", "not one of"),
        ({"backend": "sparql"}, "store.query_url", 'required with backend = "sparql"'),
        (SERVER | {"update_url": "127.0.0.1:8890/update"}, "store.update_url", "http(s) URL"),
        ({k: v for k, v in SERVER.items() if k != "graph_store_url"}, "store.graph_store_url", "required"),
        (SERVER | {"user": "dba"}, "store.password", "CATALOGUE_STORE_PASSWORD"),
        (SERVER | {"password": "x"}, "store.user", "required with store.password"),
        (SERVER | {"auth": "kerberos"}, "store.auth", "not one of"),
        (SERVER | {"named_graphs": "some"}, "store.named_graphs", "not one of"),
        (SERVER | {"timeout_seconds": 0}, "store.timeout_seconds", "positive"),
        (SERVER | {"url": "http://x"}, "store.url", "unknown key"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, monkeypatch, store: dict, key: str, problem: str) -> None:
    monkeypatch.delenv("CATALOGUE_STORE_USER", raising=False)
    monkeypatch.delenv("CATALOGUE_STORE_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as raised:
        parse(store, tmp_path)
    assert raised.value.key == key and problem in raised.value.problem
