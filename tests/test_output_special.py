"""`--output` onto something that is not a regular file (/dev/null, a named pipe) writes into it: the atomic
rename used for report files must never replace a device or a pipe."""
from __future__ import annotations

import os
import stat
import threading

import pytest

from phiscan.cli import _atomic_write


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_atomic_write_into_a_named_pipe_keeps_the_pipe(tmp_path):
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    _atomic_write(fifo, '{"findings": []}\n')
    reader.join(10)
    assert got == ['{"findings": []}\n']
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["report.pipe"]  # no temporary file left beside it


def test_atomic_write_replaces_a_regular_file(tmp_path):
    f = tmp_path / "report.json"
    f.write_text("old", encoding="utf-8")
    _atomic_write(f, "new")
    assert f.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
