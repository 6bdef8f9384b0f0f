"""GeoReport v2 at /open311/v2: thin views over the selectors and services of this package.

The format is the URL's extension (``services.xml``, ``requests/123.json``); errors come back in it, shaped
as the spec's ``errors`` document. POST requests come from apps without a CSRF token: that view is exempt
and authenticates by ``api_key`` instead.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import DomainError
from linli.servicedesk.models import ServiceItem
from linli.servicedesk.open311 import documents, selectors
from linli.servicedesk.open311.auth import api_key_for
from linli.servicedesk.open311.errors import Open311Error, render_error
from linli.servicedesk.open311.formats import Format, render
from linli.servicedesk.open311.jurisdiction import resolve_jurisdiction
from linli.servicedesk.open311.parsing import parse_new_request, parse_request_query, text
from linli.servicedesk.open311.services import submit_report

logger = logging.getLogger(__name__)
View = Callable[..., HttpResponse]


def open311_view(*methods: str) -> Callable[[View], View]:
    """Take the format from the URL, allow only ``methods`` and render every error in the format.

    Spec: "400 - General Service Error (any failure during processing ...)": an unexpected failure is
    logged with its traceback and answered with a 400 in the errors shape, never with an HTML page.
    """
    allowed = (*methods, "HEAD") if "GET" in methods else methods

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
            chosen = Format(fmt)
            if request.method not in allowed:
                error = Open311Error(
                    400, _("Method %(method)s is not allowed here.") % {"method": request.method}
                )
                response = render_error(chosen, error)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, chosen, *args, **kwargs)
            except Open311Error as error:
                return render_error(chosen, error)
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_error(
                    chosen,
                    Open311Error(400, _("The request could not be processed. Please try again later.")),
                )

        return wrapped

    return decorator


def _jurisdiction_id(request: HttpRequest) -> str:
    if request.method == "POST":
        return text(request.POST, "jurisdiction_id") or text(request.GET, "jurisdiction_id")
    return text(request.GET, "jurisdiction_id")


def endpoint_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("open311:root")).rstrip("/")


@open311_view("GET")
def discovery(request: HttpRequest, fmt: Format) -> HttpResponse:
    """Service Discovery: where the endpoint is, which formats it speaks, whom to ask for a key."""
    document = documents.discovery_document(
        changeset=selectors.catalogue_changeset(),
        contact=str(
            getattr(settings, "LINLI_OPEN311_CONTACT", "") or gettext("Ask the district's service desk.")
        ),
        key_service=str(
            getattr(settings, "LINLI_OPEN311_KEY_SERVICE", "")
            or gettext("API keys are issued to apps by the district's service desk administrators.")
        ),
        url=endpoint_url(request),
        endpoint_type=str(getattr(settings, "LINLI_OPEN311_ENDPOINT_TYPE", "production")),
    )
    return render(fmt, "discovery", document)


@open311_view("GET")
def services(request: HttpRequest, fmt: Format) -> HttpResponse:
    resolve_jurisdiction(_jurisdiction_id(request))
    listed = [documents.service_document(item, kind) for item, kind in selectors.open311_services()]
    return render(fmt, "services", listed)


@open311_view("GET")
def service_definition(request: HttpRequest, fmt: Format, service_code: str) -> HttpResponse:
    resolve_jurisdiction(_jurisdiction_id(request))
    if not service_code:
        raise Open311Error(400, _("service_code was not provided."))
    item = selectors.open311_service(service_code)
    if item is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": service_code[:48]})
    return render(fmt, "service_definition", documents.service_definition_document(item))


def _domain_error(error: DomainError, item: ServiceItem) -> Open311Error:
    """A rule the desk enforces, as a 400; an answer's error names its ``attribute[code]``."""
    if error.field and any(field.code == error.field for field in item.fields.all()):
        return Open311Error(400, f"attribute[{error.field}]: {error.message}")
    return Open311Error(400, error.message)


def _create(request: HttpRequest, fmt: Format) -> HttpResponse:
    key = text(request.POST, "api_key") or text(request.GET, "api_key")
    api_key = api_key_for(key) if key else None
    if api_key is None:
        raise Open311Error(
            403,
            _("Invalid api_key received -- can't proceed with create_request.")
            if key
            else _("api_key was not provided -- can't proceed with create_request."),
        )
    district = resolve_jurisdiction(_jurisdiction_id(request))
    new = parse_new_request(request.POST)
    item = selectors.open311_service(new.service_code)
    if item is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": new.service_code[:48]})
    try:
        submitted = submit_report(api_key=api_key, item=item, new=new, district=district)
    except DomainError as error:
        raise _domain_error(error, item) from error
    document = documents.created_document(
        number=submitted.case.number,
        token=submitted.report.token,
        request_type=submitted.request_type,
        notice=documents.service_notice(item.sla_amount, item.sla_unit),
    )
    return render(fmt, "service_requests", [document])


@csrf_exempt
@open311_view("GET", "POST")
def requests(request: HttpRequest, fmt: Format) -> HttpResponse:
    """GET: the public list of requests (90 days by default, at most 1,000); POST: a new request."""
    if request.method == "POST":
        return _create(request, fmt)
    district = resolve_jurisdiction(_jurisdiction_id(request))
    query = parse_request_query(request.GET, now=timezone.now())
    rows = selectors.public_requests(district=district, query=query)
    return render(fmt, "service_requests", [documents.request_document(row) for row in rows])


@open311_view("GET")
def request_detail(request: HttpRequest, fmt: Format, service_request_id: str) -> HttpResponse:
    """One request, as a one-element array."""
    district = resolve_jurisdiction(_jurisdiction_id(request))
    if not service_request_id:
        raise Open311Error(400, _("service_request_id was not provided."))
    row = selectors.public_request(district=district, number=service_request_id)
    if row is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": service_request_id[:32]}
        )
    return render(fmt, "service_requests", [documents.request_document(row)])


@open311_view("GET")
def token(request: HttpRequest, fmt: Format, token: str) -> HttpResponse:
    """The service_request_id a token stands for."""
    district = resolve_jurisdiction(_jurisdiction_id(request))
    if not token:
        raise Open311Error(400, _("token was not provided."))
    found = selectors.report_for_token(district=district, token=token)
    if found is None:
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": token[:32]})
    return render(fmt, "service_requests", [documents.token_document(token=found[0], number=found[1])])


def invalid_url(request: HttpRequest, path: str) -> HttpResponse:
    """Any other URL under /open311/v2: a 404 for a resource that does not exist, a 400 for a format
    that is not offered."""
    fmt = Format.JSON if path.endswith(".json") else Format.XML
    if path.endswith((".json", ".xml")):
        error = Open311Error(404, _("There is no such resource: %(path)s") % {"path": path[:64]})
    else:
        error = Open311Error(400, _("The URL request is invalid: add .xml or .json to the resource."))
    return render_error(fmt, error)
