"""Social-listening export loader (phiscan.sources.listening): Meltwater-style CSV/TSV, UTF-16 or UTF-8."""
from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

from phiscan.model import Post, ReadError
from phiscan.sources.base import LoadOptions, open_tree
from phiscan.sources.generic import CsvLoader
from phiscan.sources.listening import LOADERS
from sources_helpers import EXPORTS, claim_and_load, errors_of, items, posts_of, utc

LISTENING = EXPORTS / "listening"
MELTWATER = LISTENING / "meltwater_mentions.csv"
VARIANT = LISTENING / "listening_export_variant.csv"

HEADER = ["Date", "Headline", "URL", "Opening Text", "Hit Sentence", "Source", "Influencer"]


def essence(p: Post) -> tuple:
    return (p.id, p.text, p.platform, p.kind, p.url, p.created_at, p.author, p.fields, p.index, p.line)


def write_utf16_tsv(path: Path, rows: list[list[str]], *, bom: bool = True) -> None:
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    path.write_bytes((codecs.BOM_UTF16_LE if bom else b"") + text.encode("utf-16-le"))


def test_fixture_encodings_are_what_they_claim():
    raw = MELTWATER.read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE) and "\t" in raw[2:].decode("utf-16-le").splitlines()[0]
    assert not VARIANT.read_bytes().startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE))


def test_meltwater_utf16_tab_file_exact_posts():
    result = items(MELTWATER)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [(p.id, p.platform, p.kind, p.author, p.created_at, p.line) for p in posts] == [
        ("1900456789012345678", "x", "post", "@jmarlowe_runs", utc(2025, 3, 14, 9, 30), 2),
        ("meltwater_mentions.csv#1", None, "post", "Dana Whitcombe", utc(2025, 3, 14, 14, 5), 3),
        ("meltwater_mentions.csv#2", "facebook", "post", "Marguerite Olander", utc(2025, 3, 15, 20, 47), 4),
        ("meltwater_mentions.csv#3", "reddit", "post", "u/lakeview_local", utc(2025, 3, 16, 23, 12), 6),  # row 3 spans 2 lines
    ]
    assert all(p.source == str(MELTWATER) and p.account is None for p in posts)
    tweet, news, fb, reddit = posts
    # hit sentence == opening text, no title: nothing repeated as a field
    assert tweet.text == "Huge thanks to the ER team at @RiversideMed for patching up my knee after the 10K"
    assert tweet.fields == ()
    assert tweet.url == "https://twitter.com/jmarlowe_runs/status/1900456789012345678"
    assert news.text == "... the new wing at Riverside Medical Center will serve patients from four counties ..."
    assert news.fields == (
        ("opening_text", "Riverside Medical Center cut the ribbon Tuesday on a 40-bed oncology wing, the largest "
                         "expansion in its history."),
        ("title", "Riverside Medical Center opens new cancer wing"),
    )
    assert fb.text == ("My mother Rosalind Olander, 91, spent three nights on the 6th floor at Riverside Medical "
                       "after her fall.")
    assert fb.fields == (("opening_text", fb.text + "\nThe night nurse stayed with her for hours. If anyone from 6 East "
                                                     "reads this, call me at 555-0173."),)
    assert reddit.fields == (
        ("opening_text", "Anyone else waiting forever at Riverside urgent care tonight? Been here since 8."),
        ("title", "Riverside urgent care wait times"),
    )


def test_vendor_variant_utf8_comma_file_exact_posts():
    result = items(VARIANT)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert [(p.id, p.platform, p.kind, p.author, p.created_at, p.url) for p in posts] == [
        ("1901234567890123456", "x", "reply", "@nightshift_nell", utc(2025, 3, 16, 18, 20),
         "https://x.com/nightshift_nell/status/1901234567890123456"),
        ("ig-7781", "instagram", "comment", "tiago.abernathy", utc(2025, 3, 17, 7, 5), "https://www.instagram.com/p/DHq3example/"),
        ("listening_export_variant.csv#2", None, "post", "Corinne Baptiste", utc(2025, 3, 18, 12, 0),
         "https://healthyvalley.example/blog/volunteering"),
    ]
    assert posts[1].text == ("Praying for my cousin Teodoro Abernathy in your burn unit. MRN 55120987 is on his "
                             "wristband if anyone can check on him \U0001f64f")
    # no hit sentence: the opening text is the text, the (upper-case) HEADLINE column a field
    assert posts[2].text == "Every Thursday I push the book cart through the surgical floors at Riverside Medical Center."
    assert posts[2].fields == (("title", "Five things I learned volunteering at Riverside"),)


def test_sniffing_direct_load_and_zip_agree(tmp_path):
    via_registry = posts_of(items(LISTENING))
    assert len(via_registry) == 7
    assert {p.source for p in via_registry} == {str(MELTWATER), str(VARIANT)}
    claimed, result = claim_and_load("listening-csv", LISTENING)
    assert sorted(e.name for e in claimed) == ["listening_export_variant.csv", "meltwater_mentions.csv"]
    direct = posts_of(result)
    assert [essence(p) for p in direct] == [essence(p) for p in via_registry]
    zpath = tmp_path / "listening.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(LISTENING.iterdir()):
            zf.write(f, f"export/{f.name}")
    from_zip = posts_of(items(zpath))
    assert [essence(p)[1:] for p in from_zip] == [essence(p)[1:] for p in via_registry]  # ids with no export id name the member
    assert from_zip[2].id == "export/listening_export_variant.csv#2"
    assert from_zip[-1].source == f"{zpath}!export/meltwater_mentions.csv"


def test_text_column_override(tmp_path):
    result = items(MELTWATER, options=LoadOptions(text_column="opening text"))
    fb = posts_of(result)[2]
    assert fb.text.startswith("My mother Rosalind Olander, 91,") and fb.text.endswith("call me at 555-0173.")
    assert fb.fields == (("hit_sentence", "My mother Rosalind Olander, 91, spent three nights on the 6th floor at "
                                          "Riverside Medical after her fall."),)
    missing = items(MELTWATER, options=LoadOptions(text_column="Body"))
    assert posts_of(missing) == []
    (err,) = errors_of(missing)
    assert err.source == str(MELTWATER) and err.where == "line 1" and "no column named 'Body'" in err.message


def test_generic_csv_with_text_column_is_not_claimed(tmp_path):
    f = tmp_path / "posts.csv"
    f.write_text("id,date,text,source,url\n1,2025-03-14,Blood drive in the lobby,Facebook,https://example.org/1\n")
    tree = open_tree(f)
    assert LOADERS[0].claim(tree, tree.entries) == []
    result = items(f)
    assert result == list(CsvLoader().load(tree, tree.entries, LoadOptions()))
    assert [(p.id, p.text) for p in posts_of(result)] == [("1", "Blood drive in the lobby")]


def test_title_line_above_header_and_utf16_without_bom(tmp_path):
    f = tmp_path / "mentions.csv"
    write_utf16_tsv(f, [
        ["Riverside mentions - exported 17-Mar-2025"],
        HEADER,
        ["2025-03-17 10:00", "", "https://x.com/a/status/1", "Shout-out to the Riverside lab team", "", "X", "@a"],
    ], bom=False)
    result = items(f)
    assert errors_of(result) == []
    (p,) = posts_of(result)
    assert (p.text, p.platform, p.author, p.line, p.created_at) == (
        "Shout-out to the Riverside lab team", "x", "@a", 3, utc(2025, 3, 17, 10, 0))


def test_malformed_rows_and_truncated_file(tmp_path):
    f = tmp_path / "mentions.csv"
    write_utf16_tsv(f, [
        HEADER,
        ["14-Mar-2025 09:30AM", "", "", "", "Clean mention of the Riverside 5K", "Twitter", "@r1"],
        ["someday", "", "", "", "Mention with a date nobody can read", "Twitter", "@r2", "extra", "cells"],
        ["15-Mar-2025 10:00AM", "", "", "", "Patient Wilhelmina Osei in bed 4 says thanks", "Twitter", "@r3"],
    ])
    data = f.read_bytes()
    f.write_bytes(data[:-5])  # cut inside the last row's last cell, mid UTF-16 code unit
    result = items(f)
    posts = posts_of(result)
    assert [(p.text, p.created_at, p.author) for p in posts] == [
        ("Clean mention of the Riverside 5K", utc(2025, 3, 14, 9, 30), "@r1"),
        ("Mention with a date nobody can read", None, "@r2"),
        ("Patient Wilhelmina Osei in bed 4 says thanks", utc(2025, 3, 15, 10, 0), "@r\ufffd"),  # read as far as it goes
    ]
    errs = errors_of(result)
    assert [(e.source, e.where) for e in errs] == [(str(f), "line 3"), (str(f), "line 4"), (str(f), "line 3")]
    assert errs[0].message == "row has 9 fields, header has 7; fields beyond the header not read"
    assert errs[1].message == ("invalid utf-16-le bytes, shown as U+FFFD; line scanned as far as it decodes "
                               "(use --encoding)")
    assert errs[2].message == "1 date value(s) not understood; those posts have no date"
    for e in errs:
        assert "Wilhelmina" not in e.message and "someday" not in e.message


def test_invalid_utf8_and_explicit_encoding(tmp_path):
    f = tmp_path / "mentions.csv"
    f.write_bytes(("Date,Hit Sentence,Source\n2025-03-14,Lobby caf\xe9 opens at Riverside,Facebook\n"
                   "2025-03-15,Second mention,Facebook\n").encode("latin-1"))
    bad = items(f)
    assert [p.text for p in posts_of(bad)] == ["Lobby caf\ufffd opens at Riverside", "Second mention"]
    assert errors_of(bad) == [ReadError(str(f), "line 2", "invalid utf-8 bytes, shown as U+FFFD; line scanned as far as "
                                                         "it decodes (use --encoding)")]
    good = items(f, options=LoadOptions(encoding="latin-1"))
    assert errors_of(good) == []
    assert [(p.text, p.platform) for p in posts_of(good)] == [("Lobby café opens at Riverside", "facebook"),
                                                              ("Second mention", "facebook")]


def test_forced_on_a_file_without_listening_header(tmp_path):
    f = tmp_path / "other.csv"
    f.write_text("a,b,c\n1,2,3\n")
    result = items(f, input_format="listening-csv")
    assert posts_of(result) == []
    (err,) = errors_of(result)
    assert err.source == str(f) and err.where == "lines 1-2" and "no listening-export header" in err.message


def test_large_utf16_file_streams_across_chunk_boundaries(tmp_path):
    f = tmp_path / "big.csv"
    rows = [HEADER] + [
        [f"2025-03-{1 + i % 28:02d} 10:00", "", f"https://x.com/u/status/{i}", "", f'"Mention {i}\nsecond line {i}"', "X", f"@u{i}"]
        for i in range(3000)
    ]
    write_utf16_tsv(f, rows)
    assert f.stat().st_size > 4 * (1 << 16)
    result = items(f)
    assert errors_of(result) == []
    posts = posts_of(result)
    assert len(posts) == 3000
    assert (posts[-1].text, posts[-1].line, posts[-1].author) == ("Mention 2999\nsecond line 2999", 2 + 2 * 2999, "@u2999")
    assert [p.text for p in posts[:2]] == ["Mention 0\nsecond line 0", "Mention 1\nsecond line 1"]


def test_utf16_newline_bytes_inside_characters_do_not_split_lines(tmp_path):
    # U+0A15 U+4E00 encode as 15 0A 00 4E in UTF-16-LE: the bytes 0A 00 of a newline, at an odd offset
    f = tmp_path / "mixed.csv"
    write_utf16_tsv(f, [HEADER, ["2025-03-17 10:00", "", "", "", "Thanks \u0a15\u4e00 Riverside", "X", "@a"],
                        ["2025-03-18 10:00", "", "", "", "Second", "X", "@b"]])
    result = items(f)
    assert errors_of(result) == []
    assert [(p.text, p.line) for p in posts_of(result)] == [("Thanks \u0a15\u4e00 Riverside", 2), ("Second", 3)]
