"""Login, logout and the current user."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody

from communicator.api.security import SESSION_COOKIE
from communicator.db.session import Database
from communicator.schemas import LoginRequest, UserRead
from communicator.services import auth
from communicator.services.actors import Actor


class AuthController(Controller):
    """/api/v1/auth"""

    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", operation_id="login", exclude_from_auth=True, status_code=200)
    async def login(
        self, db: NamedDependency[Database], data: JSONBody[LoginRequest], request: Request
    ) -> Response[UserRead]:
        """Check credentials; a new session (and cookie) every time, so a planted one is useless."""
        token, actor = await auth.login(db, data.login, data.password)
        async with db.read() as session:
            user = await auth.get_user_read(session, actor)
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=token,
            httponly=True,
            samesite="lax",
            path="/",
            secure=request.url.scheme == "https",
        )
        return Response(user, cookies=[cookie])

    @post("/logout", operation_id="logout", status_code=204)
    async def logout(self, db: NamedDependency[Database], request: Request) -> Response[None]:
        """End the session server-side and clear the cookie."""
        await auth.logout(db, request.auth)
        return Response(None, status_code=204, cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")])

    @get("/me", operation_id="me")
    async def me(self, db: NamedDependency[Database], actor: NamedDependency[Actor]) -> UserRead:
        """The logged-in user."""
        async with db.read() as session:
            return await auth.get_user_read(session, actor)
