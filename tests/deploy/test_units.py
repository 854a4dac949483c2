"""The systemd units and the log rotation in deploy/: verified by the real tools.

``systemd-analyze verify`` runs on copies whose /opt/policy-site is this checkout, so that the
programs each ExecStart names exist (it checks that they do). Every unit in deploy/systemd/ is
verified, whatever is added there later.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from testbed.deploy import DEPLOY, INSTALL_ROOT, UNITS, render, unit_settings
from testbed.site import REPO

ALL_UNITS = sorted(path.name for path in UNITS.iterdir() if path.suffix in (".service", ".timer"))
TIMERS = {"policy-publish.timer": "*-*-* 00:05:00 Europe/Stockholm",
          "policy-purge.timer": "*-*-* 03:30:00 Europe/Stockholm"}
HARDENING = {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
             "ProtectHome": "yes", "CapabilityBoundingSet": ""}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units as the guide installs them, with this checkout for /opt/policy-site."""
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing: `make test` installs systemd"
    folder = tmp_path_factory.mktemp("systemd")
    for name in ALL_UNITS:
        text = (UNITS / name).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace(INSTALL_ROOT, str(REPO)), encoding="utf-8")
    return folder


def test_the_units_are_the_service_publish_and_purge_with_their_timers() -> None:
    assert {"policy-consent.service", "policy-publish.service", "policy-publish.timer",
            "policy-purge.service", "policy-purge.timer"} <= set(ALL_UNITS)


@pytest.mark.parametrize("name", ALL_UNITS)
def test_systemd_analyze_verify_passes_without_a_warning(installed: Path, name: str) -> None:
    result = subprocess.run(["systemd-analyze", "verify", str(installed / name)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "SYSTEMD_LOG_COLOR": "0"})
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == "", "every warning is a setting systemd ignores"


def test_verify_does_fail_on_a_program_that_is_not_there(tmp_path: Path) -> None:
    """What makes the substitution above necessary, and the check above worth having."""
    unit = tmp_path / "policy-publish.service"
    shutil.copy(UNITS / "policy-publish.service", unit)
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert f"{INSTALL_ROOT}/.venv/bin/policy-site is not executable" in result.stderr


@pytest.mark.parametrize("name", [name for name in ALL_UNITS if name.endswith(".service")])
def test_every_service_runs_unprivileged_and_sandboxed(name: str) -> None:
    settings = unit_settings(UNITS / name)
    assert settings["User"] == ["policy-site"]
    for key, value in HARDENING.items():
        assert settings.get(key) == [value], key
    writable = [path for value in settings.get("ReadWritePaths", []) for path in value.split()]
    assert writable and all(path.startswith("/var/lib/policy-site") for path in writable)
    [command] = settings["ExecStart"]
    program = command.split()[0]
    assert program.startswith(f"{INSTALL_ROOT}/.venv/bin/")
    assert (REPO / program.removeprefix(f"{INSTALL_ROOT}/")).is_file(), program


@pytest.mark.parametrize("timer", TIMERS)
def test_the_timers_fire_daily_in_stockholm_and_catch_up_after_downtime(timer: str) -> None:
    settings = unit_settings(UNITS / timer)
    assert settings["OnCalendar"] == [TIMERS[timer]]
    assert settings["Persistent"] == ["true"]
    assert (UNITS / timer.replace(".timer", ".service")).is_file()
    result = subprocess.run(["systemd-analyze", "calendar", TIMERS[timer]], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0 and "Next elapse" in result.stdout, result.stderr


def test_the_publish_service_judges_today_in_stockholm() -> None:
    """The timer fires at 00:05 in Stockholm, still the day before in UTC: the command's
    "today" must be Stockholm's, as the consent service's is (CONSENT_TIMEZONE)."""
    assert "TZ=Europe/Stockholm" in unit_settings(UNITS / "policy-publish.service")["Environment"]


def test_the_service_binds_the_socket_nginx_passes_requests_to() -> None:
    [command] = unit_settings(UNITS / "policy-consent.service")["ExecStart"]
    conf = (DEPLOY / "nginx" / "policy-site.conf").read_text(encoding="utf-8")
    assert "--bind unix:/run/policy-consent/gunicorn.sock" in command
    assert "server unix:/run/policy-consent/gunicorn.sock" in conf
    assert unit_settings(UNITS / "policy-consent.service")["RuntimeDirectory"] == ["policy-consent"]
    assert "root /var/lib/policy-site/site;" in conf
    [publish] = unit_settings(UNITS / "policy-publish.service")["ExecStart"]
    assert "--site-dir /var/lib/policy-site/site" in publish


# Log rotation ------------------------------------------------------------------------------------

def test_logrotate_keeps_the_access_logs_thirty_days_and_no_more(tmp_path: Path) -> None:
    """35 daily rotations (forced) leave today's file and 29 older ones: no line older than 30
    days, as the privacy policy promises for the access logs with addresses."""
    assert shutil.which("logrotate"), "logrotate is missing: `make test` installs it"
    logs = tmp_path / "logs"
    logs.mkdir()
    owner = f"{os.getuid()} {os.getgid()}"
    config = tmp_path / "policy-site"
    config.write_text(render((DEPLOY / "logrotate" / "policy-site").read_text(encoding="utf-8"), {
        "/var/log/nginx/policy-site/": f"{logs}/",
        "invoke-rc.d nginx rotate": "true",
        "create 0640 www-data adm": f"create 0640 {owner}",
    }), encoding="utf-8")
    config.chmod(0o644)
    for day in range(35):
        (logs / "access.log").write_text(f"127.0.0.1 day {day}\n", encoding="utf-8")
        result = subprocess.run(["logrotate", "--force", "--state", str(tmp_path / "state"), str(config)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    kept = sorted(path.name for path in logs.iterdir())
    assert len(kept) == 30, kept
    assert "access.log" in kept and "access.log.1" in kept and "access.log.29.gz" in kept
    assert "access.log.30.gz" not in kept
