"""Write the hostile-input corpus in fixtures/bad/ (tests/test_hostile.py scans each file).

    python benchmarks/make_bad_fixtures.py [--out fixtures/bad]

Every file is tiny and synthetic, and every one (but the content-queue quirks, which keep their own) carries the
same invented PHI (`PLANTED`), so the tests can prove that no error message, warning or log line ever quotes it. Cases too big to commit (a 100 MB line, a real
64 MiB expansion) or that need the file system's help (symlink loops, unreadable and vanishing files) are made
by the tests themselves at run time. The output is deterministic: running this again changes no byte.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import struct
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Invented: no such patient, number or unit exists.
PHI_TEXT = "Prayers for my pt Ozzimand Treventhal in bed 12 on 4 West today, MRN 48213975"
PLANTED = ("Ozzimand", "Treventhal", "48213975")
DATE = (2024, 5, 6, 12, 0, 0)  # fixed timestamps inside archives: the bytes do not change between runs


def record(pid: str, text: str = PHI_TEXT) -> bytes:
    return json.dumps({"id": pid, "text": text, "platform": "x"}).encode() + b"\n"


def zinfo(name: str, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, DATE)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    return info


def make_zip(members: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in members:
            zf.writestr(zinfo(name, method), data)
    return buf.getvalue()


def patch_sizes(data: bytes, file_size: int) -> bytes:
    """Rewrite the uncompressed size every header of a one-member zip declares (local header and central
    directory): a member whose headers lie about how big it expands."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    struct.pack_into("<I", out, local + 22, file_size)
    central = out.index(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 24, file_size)
    return bytes(out)


def make_tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    import gzip

    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tf:
            for name, data in members:
                ti = tarfile.TarInfo(name)
                ti.size, ti.mtime, ti.mode = len(data), 1714996800, 0o644
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    good = record("zip-ok-1") + record("zip-ok-2", "Free flu shots on Tuesday in the main lobby!")

    # archives -------------------------------------------------------------------------------------------
    whole = make_zip([("posts.jsonl", good * 20, zipfile.ZIP_DEFLATED)])
    files["truncated.zip"] = whole[: len(whole) * 2 // 3]  # the central directory is gone
    # a tar.gz cut inside its second member: the first one is still read
    noise = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(200))  # incompressible, deterministic
    tgz = make_tar([("first.jsonl", record("tar-first")), ("second.jsonl", record("tar-second") + noise)])
    files["truncated.tar.gz"] = tgz[: len(tgz) - 3000]
    # 4 MiB of newlines deflated to about 4 KB: expands beyond the ratio limit
    files["zip-bomb-ratio.zip"] = make_zip([("posts.jsonl", b"\n" * (4 * 1024**2), zipfile.ZIP_DEFLATED),
                                            ("ok.jsonl", record("ratio-ok"), zipfile.ZIP_DEFLATED)])
    # headers declare 3 GiB for a few bytes of data
    files["zip-bomb-declared.zip"] = patch_sizes(make_zip([("posts.jsonl", record("declared"), zipfile.ZIP_STORED)]), 3 * 1024**3)
    # headers declare 1,000 bytes for a member that expands to 4 MiB: reading stops at the declared size
    files["zip-bomb-understated.zip"] = patch_sizes(
        make_zip([("posts.jsonl", record("understated") + b"\n" * (4 * 1024**2), zipfile.ZIP_DEFLATED)]), 1000)
    # bzip2 expands 64 MiB from 81 bytes in one call whatever the header says: never read
    files["zip-bomb-bzip2.zip"] = make_zip([("posts.jsonl", record("bz") + b"\n" * (64 * 1024**2), zipfile.ZIP_BZIP2)])
    # paths that would escape an extraction folder: never written anywhere, reported
    files["zip-traversal.zip"] = make_zip([
        ("../escape.jsonl", record("escape"), zipfile.ZIP_DEFLATED),
        ("/tmp/phiscan-absolute.jsonl", record("absolute"), zipfile.ZIP_DEFLATED),
        ("C:\\phiscan\\drive.jsonl", record("drive"), zipfile.ZIP_DEFLATED),
        ("export/../../up.jsonl", record("up"), zipfile.ZIP_DEFLATED),
        ("export/posts.jsonl", record("traversal-ok"), zipfile.ZIP_DEFLATED),
    ])
    files["tar-traversal.tar.gz"] = make_tar([
        ("../escape.jsonl", record("escape")),
        ("/tmp/phiscan-absolute.jsonl", record("absolute")),
        ("export/posts.jsonl", record("traversal-ok")),
    ])
    files["empty.zip"] = b""

    # JSON -----------------------------------------------------------------------------------------------
    files["deep.jsonl"] = record("deep-before") + b'{"id": "deep", "text": ' + deep_json(5000).encode() + b"}\n" + record("deep-after")
    # a Facebook export whose second post nests 5,000 levels deep
    posts = [{"timestamp": 1714996800, "data": [{"post": PHI_TEXT}]}]
    fb = json.dumps(posts)[:-1] + ', {"timestamp": 1714996801, "data": [{"post": ' + deep_json(5000) + "}]}]"
    files["deep-export/your_facebook_activity/posts/your_posts_1.json"] = fb.encode()
    files["binary.json"] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) + PHI_TEXT.encode()
    files["surrogates.jsonl"] = (b'{"id": "sur-1", "text": "\\ud83d ' + PHI_TEXT.encode() + b' \\udc00"}\n'
                                 + b'{"id": "sur-2", "text": "ok", "author": "\\ud800"}\n')

    # encodings and bytes --------------------------------------------------------------------------------
    files["invalid-utf8.jsonl"] = record("utf8-before") + b'{"id": "bad", "text": "caf\xe9 ' + PHI_TEXT.encode() + b'"}\n' + record("utf8-after")
    files["invalid-utf8.csv"] = b"id,text\nr1,caf\xe9 " + PHI_TEXT.encode() + b"\n"
    files["invalid-utf8.md"] = b"---\nplatform: facebook\n---\n\xff\xfe\xfa " + PHI_TEXT.encode() + b"\n"
    files["utf16-bom.jsonl"] = (record("utf16-1") + record("utf16-2", "See you at the 5K!")).decode().encode("utf-16")
    files["utf16-bom.csv"] = f'id,text\nu1,"{PHI_TEXT}"\n'.encode("utf-16")
    files["utf16-bom.md"] = f"---\nplatform: instagram\n---\n{PHI_TEXT}\n".encode("utf-16")
    files["nul-bytes.jsonl"] = record("nul-before") + b'{"id": "nul", "text": "a\x00b ' + PHI_TEXT.encode() + b'"}\n' + record("nul-after")
    files["nul-bytes.csv"] = b"id,text\nn1,\x00\x00" + PHI_TEXT.encode() + b"\n"
    files["nul-bytes.md"] = b"\x00\x00" + PHI_TEXT.encode() + b"\n"

    # CSV and empty files --------------------------------------------------------------------------------
    files["ragged.csv"] = (f'id,text,platform\nr1,"{PHI_TEXT}",x\nr2,short row\n'
                           f'r3,"{PHI_TEXT}",x,extra,fields\nr4,"Join us for the 5K run!",facebook\n').encode()
    for name in ("empty.jsonl", "empty.csv", "empty.md", "empty.json"):
        files[name] = b""

    # content-queue quirks (the rows fixtures/exports once carried; its files are well-formed now) --------------
    files.update({name: text.encode() for name, text in SCHEDULER_QUIRKS.items()})
    return files


# A scheduler's bulk CSV as people write it by hand: each file has one row that is read with a warning. Their own
# PHI, not PLANTED: tests/test_sources_scheduler.py checks exactly what is read around the quirk.
SCHEDULER_QUIRKS = {
    # Hootsuite, no header: line 4 has unquoted commas in the message (columns B onwards read as the message)
    "hootsuite-unquoted-commas.csv": (
        '03/14/2025 09:00,"Join us Saturday for the Riverside Medical Center community health fair! Free BP '
        'screenings, flu shots and cooking demos.",https://www.riversidemedical.example/events/health-fair\n'
        "03/15/2025 12:30,Shout-out to our 4 West night nurses for their teamwork this week. You make Riverside proud!,\n"
        '03/17/2025 16:45,"So happy for my patient Solange Thibodeaux in room 412 who was discharged yesterday after '
        'her hip surgery!"\n'
        "03/18/2025 08:15,Reminder for Okafor Brightwater: your cardiology follow-up is booked, call 555-0142 and "
        "mention MRN 00739218,https://www.riversidemedical.example/contact\n"
        '03/20/2025 10:00,"Our ""Walk with a Doc"" series returns in April,\nrain or shine."\n'
    ),
    # Sprout Social: line 5 schedules a post at 25:00
    "sprout-bad-time.csv": (
        "date,time_24hr,message_text,link_url,image_url,tags\n"
        "04/02/2025,09:30,Our new Family Birthing Center opens May 1. Tours every Saturday!,"
        "https://www.riversidemedical.example/birthing,https://cdn.riversidemedical.example/img/birthing.jpg,events\n"
        '04/15/2025,13:00,"Thank you to our housekeeping crew: 10,000 rooms cleaned this quarter!",,,staff\n'
        "04/16/2025,07:45,\"Get well soon to Harold Vesterby, 94, now recovering in our heart ICU after Sunday's bypass. "
        'From all of us: ""You\'ve got this, Harold!""",,,\n'
        "04/18/2025,25:00,Questions about your bill? Our billing office is open weekdays.,,,billing\n"
    ),
    # Ayrshare: line 5's scheduleDate is "next week", not an ISO 8601 date-time
    "ayrshare-bad-date.csv": (
        "post,platforms,mediaUrls,scheduleDate\n"
        '"Flu shot clinics are open this week at all Riverside locations, walk-ins welcome.","twitter, facebook",,'
        "2025-10-06T14:00:00Z\n"
        "Big thanks to Chef Ramon and our nutrition services team for the harvest lunch!,instagram,"
        "https://cdn.riversidemedical.example/img/harvest.jpg,2025-10-08T17:30:00Z\n"
        "Room 7 patient Gwendolyn Marchetti rang the bell today to celebrate her last chemo treatment!,facebook,,"
        "2025-10-09T16:00:00Z\n"
        "Welcome to our new residents!,linkedin,,next week\n"
    ),
}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "fixtures" / "bad")
    args = ap.parse_args(argv)
    total = 0
    for name, data in sorted(build().items()):
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    print(f"wrote {len(build())} files, {total} bytes, to {args.out}")


if __name__ == "__main__":
    main()
