"""A resident local service for `phiscan check`: a warm engine (spaCy model, rules, judgment loaded once) behind a
unix socket, so that checking one draft costs an interpreter start and a round trip instead of loading the
model every time (benchmarks/check_cold.sh). `phiscan check` uses it when it runs and checks by itself when it
does not: nothing else changes, the output and the exit code are those of the same command run in place
(the service runs the very same `check` command, in the client's folder, with its settings).

    phiscan service start      # in the background; `--foreground` to keep it attached
    phiscan service status
    phiscan service stop

Where: `$XDG_RUNTIME_DIR/phiscan/` (else `/tmp/phiscan-<uid>/`), a folder of the user's own with mode 0700 that
both sides refuse to use otherwise, holding the socket (0600) and a random token (0600). The service answers
only a peer of its own user id (SO_PEERCRED) that sends the token. It never logs a draft; it leaves when stopped
or after `--idle` seconds without a request. Only the console script forwards (`phiscan check ...` typed or run
by a hook); the Python API and tests calling the command in-process always check in place. PHISCAN_SERVICE=off
turns forwarding off; PHISCAN_SERVICE=auto starts a service in the background after a check that found none
(so the next check is answered at once; it leaves after AUTO_IDLE seconds without a check).
"""
from __future__ import annotations

import base64
import hmac
import json
import os
import socket
import stat
import struct
import sys
import time
from pathlib import Path

MAX_REQUEST = 32 * 1024 * 1024  # bytes: a draft is far smaller; a bigger request is refused
CONNECT_TIMEOUT = 0.2  # seconds to reach the service before checking in place
ANSWER_TIMEOUT = 120.0  # seconds to wait for the answer of a service that took the request
AUTO_IDLE = 3600.0  # seconds a service that PHISCAN_SERVICE=auto started stays without a check
# The client's environment that can change what `check` prints: settings, terminal and clock.
ENV_KEYS = ("COLUMNS", "LINES", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TZ", "HOME", "XDG_CONFIG_HOME",
            "LANG", "LC_ALL", "LC_CTYPE")


class ServiceError(RuntimeError):
    pass


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        return Path(base) / "phiscan"
    return Path("/tmp") / f"phiscan-{os.getuid()}"


def _private_dir(create: bool) -> Path | None:
    """The service folder when it is the user's own and nobody else's (0700), else None (or an error on create)."""
    d = runtime_dir()
    if create:
        try:
            d.mkdir(mode=0o700, parents=False, exist_ok=True)
        except OSError as exc:
            raise ServiceError(f"{d}: cannot create the service folder ({exc.strerror})") from None
    try:
        st = os.lstat(d)
    except OSError:
        return None
    ok = stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077
    if not ok:
        if create:
            raise ServiceError(f"{d}: not a private folder of this user (mode 0700): refusing to use it")
        return None
    return d


def _env_of_client() -> dict:
    env = {k: os.environ.get(k) for k in ENV_KEYS}
    env.update({k: v for k, v in os.environ.items() if k.startswith("PHISCAN_")})
    return env


def _send(sock: socket.socket, obj: dict) -> None:
    data = json.dumps(obj).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def _recv(sock: socket.socket) -> dict:
    head = _read_exact(sock, 4)
    (n,) = struct.unpack(">I", head)
    if n > MAX_REQUEST:
        raise ServiceError("request too large")
    return json.loads(_read_exact(sock, n).decode("utf-8"))


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            raise ServiceError("connection closed")
        buf += chunk
    return bytes(buf)


# -- client -------------------------------------------------------------------------------------------------
def forward_check(argv: list[str], reads_stdin: bool) -> int | None:
    """Run `phiscan <argv>` (a check) in the service: writes its output here and returns its exit code, or None
    when there is no usable service (then the caller checks in place)."""
    mode = os.environ.get("PHISCAN_SERVICE", "").lower()
    if mode in ("off", "0", "no", "false"):
        return None
    got = _forward(argv, reads_stdin)
    if got is None and mode == "auto":
        import atexit

        atexit.register(_start_detached)  # after this check's output: the in-place check keeps both cores
    return got


def _start_detached() -> None:
    """Start a service for the next checks without waiting for it (PHISCAN_SERVICE=auto). A second one started at
    the same moment finds the first's start lock and leaves; a failure is silent (the next check runs in place)."""
    import subprocess

    try:
        d = _private_dir(create=True)
        fd = os.open(d / "service.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except (OSError, ServiceError):
        return
    try:
        subprocess.Popen([sys.executable, "-m", "phiscan", "service", "start", "--foreground", "--idle", str(AUTO_IDLE)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fd, start_new_session=True,
                         env={k: v for k, v in os.environ.items() if k != "PHISCAN_SERVICE"})
    except OSError:
        pass
    finally:
        os.close(fd)


def _forward(argv: list[str], reads_stdin: bool) -> int | None:
    d = _private_dir(create=False)
    if d is None:
        return None
    try:
        token = (d / "token").read_text(encoding="ascii").strip()
    except OSError:
        return None
    stdin = b""
    if reads_stdin:
        try:
            stdin = sys.stdin.buffer.read()
        except (OSError, ValueError):
            return None
        if len(stdin) > MAX_REQUEST - (1 << 20):
            return _check_in_place_with(stdin)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(str(d / "check.sock"))
    except OSError:
        return _check_in_place_with(stdin) if reads_stdin else None
    tty = False
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        pass
    env = _env_of_client()
    if tty and not env.get("NO_COLOR"):
        env.setdefault("FORCE_COLOR", "1")
        try:
            env["COLUMNS"] = env.get("COLUMNS") or str(os.get_terminal_size(sys.stdout.fileno()).columns)
        except OSError:
            pass
    try:
        sock.settimeout(ANSWER_TIMEOUT)
        _send(sock, {"token": token, "argv": argv, "cwd": os.getcwd(), "env": env, "color": tty,
                     "stdin": base64.b64encode(stdin).decode("ascii") if reads_stdin else None})
        answer = _recv(sock)
    except (OSError, ServiceError, ValueError):
        return _check_in_place_with(stdin) if reads_stdin else None
    finally:
        sock.close()
    if answer.get("fallback"):
        return _check_in_place_with(stdin) if reads_stdin else None
    try:
        sys.stdout.buffer.write(base64.b64decode(answer.get("stdout", "")))
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    err = base64.b64decode(answer.get("stderr", ""))
    if err:
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
    return int(answer.get("code", 2))


def _check_in_place_with(stdin: bytes) -> None:
    """The draft on stdin is read already: put it back for the in-place check."""
    import io

    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    return None


def status() -> dict | None:
    """{"pid", "since", "requests"} of the running service, None when none answers."""
    d = _private_dir(create=False)
    if d is None:
        return None
    try:
        token = (d / "token").read_text(encoding="ascii").strip()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2.0)
            sock.connect(str(d / "check.sock"))
            _send(sock, {"token": token, "op": "status"})
            return _recv(sock)
    except (OSError, ServiceError, ValueError):
        return None


def stop() -> bool:
    d = _private_dir(create=False)
    if d is None:
        return False
    try:
        token = (d / "token").read_text(encoding="ascii").strip()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5.0)
            sock.connect(str(d / "check.sock"))
            _send(sock, {"token": token, "op": "stop"})
            return bool(_recv(sock).get("stopping"))
    except (OSError, ServiceError, ValueError):
        return False


# -- service ------------------------------------------------------------------------------------------------
def _stamp(cfg) -> tuple:
    """What on disk a cached engine was built from: the rules folders' files, the profile, packs, registry and
    weights (their mtimes and sizes). An edit there builds a new engine for the next check."""
    from .resources import rules_dir

    paths: list[Path] = []
    for d in [rules_dir(), *map(Path, cfg.rules_dirs or ())]:
        if d.is_dir():
            paths.extend(sorted(p for p in d.rglob("*") if p.is_file()))
    for p in (cfg.profile, cfg.authorizations, *(cfg.pack_files or ()),
              None if cfg.judgment == "default" else cfg.judgment):
        if p:
            paths.append(Path(p))
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def _cached_scanners(cli) -> None:
    """Inside the service: `check` reuses the engine built for the same settings and unchanged files."""
    original = cli._scanner
    engines: dict = {}

    def scanner(cfg, cache: bool = False):
        key = (repr(cfg), cache, _stamp(cfg))
        got = engines.get(key)
        if got is None:
            if len(engines) >= 8:
                engines.clear()
            got = engines[key] = original(cfg, cache=cache)
        return got

    cli._scanner = scanner


def _peer_uid(conn: socket.socket) -> int | None:
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1]
    except (AttributeError, OSError):
        return None


def serve(cli, idle: float | None = None, ready=None) -> None:
    """Answer checks until stopped (or `idle` seconds without a request), running `cli` (the phiscan.cli module,
    passed in so that this module, which cli imports, imports no cli). `ready()` is called once listening."""
    import secrets

    from click.testing import CliRunner

    import fcntl

    d = _private_dir(create=True)
    sock_path = d / "check.sock"
    lock = os.open(d / "service.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:  # held while this service lives: two started at once would both bind, and one would answer nobody
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        raise ServiceError(f"a service is already starting or running at {d}") from None
    if status() is not None:
        os.close(lock)
        raise ServiceError(f"a service already answers at {sock_path}")
    _cached_scanners(cli)
    # warm: the model, the rules and the judgment are loaded before the first check is taken
    CliRunner().invoke(cli.main, ["check", "--text", "Warm up the pipeline, Mr. Test.", "--format", "json"])
    token = secrets.token_hex(32)
    tok = d / "token"
    fd = os.open(str(tok) + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token)
    try:
        sock_path.unlink()
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        srv.bind(str(sock_path))
    finally:
        os.umask(old)
    os.replace(str(tok) + ".tmp", tok)
    srv.listen(16)
    srv.settimeout(idle if idle else None)
    started, served = time.time(), 0
    home = os.getcwd()
    if ready is not None:
        ready()
    try:
        while True:
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                break  # idle for too long
            with conn:
                conn.settimeout(10.0)
                try:
                    if _peer_uid(conn) not in (None, os.getuid()):
                        continue
                    req = _recv(conn)
                    if not hmac.compare_digest(str(req.get("token", "")), token):
                        continue
                    op = req.get("op", "check")
                    if op == "status":
                        _send(conn, {"pid": os.getpid(), "since": started, "requests": served})
                        continue
                    if op == "stop":
                        _send(conn, {"stopping": True})
                        break
                    served += 1
                    _send(conn, _run_check(cli, CliRunner, req, home))
                except (OSError, ServiceError, ValueError):
                    continue
    finally:
        srv.close()
        for p in (sock_path, tok):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


def _run_check(cli, CliRunner, req: dict, home: str) -> dict:
    argv = req.get("argv")
    if not isinstance(argv, list) or "check" not in argv or not all(isinstance(a, str) for a in argv):
        return {"fallback": True}
    env = {k: v for k, v in (req.get("env") or {}).items() if isinstance(k, str) and (v is None or isinstance(v, str))}
    for k in ENV_KEYS:
        env.setdefault(k, None)  # unset here what the client has not set
    for k in [k for k in os.environ if k.startswith("PHISCAN_") and k not in env]:
        env[k] = None
    stdin = req.get("stdin")
    try:
        os.chdir(req.get("cwd") or home)
    except OSError:
        return {"fallback": True}
    tz = os.environ.get("TZ")
    try:
        runner = CliRunner(env=env)
        if env.get("TZ") != tz:
            time.tzset() if hasattr(time, "tzset") else None
        result = runner.invoke(cli.main, argv, input=base64.b64decode(stdin) if stdin is not None else None,
                               color=bool(req.get("color")), prog_name="phiscan")
    finally:
        os.chdir(home)
        if hasattr(time, "tzset"):
            time.tzset()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return {"fallback": True}  # an internal error: the client checks in place and shows it as usual
    return {"stdout": base64.b64encode(result.stdout_bytes).decode("ascii"),
            "stderr": base64.b64encode(result.stderr_bytes or b"").decode("ascii"), "code": result.exit_code}


def start_background(idle: float | None, wait: float = 60.0) -> int:
    """Start `phiscan service start --foreground` detached; the pid once it answers."""
    import subprocess

    cmd = [sys.executable, "-m", "phiscan", "service", "start", "--foreground"]
    if idle:
        cmd += ["--idle", str(idle)]
    d = _private_dir(create=True)
    log = d / "service.log"  # what the service itself says (start-up errors); never a draft
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=fd,
                                start_new_session=True)
    finally:
        os.close(fd)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(encoding="utf-8", errors="replace").strip()
            raise ServiceError(err.splitlines()[-1] if err else f"the service exited ({proc.returncode})")
        got = status()
        if got is not None:
            return int(got["pid"])
        time.sleep(0.1)
    raise ServiceError("the service did not answer within a minute")
