"""The JSON API at /api/v1: one NinjaAPI, each app adds its own router."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from linli.accounts.api import StaffTokenAuth
from linli.core.errors import DomainError
from linli.intake.api import router as intake_router
from linli.registry.api import router as registry_router
from linli.reports.api import router as reports_router
from linli.servicedesk.api import router as servicedesk_router
from linli.sharing.api import router as sharing_router

api = NinjaAPI(
    title="Linli API",
    version="1",
    urls_namespace="api",
    auth=StaffTokenAuth(),
    description=(
        "Area-scoped access to the registry for staff. Authenticate with `Authorization: Bearer <token>`."
    ),
)
api.add_router("/", registry_router)
api.add_router("/intake", intake_router)
api.add_router("/ledgers", reports_router)
# Department clients authenticate with their own tokens on these routes (see linli.sharing.api).
api.add_router("/sharing", sharing_router)
api.add_router("/services", servicedesk_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=400)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "payload", "query")]
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": first.get("msg", _("invalid input")),
            "field": ".".join(loc) or None,
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthorized", "message": _("A valid token is required."), "field": None},
        status=401,
    )
