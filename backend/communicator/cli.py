"""communicator serve | api | gateway | db upgrade | user add."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys

import msgspec

from communicator.db.migrate import upgrade
from communicator.db.session import Database
from communicator.settings import Settings, load_settings


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    """Migrate, optionally seed the demo, and run the all-in-one server."""
    import uvicorn

    from communicator.app import create_app

    upgrade(settings.database_url)
    if args.demo:
        password = settings.demo_password or secrets.token_urlsafe(9)
        asyncio.run(_seed(settings, password))
        print(f"Communicator demo: http://{args.host}:{args.port}/  login: admin / {password}", flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", ws="websockets-sansio")


async def _seed(settings: Settings, password: str) -> None:
    """Seed the demo account (or reset its admin's password)."""
    from communicator.services.demo import seed_demo

    db = Database(settings.database_url)
    try:
        await seed_demo(db, password)
    finally:
        await db.dispose()


async def _add_user(settings: Settings, args: argparse.Namespace) -> None:
    """Create a user in the account with the given short number (or a new account)."""
    from sqlalchemy import select

    from communicator.db.models import Account
    from communicator.services.accounts import create_account, create_user

    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            account_id = await session.scalar(select(Account.id).where(Account.name == args.account))
            if account_id is None:
                account_id = (await create_account(session, args.account)).id
            await create_user(session, account_id, args.login, args.password, args.role)
    finally:
        await db.dispose()
    print(f"user {args.login} ({args.role}) added to «{args.account}»")


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
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    user = commands.add_parser("user", help="manage users")
    user.add_argument("action", choices=["add"])
    user.add_argument("--login", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", default="Administrator", choices=["Administrator", "Operator", "BaseUser"])
    user.add_argument("--account", default="Default")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `communicator` console script."""
    args = _parser().parse_args(argv)
    settings = load_settings()
    if args.command in ("serve", "api"):
        args.host = args.host or settings.host
        args.port = args.port or settings.port
        if args.command == "api":
            args.demo = False
            settings = msgspec.structs.replace(settings, gateway_enabled=False)
        _serve(settings, args)
    elif args.command == "gateway":
        from communicator.gateway.process import run_gateway

        upgrade(settings.database_url)
        asyncio.run(run_gateway(settings))
    elif args.command == "db":
        upgrade(settings.database_url)
        print("database is up to date")
    elif args.command == "user":
        upgrade(settings.database_url)
        asyncio.run(_add_user(settings, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
