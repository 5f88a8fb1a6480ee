#!/usr/bin/env python3
"""Character error rate and time per image of OCR engines on generated scenes (benchmarks/ocr_scenes.py): the
figures behind phiscan's choice of engine. Printed, never asserted.

    python benchmarks/ocr_engines.py              # rapidocr (phiscan.ocr) and, when installed, tesseract

Character error rate: edit distance between the text read (lines top to bottom, whitespace collapsed, case
folded) and the text drawn, over the length of the text drawn. For the team photo (no text) it prints the number
of characters read where there is none.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ocr_scenes  # noqa: E402


def distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def norm(lines) -> str:
    return " ".join(" ".join(lines).casefold().split())


def rapid(path: Path) -> list[str]:
    from phiscan import images, ocr

    return [ln.text for ln in ocr.read_image(images.open_checked(path.read_bytes()))]  # not ocr.read: no memo


def tesseract(path: Path) -> list[str]:
    out = subprocess.run(["tesseract", str(path), "-", "--psm", "11"], capture_output=True, text=True, check=False).stdout
    return [ln for ln in out.splitlines() if ln.strip()]


def main() -> None:
    engines = {"rapidocr": rapid}
    if shutil.which("tesseract"):
        engines["tesseract"] = tesseract
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, img, truth in ocr_scenes.scenes():
            p = Path(tmp) / f"{name}.png"
            img.save(p)
            rows.append((name, p, truth))
        for ename, fn in engines.items():
            fn(rows[0][1])  # warm up (model load)
            times, cpus, cers = [], [], []
            for name, p, truth in rows:
                t, c = time.perf_counter(), sum(os.times()[:4])  # CPU of this process's threads and of children
                got = fn(p)
                times.append(time.perf_counter() - t)
                cpus.append(sum(os.times()[:4]) - c)
                took = f"{times[-1] * 1000:6.0f} ms wall {cpus[-1] * 1000:6.0f} ms CPU"
                if truth:
                    cer = distance(norm(got), norm(truth)) / len(norm(truth))
                    cers.append(cer)
                    print(f"{ename:10} {name:22} CER {cer:.3f}  {took}")
                else:
                    print(f"{ename:10} {name:22} {len(norm(got))} characters read where none are  {took}")
            print(f"{ename:10} mean CER {statistics.mean(cers):.3f}, median {statistics.median(times) * 1000:.0f} ms wall, "
                  f"{statistics.median(cpus) * 1000:.0f} ms CPU an image")


if __name__ == "__main__":
    main()
