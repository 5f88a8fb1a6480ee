import pytest


@pytest.fixture(scope="session")
def scanner():
    from phiscan.config import Config
    from phiscan.engine import Scanner

    return Scanner.from_config(Config())


@pytest.fixture(scope="session")
def ruleset(scanner):
    return scanner.rules


@pytest.fixture(autouse=True, scope="session")
def _no_user_config(tmp_path_factory):
    """A developer's own ~/.config/phiscan/config.yaml must not change what the tests see."""
    import os

    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
    yield
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old


@pytest.fixture(autouse=True, scope="session")
def _private_scan_cache(tmp_path_factory):
    """`phiscan scan` keeps a scan cache in $XDG_CACHE_HOME/phiscan: tests use their own, never the developer's."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old
