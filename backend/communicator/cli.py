"""communicator serve | api | gateway | smtp | db upgrade | user add | account add."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys

import msgspec

from communicator.db.migrate import upgrade
from communicator.db.session import Database
from communicator.domain import Role
from communicator.logs import configure_logging
from communicator.services.core.errors import InvalidInput, ServiceError
from communicator.settings import Settings, load_settings


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate, optionally seed the demo, and run the all-in-one server."""
    import uvicorn

    from communicator.app import create_app
    from communicator.wsdeflate import LeanWebSocketProtocol

    upgrade(settings.database_url)
    if args.demo and "COMMUNICATOR_WEBHOOK_ALLOW_PRIVATE" not in os.environ:
        settings = msgspec.structs.replace(settings, webhook_allow_private=True)  # a demo's receivers are local
    if args.demo:
        password = settings.demo_password or secrets.token_urlsafe(9)
        asyncio.run(_seed(settings, password))
        print(f"Communicator demo: http://{args.host}:{args.port}/  login: admin / {password}", flush=True)
        print("  also: operator / the same password (an Operator; restrict it on the Users page)", flush=True)
    extra: dict = {"log_config": None} if configure_logging(settings) else {}
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level="warning", ws=LeanWebSocketProtocol, **extra
    )


async def _seed(settings: Settings, password: str) -> None:
    """Seed the demo account (or reset its admin's password)."""
    from communicator.services.demo import seed_demo
    from communicator.services.identity.server_secret import load_server_secret

    db = Database(settings.database_url)
    try:
        await seed_demo(db, password, await load_server_secret(db, settings.secret_key))
    finally:
        await db.dispose()


async def _add_user(settings: Settings, args: argparse.Namespace) -> None:
    """Create a user in the named account (or a new account)."""
    from communicator.services.identity.accounts import add_user_to_account

    db = Database(settings.database_url)
    try:
        await add_user_to_account(db, args.account, args.login, args.password, args.role, args.platform_admin)
    finally:
        await db.dispose()
    platform = ", platform admin" if args.platform_admin else ""
    print(f"user {args.login} ({args.role}{platform}) added to «{args.account}»")


async def _add_account(settings: Settings, args: argparse.Namespace) -> None:
    """Create a client company with its first Administrator."""
    from communicator.schemas import AccountCreate
    from communicator.services.identity.accounts import create_account_with_admin

    fields = {
        "name": args.name,
        "short_number": args.short_number,
        "sender_names": args.sender_name,
        "plan": args.plan,
        "admin_login": args.admin_login,
        "admin_password": args.admin_password,
        "admin_name": args.admin_name,
    }
    try:
        data = msgspec.convert(fields, AccountCreate)
    except msgspec.ValidationError as error:
        raise InvalidInput(f"Invalid account: {error}") from None
    db = Database(settings.database_url)
    try:
        account = await create_account_with_admin(db, data)
    finally:
        await db.dispose()
    print(
        f"account «{account.name}» (id {account.id}, short number {account.short_number}) added; admin: {data.admin_login}"
    )


async def _import_numbering(settings: Settings, args: argparse.Namespace) -> None:
    """Replace the numbering plan with the regulator's DEF-code CSV."""
    from pathlib import Path

    from communicator.services.directory.numbering import import_numbering

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}.", code="file_unreadable") from None
    db = Database(settings.database_url)
    try:
        report = await import_numbering(db, data, path.name)
    finally:
        await db.dispose()
    for line in report.errors:
        print(line, file=sys.stderr)
    print(f"numbering plan: {report.ranges} ranges from {report.lines} lines, {report.error_count} lines skipped")


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="communicator")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the all-in-one server")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--demo", action="store_true", help="seed the demo account and print its login")
    api = commands.add_parser("api", help="run an api process only (scale-out; gateways run apart)")
    api.add_argument("--host", default=None)
    api.add_argument("--port", type=int, default=None)
    commands.add_parser("gateway", help="run a gateway worker process (scale-out; needs Redis)")
    commands.add_parser("smtp", help="run the e-mail-to-SMS listener alone (COMMUNICATOR_SMTP_HOST/PORT)")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    user = commands.add_parser("user", help="manage users")
    user.add_argument("action", choices=["add"])
    user.add_argument("--login", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", type=Role, default=Role.ADMINISTRATOR, choices=list(Role))
    user.add_argument("--account", default="Default")
    user.add_argument("--platform-admin", action="store_true", help="may manage client accounts")
    account = commands.add_parser("account", help="manage client accounts (companies)")
    account.add_argument("action", choices=["add"])
    account.add_argument("--name", required=True)
    account.add_argument("--short-number", required=True)
    account.add_argument("--sender-name", action="append", default=[], help="repeat for several")
    account.add_argument("--plan", default="Company", choices=["Company", "Employee"])
    account.add_argument("--admin-login", required=True)
    account.add_argument("--admin-password", required=True)
    account.add_argument("--admin-name", default="")
    numbering = commands.add_parser("numbering", help="the numbering plan (operator detection)")
    numbering.add_argument("action", choices=["import"])
    numbering.add_argument("file", help="the regulator's DEF-code CSV (;-separated, cp1251 or UTF-8)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `communicator` console script."""
    args = _parser().parse_args(argv)
    settings = load_settings()
    if args.command in ("serve", "api"):
        args.host = args.host or settings.host
        args.port = args.port or settings.port
        settings = msgspec.structs.replace(settings, host=args.host, port=args.port)  # the derived public origin
        if args.command == "api":
            args.demo = False
            settings = msgspec.structs.replace(settings, gateway_enabled=False)
        _serve(settings, args)
    elif args.command == "gateway":
        from communicator.gateway.process import run_gateway

        configure_logging(settings)
        upgrade(settings.database_url)
        with contextlib.suppress(asyncio.CancelledError):  # SIGTERM: a clean stop
            asyncio.run(run_gateway(settings))
    elif args.command == "smtp":
        from communicator.ingress.smtp import run_smtp

        configure_logging(settings)
        upgrade(settings.database_url)
        asyncio.run(run_smtp(settings))
    elif args.command == "db":
        upgrade(settings.database_url)
        print("database is up to date")
    elif args.command in ("user", "account", "numbering"):
        upgrade(settings.database_url)
        add = {"user": _add_user, "account": _add_account, "numbering": _import_numbering}[args.command]
        try:
            asyncio.run(add(settings, args))
        except ServiceError as error:
            print(error.detail, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
