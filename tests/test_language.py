"""The post's language (classify.language) and the review finding for languages the judgment cannot read."""
from __future__ import annotations

import pytest

from phiscan.classify.language import TRAINED, detect
from phiscan.model import Post


@pytest.mark.parametrize("text,code", [
    ("Our night shift finally got some sleep after the storm rolled through town", "en"),
    ("sz precautions refresher this thurs, padded rails in the supply room", "en"),  # clinical shorthand
    ("Hoy dimos de alta a la señora del cuarto doce después de tres semanas con nosotros", "es"),
    ("Ce matin on a enfin pu retirer le plâtre de la petite du lit sept", "fr"),
    ("Hôm nay bà ở phòng mười hai đã được xuất viện sau ba tuần", "vi"),
    ("Salamat po sa lahat ng nars na nag-alaga kay lola noong nakaraang linggo", "tl"),
    ("Jodi a manman m soti lopital la apre twa semèn, mèsi anpil pou tout enfimyè yo", "ht"),
    ("오늘 아침 7호실 할머니가 퇴원하셨어요", "ko"),
    ("Leo asubuhi mama yetu ameruhusiwa kutoka hospitali baada ya wiki tatu", "und"),  # Swahili
    ("Kal raat ward mein bahut bheed thi, sab log thak gaye the yaar", "und"),  # Hindi in Latin script
    ("Go team!", "en"),  # too short to tell: the default
])
def test_detect(text, code):
    assert detect(text).code == code
    assert detect(text).trained == (code in TRAINED)


def _findings(scanner, text):
    return [(f.rule, f.evidence, str(f.severity)) for _, fs in scanner.scan([Post(id="l", text=text)]) for f in fs]


def test_identifiers_in_an_unread_language_need_review(scanner):
    text = "Leo asubuhi baada ya upasuaji, Bi. Amina Juma anaendelea vizuri sana"
    assert _findings(scanner, text) == [("PHI122", "Amina Juma", "medium")]
    assert scanner.judgment_of(Post(id="l", text=text)).language.code == "und"


def test_a_read_language_is_left_to_the_judgment(scanner):
    text = "Hôm nay bà Lan ở phòng 12 đã được xuất viện."
    assert not [f for f in _findings(scanner, text) if f[0] == "PHI122"]
