"""Settings: one frozen struct read from COMMUNICATOR_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

PREFIX = "COMMUNICATOR_"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything configurable; nothing else reads os.environ."""

    database_url: str = "sqlite+aiosqlite:///./data/communicator.db"
    redis_url: str | None = None
    # Keys API-token hashes and trusted-device cookies. Unset: generated on first start and kept in the
    # database (table server_secrets); set it to keep the secret out of the database and its backups.
    secret_key: str = ""
    demo_password: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Where browsers open the app (scheme://host[:port]): the only origin allowed to change state or open
    # /ws, besides allowed_origins. Unset: http://{host}:{port} (on loopback also http://localhost:{port}),
    # right for `make run`; set it behind a proxy, or when host is 0.0.0.0.
    public_origin: str = ""
    allowed_origins: tuple[str, ...] = ()
    # Prefix of pub/sub channel names, so several installations (or test runs) can share one Redis.
    channel_prefix: str = "communicator"
    session_idle_minutes: int = 60 * 12
    session_absolute_hours: int = 24 * 7
    # Login throttling (docs/security.md): failed logins counted in a window that starts at the first failure.
    login_window_seconds: int = 15 * 60
    login_max_failures_per_login_ip: int = 5
    login_max_failures_per_ip: int = 50
    # Applies only to clients without a trusted-device cookie for that login (a distributed guessing attack).
    login_max_failures_per_login: int = 20
    trusted_device_days: int = 90
    event_retention: int = 100_000
    # A WebSocket whose client holds this many unsent events, or takes no frame for this long, is closed
    # (4408) and catches up from last_event_id when it reconnects: a client that never reads costs bounded memory.
    ws_max_backlog: int = 1000
    ws_send_timeout_seconds: float = 30.0
    max_body_bytes: int = 1_000_000
    # the gateway
    gateway_enabled: bool = True
    # "simulator" or "http" (each account's aggregator, docs/gateway.md); the Phones page and POST /api/v1/simulator/inbound exist only with it,
    # because they let anyone who can reach the server play an SMSC.
    gateway_driver: str = "simulator"
    gateway_batch: int = 200
    gateway_lease_seconds: float = 30.0
    relay_interval_seconds: float = 5.0
    # the simulator driver (a virtual SMSC with virtual phones)
    sim_tps: float = 2000.0
    sim_submit_latency_ms: float = 5.0
    sim_dlr_delay_ms: float = 300.0
    sim_failure_rate: float = 0.0
    sim_log_path: str | None = None
    sim_auto_reply_rate: float = 0.0  # share of delivered SMS a virtual phone answers (demo liveliness)
    # the SMPP driver (gateway_driver = "smpp"): one transceiver bind for the demo account
    smpp_host: str = "127.0.0.1"
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_source_addr: str = "4938"
    smpp_window: int = 10
    smpp_tps: float = 100.0
    smpp_enquire_link_seconds: float = 30.0
    smpp_response_timeout_seconds: float = 10.0
    smpp_retries: int = 3
    # how often a gateway re-reads the smpp_binds table (binds managed on the «Шлюз» page)
    smpp_binds_reload_seconds: float = 5.0
    static_dir: str | None = None
    # Operators whose subscribers' replies reach the short number (docs/numbering.md); others get «ответы не дойдут».
    reply_operators: tuple[str, ...] = ("MTS",)
    # the HTTP aggregator driver (COMMUNICATOR_GATEWAY_DRIVER=http; each account's provider is configured in the app)
    http_tps: float = 100.0
    http_timeout_seconds: float = 10.0
    # e-mail to SMS (docs/mail.md): the listener (port 0: off), the domain of the accounts' addresses, hygiene
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    mail_domain: str = "sms.localhost"
    mail_max_bytes: int = 256_000
    mail_max_sms_chars: int = 335  # five Cyrillic parts; longer mails are cut with «…»
    mail_fold_seconds: int = 600  # identical alerts within this window fold into the first one
    mail_rate_per_hour: int = 60  # accepted mails per sender per hour; more are refused (554)
    # webhooks (docs/webhooks.md)
    webhooks_enabled: bool = True
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 10
    webhook_backoff_seconds: float = 10.0  # the first retry's delay; doubled each attempt
    webhook_backoff_max_seconds: float = 3600.0
    webhook_poll_seconds: float = 2.0
    # hooks may post to private, loopback and link-local addresses (tests, the demo); off: public addresses only
    webhook_allow_private: bool = False
    # the delivery log: finished calls older than this are deleted, and at most this many kept per account
    webhook_log_days: float = 30.0
    webhook_log_max_per_account: int = 10_000
    # --- ops (docs/operations.md) ---
    # Each gateway writes its links' state this often; a link not reported for 3× this reads as down.
    gateway_link_report_seconds: float = 5.0
    # `communicator gateway` serves /health/live, /health/ready and /metrics on this port (0: not at all).
    gateway_http_port: int = 0
    log_format: str = "text"  # "json": one JSON object per log line (for log collectors)
    log_level: str = "INFO"
    # --- exports (docs/exports.md) ---
    # Where finished .xlsx exports are kept; every api process must see the same directory.
    export_dir: str = "./data/exports"
    export_sheet_rows: int = 1_048_576  # rows per sheet, header included (Excel's limit; tests set a small one)
    export_batch_rows: int = 2000  # rows read from the database per query
    export_keep_days: int = 7  # finished exports (files and jobs) are deleted after this many days
    export_max_running: int = 2  # running exports per user; one more is refused (409)
    export_lease_seconds: float = 30.0  # a job not renewed for this long (its process stopped) is taken again
    export_poll_seconds: float = 2.0

    @property
    def origins(self) -> tuple[str, ...]:
        """Every origin a browser may change state from: the public one, then the allowed ones."""
        if self.public_origin:
            return (self.public_origin, *self.allowed_origins)
        # Derived for `make run`: on loopback a browser may say 127.0.0.1 or localhost for the same server.
        hosts = LOOPBACK_NAMES if self.host in LOOPBACK_NAMES else (self.host,)
        return (*(f"http://{host}:{self.port}" for host in hosts), *self.allowed_origins)


def _convert(raw: str, kind: object) -> object:
    """Turn one environment string into the field's type."""
    if kind is bool or kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if "tuple" in str(kind):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_settings(environ: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Read settings from the environment (or the given mapping), then apply overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        raw = env.get(PREFIX + field.name.upper())
        if raw is not None and raw != "":
            values[field.name] = _convert(raw, field.type)
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    _ensure_sqlite_dir(settings.database_url)
    return settings


def _ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file so a fresh clone starts without setup."""
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
