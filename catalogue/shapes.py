"""Validation profiles: which SHACL shapes a source's records are checked against.

A profile has a name (what a source's ``profile`` says), the specification it
implements (linked from messages, claimed as ``dct:conformsTo`` in the feed)
and its shapes files; a profile may extend another, whose files then come
first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from catalogue.resources import shapes_dir


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec: str  # the specification's URL
    files: tuple[str, ...]  # shapes files of its own, in shapes/
    extends: str | None = None


BUILT_IN = {
    "dcat-ap-3": Profile(
        "dcat-ap-3", "DCAT-AP 3.0.0", "https://semiceu.github.io/DCAT-AP/releases/3.0.0/", ("dcat-ap-3.ttl",)
    ),
}


def profile(name: str) -> Profile:
    try:
        return BUILT_IN[name]
    except KeyError:
        raise KeyError(f"no validation profile {name!r} (known: {', '.join(BUILT_IN)})") from None


def shapes_files(name: str) -> list[Path]:
    """Every shapes file of the profile, those of the profiles it extends first."""
    chosen = profile(name)
    files = shapes_files(chosen.extends) if chosen.extends else []
    for file_name in chosen.files:
        path = shapes_dir() / file_name
        if not path.is_file():
            raise FileNotFoundError(f"no shapes for profile {name!r}: {path} is missing")
        files.append(path)
    return files
