"""The demo account: a company, its admin and an operator, ~20 employees, three groups and two tags."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from communicator.db.models import Account, User
from communicator.db.session import Database
from communicator.domain import Role
from communicator.schemas import EmployeeCreate, GroupCreate
from communicator.services.core.actors import Actor
from communicator.services.directory.employees import create_employee
from communicator.services.directory.groups import create_group
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.identity.api_password import get_api_password_hash, get_md5hex, record_api_password
from communicator.services.identity.auth import hash_password

DEMO_ACCOUNT = "ООО «Энергомонтаж»"
DEMO_PEOPLE = [
    ("Иванов Сергей Петрович", "+79161000001", "Монтажник", "Монтажники"),
    ("Петров Алексей Викторович", "+79161000002", "Монтажник", "Монтажники"),
    ("Сидоров Дмитрий Андреевич", "+79161000003", "Монтажник", "Монтажники"),
    ("Кузнецов Игорь Николаевич", "+79161000004", "Старший монтажник", "Монтажники"),
    ("Смирнов Павел Олегович", "+79161000005", "Монтажник", "Монтажники"),
    ("Попов Андрей Сергеевич", "+79161000006", "Монтажник", "Монтажники"),
    ("Васильев Роман Игоревич", "+79161000007", "Монтажник", "Монтажники"),
    ("Морозова Екатерина Александровна", "+79161000008", "Замерщик", "Замерщики"),
    ("Новиков Максим Юрьевич", "+79161000009", "Замерщик", "Замерщики"),
    ("Фёдоров Виктор Степанович", "+79161000010", "Замерщик", "Замерщики"),
    ("Волкова Анна Дмитриевна", "+79161000011", "Замерщик", "Замерщики"),
    ("Алексеев Константин Ильич", "+79161000012", "Замерщик", "Замерщики"),
    ("Лебедев Михаил Борисович", "+79161000013", "Дежурный инженер", "Дежурные инженеры"),
    ("Семёнов Артём Владимирович", "+79161000014", "Дежурный инженер", "Дежурные инженеры"),
    ("Егорова Ольга Геннадьевна", "+79161000015", "Дежурный инженер", "Дежурные инженеры"),
    ("Павлов Николай Евгеньевич", "+79161000016", "Старший дежурный инженер", "Дежурные инженеры"),
    ("Козлов Денис Анатольевич", "+79161000017", "Дежурный инженер", "Дежурные инженеры"),
    ("Степанова Мария Викторовна", "+79161000018", "Координатор", None),
    ("Николаев Григорий Павлович", "+79161000019", "Прораб", "Монтажники"),
    ("Орлова Татьяна Сергеевна", "+79161000020", "Диспетчер", None),
]
DEMO_GROUPS = [("Монтажники", "#2e7d32"), ("Замерщики", "#1565c0"), ("Дежурные инженеры", "#c62828")]
# Tag subscriptions by phone: a send to #авария or #дежурство reaches these people.
DEMO_TAGS = {
    "+79161000004": ["авария"],
    "+79161000013": ["авария", "дежурство"],
    "+79161000014": ["дежурство"],
    "+79161000016": ["авария", "дежурство"],
    "+79161000019": ["авария"],
}
DEMO_LOGINS = {"admin": (Role.ADMINISTRATOR, "Администратор"), "operator": (Role.OPERATOR, "Оператор")}


async def seed_demo(db: Database, admin_password: str, secret: bytes | None = None) -> bool:
    """Create the demo account, or give its logins this password again; returns whether it was created.

    Given the server secret, the admin's M2M API password becomes the same password (docs/m2m.md).
    """
    async with db.write() as session:
        admin_user = await session.scalar(select(User).where(User.login == "admin"))
        if admin_user is not None:
            users = await _apply_demo_logins(session, admin_user.account_id, admin_password)
            await _apply_demo_api_password(session, users["admin"], admin_password, secret)
            return False
        account: Account = await create_account(session, DEMO_ACCOUNT)
        admin = (await _apply_demo_logins(session, account.id, admin_password))["admin"]
        await _apply_demo_api_password(session, admin, admin_password, secret)
    await _seed_directory(db, Actor(admin.id, account.id, admin.role, admin.login, admin.name))
    return True


async def _seed_directory(db: Database, actor: Actor) -> None:
    """The demo groups and employees, added through the directory actions as an Administrator would."""
    groups = {
        name: (await create_group(db, actor, GroupCreate(name=name, color=color))).id for name, color in DEMO_GROUPS
    }
    for name, phone, position, group in DEMO_PEOPLE:
        employee = EmployeeCreate(
            name=name,
            phone=phone,
            email=f"user{phone[-2:]}@energomontazh.example",
            position=position,
            group_ids=[groups[group]] if group else [],
            tags=DEMO_TAGS.get(phone, []),
        )
        await create_employee(db, actor, employee)


async def _apply_demo_api_password(session: AsyncSession, admin: User, password: str, secret: bytes | None) -> None:
    """The demo admin's M2M API password is the demo password, when the server secret is at hand."""
    if secret is not None:
        await record_api_password(session, admin.id, get_api_password_hash(secret, get_md5hex(password)))


async def _apply_demo_logins(session: AsyncSession, account_id: int, password: str) -> dict[str, User]:
    """Every demo login exists and has this password: the printed one must work on every start."""
    query = select(User).where(User.account_id == account_id, User.login.in_(DEMO_LOGINS))
    users = {user.login: user for user in await session.scalars(query)}
    for login, (role, name) in DEMO_LOGINS.items():
        if login in users:
            users[login].password_hash = hash_password(password)
        else:
            # The operator may send to everyone; the admin narrows that on the Users page.
            users[login] = await create_user(session, account_id, login, password, role, name=name)
    # The demo admin also runs the platform, so `make run` shows the Companies page too.
    users["admin"].platform_admin = True
    return users
