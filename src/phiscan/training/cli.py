"""`phiscan training`: the quiz in a terminal, the records as CSV, and a check of an institution's bank file.

Registered in phiscan/cli.py; the bodies live here."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click


def _settings(ctx, bank_files=(), db=None):
    from ..config import Config

    cfg = Config.load((ctx.find_root().obj or {}).get("config"))
    if bank_files:  # --training-bank adds to the files of the `training_bank` setting
        cfg.training_bank = [*cfg.training_bank, *bank_files]
    if db:
        cfg.training_db = db
    return cfg


def _rule_codes(cfg) -> list[str]:
    from ..context import load_cues
    from ..resources import rules_dir
    from ..rules.engine import load_rules

    base = rules_dir()
    cues = load_cues(base / "context.yaml")
    return [r.code for r in load_rules([base] + [Path(d) for d in cfg.rules_dirs], set(cues.names))]


def _bank(cfg):
    from .bank import bank_from_config

    return bank_from_config(cfg, rule_codes=_rule_codes(cfg))


bank_option = click.option("--training-bank", "bank_files", multiple=True, type=click.Path(dir_okay=False),
                           help="An institution's own bank file, added to the packaged bank and the `training_bank` setting (repeatable).")
db_option = click.option("--db", type=click.Path(dir_okay=False),
                         help="The records database (default: the `training_db` setting, else ~/.local/share/phiscan/training.sqlite3).")


@click.group("training")
def training():
    """Staff training: take the quiz in the terminal, export who passed what, check a bank file.

    The web version (modules, role plays checked live, the quiz, the records) is under /training of `phiscan serve`."""


def _word_numbers(n: int):
    def parse(value: str) -> list[int]:
        out = []
        for part in value.replace(",", " ").split():
            if not part.isdigit() or not 1 <= int(part) <= n:
                raise click.BadParameter(f"{part!r}: give word numbers from 1 to {n}, separated by spaces")
            out.append(int(part) - 1)
        return out
    return parse


@training.command("quiz")
@click.option("--trainee", help="Your staff id (recorded with the score; asked if not given).")
@click.option("--module", help="Only this module's posts (see /training of `phiscan serve`; default: every module).")
@click.option("--size", type=click.IntRange(1, 200), help="Number of posts (default: the `training_quiz_size` setting).")
@click.option("--seed", type=click.IntRange(0, 10**9), help="Quiz number: the same number draws the same posts (default: random).")
@db_option
@bank_option
@click.pass_context
def quiz_cmd(ctx, trainee, module, size, seed, db, bank_files):
    """Take the quiz in the terminal: for each post, say whether it is safe to publish and which words identify a
    patient; each answer is scored and explained, the total is compared with the pass mark and recorded.

    Exit codes: 0 passed, 1 not passed, 2 an error (nothing recorded)."""
    from .quiz import draw, module_key, new_seed, score_item, tokens, QuizScore
    from .records import Records, check_trainee, db_path

    cfg = _settings(ctx, bank_files, db)
    bank = _bank(cfg)
    if module and module not in bank.modules:
        raise click.BadParameter(f"{module!r}: no such module (known: {', '.join(sorted(bank.modules))})", param_hint="'--module'")
    records = Records(db_path(cfg))
    trainee = check_trainee(trainee if trainee is not None else click.prompt("Your staff id"))
    seed = new_seed() if seed is None else seed
    cases = draw(bank, size or cfg.training_quiz_size, seed, module)
    if not cases:
        raise click.UsageError("the bank has no quiz posts for this module")
    click.echo(f"Quiz {seed}: {len(cases)} posts, pass mark {cfg.training_pass_mark}%.")
    items = []
    for i, case in enumerate(cases, 1):
        click.echo(f"\nPost {i} of {len(cases)} ({case.voice})" if case.voice else f"\nPost {i} of {len(cases)}")
        if case.scenario:
            click.echo(textwrap.fill(case.scenario, 100))
        if case.reply_to:
            click.echo(f"A reply to {case.reply_to}.")
        click.echo(textwrap.fill(case.post, 100, initial_indent="  | ", subsequent_indent="  | "))
        toks = tokens(case.post)
        click.echo(textwrap.fill("  ".join(f"{t.index + 1}:{t.text}" for t in toks), 100, initial_indent="  words: ",
                                 subsequent_indent="         "))
        answer = click.prompt("Safe to publish as written? (y/n)", type=click.Choice(["y", "n"], case_sensitive=False),
                              show_choices=False)
        marks: list[int] = []
        if answer.lower() == "n":
            marks = click.prompt("Numbers of the words that identify a patient (e.g. 3 4; empty: none)", default="",
                                 show_default=False, value_proc=_word_numbers(len(toks)))
        it = score_item(case, "safe" if answer.lower() == "y" else "phi", marks)
        items.append(it)
        truth = "safe to publish" if case.kind == "safe" else "identifies a patient"
        click.echo(f"  {it.score:.2f} of 1: this post {truth}; your verdict was {'right' if it.verdict_right else 'wrong'}.")
        for n, ident in enumerate(case.identifiers):
            click.echo(f"  {'found' if n in it.found else 'missed'} {ident.rule} \"{ident.text}\": {ident.why}")
        if it.wrong_marks:
            click.echo("  marked but not identifying: " + ", ".join(f'"{w}"' for w in it.wrong_marks))
        click.echo(textwrap.fill(("Why it is fine: " if case.kind == "safe" else "Better: ") + case.explanation, 100,
                                 initial_indent="  ", subsequent_indent="  "))
    result = QuizScore(tuple(items), cfg.training_pass_mark)
    records.record(trainee, module_key(module), result.percent, result.passed, result.pass_mark, len(items))
    click.echo(f"\nScore: {result.percent:.1f}% (pass mark {result.pass_mark}%): {'passed' if result.passed else 'not passed'}.")
    click.echo(f"Recorded for {trainee} in {records.path}.")
    ctx.exit(0 if result.passed else 1)


@training.command("export")
@db_option
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), help="CSV file to write (default: standard output).")
@click.pass_context
def export_cmd(ctx, db, output):
    """Write every completion as CSV for the compliance team: trainee_id, module, score, passed, pass_mark,
    items, completed_at (UTC). No answer or typed text is kept, so none is exported."""
    import os
    import tempfile

    from .records import Records, db_path

    records = Records(db_path(_settings(ctx, db=db)))
    if not output or output == "-":
        records.write_csv(sys.stdout)
        return
    out = Path(output)
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            n = records.write_csv(fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"{n} completion{'s' if n != 1 else ''} written to {out}", err=True)


@training.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.pass_context
def validate_cmd(ctx, files):
    """Check an institution's bank files (with the packaged bank, so module ids and duplicates are checked
    too): every case against the schema, every identifier a substring of its post, every rule known."""
    cfg = _settings(ctx)
    cfg.training_bank = list(files)
    bank = _bank(cfg)
    for f in files:
        mine = [c for c in bank.cases.values() if c.source == str(Path(f))]
        kinds = {k: sum(c.kind == k for c in mine) for k in ("phi", "safe", "roleplay")}
        click.echo(f"{f}: {len(mine)} cases ({kinds['phi']} PHI, {kinds['safe']} safe, {kinds['roleplay']} role plays): valid")
