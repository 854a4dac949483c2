"""The production stack on loopback: the built site published to a link, gunicorn on a Unix
socket as policy-consent.service starts it, nginx from deploy/nginx/ in front with a self-signed
certificate; and plain HTTP to either, the answer read whole."""

from __future__ import annotations

import http.client
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from testbed import free_port
from testbed.deploy import DEPLOY, INSTALL_ROOT, NGINX_TEMPLATES, NGINX_USER, UNITS, render, unit_settings
from testbed.site import REPO


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket, as nginx talks to gunicorn."""

    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=10)
        self.path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def wait_for_unix_http(path: Path, process: subprocess.Popen, log: Path, url: str = "/api/v1/health",
                       timeout: float = 60) -> None:
    """Until ``url`` answers 200 on the socket at ``path``; fails with the log if the server dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        if path.exists():
            connection = UnixHTTPConnection(path)
            try:
                connection.request("GET", url)
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                connection.close()
        time.sleep(0.1)
    raise AssertionError(f"nothing answered on {path}: {log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """End a server this test started: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


def self_signed_certificate(folder: Path, names: tuple[str, ...] = ("policy.example.se",)) -> Path:
    """A certificate and key for ``names`` and 127.0.0.1, as certbot would leave them."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = dt.datetime.now(dt.UTC)
    alternatives = [*map(x509.DNSName, names), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
                   .add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder / "fullchain.pem"


class Production:
    """The built site published to a link, gunicorn started as policy-consent.service starts it,
    nginx with deploy/nginx/ in front, all on loopback in one folder under /tmp.

    When the tests run as root, nginx runs as www-data, as Debian runs its workers, and gunicorn's
    socket belongs to that group (the guide adds www-data to the service's group instead).
    """

    def __init__(self, site: Path, environment: dict[str, str]) -> None:
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="policy-production-", dir="/tmp"))
        self.root.chmod(0o755)
        self.as_root = os.geteuid() == 0
        self.link = self.root / "www" / "site"
        self.release = self.root / "www" / "site.20261201T000500Z"
        shutil.copytree(site, self.release)
        self.link.symlink_to(self.release.name)
        self.socket = self.root / "run" / "gunicorn.sock"
        self.socket.parent.mkdir()
        self.nginx_prefix = self.root / "nginx"
        for part in ("conf", "logs", "tmp", "acme", "tls"):
            (self.nginx_prefix / part).mkdir(parents=True)
        self.certificate = self_signed_certificate(self.nginx_prefix / "tls")
        (self.root / "consent").mkdir()
        self.environment = {
            "CONSENT_SITE_DIR": str(self.link),
            "CONSENT_DATABASE_URL": f"sqlite:///{self.root / 'consent' / 'consent.sqlite3'}",
            "CONSENT_LOG_KEY_FILE": str(self.root / "consent" / "consent-log.key"),
            **environment,
        }
        self.http_port, self.https_port = free_port(), free_port()
        self.url = f"https://127.0.0.1:{self.https_port}/"
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None

    def _env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("CONSENT_", "NOTIFY_SOCKET"))}
        return {**inherited, **self.environment}

    def gunicorn_environment(self) -> dict[str, str]:
        """policy-consent.service's Environment= settings, with the test's socket folder for
        /run/policy-consent/."""
        settings = unit_settings(UNITS / "policy-consent.service").get("Environment", [])
        run = {"/run/policy-consent/": f"{self.socket.parent}/"}
        return dict(render(setting, run).split("=", 1) for setting in settings)

    def gunicorn_command(self) -> list[str]:
        """policy-consent.service's ExecStart, with this checkout for /opt/policy-site and the
        test's socket for /run/policy-consent/gunicorn.sock."""
        [exec_start] = unit_settings(UNITS / "policy-consent.service")["ExecStart"]
        command = shlex.split(render(exec_start, {
            INSTALL_ROOT: str(REPO), "/run/policy-consent/gunicorn.sock": str(self.socket)}))
        if self.as_root:
            command += ["--group", NGINX_USER]
        return command

    def nginx_substitutions(self) -> dict[str, str]:
        v6 = ipv6_loopback()
        return {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen [::]:80;": f"listen [::1]:{self.http_port};" if v6 else "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "listen [::]:443 ssl http2;": f"listen [::1]:{self.https_port} ssl http2;" if v6 else "",
            "/var/lib/policy-site/site": str(self.link),
            "/run/policy-consent/gunicorn.sock": str(self.socket),
            "/etc/letsencrypt/live/policy.example.se/": f"{self.nginx_prefix / 'tls'}/",
            "/var/log/nginx/policy-site/": f"{self.nginx_prefix / 'logs'}/",
            "/var/www/letsencrypt": str(self.nginx_prefix / "acme"),
            "/etc/nginx/snippets/": f"{self.nginx_prefix / 'conf'}/",
        }

    def write_nginx_config(self) -> Path:
        substitutions = self.nginx_substitutions()
        texts = "\n".join((DEPLOY / "nginx" / name).read_text(encoding="utf-8") for name in NGINX_TEMPLATES)
        for old in substitutions:
            assert old in texts, f"deploy/nginx/ no longer contains {old!r}"
        for name in NGINX_TEMPLATES:
            text = (DEPLOY / "nginx" / name).read_text(encoding="utf-8")
            for old, new in substitutions.items():
                text = text.replace(old, new)
            (self.nginx_prefix / "conf" / name).write_text(text, encoding="utf-8")
        tmp = self.nginx_prefix / "tmp"
        main = self.nginx_prefix / "conf" / "nginx.conf"
        main.write_text(f"""# What Debian's /etc/nginx/nginx.conf gives the site's file, in the test's prefix.
worker_processes 1;
pid {self.nginx_prefix / 'nginx.pid'};
error_log {self.nginx_prefix / 'logs' / 'main-error.log'};
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {tmp / 'body'};
    proxy_temp_path {tmp / 'proxy'};
    fastcgi_temp_path {tmp / 'fastcgi'};
    uwsgi_temp_path {tmp / 'uwsgi'};
    scgi_temp_path {tmp / 'scgi'};
    access_log {self.nginx_prefix / 'logs' / 'main-access.log'};
    include {self.nginx_prefix / 'conf' / 'policy-site.conf'};
}}
""", encoding="utf-8")
        if self.as_root:
            for path in [self.nginx_prefix, *self.nginx_prefix.rglob("*")]:
                shutil.chown(path, NGINX_USER, NGINX_USER)
        return main

    def start(self) -> Production:
        log = self.root / "gunicorn.log"
        init = subprocess.run([sys.executable, "-m", "flask", "--app", "consent_service.app", "consent",
                               "init-db"], cwd=REPO, env=self._env(), capture_output=True, text=True,
                              timeout=60)
        assert init.returncode == 0, init.stdout + init.stderr
        with log.open("ab") as output:
            self.gunicorn = subprocess.Popen(self.gunicorn_command(), cwd=REPO,
                                             env={**self._env(), **self.gunicorn_environment()},
                                             stdout=output, stderr=subprocess.STDOUT)
        wait_for_unix_http(self.socket, self.gunicorn, log)
        main = self.write_nginx_config()
        startup_log = self.nginx_prefix / "logs" / "startup.log"
        command = ["nginx", "-p", str(self.nginx_prefix), "-e", str(startup_log), "-c", str(main),
                   "-g", "daemon off;"]
        test = subprocess.run([*command[:-2], "-t"], capture_output=True, text=True, timeout=30,
                              **self._as_nginx_user())
        assert test.returncode == 0, test.stderr
        self.nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                      **self._as_nginx_user())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.nginx.poll() is None, startup_log.read_text()
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start listening")

    def _as_nginx_user(self) -> dict[str, str]:
        return {"user": NGINX_USER, "group": NGINX_USER} if self.as_root else {}

    def stop(self) -> None:
        for process in (self.nginx, self.gunicorn):
            if process is not None:
                stop(process)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(connection: http.client.HTTPConnection, path: str, method: str = "GET",
          headers: dict[str, str] | None = None, body: bytes | None = None) -> Answer:
    """One request on a fresh connection, the answer read whole and nothing decoded."""
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def through_nginx(stack: Production, path: str, client: str = "127.0.0.1", **request: object) -> Answer:
    """Over HTTPS to nginx, trusting the stack's certificate, from the loopback address
    ``client`` (any of 127.0.0.0/8: as many clients as a test needs, each its own to nginx)."""
    context = ssl.create_default_context(cafile=str(stack.certificate))
    connection = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=context, timeout=30,
                                             source_address=(client, 0))
    return fetch(connection, path, **request)  # type: ignore[arg-type]


def from_service(stack: Production, path: str, **request: object) -> Answer:
    """Straight to gunicorn's socket, as nginx passes a request on (the same forwarded headers)."""
    headers = {"Host": f"127.0.0.1:{stack.https_port}", "X-Forwarded-For": "127.0.0.1",
               "X-Forwarded-Proto": "https", **request.pop("headers", {})}  # type: ignore[dict-item]
    return fetch(UnixHTTPConnection(stack.socket), path, headers=headers, **request)  # type: ignore[arg-type]
