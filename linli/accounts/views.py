"""Login for staff (password, then TOTP) and residents (phone, then SMS code); elder mode; API tokens."""

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.accounts import services
from linli.accounts.access import second_factor_ok
from linli.accounts.forms import ApiTokenForm, CodeForm, PhoneForm, StaffLoginForm, TotpForm
from linli.accounts.models import ApiToken, User, UserKind
from linli.core.errors import DomainError

PENDING_USER = "linli_pending_user"
# The session holds the code's id and the phone's last four digits, never the phone itself.
PENDING_CODE = "linli_pending_code"
PENDING_PHONE_TAIL = "linli_pending_phone_tail"
NEXT = "linli_next"
ELDER_COOKIE = "linli_elder"


def _safe_next(request: HttpRequest, fallback: str = "home") -> str:
    target = request.session.pop(NEXT, "") or request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return str(target)
    return fallback


def _pending_user(request: HttpRequest) -> User:
    user_id = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=user_id, kind=UserKind.STAFF, is_active=True).first() if user_id else None
    if user is None:
        raise Http404
    return user


def staff_login(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.GET.get("next"):
        request.session[NEXT] = request.GET["next"]
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            # Counted until the whole login (password and TOTP) succeeds, so knowing the password
            # does not reset the count for guessing the second factor.
            services.register_login_attempt(kind="staff", identifier=username)
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None or getattr(user, "kind", None) != UserKind.STAFF:
                raise DomainError("bad_credentials", _("Wrong username or password."))
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            if settings.LINLI_ALLOW_DEMO_TOTP_SKIP and user.is_demo:
                login(request, user)
                services.clear_login_attempts(kind="staff", identifier=username)
                return redirect(_safe_next(request))
            request.session[PENDING_USER] = user.pk
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                return redirect("accounts:totp")
            return redirect("accounts:totp_setup")
    return render(request, "accounts/staff_login.html", {"form": form})


def _finish_totp(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    request.session.pop(PENDING_USER, None)
    next_url = request.session.get(NEXT, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    request.session[NEXT] = next_url
    services.clear_login_attempts(kind="staff", identifier=user.username)
    return redirect(_safe_next(request))


def staff_totp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_login_attempt(kind="staff", identifier=user.username)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                if device.verify_token(form.cleaned_data["token"]):
                    return _finish_totp(request, user, device)
            form.add_error("token", _("The code is wrong. Check the time on your phone and try again."))
    return render(request, "accounts/staff_totp.html", {"form": form})


def staff_totp_setup(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:totp")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.start_totp_enrollment(user=user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_login_attempt(kind="staff", identifier=user.username)
        except DomainError as error:
            form.add_error(None, str(error.message))
            return render(
                request, "accounts/staff_totp_setup.html", {"form": form, "qr_svg": "", "secret": ""}
            )
        if services.confirm_totp_device(device=device, token=form.cleaned_data["token"]):
            return _finish_totp(request, user, device)
        form.add_error("token", _("The code is wrong. Check the time on your phone and try again."))
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = io.BytesIO()
    image.save(svg)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/staff_totp_setup.html",
        {"form": form, "qr_svg": svg.getvalue().decode(), "secret": secret},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


def resident_login(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_code = services.request_login_code(phone=form.cleaned_data["phone"])
        except DomainError as error:
            form.add_error("phone" if error.field == "phone" else None, str(error.message))
        else:
            request.session[PENDING_CODE] = str(login_code.id)
            request.session[PENDING_PHONE_TAIL] = login_code.phone[-4:]
            return redirect("accounts:resident_code")
    return render(request, "accounts/resident_login.html", {"form": form})


def resident_code(request: HttpRequest) -> HttpResponse:
    login_code_id = request.session.get(PENDING_CODE)
    if not login_code_id:
        return redirect("accounts:resident_login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.verify_login_code(login_code_id=login_code_id, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code" if error.field == "code" else None, str(error.message))
        else:
            request.session.pop(PENDING_CODE, None)
            request.session.pop(PENDING_PHONE_TAIL, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(
        request,
        "accounts/resident_code.html",
        {"form": form, "phone_tail": request.session.get(PENDING_PHONE_TAIL, "")},
    )


@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    services.set_elder_mode(user=request.user, enabled=enabled)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    # The cookie keeps elder mode on before login too (the login pages are the first a resident sees).
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=10 * 365 * 24 * 3600, samesite="Lax")
    return response


def _staff_with_second_factor(request: HttpRequest) -> Any:
    user = request.user
    if (
        not user.is_authenticated
        or getattr(user, "kind", None) != UserKind.STAFF
        or not second_factor_ok(request)
    ):
        raise Http404
    return user


def api_tokens(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = _staff_with_second_factor(request)
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _, new_key = services.issue_api_token(user=user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _staff_with_second_factor(request)
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    services.revoke_api_token(token=token, actor=user)
    return redirect("accounts:api_tokens")
