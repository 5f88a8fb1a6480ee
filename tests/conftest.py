import pytest


@pytest.fixture(scope="session")
def scanner():
    from phiscan.config import Config
    from phiscan.engine import Scanner

    return Scanner.from_config(Config())


@pytest.fixture(scope="session")
def ruleset(scanner):
    return scanner.rules


def _private_dir(var: str, tmp_path_factory):
    """Point an XDG directory variable at a fresh temporary folder for the session, then restore it."""
    import os

    old = os.environ.get(var)
    os.environ[var] = str(tmp_path_factory.mktemp(var.lower().replace("_", "-")))
    yield
    if old is None:
        os.environ.pop(var, None)
    else:
        os.environ[var] = old


@pytest.fixture(autouse=True, scope="session")
def _no_user_config(tmp_path_factory):
    """A developer's own ~/.config/phiscan/config.yaml must not change what the tests see."""
    yield from _private_dir("XDG_CONFIG_HOME", tmp_path_factory)


@pytest.fixture(autouse=True, scope="session")
def _private_scan_cache(tmp_path_factory):
    """`phiscan scan` keeps a scan cache in $XDG_CACHE_HOME/phiscan: tests use their own, never the developer's."""
    yield from _private_dir("XDG_CACHE_HOME", tmp_path_factory)


@pytest.fixture(autouse=True, scope="session")
def _private_service_dir(tmp_path_factory):
    """`phiscan check` hands drafts to a running `phiscan service` found under $XDG_RUNTIME_DIR: tests never reach
    a developer's own service (tests/test_service.py starts its own)."""
    yield from _private_dir("XDG_RUNTIME_DIR", tmp_path_factory)
