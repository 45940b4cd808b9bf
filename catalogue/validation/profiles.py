"""Validation profiles: which SHACL shapes a source's records are checked against.

A profile has a name (what a source's ``profile`` says), the specification it
implements (linked from messages, claimed as ``dct:conformsTo`` in the feed)
and its shapes files; a profile may extend another, whose files then come
first. Three profiles are built in (``BUILT_IN``); an operator adds more with
``[[profiles]]`` tables in catalogue.toml (see catalogue/config.py), which
reach these functions through ``settings``.

The shapes themselves are loaded by :mod:`catalogue.validation.shapes`; this
module needs no RDF library, so the configuration can import it cheaply.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from catalogue.resources import shapes_dir
from catalogue.validation.errors import ShapesError

__all__ = [
    "BUILT_IN",
    "Profile",
    "ShapesError",
    "available",
    "profile",
    "profile_shapes",
    "shapes_files",
    "standard",
]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec: str  # the specification's URL ("" when a configured profile names none)
    #: shapes files of its own: names in shapes/ for built-in profiles, absolute paths for configured ones
    files: tuple[str, ...]
    extends: str | None = None


class WithProfiles(Protocol):
    """What these look-ups read of the settings (``catalogue.config.Settings`` is one): the configured profiles.

    A protocol, not the configuration's class: the configuration imports this
    module for ``Profile``, and must not be imported back, even for types.
    """

    @property
    def profiles(self) -> tuple[Profile, ...]: ...


BUILT_IN = {
    "dcat-ap-3": Profile(
        "dcat-ap-3", "DCAT-AP 3.0.0", "https://semiceu.github.io/DCAT-AP/releases/3.0.0/", ("dcat-ap-3.ttl",)
    ),
    "healthdcat-ap": Profile(
        "healthdcat-ap",
        "HealthDCAT-AP Release 5",
        "https://healthdataeu.pages.code.europa.eu/healthdcat-ap/releases/release-5/",
        ("healthdcat-ap.ttl",),
        extends="dcat-ap-3",
    ),
    "gdi": Profile(
        "gdi",
        "GDI harmonised metadata model",
        "https://github.com/GenomicDataInfrastructure/gdi-metadata",
        ("gdi.ttl",),
        extends="healthdcat-ap",
    ),
}


def available(settings: WithProfiles | None = None) -> list[Profile]:
    """The built-in profiles, then those configured in ``settings``."""
    configured = tuple(settings.profiles) if settings is not None else ()
    return [*BUILT_IN.values(), *configured]


def profile(name: str, settings: WithProfiles | None = None) -> Profile:
    for known in available(settings):
        if known.name == name:
            return known
    names = ", ".join(p.name for p in available(settings))
    raise KeyError(f"no validation profile {name!r} (known: {names})")


def standard(name: str, settings: WithProfiles | None = None) -> Profile | None:
    """The profile whose specification a record validated with ``name`` may claim (``dct:conformsTo``).

    Its own, else that of the nearest profile it extends (an operator's rules on
    top of GDI still make a GDI-conformant record); None when none names one.
    """
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        try:
            chosen = profile(current, settings)
        except KeyError:
            return None
        if chosen.spec:
            return chosen
        current = chosen.extends
    return None


def shapes_files(name: str, settings: WithProfiles | None = None) -> list[Path]:
    """Every shapes file of the profile, those of the profiles it extends first."""
    chain: list[Profile] = []
    current: str | None = name
    while current is not None:
        chosen = profile(current, settings)
        if chosen in chain:
            raise KeyError(f"validation profile {name!r} extends itself (through {chosen.name!r})")
        chain.append(chosen)
        current = chosen.extends
    files = []
    for chosen in reversed(chain):
        for file_name in chosen.files:
            path = Path(file_name)
            if not path.is_absolute():
                path = shapes_dir() / path
            if not path.is_file():
                raise FileNotFoundError(f"no shapes for profile {chosen.name!r}: {path} is missing")
            files.append(path)
    return files


def profile_shapes(name: str, settings: WithProfiles | None = None) -> Path:
    """One SHACL file with every shape of the profile, for callers that take a single path.

    :func:`combined_shapes_file`, with an unknown profile or a missing shapes
    file raised as FileNotFoundError.
    """
    try:
        return combined_shapes_file(name, settings)
    except KeyError as error:
        raise FileNotFoundError(str(error).strip("\"'")) from None


def combined_shapes_file(name: str, settings: WithProfiles | None = None) -> Path:
    """One Turtle file with every shape of the profile (for code that takes a single path).

    A profile with one file is that file; otherwise the files are loaded
    (strictly) and written once to the temporary folder, named after a digest
    of their contents, so a changed file gives a new combined file.
    """
    files = shapes_files(name, settings)
    if len(files) == 1:
        return files[0]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    folder = Path(tempfile.gettempdir()) / "catalogue-shapes"
    target = folder / f"{name}-{digest.hexdigest()[:16]}.ttl"
    if not target.is_file():
        from catalogue.validation.shapes import load_shapes  # rdflib, only when files are combined

        graph = load_shapes(files).graph
        folder.mkdir(parents=True, exist_ok=True)
        text = f"# The shapes of profile {name!r}, combined from:\n" + "".join(f"#   {p}\n" for p in files)
        text += graph.serialize(format="turtle")
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)  # atomic: parallel workers see a whole file or none
    return target
