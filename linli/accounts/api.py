from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from linli.accounts.services import user_for_api_key


class StaffTokenAuth(HttpBearer):
    """Bearer tokens issued to staff; the request then acts as that user, with that user's area scope."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_api_key(token)
        if user is None:
            return None
        request.user = user
        return user
