#!/usr/bin/env python3
"""Writes fixtures/images/: exports whose images hold text, for the OCR path (issue 18). Everything is invented.

    python benchmarks/make_image_fixtures.py        # rewrites fixtures/images/

- `x-archive/`: an X archive (data/manifest.js, account.js, tweets.js) whose two photo tweets have their
  photos in `data/tweets_media/<tweet id>-<name>.jpg`: a ward whiteboard behind a "great night shift" tweet
  (rooms and patients' surnames: PHI105, PHI101) and a clean 5K team photo with a banner.
- `content-queue/`: a scheduled post naming a photo of a patient's wristband (a name, an MRN, a birth date),
  and a photo of a bedside monitor that no post names (an item of its own).

The images are kept small (JPEG, a few dozen KB) and drawn by benchmarks/ocr_scenes.py with fonts-dejavu.
They are committed; rerun this only to change them. fixtures/exports/ holds no image on purpose: its scan, the
README's first command, stays fast with or without the ocr extra.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ocr_scenes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "fixtures" / "images"
BOARD = ["Rm 9 Hartley fall risk", "Rm 12 Okafor sepsis", "Bed 4 Lindqvist CHF"]
TEAM_BANNER = "Larkspur 5K Team"


def tweet(tid: str, when: str, text: str, media_name: str | None) -> dict:
    t: dict = {"id_str": tid, "id": tid, "created_at": when, "full_text": text, "lang": "en",
               "display_text_range": ["0", str(len(text))], "favorite_count": "3", "retweet_count": "0",
               "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}
    if media_name:
        m = {"id_str": str(int(tid) + 800), "type": "photo", "url": "https://t.co/Qw3Er5Ty7U",
             "media_url": f"http://pbs.twimg.com/media/{media_name}",
             "media_url_https": f"https://pbs.twimg.com/media/{media_name}",
             "expanded_url": f"https://twitter.com/LarkspurGeneral/status/{tid}/photo/1",
             "display_url": "pic.twitter.com/Qw3Er5Ty7U", "indices": [str(len(text) + 1), str(len(text) + 24)]}
        t["entities"]["media"] = [m]
        t["extended_entities"] = {"media": [m]}
    return {"tweet": t}


def js(name: str, records) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(records, indent=2) + "\n"


def team_photo():
    from PIL import ImageDraw

    img = ocr_scenes.photo_background((900, 600))
    d = ImageDraw.Draw(img)
    d.rectangle([170, 60, 730, 160], fill=(250, 250, 250))
    d.text((215, 82), TEAM_BANNER, fill=(190, 30, 30), font=ocr_scenes.font("DejaVuSans-Bold.ttf", 48))
    return img


def main() -> None:
    if ROOT.exists():
        shutil.rmtree(ROOT)
    x = ROOT / "x-archive" / "data"
    (x / "tweets_media").mkdir(parents=True)
    (x / "manifest.js").write_text("window.__THAR_CONFIG = " + json.dumps({
        "userInfo": {"accountId": "1234567890", "userName": "LarkspurGeneral", "displayName": "Larkspur General Hospital"},
        "archiveInfo": {"generationDate": "2026-05-20T08:00:00.000Z", "isPartialArchive": False},
        "dataTypes": {"tweets": {"mediaDirectory": "data/tweets_media",
                                 "files": [{"fileName": "data/tweets.js", "globalName": "YTD.tweets.part0", "count": "3"}]}},
    }, indent=2) + "\n", encoding="utf-8")
    (x / "account.js").write_text(js("account", [{"account": {
        "username": "LarkspurGeneral", "accountId": "1234567890", "accountDisplayName": "Larkspur General Hospital",
        "createdAt": "2011-04-02T16:20:11.000Z"}}]), encoding="utf-8")
    tweets = [
        tweet("1790000000000000201", "Sat May 16 07:05:00 +0000 2026", "What a great night shift on 4 West! So proud of this team.", "Gk4WardBoard.jpg"),
        tweet("1790000000000000202", "Sun May 17 12:30:00 +0000 2026", "Our team ran the Larkspur 5K today. Thank you to everyone who came out!", "Gk5TeamRun.jpg"),
        tweet("1790000000000000203", "Mon May 18 09:00:00 +0000 2026", "Flu clinics run all week in the main lobby, no appointment needed.", None),
    ]
    (x / "tweets.js").write_text(js("tweets", tweets), encoding="utf-8")
    ocr_scenes.board(BOARD, size=(900, 400)).save(x / "tweets_media" / "1790000000000000201-Gk4WardBoard.jpg", quality=80)
    team_photo().save(x / "tweets_media" / "1790000000000000202-Gk5TeamRun.jpg", quality=80)

    q = ROOT / "content-queue"
    q.mkdir(parents=True)
    ocr_scenes.wristband().save(q / "discharge-day.jpg", quality=85)
    (q / "2026-05-20-discharge.md").write_text(
        "---\nid: discharge-day-2026\nplatform: instagram\naccount: official\npublish_at: 2026-05-20 10:00\n"
        "media: [discharge-day.jpg]\n---\nGoing home day! Our team loves celebrating these moments.\n", encoding="utf-8")
    ocr_scenes.screen().save(q / "monitor.jpg", quality=85)
    for p in sorted(ROOT.rglob("*")):
        if p.is_file():
            print(f"{p.relative_to(ROOT.parent.parent)}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
