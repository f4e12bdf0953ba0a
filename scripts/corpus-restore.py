#!/usr/bin/env python3
"""A split of the embedded corpus as a user has it: its placeholders restored.

The corpus files hold masked text (printf formats, accelerators and markup as single
tokens, "⟨ph1⟩"); DIR/SPLIT.mask.tsv (line, side, token, original) says what each token
stood for. Writes OUT/SPLIT.en and OUT/SPLIT.fr with the placeholders back in (a split
without a mask file is copied as it is), each written whole or not at all. Accelerator
marks ("acc@OFFSET", the "_" of "_File") stay out: translate drops them from its input and
never writes them, so a reference with them would score UI markup, not translation.

usage: scripts/corpus-restore.py DIR SPLIT OUT      e.g. data/enfr-l10n test results/x
"""
import os
import sys


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    data, split, out = argv[1:]
    table = {}
    mask = os.path.join(data, split + ".mask.tsv")
    if os.path.exists(mask):
        with open(mask, encoding="utf-8") as f:
            header = next(f, "").rstrip("\n").split("\t")
            if header != ["line", "side", "token", "original"]:
                sys.exit("%s: not a mask file (header %r)" % (mask, header))
            for n, row in enumerate(f, 2):
                cols = row.rstrip("\n").split("\t", 3)
                if len(cols) != 4 or not cols[0].isdigit():
                    sys.exit("%s:%d: expected line, side, token, original" % (mask, n))
                if not cols[2].startswith("acc@"):
                    table.setdefault((int(cols[0]), cols[1]), []).append((cols[2], cols[3]))
    os.makedirs(out, exist_ok=True)
    for side in ("en", "fr"):
        src = os.path.join(data, "%s.%s" % (split, side))
        with open(src, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        dest = os.path.join(out, "%s.%s" % (split, side))
        with open(dest + ".tmp", "w", encoding="utf-8") as g:
            for i, text in enumerate(lines, 1):
                for token, original in table.get((i, side), []):
                    if token not in text:
                        sys.exit("%s: line %d has no %s to restore" % (src, i, token))
                    text = text.replace(token, original, 1)
                g.write(text + "\n")
        os.replace(dest + ".tmp", dest)


if __name__ == "__main__":
    main(sys.argv)
