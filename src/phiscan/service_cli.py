"""`phiscan service start|status|stop`: the resident local service `phiscan check` uses (see service.py)."""
from __future__ import annotations

import sys

import click


@click.group("service")
def service_group() -> None:
    """A resident local service that keeps the engine loaded, so `phiscan check` answers at once.

    `phiscan check` uses it when it runs and checks by itself when it does not; the output and exit code are
    the same either way. The socket and token live in a private folder ($XDG_RUNTIME_DIR/phiscan)."""


@service_group.command("start")
@click.option("--foreground", is_flag=True, help="Stay attached (Ctrl-C stops it).")
@click.option("--idle", type=click.FloatRange(min=0), default=8 * 3600.0, show_default=True,
              help="Leave after this many seconds without a check (0: never).")
def start(foreground: bool, idle: float) -> None:
    """Start the service (in the background unless --foreground)."""
    from .service import ServiceError, runtime_dir, serve, start_background, status

    got = status()
    if got is not None:
        click.echo(f"phiscan service already running (pid {got['pid']}) at {runtime_dir()}")
        return
    try:
        if foreground:
            import signal

            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            try:
                serve(sys.modules["phiscan.cli"], idle=idle or None, ready=lambda: click.echo(f"phiscan service listening at {runtime_dir()}", err=True))
            except KeyboardInterrupt:
                pass
            return
        pid = start_background(idle or None)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"phiscan service started (pid {pid}) at {runtime_dir()}")


@service_group.command("status")
@click.pass_context
def status_cmd(ctx) -> None:
    """Say whether the service runs (exit 0) or not (exit 1)."""
    from .service import runtime_dir, status

    got = status()
    if got is None:
        click.echo("phiscan service not running")
        ctx.exit(1)
    click.echo(f"phiscan service running (pid {got['pid']}, {got['requests']} checks answered) at {runtime_dir()}")


@service_group.command("stop")
def stop_cmd() -> None:
    """Stop the service."""
    from .service import stop

    click.echo("phiscan service stopped" if stop() else "phiscan service not running")
