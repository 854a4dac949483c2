"""The README's guide for a fresh Debian 12 server, followed as far as one machine allows: its
commands are valid shell, every file, unit, program and command they name exists in the
repository and is the one the other deploy tests verify, the environment file it writes is one
the service accepts, and every folder the units and nginx need is one it creates.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from consent_service.cli import consent as consent_commands
from consent_service.config import SETTINGS, load_settings
from policy_site.cli import main as policy_site_commands
from testbed.deploy import DEPLOY, INSTALL_ROOT, NGINX_TEMPLATES, UNITS, unit_settings
from testbed.site import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
GUIDE = README[README.index("### Production on Debian 12"):]
GUIDE = GUIDE[:GUIDE.index("\n## ")]
BLOCKS = [textwrap.dedent(block) for block in re.findall(r"```sh\n(.*?)```", GUIDE, re.DOTALL)]
HEREDOC = re.compile(r"cat > (\S+) <<EOF\n(.*?)\nEOF\n", re.DOTALL)
ALL_UNITS = sorted(path.name for path in UNITS.iterdir() if path.suffix in (".service", ".timer"))


def commands() -> list[list[str]]:
    """Every command of the guide as words, from its program on: continuation lines joined,
    heredocs left out, ``runuser -u USER --`` and ``set -a; . FILE; exec`` taken off, and the
    script of ``sh -c`` as commands of its own."""
    found = []
    for block in BLOCKS:
        for line in HEREDOC.sub("", block).replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                found += _unwrapped(shlex.split(line, comments=True))
    return found


def _unwrapped(command: list[str]) -> list[list[str]]:
    if command[:2] == ["runuser", "-u"] and "--" in command:
        return _unwrapped(command[command.index("--") + 1:])
    if command[:2] == ["sh", "-c"]:
        return [inner for part in command[2].split(";") for inner in _unwrapped(shlex.split(part))
                if inner and inner[0] not in ("set", ".")]
    if command[:1] == ["exec"]:
        return _unwrapped(command[1:])
    return [command]


def words() -> list[str]:
    return [word for command in commands() for word in command]


def with_program(name: str) -> list[list[str]]:
    """The commands that run ``name``."""
    return [command for command in commands() if command and command[0] == name]


def environment_file() -> tuple[str, dict[str, str]]:
    [(path, body)] = [match for block in BLOCKS for match in HEREDOC.findall(block)]
    return path, dict(line.split("=", 1) for line in body.splitlines())


def test_the_guide_has_its_steps_and_each_is_valid_shell() -> None:
    assert len(BLOCKS) >= 10
    for block in BLOCKS:
        result = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{result.stderr}\n{block}"


def test_every_file_the_guide_installs_is_in_the_repository() -> None:
    named = [word for word in words() if word.startswith("deploy/")]
    assert named
    for pattern in named:
        assert list(REPO.glob(pattern)), f"the guide installs {pattern}, which is not in the repository"


def test_the_guide_installs_exactly_the_units_that_are_verified_and_enables_each() -> None:
    installed = sorted({path.name for pattern in words() if pattern.startswith("deploy/systemd/")
                        for path in REPO.glob(pattern)})
    assert installed == ALL_UNITS
    enabled = {word for command in commands() if command[:2] == ["systemctl", "enable"] for word in command}
    started = {word for command in commands() if command[:2] == ["systemctl", "start"] for word in command}
    for unit in ALL_UNITS:
        timer = unit.replace(".service", ".timer")
        assert unit in enabled or (timer != unit and timer in enabled), (
            f"{unit} is installed but never enabled: add it to the guide's `systemctl enable` line")
    assert "policy-publish.service" in started, "the first publish, before nginx serves the site"


def test_the_guide_installs_every_nginx_and_logrotate_file() -> None:
    installed = {Path(word).name for word in words() if word.startswith("deploy/")}
    assert set(NGINX_TEMPLATES) <= installed
    assert "policy-site" in installed, "deploy/logrotate/policy-site"
    snippets = [command for command in with_program("install") if "/etc/nginx/snippets/" in command]
    assert {Path(word).name for command in snippets for word in command if word.startswith("deploy/")} == {
        "policy-site-headers.conf", "policy-site-proxy.conf"}
    conf = (DEPLOY / "nginx" / "policy-site.conf").read_text(encoding="utf-8")
    for snippet in ("policy-site-headers.conf", "policy-site-proxy.conf"):
        assert f"include /etc/nginx/snippets/{snippet};" in conf


def test_every_program_and_subcommand_the_guide_runs_exists() -> None:
    programs = {word.removeprefix(".venv/bin/") for word in words() if word.startswith(".venv/bin/")}
    assert {"pip", "flask"} <= programs
    for program in programs:
        assert Path(sys.executable).with_name(program).is_file(), program
    for command in with_program(".venv/bin/flask"):
        assert command[1:4] == ["--app", "consent_service.app", "consent"], command
        assert command[4] in consent_commands.commands, command
    for unit in ALL_UNITS:
        for exec_start in unit_settings(UNITS / unit).get("ExecStart", []):
            words_ = shlex.split(exec_start)
            if words_[0].endswith("/policy-site"):
                assert words_[1] in policy_site_commands.commands, exec_start
            if words_[0].endswith("/flask"):
                assert words_[4] in consent_commands.commands, exec_start
    mentioned = re.findall(r"`consent ([a-z-]+)", GUIDE)
    assert mentioned and set(mentioned) <= set(consent_commands.commands)


def test_the_code_goes_where_the_units_expect_it() -> None:
    [clone] = with_program("git")
    assert clone[1] == "clone" and clone[-1] == INSTALL_ROOT
    for unit in ALL_UNITS:
        for directory in unit_settings(UNITS / unit).get("WorkingDirectory", []):
            assert directory == INSTALL_ROOT, unit


def test_the_environment_file_is_one_the_service_accepts_and_matches_the_units(tmp_path: Path) -> None:
    path, variables = environment_file()
    known = {setting.name for setting in SETTINGS}
    assert set(variables) <= known, set(variables) - known
    token = variables["CONSENT_ADMIN_TOKEN"]
    assert token.startswith("$(python3 -c") and "secrets.token_urlsafe(32)" in token
    settings = load_settings({**variables, "CONSENT_ADMIN_TOKEN": "x" * 43}, {}, tmp_path / "instance")
    assert settings["CONSENT_PROXY_HOPS"] == 1, "nginx is in front: the service must believe it"
    for unit in ("policy-consent.service", "policy-purge.service"):
        assert unit_settings(UNITS / unit)["EnvironmentFile"] == [path]
    [publish] = unit_settings(UNITS / "policy-publish.service")["ExecStart"]
    assert f"--site-dir {variables['CONSENT_SITE_DIR']}" in publish
    conf = (DEPLOY / "nginx" / "policy-site.conf").read_text(encoding="utf-8")
    assert f"root {variables['CONSENT_SITE_DIR']};" in conf


def test_the_database_role_and_name_are_the_ones_the_guide_creates() -> None:
    _, variables = environment_file()
    url = make_url(variables["CONSENT_DATABASE_URL"])
    [createuser] = with_program("createuser")
    [createdb] = with_program("createdb")
    assert createuser[-1] == url.username == "policy-site", "peer authentication: the system user"
    assert createdb[-1] == url.database and f"--owner={url.username}" in createdb
    [dump] = with_program("pg_dump")
    assert dump[-1] == url.database
    assert all(unit_settings(UNITS / unit).get("User") == [url.username]
               for unit in ALL_UNITS if unit.endswith(".service"))


@pytest.mark.parametrize("unit", [unit for unit in ALL_UNITS if unit.endswith(".service")])
def test_every_folder_a_unit_writes_or_reads_config_from_is_created_by_the_guide(unit: str) -> None:
    created = {word for command in with_program("install") if "-d" in command for word in command
               if word.startswith("/")}
    settings = unit_settings(UNITS / unit)
    needed = [path for value in settings.get("ReadWritePaths", []) for path in value.split()]
    needed += [str(Path(path).parent) for path in settings.get("EnvironmentFile", [])]
    for path in needed:
        assert path in created, f"{unit} needs {path}, which the guide does not create"


def test_every_folder_nginx_writes_or_serves_is_created_by_the_guide() -> None:
    created = {word for command in with_program("install") if "-d" in command for word in command
               if word.startswith("/")}
    conf = (DEPLOY / "nginx" / "policy-site.conf").read_text(encoding="utf-8")
    logs = {str(Path(path).parent) for path in re.findall(r"(?:access|error)_log (/\S+)", conf)}
    roots = set(re.findall(r"root (/\S+);", conf))
    for path in logs | {str(Path(root).parent) if root.endswith("/site") else root for root in roots}:
        assert path in created, f"nginx needs {path}, which the guide does not create"
    assert re.search(r"server_name policy\.example\.se;", conf)
    [certbot] = with_program("certbot")
    assert certbot[certbot.index("-d") + 1] == "policy.example.se"
    assert "/etc/letsencrypt/live/policy.example.se/fullchain.pem" in conf
