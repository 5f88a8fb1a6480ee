#!/usr/bin/env python3
"""Time per image of reading image metadata (phiscan.images), on photos generated here with PIL, and the share
of a scan's time spent on images. Figures are printed, never asserted.

    python benchmarks/images.py              # 200 photos of 1600 x 1200
    python benchmarks/images.py --images 50 --size 4032x3024

It writes N JPEGs (half with EXIF GPS, serial and a caption of invented text) and a Markdown post naming each
into a temporary content-queue folder, then times (1) `images.metadata_fields` per image, in process, and (2)
`phiscan scan FOLDER --images metadata` against `--images off` as subprocesses (wall time, model load included).
With the ocr extra it then times OCR per image on generated whiteboards (benchmarks/ocr_scenes.py) and a scan with
`--images ocr` against `--images off`.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make(folder: Path, n: int, size: tuple[int, int]) -> list[Path]:
    from PIL import Image, ImageDraw

    out = []
    for i in range(n):
        img = Image.new("RGB", size, (180 + i % 60, 170, 150))
        ImageDraw.Draw(img).rectangle([10, 10, size[0] // 3, size[1] // 4], fill=(20 * (i % 10), 90, 200))
        ex = Image.Exif()
        if i % 2 == 0:
            ex.get_ifd(0x8825).update({1: "N", 2: (41.0, 52.0, float(i % 60)), 3: "W", 4: (87.0, 37.0, 5.0)})
            ex.get_ifd(0x8769).update({0x9003: "2026:05:02 10:00:00", 0xA431: f"SN{i:07d}",
                                       0x9286: b"ASCII\x00\x00\x00" + f"Bay {i % 20} Tellmar Osgood".encode()})
        p = folder / f"photo{i:04d}.jpg"
        img.save(p, exif=ex, quality=85)
        (folder / f"post{i:04d}.md").write_text(f"---\nmedia: [{p.name}]\n---\nA great day on the unit!\n", encoding="utf-8")
        out.append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--size", default="1600x1200")
    ap.add_argument("--ocr-images", type=int, default=12, help="whiteboard photos for the OCR figures (0: none)")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    from phiscan import images

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "queue"
        folder.mkdir()
        paths = make(folder, args.images, (w, h))
        times = []
        for p in paths:
            data = p.read_bytes()
            t = time.perf_counter()
            images.metadata_fields(data)
            times.append(time.perf_counter() - t)
        print(f"metadata: {len(paths)} images of {w} x {h}: median {statistics.median(times) * 1000:.2f} ms, "
              f"max {max(times) * 1000:.2f} ms an image")
        walls = {}
        for mode in ("off", "metadata"):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "phiscan", "scan", str(folder), "--images", mode, "--no-cache",
                            "--format", "json", "--output", str(Path(tmp) / f"{mode}.json")], check=False)
            walls[mode] = time.perf_counter() - t
        share = max(0.0, walls["metadata"] - walls["off"]) / walls["metadata"]
        print(f"scan --images off {walls['off']:.2f} s, --images metadata {walls['metadata']:.2f} s: "
              f"{share:.0%} of the scan's time on images")
        ocr_bench(Path(tmp), args.ocr_images)


def ocr_bench(tmp: Path, n: int) -> None:
    """OCR time per image (phiscan.ocr.read, in process, model loaded first) on whiteboards of different rows,
    and a scan's wall time with --images ocr against --images off on a queue of such photos."""
    from phiscan import ocr

    if not ocr.available():
        print(f"OCR: {ocr.why_not()}")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import ocr_scenes

    folder = tmp / "boards"
    folder.mkdir()
    paths = []
    for i in range(n):
        rows = [f"Rm {i + 3} Hartley fall risk", f"Bed {i % 9 + 1} Okafor sepsis", f"Rm {i + 20} Moreau NPO"]
        img = ocr_scenes.board(rows, size=(1600, 1200)) if i % 2 == 0 else ocr_scenes.tilted(ocr_scenes.board(rows))
        p = folder / f"board{i:03d}.jpg"
        img.save(p, quality=85)
        (folder / f"post{i:03d}.md").write_text(f"---\nmedia: [{p.name}]\n---\nA great night on the unit!\n", encoding="utf-8")
        paths.append(p)
    t = time.perf_counter()
    ocr.engine()
    load = time.perf_counter() - t
    times, cpu = [], []
    for p in paths:
        data = p.read_bytes()
        t, c = time.perf_counter(), time.process_time()
        ocr.read(data)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(f"OCR: {n} whiteboard photos (1600 x 1200 and tilted 1000 x 520): median {statistics.median(times) * 1000:.0f} ms "
          f"wall ({statistics.median(cpu) * 1000:.0f} ms CPU, all threads), max {max(times) * 1000:.0f} ms an image; "
          f"model load {load * 1000:.0f} ms once")
    walls = {}
    for mode in ("off", "ocr"):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "phiscan", "scan", str(folder), "--images", mode, "--no-cache",
                        "--format", "json", "--output", str(tmp / f"ocr-{mode}.json")], check=False)
        walls[mode] = time.perf_counter() - t
    share = max(0.0, walls["ocr"] - walls["off"]) / walls["ocr"]
    print(f"scan of {n} posts with a photo each: --images off {walls['off']:.2f} s, --images ocr {walls['ocr']:.2f} s: "
          f"{share:.0%} of the scan's time on images")


if __name__ == "__main__":
    main()
