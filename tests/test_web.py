"""`phiscan serve`: the web page driven over real HTTP on a free local port (a server thread), and the command.

All post text here is synthetic (invented people, 555 numbers)."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("flask")

from phiscan.cli import main  # noqa: E402
from phiscan.config import Config  # noqa: E402
from phiscan.web import check_bind, create_app  # noqa: E402
from phiscan.web.app import BindError  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
PATIENT = "So proud of my pt Cornelius Abernathy in room 412, walked the whole hallway after his hip surgery."
EVENT = "Blood drive this Friday in the main lobby, 8am to 2pm. Walk-ins welcome!"
WHEN = "2025-05-02T15:00"


class Server:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.httpd = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    s = Server(create_app(Config.load(None)))
    yield s
    s.close()


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _open(opener, req):
    try:
        with opener.open(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8")


def _get(opener, url):
    return _open(opener, urllib.request.Request(url))


def _post_form(opener, url, fields):
    data = urllib.parse.urlencode(fields).encode()
    return _open(opener, urllib.request.Request(url, data=data, method="POST"))


def _post_json(url, doc, headers=None, opener=None):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    return _open(opener or _opener(), req)


def _csrf(opener, server) -> str:
    status, _, html = _get(opener, server.url + "/")
    assert status == 200
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _marks(html: str) -> dict[str, str]:
    """highlighted text -> the rule codes on it"""
    return {unescape(t): codes for codes, t in re.findall(r'<mark class="sev-\w+" data-rules="([^"]*)"[^>]*>([^<]*)</mark>', html)}


def _check_form(server, text, **extra):
    op = _opener()
    tok = _csrf(op, server)
    return _post_form(op, server.url + "/check", {"csrf": tok, "text": text, "created_at": WHEN, **extra})


def test_patient_name_and_room_highlighted_with_their_rules(server):
    status, headers, html = _check_form(server, PATIENT, platform="x", account_type="official")
    assert status == 200
    marks = _marks(html)
    assert marks["Cornelius Abernathy"] == "PHI101"
    assert marks["room 412"] == "PHI105"
    assert "PHI found: do not post as written" in html
    # each finding: rule code, why, policy clauses, what to write instead; then the safer rewrite
    item = re.search(r'<li class="finding sev-high" data-rule="PHI105">(.*?)</li>', html, re.S).group(1)
    assert "Why:" in item and "Policy:" in item and "hipaa-safe-harbor:" in item and "Write instead:" in item
    rewrite = unescape(re.search(r'<textarea id="rewrite"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert rewrite == "So proud of a patient in <ROOM>, walked the whole hallway after his hip surgery."
    assert headers["Cache-Control"] == "no-store"


def test_clean_event_post_says_no_phi(server):
    status, _, html = _check_form(server, EVENT)
    assert status == 200
    assert '<h2 id="verdict" class="verdict ok">No PHI found</h2>' in html
    assert "<mark" not in html


def test_post_text_is_escaped_never_markup(server):
    status, _, html = _check_form(server, 'Prayers for little Philippa in PICU tonight <script>alert(1)</script> "x" & y')
    assert status == 200
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/live.js" defer>']


def test_api_check_equals_check_format_json(server):
    status, _, body = _post_json(server.url + "/api/check",
                                 {"text": PATIENT, "platform": "x", "created_at": WHEN, "reply_to": "@kin_555"})
    assert status == 200
    doc = json.loads(body)
    cli = CliRunner().invoke(main, ["check", "--format", "json", "--text", PATIENT, "--platform", "x",
                                    "--created-at", WHEN, "--reply-to", "@kin_555"])
    assert cli.exit_code == 1, cli.output
    want = json.loads(cli.stdout)
    assert doc["findings"] == want["findings"]
    assert [(f["rule"], f["start"], f["end"]) for f in doc["findings"]] == [("PHI101", 18, 37), ("PHI105", 41, 49)]
    assert doc["rewrite"] == want["rewrite"] and doc["check"] == want["check"] and doc["summary"] == want["summary"]
    assert doc["blocking"] is True
    assert doc["instead"]["PHI105"]


def test_api_clean_post_has_no_findings(server):
    status, _, body = _post_json(server.url + "/api/check", {"text": EVENT, "created_at": WHEN})
    doc = json.loads(body)
    assert status == 200 and doc["findings"] == [] and doc["rewrite"] is None and doc["blocking"] is False


def test_form_without_csrf_token_is_403(server):
    status, _, html = _post_form(_opener(), server.url + "/check", {"text": PATIENT})
    assert status == 403
    assert "security token is missing or stale" in html
    assert "Cornelius" not in html


def test_form_with_a_forged_csrf_token_is_403(server):
    op = _opener()
    _csrf(op, server)  # the cookie is set; the form carries another value
    status, _, _ = _post_form(op, server.url + "/check", {"csrf": "x" * 43, "text": PATIENT})
    assert status == 403


def test_api_refuses_a_form_post_and_bad_fields(server):
    status, _, body = _open(_opener(), urllib.request.Request(server.url + "/api/check", method="POST",
                                                              data=b"text=hello"))
    assert status == 415 and json.loads(body) == {"error": "send Content-Type: application/json"}
    status, _, body = _post_json(server.url + "/api/check", b"{not json")
    assert status == 400 and json.loads(body) == {"error": "the body is not valid JSON"}
    status, _, body = _post_json(server.url + "/api/check", {"text": PATIENT, "created_at": "garbage"})
    assert status == 400
    err = json.loads(body)["error"]
    assert err.startswith("created_at: ") and "Cornelius" not in err
    status, _, body = _post_json(server.url + "/api/check", {"text": "  "})
    assert status == 400 and json.loads(body)["error"].startswith("text: the draft is empty")
    status, _, body = _post_json(server.url + "/api/check", {"text": "hi", "colour": "red"})
    assert status == 400 and "unknown key 'colour'" in json.loads(body)["error"]


def test_request_over_the_size_limit_is_413(server):
    status, _, body = _post_json(server.url + "/api/check", {"text": "a " * 200_000})
    assert status == 413 and "larger than 256 KiB" in json.loads(body)["error"]


def test_headers_csp_and_no_external_assets(server):
    status, headers, html = _get(_opener(), server.url + "/")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert re.findall(r'(?:src|href)="(https?:|//)', html) == []
    assert '<label for="text">' in html and '<label for="platform">' in html and '<label for="account_type">' in html
    for asset in ("/static/live.js", "/static/app.css"):
        status, _, text = _get(_opener(), server.url + asset)
        assert status == 200 and "http://" not in text and "https://" not in text


def test_foreign_host_header_is_refused(server):
    req = urllib.request.Request(server.url + "/", headers={"Host": "evil.example:80"})
    status, _, html = _open(_opener(), req)
    assert status == 400 and "Host header not allowed" in html


def test_access_token():
    s = Server(create_app(Config.load(None), token="t" * 20))
    try:
        status, _, _ = _get(_opener(), s.url + "/")
        assert status == 401
        status, _, body = _post_json(s.url + "/api/check", {"text": EVENT})
        assert status == 401 and "access token" in json.loads(body)["error"]
        status, _, _ = _post_json(s.url + "/api/check", {"text": EVENT}, {"Authorization": "Bearer " + "t" * 20})
        assert status == 200
        op = _opener()
        status, _, _ = _get(op, s.url + "/?token=" + "w" * 20)
        assert status == 401
        status, _, html = _get(op, s.url + "/?token=" + "t" * 20)  # sets the cookie, redirects to the page
        assert status == 200 and "Check a draft" in html
        assert _get(op, s.url + "/rules")[0] == 200
    finally:
        s.close()


def test_non_local_bind_needs_allow_remote_and_a_token():
    check_bind("127.0.0.1", False, None)
    check_bind("::1", False, None)
    check_bind("localhost", False, None)
    with pytest.raises(BindError, match=r"--host 0\.0\.0\.0: not a local address; listening there needs --allow-remote and --token"):
        check_bind("0.0.0.0", False, "t" * 20)
    with pytest.raises(BindError, match="needs an access token of 16 characters"):
        check_bind("0.0.0.0", True, None)
    with pytest.raises(BindError, match="needs an access token of 16 characters"):
        check_bind("192.0.2.7", True, "short")
    check_bind("192.0.2.7", True, "t" * 20)
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--allow-remote"], env={"PHISCAN_SERVE_TOKEN": ""})
    assert r.exit_code == 2
    assert "phiscan: error: --host 0.0.0.0: listening on a non-local address needs an access token" in r.output
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--token", "t" * 20])
    assert r.exit_code == 2 and "not a local address" in r.output


def test_rule_library_same_text_as_rules_show(server, ruleset):
    status, _, html = _get(_opener(), server.url + "/rules")
    assert status == 200
    codes = re.findall(r'<li data-rule="(\w+)">', html)
    assert codes == [r.code for r in ruleset] and len(codes) > 10
    for code in ("PHI101", "PHI105"):
        status, _, page = _get(_opener(), server.url + "/rules/" + code)
        assert status == 200
        cli = CliRunner().invoke(main, ["rules", "show", code], env={"COLUMNS": "10000"})
        assert cli.exit_code == 0
        shown = " ".join(cli.output.split())
        rule = ruleset.get(code)
        for key in ("what", "why", "example", "instead"):
            text = unescape(re.search(rf'<p id="{key}">(.*?)</p>', page, re.S).group(1))
            assert text == rule.docs[key] and " ".join(text.split()) in shown
        refs = [unescape(x) for x in re.findall(r"<li>(.*?)</li>", re.search(r'<ul id="refs">(.*?)</ul>', page, re.S).group(1))]
        assert refs and all(" ".join(x.split()) in shown for x in refs)
    assert _get(_opener(), server.url + "/rules/NOPE999")[0] == 404


def test_rule_library_search(server):
    status, _, html = _get(_opener(), server.url + "/rules?q=room+number")
    codes = re.findall(r'<li data-rule="(\w+)">', html)
    assert status == 200 and "PHI105" in codes and "PHI101" not in codes
    status, _, html = _get(_opener(), server.url + "/rules?q=zzqqxx")
    assert re.findall(r'<li data-rule="(\w+)">', html) == [] and '<p id="count">0 rules matching' in html


def test_serve_command_answers_and_logs_no_draft(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "phiscan", "serve", "--port", "0"], stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        line = proc.stderr.readline()
        m = re.match(r"phiscan serve: open (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)$", line.strip())
        assert m, line
        status, _, body = _post_json(m.group(1) + "api/check", {"text": PATIENT, "created_at": WHEN})
        assert status == 200 and {"PHI101", "PHI105"} <= {f["rule"] for f in json.loads(body)["findings"]}
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert "Cornelius" not in out + err and "412" not in out + err
