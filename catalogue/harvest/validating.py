"""The validate step, shared by harvests and pushes: run the validator, judge each record, score it."""

from __future__ import annotations

from collections.abc import Callable

from catalogue.config import Source
from catalogue.harvest.errors import ValidationFailed, described
from catalogue.model import ValidationReport
from catalogue.quality import QualityScore, score, urls_to_check
from catalogue.records import DATASET_LINK, Record, assemble
from catalogue.store import FLAGGED, PUBLISHED, REJECTED, Store
from catalogue.validation.validator import Validator
from catalogue.views.dcat_ap_3 import dataset_view

#: records validated together (and, above 1,000, spread over worker processes)
VALIDATION_BATCH = 2000


def validate_guarded(
    validator: Validator,
    source: Source,
    records: list[Record],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ValidationReport]:
    """Validate, turning the validator's own failures into a ValidationFailed that names the records.

    pyrudof raises a pyo3 ``PanicException``, which is not an ``Exception``;
    only interruptions are let through.
    """
    try:
        return validator.validate(records, progress)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:
        shown = ", ".join(f"<{r.uri}>" for r in records[:3]) + (" …" if len(records) > 3 else "")
        raise ValidationFailed(
            source.url,
            f"source {source.name!r}: validation could not run on {len(records):,} record(s) ({shown}): "
            + described(error),
        ) from error


def for_validation(record: Record) -> Record:
    """A catalogue record with only the first of its ``dcat:dataset`` links, which only say
    "this is a dataset of mine".

    A catalogue's links travel in its datasets' records (catalogue.records.iter_records), but
    one a page stays, and a catalogue that is a blank node keeps them all: gathered over the
    pages of a big source they are many. The datasets are validated as records of their own;
    checking 50,000 links again as values of one catalogue costs pyshacl ~60 MB and finds nothing
    new. One is kept: the shapes recommend that a catalogue lists its datasets, and without any it
    would be told to, wrongly.
    """
    if record.kind == "dataset":
        return record
    links = [t for t in record.triples if t.predicate == DATASET_LINK]
    kept = [t for t in record.triples if t.predicate != DATASET_LINK] + links[:1]
    return assemble(record.id, record.source, record.kind, record.uri, kept)


def status_for(report: ValidationReport, policy: str) -> str:
    """Published when it conforms; else flagged under the "warn" policy and rejected under any other."""
    if report.conforms:
        return PUBLISHED
    return FLAGGED if policy == "warn" else REJECTED


def assess(store: Store, record: Record, conforms: bool) -> tuple[QualityScore | None, list[str]]:
    """A dataset's quality score (with what URL checks found so far) and the URLs it depends on."""
    if record.kind != "dataset":
        return None, []
    view = dataset_view(record.triples, record.uri)
    urls = sorted(urls_to_check(view))
    return score(view, conforms, store.url_states(urls)), urls
