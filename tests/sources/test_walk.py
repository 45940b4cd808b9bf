"""walk() dispatches on the source's kind."""

from __future__ import annotations

import pytest

from catalogue.config import KINDS, Limits, Source
from catalogue.fetch import Fetcher
from catalogue.sources import WALKERS, walk


def test_every_kind_the_configuration_accepts_has_a_walker() -> None:
    assert set(WALKERS) == set(KINDS)


def test_an_unknown_kind_is_named() -> None:
    source = Source(name="odd", title="Odd", url="http://127.0.0.1:9/", kind="gopher")
    with Fetcher(Limits()) as fetcher, pytest.raises(ValueError, match="source odd: unknown kind 'gopher'"):
        next(walk(source, fetcher))
