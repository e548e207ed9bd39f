"""Citations of the JCM call's numbered notes (注1)…) name a clause where the seed writes them.

The consortium notes are 2.(4)② 注1)–4) (国際コンソーシアム, 交付申請は代表事業者, no change
after adoption, the eco-lease representative is the lessor); they were once cited as 2.(1)②,
which is monitoring. This reads every citation of the form ``2.(4)② 注1`` in code, templates,
messages, rulebooks, docs and tests, and checks the seed has that note under that clause.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared/seeds/003_8ca40c6c91f571dc.txt"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# "2.(4)② 注1", "2.(4)② 注1–3", "2.(4)② 注4)"
CITATION = re.compile(rf"(\d+\.\(\d+\)[{CIRCLED}])\s*注\s*(\d)(?:\s*[–-]\s*(\d))?")
SUFFIXES = {".py", ".md", ".html", ".yaml", ".tsv", ".txt", ".js"}


def _seed_notes() -> set[str]:
    """Every numbered note in the seed, as 'chapter.(item)circled 注N'."""
    assert SEED.is_file(), f"seed text missing: expected {SEED} (shared/ beside the clone)"
    found = set()
    chapter = item = circled = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"(\d+)\. \S", line):
            chapter, item, circled = m[1], None, None
        elif m := re.match(r"\((\d+)\) \S", line):
            item, circled = m[1], None
        elif line[:1] in CIRCLED:
            circled = line[0]
        for n in re.findall(r"注\s*(\d)\s*\)", line):
            found.add(f"{chapter}.({item}){circled or ''} 注{n}")
    return found


def _citations() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for base in ("src", "docs", "tests", "scripts", "README.md"):
        for path in [ROOT / base] if base.endswith(".md") else (ROOT / base).rglob("*"):
            if path.suffix not in SUFFIXES or path == Path(__file__) or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for m in CITATION.finditer(text):
                first, last = int(m[2]), int(m[3] or m[2])
                for n in range(first, last + 1):
                    where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
                    out.setdefault(f"{m[1]} 注{n}", []).append(where)
    return out


def test_the_seed_parser_finds_the_consortium_notes() -> None:
    assert {"2.(4)② 注1", "2.(4)② 注2", "2.(4)② 注3", "2.(4)② 注4"} <= _seed_notes()


def test_every_cited_note_exists_where_it_is_cited() -> None:
    notes = _seed_notes()
    cited = _citations()
    assert cited, "no note citation found: the pattern no longer matches the tree"
    wrong = {c: where for c, where in cited.items() if c not in notes}
    assert not wrong, f"citations of notes the seed does not have there: {wrong}"


def test_consortium_notes_are_not_cited_as_monitoring() -> None:
    """2.(1)② is monitoring; the consortium notes are 2.(4)② (issue 12, point 22)."""
    hits = [w for c, where in _citations().items() if c.startswith("2.(1)") for w in where]
    assert not hits, f"consortium notes cited as 2.(1): {hits}"
