"""One judge of literal well-formedness, given to both SHACL engines.

Whether a literal's text is valid for its XSD datatype decides sh:datatype
(and a value that is not well-formed fails it). pyshacl (through rdflib) and
pyrudof both get this partly wrong, and differently: on the shared corpus
rdflib accepts "2012-05-10T21:04"^^xsd:dateTime and "2009-05-19 14:39:22"^^
xsd:dateTime, pyrudof accepts ""^^xsd:date and "20090519"^^xsd:date, and both
accept "2020-13"^^xsd:gYearMonth. So the decision is taken here, once, by the
lexical rules of XSD 1.1 Part 2 (restricted to years 0001–9999 and hours
00–23, what Python's datetime and so pyshacl can hold; durations to 6 digits
per component; no "+INF" (XSD 1.0) and no "-0" for unsigned types, which
pyrudof refuses): a literal that breaks them reaches the engines with the
datatype ILL_TYPED + its datatype, which no shape allows, so every engine
reports it, with the same text as value. Well-formed literals pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

XSD_NS = "http://www.w3.org/2001/XMLSchema#"
ILL_TYPED = "urn:catalogue:ill-typed:"

_YEAR = r"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?"
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"
_DURATION_TIME = r"(?:T(?=\d)(?:\d{1,6}H)?(?:\d{1,6}M)?(?:\d{1,6}(?:\.\d+)?S)?)"
_INTEGER = re.compile(r"[+-]?\d+")
_PATTERNS = {
    "date": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY}){_TZ}?",
    "dateTime": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY})T{_TIME}{_TZ}?",
    "dateTimeStamp": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY})T{_TIME}{_TZ}",
    "time": rf"{_TIME}{_TZ}?",
    "gYear": rf"{_YEAR}{_TZ}?",
    "gYearMonth": rf"{_YEAR}-{_MONTH}{_TZ}?",
    "gMonth": rf"--{_MONTH}{_TZ}?",
    "gDay": rf"---{_DAY}{_TZ}?",
    "gMonthDay": rf"--(?P<m>{_MONTH})-(?P<d>{_DAY}){_TZ}?",
    "duration": rf"-?P(?=\d|T\d)(?:\d{{1,6}}Y)?(?:\d{{1,6}}M)?(?:\d{{1,6}}D)?{_DURATION_TIME}?",
    "dayTimeDuration": rf"-?P(?=\d|T\d)(?:\d{{1,6}}D)?{_DURATION_TIME}?",
    "yearMonthDuration": r"-?P(?=\d)(?:\d{1,6}Y)?(?:\d{1,6}M)?",
    "decimal": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "float": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN",
    "double": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN",
    "boolean": r"true|false|1|0",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
}
_COMPILED = {XSD_NS + name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
#: integer types and their (inclusive) bounds; None: unbounded
_INTEGERS = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
_INTEGER_BOUNDS = {XSD_NS + name: bounds for name, bounds in _INTEGERS.items()}
_UNSIGNED = XSD_NS + "unsigned"
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def well_formed(text: str, datatype: str) -> bool | None:
    """Is ``text`` in the lexical space of the XSD ``datatype`` (full IRI)? None for datatypes not judged here."""
    bounds = _INTEGER_BOUNDS.get(datatype)
    if bounds is not None:
        if not _INTEGER.fullmatch(text) or (text[0] == "-" and datatype.startswith(_UNSIGNED)):
            return False
        low, high = bounds
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)
    pattern = _COMPILED.get(datatype)
    if pattern is None:
        return None
    match = pattern.fullmatch(text)
    if match is None:
        return False
    groups = match.groupdict()
    if groups.get("d"):  # the day must exist in that month (and year)
        month, day = int(groups["m"]), int(groups["d"])
        if day > _DAYS[month - 1]:
            return False
        if month == 2 and day == 29 and groups.get("y"):
            year = int(groups["y"])
            return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def ntriples(triples: Iterable[ox.Triple]) -> str:
    """N-Triples for the engines: ill-typed literals get the datatype ILL_TYPED + theirs (see above)."""
    lines = []
    for triple in triples:
        value = triple.object
        if type(value) is ox.Literal and well_formed(value.value, value.datatype.value) is False:
            marked = ox.Literal(value.value, datatype=ox.NamedNode(ILL_TYPED + value.datatype.value))
            triple = ox.Triple(triple.subject, triple.predicate, marked)
        lines.append(f"{triple} .\n")
    return "".join(lines)
