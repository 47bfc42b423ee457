"""Enrolment of phones, password login for browsers, and who-am-I."""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, StringConstraints
from sqlmodel import Session

from sync_protocol import (
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    ErrorCode,
    LoginRequest,
    UserInfo,
)
from sync_server.api.deps import (
    ClientAddressDep,
    CurrentCaller,
    ProtocolDep,
    SettingsDep,
    TeamLeader,
    TransactionsDep,
)
from sync_server.config import Settings
from sync_server.errors import ServiceError
from sync_server.models import User
from sync_server.services import accounts, oidc, qr, throttle, totp

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody},
    401: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}


def _now() -> datetime:
    return datetime.now(UTC)


def _count_attempt(
    transaction: Callable[[], AbstractContextManager[Session]],
    settings: Settings,
    keys: dict[str, int],
) -> None:
    """Count the attempt, committed, before it is judged: a failure stays counted
    (the judging transaction rolls back), a success clears the account's key."""
    with transaction() as session:
        throttle.count_attempt(
            session, keys, limit=settings.throttle_max_failures, window=settings.throttle_window
        )


@router.post("/enroll", response_model=EnrollResponse, responses=_ERRORS)
def enroll(
    body: EnrollRequest,
    address: ClientAddressDep,
    transaction: TransactionsDep,
    settings: SettingsDep,
    _protocol: ProtocolDep,
) -> EnrollResponse:
    """Exchange a one-time enrolment code for a device token (shown once)."""
    keys = {throttle.ENROL_ADDRESS + address: settings.throttle_max_failures}
    _count_attempt(transaction, settings, keys)
    with transaction() as session:
        issued, user = accounts.enrol_device(session, code=body.code, device_name=body.device_name)
        throttle.clear_failures(session, keys)
        info = accounts.user_info(session, user)
    return EnrollResponse(
        device_id=issued.device.id, token=issued.token, user=info, server_time=_now()
    )


@router.post("/login", response_model=EnrollResponse, responses=_ERRORS)
def login(
    body: LoginRequest,
    address: ClientAddressDep,
    transaction: TransactionsDep,
    settings: SettingsDep,
) -> EnrollResponse:
    """Password login for team leaders and administrators in a browser.

    Failures count against the account (locked after a few) and, with a much
    higher limit, against the address, so that one locked account does not lock
    an office that shares one address."""
    account_key = throttle.login_user_key(body.username)
    address_key = throttle.LOGIN_ADDRESS + address
    keys = {
        account_key: settings.throttle_max_failures,
        address_key: settings.throttle_max_failures_per_address,
    }
    _count_attempt(transaction, settings, keys)
    try:
        with transaction() as session:
            issued = accounts.login(
                session,
                username=body.username,
                password=body.password,
                device_name=body.device_name,
                totp_code=body.totp_code,
                totp_key=settings.pseudonym_key,
            )
            # Only the account's count: a success with one account must not wipe
            # the address's failures with others (a spray from a valid account).
            throttle.clear_failures(session, [account_key])
            throttle.forgive(session, address_key)
            user = accounts.find_user(session, body.username)
            assert user is not None
            info = accounts.user_info(session, user)
    except ServiceError as exc:
        if exc.code == ErrorCode.SECOND_FACTOR_REQUIRED:
            # The password was right; asking for the code is not a failure.
            with transaction() as session:
                throttle.forgive(session, account_key)
                throttle.forgive(session, address_key)
        raise
    return EnrollResponse(
        device_id=issued.device.id, token=issued.token, user=info, server_time=_now()
    )


@router.post("/logout", status_code=204, responses={401: {"model": ErrorBody}})
def logout(caller: CurrentCaller, transaction: TransactionsDep) -> Response:
    """Revoke the calling device's own token."""
    with transaction() as session:
        accounts.revoke_device(session, caller.device.id)
    return Response(status_code=204)


_ERRORS_409: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 409, 422)
}


class MeResponse(BaseModel):
    user: UserInfo
    device_id: str
    device_name: str


@router.get("/me", response_model=MeResponse, responses={401: {"model": ErrorBody}})
def me(caller: CurrentCaller, transaction: TransactionsDep) -> MeResponse:
    """Who this token belongs to: the app shows it and checks its role."""
    with transaction() as session:
        info = accounts.user_info(session, caller.user)
    return MeResponse(user=info, device_id=caller.device.id, device_name=caller.device.name)


class LoginMethods(BaseModel):
    password: bool
    oidc: bool


@router.get("/methods", response_model=LoginMethods)
def login_methods(settings: SettingsDep) -> LoginMethods:
    """How staff can log in here, so the app's login screen offers single sign-on
    only where it is configured (no secrets: two yes/no answers)."""
    return LoginMethods(password=True, oidc=bool(settings.oidc_issuer and settings.oidc_client_id))


# ---------------------------------------------------------------- second factor


class TotpEnrolmentOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_png_base64: str


class TotpCode(BaseModel):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


@router.post("/totp", response_model=TotpEnrolmentOut, status_code=201, responses=_ERRORS_409)
def start_totp(
    caller: TeamLeader, transaction: TransactionsDep, settings: SettingsDep
) -> TotpEnrolmentOut:
    """Start a second factor for this account: scan the QR image (or type the
    secret) into an authenticator app, then confirm with its first code."""
    with transaction() as session:
        user = session.get(User, caller.user.id)
        assert user is not None
        new = totp.start_enrolment(
            session, user, server_key=settings.pseudonym_key, issuer=settings.totp_issuer
        )
    return TotpEnrolmentOut(
        secret=new.secret,
        otpauth_uri=new.uri,
        qr_png_base64=base64.b64encode(qr.qr_png(new.uri)).decode(),
    )


@router.post("/totp/confirm", status_code=204, responses=_ERRORS_409)
def confirm_totp(
    body: TotpCode, caller: TeamLeader, transaction: TransactionsDep, settings: SettingsDep
) -> Response:
    """Switch the second factor on with a first code; later logins need a code."""
    with transaction() as session:
        user = session.get(User, caller.user.id)
        assert user is not None
        totp.confirm(session, user, body.code, server_key=settings.pseudonym_key)
    return Response(status_code=204)


# ---------------------------------------------------------------- single sign-on


class SsoCode(BaseModel):
    code: Annotated[str, StringConstraints(min_length=20, max_length=100)]


def _redirect_uri(request: Request, settings: Settings) -> str:
    return settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))


def _back_to_app(settings: Settings, **params: str) -> RedirectResponse:
    separator = "&" if "?" in settings.app_teamleider_url else "?"
    return RedirectResponse(
        settings.app_teamleider_url + separator + urlencode(params), status_code=303
    )


@router.get(
    "/oidc/start",
    status_code=303,
    response_class=RedirectResponse,
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
def oidc_start(
    request: Request, transaction: TransactionsDep, settings: SettingsDep
) -> RedirectResponse:
    """Single sign-on: send the browser to the city's identity provider (code flow, PKCE)."""
    with transaction() as session:
        address = oidc.start(session, settings, redirect_uri=_redirect_uri(request, settings))
    return RedirectResponse(address, status_code=303)


@router.get(
    "/oidc/callback", status_code=303, response_class=RedirectResponse, name="oidc_callback"
)
def oidc_callback(
    request: Request,
    transaction: TransactionsDep,
    settings: SettingsDep,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """The identity provider sends the browser back here; on success it goes on to
    the app's team-leader address with a one-time `sso_code`, else with `sso_fout`
    (a stable code: sso_failed, forbidden, sso_not_configured)."""
    if error or not state or not code:
        return _back_to_app(settings, sso_fout=ErrorCode.SSO_FAILED.value)
    try:
        with transaction() as session:
            pending = oidc.claim_login(session, state)
        claims = oidc.fetch_claims(
            settings, code=code, login=pending, redirect_uri=_redirect_uri(request, settings)
        )
        with transaction() as session:
            user = oidc.provision(session, settings, claims)
            handoff = oidc.create_handoff(session, user)
    except ServiceError as exc:
        return _back_to_app(settings, sso_fout=exc.code.value)
    return _back_to_app(settings, sso_code=handoff)


@router.post("/oidc/exchange", response_model=EnrollResponse, responses=_ERRORS)
def oidc_exchange(
    body: SsoCode, address: ClientAddressDep, transaction: TransactionsDep, settings: SettingsDep
) -> EnrollResponse:
    """The app's browser session trades the one-time `sso_code` for its own token."""
    keys = {throttle.SSO_ADDRESS + address: settings.throttle_max_failures}
    _count_attempt(transaction, settings, keys)
    with transaction() as session:
        user = oidc.redeem_handoff(session, body.code)
        issued = accounts.issue_device(session, user, name="browser (SSO)", kind=accounts.BROWSER)
        throttle.forgive(session, throttle.SSO_ADDRESS + address)
        info = accounts.user_info(session, user)
    return EnrollResponse(
        device_id=issued.device.id, token=issued.token, user=info, server_time=_now()
    )
