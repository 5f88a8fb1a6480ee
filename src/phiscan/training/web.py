"""The training pages of `phiscan serve`, under /training: the module list, a module page, role plays checked
live (the check page's script and /api/check), the quiz, and the records (who passed what, and CSV).

Every form carries the app's CSRF token (the double-submit cookie of web/app.py). A quiz is drawn again from
its seed when it is sent, so the questions scored are the ones the seed gives, whatever the form says. What a
trainee types in a role play is checked in memory and never stored or logged: only the score is recorded.
"""
from __future__ import annotations

import hmac

from .bank import bank_from_config
from .modules import build_modules, marked
from .quiz import draw, module_key, new_seed, pieces, score_quiz
from .records import Records, RecordsError, check_trainee, db_path
from .roleplay import check_reply, failing

MAX_SEED = 10**9


def register(app, checker, page, error_page) -> None:
    """Add the training routes to the Flask `app`. `page(template, status, **ctx)` renders with a CSRF token;
    `error_page(status, message)` is the app's error page."""
    from flask import Response, request

    from ..drafts import CSRF_COOKIE, BadInput, segments

    cfg = checker.config
    rules = checker.engine.rules
    bank = bank_from_config(cfg, rule_codes=[r.code for r in rules])

    def rule_page(code):
        try:
            return checker.rule_page(rules.get(code))
        except KeyError:
            return None

    views = {v.module.id: v for v in build_modules(bank, rule_page)}

    def records() -> Records:
        return Records(db_path(cfg))

    def csrf_ok() -> bool:
        sent = request.form.get("csrf", "")
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return bool(sent and cookie and hmac.compare_digest(sent.encode(), cookie.encode()))

    def stale():
        return error_page(403, "The form's security token is missing or stale: reload the page and send it again.")

    def module_arg(value: str | None):
        value = (value or "").strip()
        if not value:
            return None
        if value not in views:
            raise BadInput("module: no such training module")
        return value

    def seed_arg(value: str | None) -> int:
        value = (value or "").strip()
        if not value:
            return new_seed()
        if not value.isdigit() or int(value) > MAX_SEED:
            raise BadInput(f"seed: expected a whole number from 0 to {MAX_SEED}")
        return int(value)

    @app.get("/training")
    def training_index():
        return page("training/index.html", modules=list(views.values()), quiz_size=cfg.training_quiz_size,
                    pass_mark=cfg.training_pass_mark, bank_size=len(bank.quiz_cases))

    @app.get("/training/module/<mid>")
    def training_module(mid: str):
        view = views.get(mid)
        if view is None:
            return error_page(404, "No such training module (see the module list).")
        return page("training/module.html", view=view, marked=marked)

    def roleplay_page(case, status=200, **ctx):
        return page("training/roleplay.html", status, case=case, module=views[case.module].module, **ctx)

    @app.get("/training/roleplay/<cid>")
    def training_roleplay(cid: str):
        case = bank.cases.get(cid)
        if case is None or case.kind != "roleplay":
            return error_page(404, "No such role play.")
        return roleplay_page(case, text="", trainee="")

    @app.post("/training/roleplay/<cid>")
    def training_roleplay_send(cid: str):
        case = bank.cases.get(cid)
        if case is None or case.kind != "roleplay":
            return error_page(404, "No such role play.")
        if not csrf_ok():
            return stale()
        text = request.form.get("text", "").replace("\r\n", "\n")
        trainee = request.form.get("trainee", "")
        try:
            trainee = check_trainee(trainee)
            passed, doc = check_reply(checker, case, text)
        except (BadInput, RecordsError) as exc:
            return roleplay_page(case, 400, text=text, trainee=trainee, error=str(exc))
        try:
            records().record(trainee, f"roleplay:{case.id}", 100.0 if passed else 0.0, passed, 100, 1)
        except RecordsError as exc:
            return error_page(500, str(exc))
        return roleplay_page(case, text=text, trainee=trainee, outcome={
            "passed": passed, "failing": failing(doc), "segments": segments(text, doc["findings"]),
            "findings": doc["findings"]})

    @app.get("/training/quiz")
    def training_quiz():
        try:
            module = module_arg(request.args.get("module"))
            seed = seed_arg(request.args.get("seed"))
        except BadInput as exc:
            return error_page(400, str(exc))
        cases = draw(bank, cfg.training_quiz_size, seed, module)
        if not cases:
            return error_page(404, "The bank has no quiz posts for this module.")
        return page("training/quiz.html", cases=cases, pieces=pieces, seed=seed, module=module,
                    title=views[module].module.title if module else "All modules", pass_mark=cfg.training_pass_mark)

    @app.post("/training/quiz")
    def training_quiz_send():
        if not csrf_ok():
            return stale()
        try:
            module = module_arg(request.form.get("module"))
            seed = seed_arg(request.form.get("seed") or "x")
            trainee = check_trainee(request.form.get("trainee"))
        except (BadInput, RecordsError) as exc:
            return error_page(400, str(exc))
        cases = draw(bank, cfg.training_quiz_size, seed, module)
        answers = []
        for i, _case in enumerate(cases):
            verdict = request.form.get(f"v{i}")
            marks = [int(v) for v in request.form.getlist(f"m{i}") if v.isdigit()]
            answers.append((verdict if verdict in ("safe", "phi") else None, marks))
        result = score_quiz(cases, answers, cfg.training_pass_mark)
        try:
            records().record(trainee, module_key(module), result.percent, result.passed, result.pass_mark, len(cases))
        except RecordsError as exc:
            return error_page(500, str(exc))
        return page("training/result.html", result=result, trainee=trainee, module=module, marked=marked,
                    pieces=pieces, answers=answers)

    @app.get("/training/records")
    def training_records():
        try:
            rows = records().summary()
        except RecordsError as exc:
            return error_page(500, str(exc))
        return page("training/records.html", rows=rows)

    @app.get("/training/records.csv")
    def training_records_csv():
        try:
            body = "".join(records().iter_csv())
        except RecordsError as exc:
            return error_page(500, str(exc))
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="phiscan-training-records.csv"'})
