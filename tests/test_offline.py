"""Nothing at run time touches the network: a scan with socket connections blocked gives the same findings."""
from __future__ import annotations

import socket

import pytest

TEXT = ("Her sister set up a page: https://pledgenest.org/santi-strong and gofundme.com/f/help-marisol-heal; "
        "questions to lupe.ortizfam@example.com or jo@sunmail.net. Our site is pinecresthealth.org")


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
    assert {TEXT[r.start:r.end] for r in emails} == {"lupe.ortizfam@example.com", "jo@sunmail.net"}
    assert "https://pledgenest.org/santi-strong" in {TEXT[r.start:r.end] for r in urls}
