"""The resident check service (phiscan.service): `phiscan check` through it answers exactly as in place, and
checks in place when it is not running, stale, or not private."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PHI = "my pt dmitri finally got extubated this morning after 11 days on the vent"
CLEAN = "Thank you to everyone who came out for the blood drive today!"
WHEN = "2025-03-14T18:00"
EXE = shutil.which("phiscan") or str(Path(sys.executable).with_name("phiscan"))


def _env(runtime: Path, **extra) -> dict:
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime))
    env.pop("PHISCAN_SERVICE", None)
    env.update(extra)
    return env


def _check(runtime: Path, *args, stdin: str | None = None, cwd=None, **env):
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=_env(runtime, **env))


def _requests(runtime: Path) -> int | None:
    r = _check(runtime, "service", "status")
    if r.returncode != 0:
        return None
    return int(r.stdout.split("(pid ")[1].split(", ")[1].split()[0])


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    runtime = tmp_path_factory.mktemp("runtime")
    os.chmod(runtime, 0o700)
    proc = subprocess.Popen([sys.executable, "-m", "phiscan", "service", "start", "--foreground", "--idle", "300"],
                            env=_env(runtime), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _requests(runtime) is None:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)
    yield runtime
    _check(runtime, "service", "stop")
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_service_answers_as_the_check_in_place(service, tmp_path):
    before = _requests(service)
    args = ("check", "--text", PHI, "--created-at", WHEN, "--format", "json")
    via = _check(service, *args, cwd=tmp_path)
    assert _requests(service) == before + 1  # the service answered it
    here = _check(service, *args, cwd=tmp_path, PHISCAN_SERVICE="off")
    assert via.returncode == here.returncode == 1
    assert via.stdout == here.stdout
    found = [(f["rule"], f["start"], f["end"]) for f in json.loads(via.stdout)["findings"]]
    assert ("PHI101", 6, 12) in found and ("PHI103", 35, 47) in found
    # the text output, a clean draft, a draft on stdin and a usage error: the same output and exit code
    for args, stdin in ((("check", "--text", PHI, "--created-at", WHEN), None), (("check", "--text", CLEAN), None),
                        (("check", "-", "--created-at", WHEN), PHI), (("check", "--format", "xml", "--text", PHI), None)):
        via = _check(service, *args, stdin=stdin, cwd=tmp_path)
        here = _check(service, *args, stdin=stdin, cwd=tmp_path, PHISCAN_SERVICE="off")
        assert (via.returncode, via.stdout, via.stderr) == (here.returncode, here.stdout, here.stderr), args
    assert _requests(service) == before + 4  # the usage error is click's, before any check: never forwarded
    assert "No PHI found" in _check(service, "check", "--text", CLEAN).stdout


def test_service_reads_the_clients_folder_settings(service, tmp_path):
    """A project's phiscan.yaml in the client's folder applies, as in place (here: findings below high are left out)."""
    (tmp_path / "phiscan.yaml").write_text("min_severity: high\n", encoding="utf-8")
    via = _check(service, "check", "--text", PHI, "--created-at", WHEN, "--format", "json", cwd=tmp_path)
    rules = [f["rule"] for f in json.loads(via.stdout)["findings"]]
    assert rules == ["PHI101"]


def test_a_wrong_token_gets_no_answer(service):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(service / "phiscan" / "check.sock"))
        data = json.dumps({"token": "0" * 64, "op": "status"}).encode()
        s.sendall(len(data).to_bytes(4, "big") + data)
        assert s.recv(100) == b""  # closed without a word
    mode = os.stat(service / "phiscan").st_mode & 0o777
    assert mode == 0o700 and os.stat(service / "phiscan" / "token").st_mode & 0o777 == 0o600


def test_check_without_a_usable_service_checks_in_place(tmp_path):
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o700)
    # no service at all
    r = _check(runtime, "check", "--text", PHI, "--created-at", WHEN, "--format", "json")
    assert r.returncode == 1 and "PHI101" in r.stdout
    # a stale socket and token left by a service that died: still answered in place, at once
    d = runtime / "phiscan"
    d.mkdir(mode=0o700)
    (d / "token").write_text("ab" * 32)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(d / "check.sock"))
    stale.close()
    r = _check(runtime, "check", "-", "--created-at", WHEN, "--format", "json", stdin=PHI)
    assert r.returncode == 1 and ("PHI101", 6, 12) in [(f["rule"], f["start"], f["end"]) for f in json.loads(r.stdout)["findings"]]
    # a folder others can read is not used, and the service refuses to start there
    os.chmod(d, 0o755)
    from phiscan import service as svc

    os.environ["XDG_RUNTIME_DIR"], old = str(runtime), os.environ.get("XDG_RUNTIME_DIR")
    try:
        assert svc._private_dir(create=False) is None
        with pytest.raises(svc.ServiceError, match="not a private folder"):
            svc._private_dir(create=True)
    finally:
        os.environ["XDG_RUNTIME_DIR"] = old


def test_auto_checks_in_place_then_starts_one_service_for_the_next_checks(tmp_path):
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o700)
    args = ("check", "--text", PHI, "--created-at", WHEN, "--format", "json")
    here = _check(runtime, *args, PHISCAN_SERVICE="off")
    try:
        first = _check(runtime, *args, PHISCAN_SERVICE="auto")  # no service: answered in place, one started after
        assert (first.returncode, first.stdout) == (here.returncode, here.stdout) == (1, here.stdout)
        # a second auto check while the first's service warms up starts no second one (the start lock)
        _check(runtime, *args, PHISCAN_SERVICE="auto")
        deadline = time.monotonic() + 120
        while _requests(runtime) is None:
            assert time.monotonic() < deadline, (runtime / "phiscan" / "service.log").read_text()
            time.sleep(0.2)
        before = _requests(runtime)
        via = _check(runtime, *args, PHISCAN_SERVICE="auto")
        assert _requests(runtime) == before + 1 and (via.returncode, via.stdout) == (1, here.stdout)
        time.sleep(1.0)
        procs = subprocess.run(["pgrep", "-f", "phiscan service start --foreground --idle 3600"], capture_output=True,
                               text=True).stdout.split()
        assert len(procs) == 1, procs
    finally:
        _check(runtime, "service", "stop")
