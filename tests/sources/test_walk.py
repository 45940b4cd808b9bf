"""walk() dispatches on the source's kind."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from catalogue.config import KINDS, Source
from catalogue.sources import WALKERS


def test_every_kind_the_configuration_accepts_has_a_walker() -> None:
    assert set(WALKERS) == set(KINDS) - {"push"}  # push-only sources are never walked


def test_an_unknown_kind_is_refused_when_the_source_is_made() -> None:
    with pytest.raises(ValidationError, match="kind"):
        Source(name="odd", title="Odd", url="http://127.0.0.1:9/", kind="gopher")  # type: ignore[arg-type]


def test_follow_hosts_are_read_from_the_configuration(tmp_path) -> None:
    from catalogue.config import ConfigError, load_settings

    config = tmp_path / "catalogue.toml"
    source = '[[sources]]\nname = "be"\nurl = "https://node.example/feed"\n'
    config.write_text(source + 'follow_hosts = ["CDN.example.org"]\n')
    assert load_settings(config).sources[0].follow_hosts == ("cdn.example.org",)
    config.write_text(source + 'follow_hosts = "cdn.example.org"\n')
    with pytest.raises(ConfigError, match="follow_hosts"):
        load_settings(config)
