"""Routes of Open311 and the test that checks each one for every role, anonymous visitors and token holders.

Merged into ``linli/servicedesk/tests/authz_routes.py`` (and so into the project's authorization matrix).
"""

_MODULE = "linli.servicedesk.open311.tests.test_authorization"
_PUBLIC = f"{_MODULE}::test_public_methods_return_no_personal_data_to_any_role_or_anonymous"

# The GET methods are public and the same for everyone, without personal data; POST takes an app's api_key.
COVERED: dict[str, str] = {
    "open311:root": _PUBLIC,
    "open311:discovery": _PUBLIC,
    "open311:services": _PUBLIC,
    "open311:service": _PUBLIC,
    "open311:request": _PUBLIC,
    "open311:token": _PUBLIC,
    "open311:invalid_url": _PUBLIC,
    "open311:requests": f"{_MODULE}::test_post_requests_refuses_every_credential_but_an_open311_key",
}
