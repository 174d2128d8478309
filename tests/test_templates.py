"""Message templates: the sandbox and its limits, the CRUD service on both databases, and the REST API."""

from __future__ import annotations

import sys
import time

import httpx
import msgspec
import pytest
from sqlalchemy import func, select

from communicator.db.models import MessageTemplate
from communicator.db.session import Database
from communicator.events import AnyEvent, TemplateCreated, TemplateDeleted, TemplateUpdated
from communicator.schemas import TemplateCreate, TemplateUpdate
from communicator.services.core.actors import Actor
from communicator.services.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from communicator.services.identity.accounts import create_account, create_user
from communicator.services.messaging.templates import (
    create_template,
    delete_template,
    get_template,
    list_templates,
    render_template,
    update_template,
)
from communicator.sms.template_render import (
    OUTPUT_LIMIT,
    TEMPLATE_FILE,
    TIME_LIMIT,
    TemplateProblem,
    get_variables,
    render,
    render_in_worker,
)
from tests.conftest import API

ZAMER = "Замер: {{ address }}, заказ #{{ order }}"
SLOW = (
    "{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}"
)
_decoder = msgspec.json.Decoder(AnyEvent)
MARGIN = 0.4  # seconds a refusal may come after the time limit on a busy machine


def _template_frames() -> list[str]:
    """Threads now running template code (a frame compiled from a template, anywhere on their stacks)."""
    running = []
    for thread_id, frame in sys._current_frames().items():
        walk = frame
        while walk is not None:
            if walk.f_code.co_filename == TEMPLATE_FILE:
                running.append(str(thread_id))
            walk = walk.f_back
    return running


# --- the sandbox ---


def test_renders_variables_in_order_of_first_use() -> None:
    rendered = render(ZAMER, {"address": "ул. Ленина, 5", "order": "1234"})
    assert rendered.text == "Замер: ул. Ленина, 5, заказ #1234"
    assert rendered.variables == ["address", "order"]
    assert get_variables("{% for i in items %}{{ b }}{{ i }}{% endfor %}{{ a }}{{ b }}") == ("items", "b", "a")
    assert render("{{ name|upper }} {{ name.strip() }}!", {}).text == " !"  # a variable not given is empty


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{{ ''.__class__.__mro__ }}", "template_unsafe"),
        ("{{ ''['__class__'] }}", "template_unsafe"),
        ("{{ x|attr('__class__') }}", "template_syntax"),  # the attr filter is not there at all
        ("{{ x.format(1) }}", "template_unsafe"),
        ("{{ (5).to_bytes(1000000000, 'big') }}", "template_unsafe"),
        ("{{ '%999999999d' % 1 }}", "template_unsafe"),
        ("{{ 'x' * 10**9 }}", "template_too_big"),
        ("{{ 7 ** 100000 }}", "template_too_big"),
        ("{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}", "template_too_big"),
        ("{{ range(1000)|join('yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy') }}", "template_too_big"),
        ("{% for i in range(10**9) %}x{% endfor %}", "template_too_big"),
    ],
)
def test_the_sandbox_refuses_escapes_and_huge_values(body: str, code: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as refused:
        render(body, {})
    assert refused.value.code == code
    assert time.monotonic() - started < TIME_LIMIT


async def test_a_huge_loop_stops_at_its_time_limit_and_leaves_no_thread_running() -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as refused:
        await render_in_worker(SLOW, {})
    elapsed = time.monotonic() - started
    assert refused.value.code == "template_too_slow"
    assert TIME_LIMIT <= elapsed < TIME_LIMIT + MARGIN
    assert _template_frames() == []  # the worker stopped itself; nothing keeps burning CPU
    assert (await render_in_worker(ZAMER, {"order": "7"})).text == "Замер: , заказ #7"  # and it is free again


async def test_endless_recursion_is_refused_in_the_worker() -> None:
    for body in (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{% for i in [1] recursive %}{{ loop([1]) }}{% endfor %}",
    ):
        with pytest.raises(TemplateProblem) as refused:
            await render_in_worker(body, {})
        assert "recursion" in str(refused.value)
    assert _template_frames() == []


def test_output_is_capped() -> None:
    assert len(render("{% for i in range(100) %}0123456789{% endfor %}", {}).text) == OUTPUT_LIMIT
    with pytest.raises(TemplateProblem) as refused:
        render("{% for i in range(101) %}0123456789{% endfor %}", {})
    assert refused.value.code == "template_too_long"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("Замер\n{% for %}", 2, "Expected an expression"),
        ("a\nb\n{{ x|nofilter }}", 3, "No filter named 'nofilter'"),
        ("{{ x\n", 1, "unexpected end of template"),
        ("{{ 1 / 0 }}", 1, "division by zero"),
    ],
)
def test_a_bad_template_names_its_line(body: str, line: int, words: str) -> None:
    with pytest.raises(TemplateProblem) as refused:
        render(body, {})
    assert refused.value.line == line
    assert words in str(refused.value)
    assert str(refused.value).startswith(f"Line {line}: ")


# --- the service, on SQLite and PostgreSQL ---


async def _count(db: Database) -> int:
    """Templates stored, in every account."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(MessageTemplate))).scalar_one()


async def test_crud_records_events_and_audit(db: Database, admin: Actor) -> None:
    created = await create_template(db, admin, TemplateCreate(name=" Замер ", body=ZAMER))
    assert (created.name, created.variables) == ("Замер", ["address", "order"])
    changed = await update_template(db, admin, created.id, TemplateUpdate(body="Готово: {{ order }}"))
    assert changed.variables == ["order"] and changed.updated_at >= created.updated_at
    assert [t.name for t in await list_templates(db, admin)] == ["Замер"]
    rendered = await render_template(db, admin, created.id, {"order": "1234"})
    assert (rendered.text, rendered.parts, rendered.encoding, rendered.missing) == ("Готово: 1234", 1, "UCS-2", [])
    latin = await create_template(db, admin, TemplateCreate(name="GSM", body="Order {{ order }} at {{ address }}"))
    rendered = await render_template(db, admin, latin.id, {"order": "x" * 150, "address": " "})
    assert (rendered.parts, rendered.encoding, rendered.missing) == (2, "GSM-7", ["address"])
    await delete_template(db, admin, latin.id)
    await delete_template(db, admin, created.id)
    assert await list_templates(db, admin) == []
    events = [_decoder.decode(p.data) for p in db.published if p.id != 0]  # type: ignore[attr-defined]
    assert [type(e) for e in events if type(e).__name__.startswith("Template")] == [
        TemplateCreated,
        TemplateUpdated,
        TemplateCreated,
        TemplateDeleted,
        TemplateDeleted,
    ]


async def test_a_bad_template_is_refused_and_nothing_is_stored(db: Database, admin: Actor) -> None:
    for body in ("Замер\n{% if x %}", "{{ ''.__class__.__mro__ }}", SLOW):
        with pytest.raises(InvalidInput):
            await create_template(db, admin, TemplateCreate(name="bad", body=body))
    good = await create_template(db, admin, TemplateCreate(name="good", body=ZAMER))
    with pytest.raises(InvalidInput) as refused:
        await update_template(db, admin, good.id, TemplateUpdate(body="ok\n{{ x|nofilter }}"))
    assert refused.value.extra["line"] == 2
    assert (await get_template(db, admin, good.id)).body == ZAMER
    with pytest.raises(Conflict):
        await create_template(db, admin, TemplateCreate(name="good", body="x"))
    assert await _count(db) == 1


async def test_another_accounts_template_is_not_found_and_roles_are_checked(db: Database, admin: Actor) -> None:
    async with db.write() as session:
        account = await create_account(session, "Другая компания", "5000")
        stranger = await create_user(session, account.id, "b-admin", "password-1", "Administrator")
        operator = await create_user(session, admin.account_id, "op", "password-1", "Operator")
    theirs = Actor(stranger.id, account.id, stranger.role, stranger.login, stranger.name)
    template = await create_template(db, theirs, TemplateCreate(name="чужой", body=ZAMER))
    for call in (
        get_template(db, admin, template.id),
        render_template(db, admin, template.id, {}),
        update_template(db, admin, template.id, TemplateUpdate(name="мой")),
        delete_template(db, admin, template.id),
    ):
        with pytest.raises(NotFound):
            await call
    assert await list_templates(db, admin) == []
    mine = await create_template(db, admin, TemplateCreate(name="мой", body=ZAMER))
    op = Actor(operator.id, admin.account_id, operator.role, operator.login, operator.name)
    assert [t.id for t in await list_templates(db, op)] == [mine.id]  # an Operator uses them
    assert (await render_template(db, op, mine.id, {"address": "Ленина, 5"})).missing == ["order"]
    with pytest.raises(Forbidden):
        await create_template(db, op, TemplateCreate(name="op", body="x"))  # but only Administrators keep them
    with pytest.raises(Forbidden):
        await list_templates(db, Actor(operator.id, admin.account_id, "BaseUser", "base", "base"))


# --- the REST API ---


async def test_the_api_answers_with_clear_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/templates", json={"name": "Замер", "body": "Замер\n{% for %}"})
    assert response.status_code == 422
    assert "Line 2" in response.json()["detail"]
    response = await client.post(f"{API}/templates", json={"name": "Замер", "body": ZAMER})
    assert response.status_code == 201, response.text
    template = response.json()
    assert template["variables"] == ["address", "order"]
    response = await client.post(f"{API}/templates/{template['id']}/render", json={"variables": {"order": "12"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"text": "Замер: , заказ #12", "parts": 1, "encoding": "UCS-2", "missing": ["address"]}
    preview = await client.post(f"{API}/templates/render", json={"body": "{{ a }}!", "variables": {"a": "hi"}})
    assert preview.json()["text"] == "hi!"
    for template_id in (2**63, 2**31, 0, -1):
        for method, path in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/render")):
            response = await client.request(method, f"{API}/templates/{template_id}{path}", json={})
            assert 400 <= response.status_code < 500, (method, template_id, response.text)
    huge = await client.post(f"{API}/templates", json={"name": "x", "body": "x" * 2001})
    assert huge.status_code == 400
    many = {f"v{i}": "x" for i in range(51)}
    response = await client.post(f"{API}/templates/{template['id']}/render", json={"variables": many})
    assert response.status_code == 400
