"""Login (throttled), logout and the current user. See docs/security.md."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.errors import service_error_handler
from communicator.api.security import SESSION_COOKIE
from communicator.db.session import Database
from communicator.schemas import LoginRequest, UserRead
from communicator.services.core.actors import Actor
from communicator.services.identity import auth
from communicator.services.identity.log_in import LoginAttempt, log_in
from communicator.services.identity.throttle import TooManyAttempts

DEVICE_COOKIE = "communicator_device"
DAY_SECONDS = 24 * 60 * 60


def too_many_attempts_handler(request: Request, error: TooManyAttempts) -> Response:
    """429 in the usual error shape, with Retry-After."""
    response = service_error_handler(request, error)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _cookie(request: Request, key: str, value: str, max_age: int | None = None, path: str = "/") -> Cookie:
    """An HttpOnly, SameSite=Lax cookie, Secure over HTTPS."""
    secure = request.url.scheme == "https"
    return Cookie(key=key, value=value, httponly=True, samesite="lax", path=path, secure=secure, max_age=max_age)


class AuthController(Controller):
    """/api/v1/auth"""

    path = "/api/v1/auth"
    tags = ["auth"]
    exception_handlers = {TooManyAttempts: too_many_attempts_handler}  # noqa: RUF012

    @post("/login", operation_id="login", exclude_from_auth=True, status_code=200, security=[{}])
    async def login(
        self, db: NamedDependency[Database], data: JSONBody[LoginRequest], request: Request
    ) -> Response[UserRead]:
        """Check credentials (throttled first); a new session every time, ending the one the browser had."""
        state = request.app.state
        device_age = state.settings.trusted_device_days * DAY_SECONDS
        attempt = LoginAttempt(
            login=data.login,
            password=data.password,
            ip=request.client.host if request.client else "unknown",
            device_cookie=request.cookies.get(DEVICE_COOKIE),
            old_token=request.cookies.get(SESSION_COOKIE),
        )
        done = await log_in(db, state.login_throttle, state.server_secret, attempt, device_age)
        cookies = [
            _cookie(request, SESSION_COOKIE, done.token),
            _cookie(request, DEVICE_COOKIE, done.device_cookie, max_age=device_age, path=self.path),
        ]
        return Response(done.user, cookies=cookies)

    @post("/logout", operation_id="logout", status_code=204)
    async def logout(
        self, db: NamedDependency[Database], actor: NamedDependency[Actor], request: Request
    ) -> Response[None]:
        """End the session server-side and clear the cookie."""
        await auth.logout(db, actor, request.auth.value)
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")])

    @get("/me", operation_id="me")
    async def me(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> UserRead:
        """The logged-in user."""
        return await auth.get_user_read(db, actor)
