"""The deployment files say what the README says they do."""

from __future__ import annotations

import configparser
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep the keys' case
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_daemon_unit_is_hardened_and_stops_gracefully():
    service = unit("regwatch.service")["Service"]
    assert service["ExecStart"].endswith("run")
    assert "regwatch init" in service["ExecStartPre"]
    assert service["User"] == "regwatch"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) >= 60
    for key in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert key in service, key
    assert service["CapabilityBoundingSet"] == ""


def test_timer_alternative_runs_one_cycle():
    assert unit("regwatch-once.service")["Service"]["ExecStart"].endswith("run --once")
    timer = unit("regwatch-once.timer")["Timer"]
    assert timer["Persistent"] == "true"


def test_container_runs_as_non_root_with_a_health_check():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "USER regwatch" in dockerfile
    assert 'CMD ["regwatch", "healthcheck"]' in dockerfile


def test_compose_has_postgres_and_a_mail_catcher():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "mail", "regwatch"} <= set(services)
    env = services["regwatch"]["environment"]
    assert env["REGWATCH_DB"].startswith("postgresql+psycopg://")
    assert env["REGWATCH_SMTP_URL"].startswith("smtp://mail:")


def test_example_environment_names_every_setting():
    text = (DEPLOY / "regwatch.env.example").read_text()
    for name in (
        "REGWATCH_DB",
        "REGWATCH_CONFIG",
        "REGWATCH_SMTP_URL",
        "REGWATCH_MAIL_FROM",
        "REGWATCH_OUTBOX",
    ):
        assert name in text
