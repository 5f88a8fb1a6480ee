"""Nothing at run time touches the network: a scan with socket connections blocked gives the same findings."""
from __future__ import annotations

import socket

import pytest

TEXT = ("Her sister set up a page: https://pledgehive.org/nico-strong and gofundme.com/f/help-rosalind-heal; "
        "questions to rosa.ibarrafam@example.com or jo@sunmail.net. Our site is pinecresthealth.org")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _findings(scanner):
    return [(f.rule, f.start, f.end, str(f.severity)) for f in scanner.scan_text(TEXT)]


def test_scan_is_the_same_without_network(scanner, no_network):
    from phiscan.config import Config
    from phiscan.engine import Scanner

    blocked = _findings(Scanner.from_config(Config()))
    assert any(r == "PHI109" for r, *_ in blocked) and any(r == "PHI110" for r, *_ in blocked)
    assert blocked == _findings(scanner)


def test_presidio_email_and_url_recognizers_stay_offline(no_network):
    """presidio's recognizers call tldextract, which would fetch the public suffix list; phiscan stops that."""
    import phiscan.offline

    phiscan.offline.install()
    from presidio_analyzer.predefined_recognizers import EmailRecognizer, UrlRecognizer

    emails = EmailRecognizer().analyze(TEXT, ["EMAIL_ADDRESS"])
    urls = UrlRecognizer().analyze(TEXT, ["URL"])
    assert {TEXT[r.start:r.end] for r in emails} == {"rosa.ibarrafam@example.com", "jo@sunmail.net"}
    assert "https://pledgehive.org/nico-strong" in {TEXT[r.start:r.end] for r in urls}


# -- a scan in a network namespace with no network at all ------------------------------------------------------
def _unshare_prefix() -> list[str] | None:
    """The command prefix that runs a program without network (`unshare -rn`, or `-n` for root), or None."""
    import shutil
    import subprocess

    exe = shutil.which("unshare")
    if exe is None:
        return None
    for flags in (["-rn"], ["-n"]):
        try:
            if subprocess.run([exe, *flags, "true"], capture_output=True, timeout=30).returncode == 0:
                return [exe, *flags]
        except (OSError, subprocess.SubprocessError):
            continue
    return None


def test_scan_in_a_network_namespace_gives_the_same_findings(tmp_path):
    """Proof beyond socket patching: the same scan run where no network exists (a new network namespace has
    only a loopback device, and it is down) reports exactly the findings of a normal run."""
    import errno
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    prefix = _unshare_prefix()
    if prefix is None:
        pytest.skip("unshare -n is not allowed here (no user namespaces, or not permitted in this container)")
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 53), timeout=2)\n"
                            "except OSError as e:\n    print(e.errno)\nelse:\n    print('connected')"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == str(errno.ENETUNREACH), probe.stdout + probe.stderr  # really no network in there
    root = Path(__file__).resolve().parents[1]
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": "links", "text": TEXT}) + "\n")
    inputs = [str(posts), str(root / "fixtures" / "content-queue"), str(root / "fixtures" / "exports" / "mastodon")]

    def scan(cmd_prefix: list[str]) -> dict:
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
        r = subprocess.run([*cmd_prefix, sys.executable, "-m", "phiscan", "scan", *inputs, "--format", "json", "--no-cache", "-q"],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
        assert r.returncode in (0, 1), r.stderr[-3000:]
        return json.loads(r.stdout)

    normal, isolated = scan([]), scan(prefix)
    assert normal["findings"], "the fixtures should give findings"
    assert {f["rule"] for f in normal["findings"]} >= {"PHI109", "PHI110"}  # emails and links: tldextract's paths
    assert isolated["findings"] == normal["findings"]
    assert isolated["errors"] == normal["errors"] == []
