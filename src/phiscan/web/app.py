"""The web app behind `phiscan serve`: check a draft (a form post, and live as one types), the rule library,
and `POST /api/check` (the findings of `phiscan check --format json`).

Security: binds 127.0.0.1 unless told otherwise, and another address needs an access token; the Host header must
name the address served (no DNS rebinding); every form carries a CSRF token (a double-submit cookie, compared in
constant time); `/api/check` takes only `application/json` (a cross-site form cannot send it without a CORS
preflight, which is never answered) and, with a token, the token; a strict Content-Security-Policy (no inline
script or style, nothing from elsewhere); request bodies over `MAX_BODY` bytes are refused (413). Post text is
only ever put in a page through Jinja's autoescaping or, in the script, `textContent`. Drafts are never stored
or logged: the request log is off, and errors name the field and the problem, never the text.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from typing import Any

from ..config import Config
from ..errors import PhiscanError

MAX_BODY = 256 * 1024  # bytes of one request: a post is far shorter; more is refused with 413
from ..drafts import CSRF_COOKIE  # noqa: E402
TOKEN_COOKIE = "phiscan_token"
ACCOUNT_TYPES = ("", "official", "staff")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class BindError(PhiscanError):
    """`phiscan serve` was asked to listen where it must not (another address without a token)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool, token: str | None) -> None:
    """Refuse a non-local address unless `--allow-remote` and an access token are both given."""
    if is_loopback(host):
        return
    if not allow_remote:
        raise BindError(f"--host {host}: not a local address; listening there needs --allow-remote and --token")
    if not token or len(token) < 16:
        raise BindError(f"--host {host}: listening on a non-local address needs an access token of 16 characters "
                        "or more (--token or PHISCAN_SERVE_TOKEN)")


from ..drafts import BadInput, CheckInput, segments  # noqa: E402,F401  (shared with the training pages)


def _field(data: dict, key: str, limit: int = 200) -> str | None:
    v = data.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise BadInput(f"{key}: expected a string, not {type(v).__name__}")
    v = v.strip()
    if len(v) > limit:
        raise BadInput(f"{key}: longer than {limit} characters")
    return v or None


def parse_input(data: Any, max_chars: int) -> CheckInput:
    if not isinstance(data, dict):
        raise BadInput("expected a JSON object with \"text\"")
    unknown = sorted(set(data) - {"text", "platform", "created_at", "reply_to", "account_type"})
    if unknown:
        raise BadInput(f"unknown key {unknown[0]!r} (expected text, platform, created_at, reply_to, account_type)")
    text = data.get("text")
    if not isinstance(text, str):
        raise BadInput("text: expected a string" if text is not None else "text: missing")
    from ..sanitize import clean_text

    text = clean_text(text.replace("\r\n", "\n"))
    if len(text) > max_chars:
        raise BadInput(f"text: longer than {max_chars} characters")
    account_type = _field(data, "account_type")
    if account_type not in (None, "official", "staff"):
        raise BadInput("account_type: expected official or staff")
    platform = _field(data, "platform", 40)
    return CheckInput(text, platform.lower() if platform else None, _field(data, "created_at", 80),
                      _field(data, "reply_to"), account_type)


class Checker:
    """One scanner (the CLI's settings, rules, packs, profile and authorizations) for every check."""

    def __init__(self, config: Config) -> None:
        from ..api import Scanner

        self.config = config
        self.api = Scanner(config)
        self.engine = self.api.engine
        from ..policy import load_packs
        from ..resources import rules_dir

        self.packs = load_packs(rules_dir() / "packs", config.packs, config.pack_files)

    def check(self, inp: CheckInput) -> dict[str, Any]:
        """The document `phiscan check --format json` prints for this draft."""
        from ..drafts import check_document, scan_draft
        from ..model import Post
        from ..post_time import now
        from ..sanitize import is_blank as blank
        from ..post_time import PostTimeError, parse_post_time

        if blank(inp.text):
            raise BadInput("text: the draft is empty (no text, or only white space): nothing to check")
        if inp.created_at:
            try:
                when = parse_post_time(inp.created_at)
            except PostTimeError as exc:
                raise BadInput(f"created_at: {exc}") from None
        else:
            when = now()
        post = Post(id="draft", text=inp.text, source="<text>", created_at=when, reply_to_author=inp.reply_to,
                    platform=inp.platform, account_type=inp.account_type)
        result = scan_draft(self.engine, post)
        doc = check_document(result, self.engine, self.config, inp.text, when, bool(inp.created_at))
        doc["blocking"] = bool(result.failing_count(self.config.fail_on))
        return doc

    def rule_page(self, rule) -> dict[str, Any]:
        """What `phiscan rules show CODE` prints, as fields."""

        refs = [{"pack": p.name, "ref": ref, "clause": p.clauses.get(ref)} for p in self.packs for ref in p.refs(rule.code)]
        return {"code": rule.code, "name": rule.name, "title": rule.title, "severity": rule.severity_range,
                "what": rule.docs["what"], "why": rule.docs["why"], "example": rule.docs["example"],
                "instead": rule.docs["instead"], "refs": refs}


def create_app(config: Config | None = None, *, token: str | None = None, allowed_hosts: set[str] | None = None):
    """The Flask app. `token`: every request must carry it (a `?token=` once, then a cookie; or a Bearer
    header). `allowed_hosts`: the Host header values accepted (None: any loopback name)."""
    from flask import Flask, abort, jsonify, make_response, redirect, render_template, request
    from markupsafe import Markup  # noqa: F401  (Jinja autoescaping is on for .html templates)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["MAX_FORM_MEMORY_SIZE"] = MAX_BODY
    checker = Checker(config if config is not None else Config())
    app.extensions["phiscan_checker"] = checker
    max_chars = min(checker.config.max_text_chars, MAX_BODY)

    def host_ok() -> bool:
        host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith("[") else request.host.split("]")[0] + "]"
        if allowed_hosts is not None:
            return request.host in allowed_hosts or host in allowed_hosts
        return is_loopback(host)

    def token_ok() -> bool:
        if token is None:
            return True
        given = request.cookies.get(TOKEN_COOKIE) or ""
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            given = auth[7:]
        return hmac.compare_digest(given.encode(), token.encode())

    @app.before_request
    def guard():
        if not host_ok():
            return error_page(400, "This address is not served here (Host header not allowed).")
        if token is not None and request.method == "GET" and request.args.get("token") is not None:
            if hmac.compare_digest(request.args["token"].encode(), token.encode()):
                resp = redirect(request.path)
                resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
                return resp
            return error_page(401, "Wrong access token.")
        if not token_ok():
            return error_page(401, "This page needs the access token: open the address phiscan serve printed.")

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"
        return resp

    def csrf_token() -> str:
        tok = request.cookies.get(CSRF_COOKIE)
        return tok if tok and len(tok) == 43 else secrets.token_urlsafe(32)

    def page(template: str, status: int = 200, **ctx):
        tok = csrf_token()
        resp = make_response(render_template(template, csrf=tok, **ctx), status)
        resp.set_cookie(CSRF_COOKIE, tok, httponly=True, samesite="Strict")
        return resp

    def error_page(status: int, message: str):
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), status
        return make_response(render_template("error.html", status=status, message=message), status)

    @app.errorhandler(413)
    def too_big(_e):
        return error_page(413, f"The request is larger than {MAX_BODY // 1024} KiB; a post is far shorter.")

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(404, "No such page.")

    @app.errorhandler(405)
    def bad_method(_e):
        return error_page(405, "This page does not take that method.")

    @app.errorhandler(Exception)
    def internal(exc):  # never a traceback (it may quote the draft)
        from werkzeug.exceptions import HTTPException

        if isinstance(exc, HTTPException):
            return error_page(exc.code or 500, exc.description or exc.name)
        return error_page(500, f"Internal error ({exc.__class__.__name__}); the draft was not kept.")

    form_defaults = {"text": "", "platform": "", "created_at": "", "reply_to": "", "account_type": ""}

    @app.get("/")
    def index():
        return page("check.html", form=form_defaults, doc=None, account_types=ACCOUNT_TYPES)

    @app.post("/check")
    def check_form():
        sent = request.form.get("csrf", "")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not sent or not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()):
            return error_page(403, "The form's security token is missing or stale: reload the page and send it again.")
        form = {k: request.form.get(k, "") for k in form_defaults}
        try:
            inp = parse_input({k: v for k, v in form.items()}, max_chars)
            doc = checker.check(inp)
        except BadInput as exc:
            return page("check.html", 400, form=form, doc=None, error=str(exc), account_types=ACCOUNT_TYPES)
        return page("check.html", form=form, doc=present(inp.text, doc), account_types=ACCOUNT_TYPES)

    @app.post("/api/check")
    def api_check():
        if request.mimetype != "application/json":
            return jsonify({"error": "send Content-Type: application/json"}), 415
        data = request.get_json(silent=True)
        if data is None:
            return jsonify({"error": "the body is not valid JSON"}), 400
        try:
            doc = checker.check(parse_input(data, max_chars))
        except BadInput as exc:
            return jsonify({"error": str(exc)}), 400
        doc["instead"] = {f["rule"]: rule_instead(f["rule"]) for f in doc["findings"]}
        return jsonify(doc)

    def rule_instead(code: str) -> str:
        try:
            return checker.engine.rules.get(code).docs["instead"]
        except KeyError:
            return ""

    def present(text: str, doc: dict) -> dict:
        findings = sorted(doc["findings"], key=lambda f: (-{"high": 3, "medium": 2, "low": 1}.get(f["severity"], 0), f["start"]))
        for f in findings:
            f["instead"] = rule_instead(f["rule"])
        return {**doc, "findings": findings, "segments": segments(text, doc["findings"])}

    @app.get("/rules")
    def rules_index():
        q = request.args.get("q", "").strip()[:100]
        pages = [checker.rule_page(r) for r in checker.engine.rules]
        if q:
            words = q.lower().split()
            pages = [p for p in pages if all(w in " ".join(str(v) for v in p.values()).lower() for w in words)]
        return page("rules.html", rules=pages, q=q)

    @app.get("/rules/<code>")
    def rule_show(code: str):
        try:
            rule = checker.engine.rules.get(code)
        except KeyError:
            return error_page(404, "No such rule (see the rule library).")
        return page("rule.html", rule=checker.rule_page(rule))

    from ..training.web import register as register_training  # /training: modules, role plays, quiz, records

    register_training(app, checker, page, error_page)
    return app


def serve(config: Config, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          allow_remote: bool = False, ready=None) -> None:
    """Run the app until interrupted. `ready(url)` is called once it listens (the CLI prints the address)."""
    from werkzeug.serving import make_server

    check_bind(host, allow_remote, token)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log: paths may carry the token
    allowed = None
    if not is_loopback(host):
        allowed = {host, f"{host}:{port}"}
    app = create_app(config, token=token, allowed_hosts=allowed)
    server = make_server(host, port, app, threaded=True)
    if allowed is not None:
        allowed.add(f"{host}:{server.server_port}")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_port}/" + (f"?token={token}" if token else "")
    if ready is not None:
        ready(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
