"""The validation service: check RDF against a profile without harvesting it.

``GET /validate`` shows three forms (paste, upload, URL) that post to
``POST /validate``, which answers with the same page and the report.
``POST /api/validate`` takes RDF in the body (syntax from its Content-Type,
else sniffed) or ``url=``, and answers with JSON, Turtle (a SHACL
``sh:ValidationReport``) or HTML, by ``format=`` or the Accept header.

Anyone may call this, so it is guarded: bodies and fetched documents are
capped (413 for a body that is too large), a URL is fetched only from public
addresses (:mod:`catalogue.public_fetch`), only a few validations run at
once and a few more wait (``[web]`` in the configuration; beyond that, and past
the deadline, 503 with ``Retry-After``: :class:`~catalogue.web.limits.Admission`). What it allows lives in :class:`ServiceOptions` on ``app.state.validation``
— tests replace it, e.g. to let the service reach their server on 127.0.0.1.
Parsing, validating and wording the messages happen in
:mod:`catalogue.validation.summary`; this module only reads requests and writes answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import quote

# pyshacl is imported here, once, before any validation thread runs: the engines import it lazily,
# and two threads importing it for the first time at once failed with a circular-import error (500)
import pyshacl  # noqa: F401
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData, UploadFile

from catalogue.config import Limits, Settings
from catalogue.errors import CatalogueError
from catalogue.fetch import Document, InputError
from catalogue.negotiation import negotiate
from catalogue.parse import ParseError
from catalogue.public_fetch import PUBLIC_ONLY, AddressPolicy, RefusedURL, fetch_public, gunzipped
from catalogue.validation import profiles as shapes
from catalogue.validation.errors import ShapesError
from catalogue.validation.render import to_json, to_turtle
from catalogue.validation.summary import Summary, validate_document
from catalogue.web.errors import DESCRIPTIONS, error_json, unreadable_media
from catalogue.web.i18n import N_
from catalogue.web.limits import Admission, Busy
from catalogue.web.pages import render

#: the words catalogue/validation/summary.py writes into a report that pages show translated (``|translate``)
REPORT_WORDS = (
    N_("missing"),
    N_("a blank node"),
    N_("the dataset"),
    N_("the catalogue"),
    N_("(untitled dataset)"),
    N_("catalogue-level statements"),
    N_("(the resource itself)"),
)

router = APIRouter()

DEFAULT_PROFILE = "dcat-ap-3"
#: the most RDF one validation accepts, whatever the harvest limit is: pyshacl
#: needs minutes for more, and this service is open to anyone
MAX_BYTES = 10 * 1024 * 1024
#: room for the multipart framing and the other fields around an uploaded file
FORM_OVERHEAD = 64 * 1024
#: where relative IRIs in pasted or uploaded RDF resolve (a reserved, never-resolving name)
INPUT_BASE = "http://input.invalid/"

JSON, TURTLE, HTML = "application/json", "text/turtle", "text/html"
FORMATS = {"json": JSON, "turtle": TURTLE, "ttl": TURTLE, "html": HTML}


@dataclass(frozen=True)
class ServiceOptions:
    """What the service allows: sizes and time (``limits``), addresses, validations running and waiting."""

    limits: Limits
    policy: AddressPolicy = PUBLIC_ONLY
    max_concurrent: int = 2
    max_waiting: int = 8
    #: seconds within which a validation is answered, waiting included (else 503)
    deadline_seconds: float = 120.0


def default_options(settings: Settings) -> ServiceOptions:
    """The configured fetch limits, with no retries (a person is waiting) and at most MAX_BYTES."""
    configured, web = settings.limits, settings.web
    return ServiceOptions(
        Limits(
            timeout_seconds=configured.timeout_seconds,
            max_bytes=min(configured.max_bytes, MAX_BYTES),
            retries=0,
            max_redirects=configured.max_redirects,
        ),
        max_concurrent=web.validations,
        max_waiting=web.validations_waiting,
        deadline_seconds=web.validation_seconds,
    )


def service_options(request: Request) -> ServiceOptions:
    state = request.app.state
    if getattr(state, "validation", None) is None:
        state.validation = default_options(state.backends.settings)
    return state.validation


def known_profiles(settings: Settings) -> list[shapes.Profile]:
    """The profiles one can validate against (built in and configured): the one place that asks."""
    return shapes.available(settings)


class Problem(CatalogueError):
    """Why a request cannot be answered with a report: an HTTP status and a message for people."""

    def __init__(
        self,
        status: int,
        message: str,
        line: int | None = None,
        column: int | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message, http_status=status, line=line, column=column)
        self.message = message
        self.headers = {"Retry-After": str(retry_after)} if retry_after else {}

    def as_json(self) -> dict[str, Any]:
        return error_json(self.http_status, self.message, **self.details())


@dataclass(frozen=True)
class Submission:
    """What to validate: a document in hand (pasted, uploaded, in the body) or a URL to fetch."""

    label: str  # how messages name it: "The pasted text", "The uploaded file x.ttl", the URL
    document: Document | None = None
    url: str | None = None


# -- routes ---------------------------------------------------------------------------------


@router.get("/validate", response_class=HTMLResponse, include_in_schema=False)
def validate_page(request: Request, profile: str = DEFAULT_PROFILE) -> HTMLResponse:
    return _page(request, profile=profile)


@router.post("/validate", response_class=HTMLResponse, include_in_schema=False)
async def validate_form(request: Request) -> HTMLResponse:
    """The page's forms: ``data`` (pasted), ``file`` (uploaded) or ``url``, and ``profile``."""
    fields: dict[str, Any] = {}
    try:
        form = await _read_form(request)
        try:
            pasted = form.get("data")
            fields = {
                "profile": _text(form, "profile") or DEFAULT_PROFILE,
                "pasted": pasted if isinstance(pasted, str) else "",
                "url": _text(form, "url"),
            }
            submission = await _submission_from_form(form, service_options(request).limits.max_bytes)
            summary = await _validate(request, submission, fields["profile"])
        finally:
            await form.close()
    except Problem as problem:
        response = _page(request, problem=problem, status=problem.http_status, **fields)
        response.headers.update(problem.headers)
        return response
    return _page(request, summary=summary, input_label=submission.label, **fields)


API_BODY = {
    "requestBody": {
        "description": "The RDF to validate (any syntax we read; say which in Content-Type). "
        "Leave empty and give `url` instead to have the service fetch it. "
        "A form (application/x-www-form-urlencoded or multipart/form-data) with the fields "
        "`data`, `file`, `url`, `profile` and `format` works too.",
        "content": {
            media: {"schema": {"type": "string"}}
            for media in (
                "text/turtle",
                "application/ld+json",
                "application/rdf+xml",
                "application/n-triples",
                "application/n-quads",
                "application/trig",
            )
        },
    },
    "responses": {
        "200": {
            "description": "The report: JSON, Turtle (sh:ValidationReport) or HTML",
            "content": {JSON: {}, TURTLE: {}, HTML: {}},
        },
        **{str(code): {"description": DESCRIPTIONS[code]} for code in (400, 406, 413, 415, 500, 503)},
        "422": {"description": "The URL was refused (not a public http(s) address); the message says why"},
    },
}


@router.post("/api/validate", tags=["validation"], openapi_extra=API_BODY)
async def validate_api(
    request: Request,
    profile: Annotated[str, Query(description="validation profile, e.g. dcat-ap-3")] = DEFAULT_PROFILE,
    url: Annotated[str | None, Query(description="fetch the RDF from this public http(s) URL")] = None,
    format: Annotated[
        str | None, Query(description="json, turtle or html; overrides the Accept header")
    ] = None,
) -> Response:
    """Validate RDF against a profile; the report is JSON, Turtle or HTML (``format`` or Accept).

    Each result names the dataset it belongs to, the property, what was found,
    what is expected and where the specification explains it. A report that
    finds violations is still a 200: the validation itself succeeded.
    """
    media = JSON  # errors before the format is known are answered in JSON
    try:
        media = _chosen_format(format, request.headers.get("accept"))
        submission, profile, media = await _api_submission(request, profile, url, media)
        summary = await _validate(request, submission, profile)
    except Problem as problem:
        headers = {"Vary": "Accept", **problem.headers}
        if media == HTML:
            page = _page(request, problem=problem, status=problem.http_status, profile=profile, url=url or "")
            page.headers.update(headers)
            return page
        return JSONResponse(problem.as_json(), status_code=problem.http_status, headers=headers)
    if media == TURTLE:
        return Response(
            to_turtle(summary), media_type="text/turtle; charset=utf-8", headers={"Vary": "Accept"}
        )
    if media == HTML:
        response = _page(
            request, summary=summary, input_label=submission.label, profile=profile, url=url or ""
        )
        response.headers["Vary"] = "Accept"
        return response
    return JSONResponse(to_json(summary), headers={"Vary": "Accept"})


# -- reading requests -------------------------------------------------------------------


def _chosen_format(explicit: str | None, accept: str | None) -> str:
    if explicit:
        if explicit.lower() not in FORMATS:
            raise Problem(400, "format must be json, turtle or html.")
        return FORMATS[explicit.lower()]
    chosen = negotiate(accept, (JSON, TURTLE, HTML))
    if chosen is None:
        raise Problem(406, "The report comes as application/json, text/turtle or text/html; or use format=.")
    return chosen


async def _api_submission(
    request: Request, profile: str, url: str | None, media: str
) -> tuple[Submission, str, str]:
    """(what to validate, profile, response media type) of an API request.

    The input is a form, or RDF in the body, or ``url``; form fields override
    the query parameters.
    """
    limit = service_options(request).limits.max_bytes
    if _is_form(request):
        form = await _read_form(request)
        try:
            profile = _text(form, "profile") or profile
            if form_format := _text(form, "format"):
                media = _chosen_format(form_format, None)
            in_form = _text(form, "url") or _text(form, "data") or _upload(form)
            if url and not in_form:
                return Submission(url, url=url), profile, media
            return await _submission_from_form(form, limit), profile, media
        finally:
            await form.close()
    body = await _read_body(request, limit, limit)
    if body and url:
        raise Problem(400, "Send RDF in the body or give url=, not both.")
    if url:
        return Submission(url, url=url.strip()), profile, media
    if not body.strip():
        raise Problem(400, "Send RDF in the body (with its Content-Type) or give url=.")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower() or None
    if refused := unreadable_media(content_type):
        raise Problem(415, refused)
    return Submission("The request body", Document(INPUT_BASE + "body", body, content_type)), profile, media


def _is_form(request: Request) -> bool:
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")


async def _read_body(request: Request, cap: int, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be larger than ``cap`` bytes.

    ``limit`` is the size the message names: the RDF's, where ``cap`` may leave
    room for a form's framing around it.
    """
    too_large = Problem(413, f"The input is larger than the limit of {limit:,} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            raise too_large
    return bytes(body)


async def _read_form(request: Request) -> FormData:
    """The form, parsed from a body read within the limit (starlette alone would spool any size to disk)."""
    limit = service_options(request).limits.max_bytes
    body = await _read_body(request, limit + FORM_OVERHEAD, limit)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(
            max_files=1, max_fields=10, max_part_size=limit + FORM_OVERHEAD
        )
    except Exception as error:  # starlette's MultiPartException and friends
        raise Problem(400, f"The form could not be read: {error}") from None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _upload(form: FormData) -> UploadFile | None:
    """The uploaded file; browsers send an empty, nameless part when none was chosen."""
    value = form.get("file")
    if isinstance(value, UploadFile) and (value.filename or value.size):
        return value
    return None


async def _submission_from_form(form: FormData, limit: int) -> Submission:
    """Exactly one of the fields ``data``, ``file`` and ``url``."""
    data, url, upload = form.get("data"), _text(form, "url"), _upload(form)
    given = [name for name, present in (("pasted text", isinstance(data, str) and data.strip()),
                                        ("file", upload), ("URL", url)) if present]  # fmt: skip
    if not given:
        raise Problem(400, "Nothing to validate. Paste RDF, upload a file or give a URL.")
    if len(given) > 1:
        raise Problem(400, f"Give one thing to validate, not {' and '.join(given)}.")
    if upload is not None:
        name = upload.filename or "upload"
        content = await upload.read()
        if len(content) > limit:
            raise Problem(413, f"The uploaded file is larger than the limit of {limit:,} bytes.")
        if not content.strip():
            raise Problem(400, f"The uploaded file {name} is empty.")
        content_type = (upload.content_type or "").split(";")[0].strip().lower() or None
        document = Document(INPUT_BASE + quote(name), content, content_type)
        return Submission(f"The uploaded file {name}", document)
    if url:
        return Submission(url, url=url)
    assert isinstance(data, str)
    if len(data.encode("utf-8")) > limit:
        raise Problem(413, f"The pasted text is larger than the limit of {limit:,} bytes.")
    return Submission("The pasted text", Document(INPUT_BASE + "pasted", data.encode("utf-8")))


# -- validating -------------------------------------------------------------------------------


async def _validate(request: Request, submission: Submission, profile: str) -> Summary:
    """Fetch (for a URL), then parse, validate and summarise — off the event loop, in a bounded queue.

    Validations hold the GIL and anyone may ask for one, so only
    ``max_concurrent`` run at a time (a fetch included), ``max_waiting`` wait,
    and each is answered within ``deadline_seconds``; beyond that, 503.
    """
    settings = request.app.state.backends.settings
    names = [p.name for p in known_profiles(settings)]
    if profile not in names:
        raise Problem(400, f"There is no validation profile {profile!r}; choose one of {', '.join(names)}.")
    options = service_options(request)

    def work() -> Summary:
        document = submission.document or _fetch(submission, options)
        return _check(document, submission.label, profile, options.limits, settings)

    state = request.app.state
    if getattr(state, "validation_queue", None) is None:
        state.validation_queue = Admission(
            options.max_concurrent, options.max_waiting, options.deadline_seconds
        )
    try:
        return await state.validation_queue.run(work)
    except Busy as busy:
        raise Problem(503, busy.message, retry_after=busy.retry_after) from None


def _fetch(submission: Submission, options: ServiceOptions) -> Document:
    try:
        return fetch_public(submission.url or "", options.limits, options.policy)
    except RefusedURL as refused:
        raise Problem(422, f"{submission.label} was not fetched: {refused.reason}.") from None
    except InputError as error:
        raise Problem(400, f"{submission.label} could not be fetched: {error.message}") from None


def _check(document: Document, label: str, profile: str, limits: Limits, settings: Settings) -> Summary:
    try:
        document = replace(document, data=gunzipped(document.data, document.location, limits))
        # in this process: a web request should not start validation worker processes
        return validate_document(document, profile, workers=1, settings=settings)
    except ParseError as error:
        message = f"{label} is not readable RDF: {error.message}"
        raise Problem(400, message, error.line, error.column) from None
    except InputError as error:
        raise Problem(400, f"{label} could not be read: {error.message}") from None
    except (ShapesError, shapes.ShapesError, FileNotFoundError) as error:
        raise Problem(500, f"The shapes of profile {profile!r} cannot be loaded: {error}") from None


# -- the page -------------------------------------------------------------------------------


def _page(
    request: Request,
    status: int = 200,
    summary: Summary | None = None,
    problem: Problem | None = None,
    input_label: str = "",
    profile: str = DEFAULT_PROFILE,
    pasted: str = "",
    url: str = "",
) -> HTMLResponse:
    options = service_options(request)
    return render(
        request,
        "validate.html",
        status_code=status,
        profiles=known_profiles(request.app.state.backends.settings),
        profile=profile,
        summary=summary,
        problem=problem,
        input_label=input_label,
        pasted=pasted,
        fetched_url=url,
        max_bytes=options.limits.max_bytes,
    )
