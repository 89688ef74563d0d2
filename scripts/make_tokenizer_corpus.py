#!/usr/bin/env python3
"""Assembles the tokenizer parity / speed corpus (issue #3): a list of documents, written as JSON lines (one JSON
string per line, so newlines, tabs and control characters stay inside a document), from text already on this machine
and text generated from the Unicode database. No network.

  python3 scripts/make_tokenizer_corpus.py [--out benchmarks/.corpus/corpus.jsonl] [--mb 6]

Sources, in this order (the order and every random choice are fixed: same machine, same corpus):
  messages   translated messages of the gettext catalogues (*.mo) under /usr/share/locale and elsewhere: ~150
             languages and their scripts (Latin, Cyrillic, Greek, CJK, Hangul, Arabic, Hebrew, Devanagari, Thai, ...)
  locales    month and day names of every glibc locale source (/usr/share/i18n/locales, <Uxxxx> escapes decoded)
  prose      English license texts and package documentation
  code       Python sources of the standard library and C++ headers
  scripts    generated words for every Unicode script (letters, their combining marks, digits of the script)
  unicode    every assigned code point but surrogates, in runs (controls, format characters, private use included)
  emoji      emoji, skin-tone modifiers, ZWJ families, flags, keycaps, variation selectors
  marks      combining-mark stacks, NFC vs NFD spellings, decomposed Hangul
  spaces     whitespace runs of every Unicode space, tabs, CR/LF mixes, leading and trailing spaces
  controls   ASCII and C1 control characters inside words
  long       very long words, numbers, URLs, base64 blobs, one-character repetitions
  numbers    integers, decimals, dates, phone numbers, digits of other scripts, full-width digits
  specials   strings that look like special tokens of the target tokenizers ([CLS], <s>, <mask>, ▁, Ġ, ##...)
A side file <out>.sources.json lists [source, first document, count] so tools can sample per source.
Invalid UTF-8 cannot be part of a Python str; the C++ tests cover it.
"""
import argparse
import gettext
import glob
import json
import os
import random
import re
import sys
import unicodedata

SEED = 20261123


def mo_files():
    roots = ["/usr/share/locale", "/usr/share/locale-langpack", "/usr/share/vim", "/usr/lib/python3/dist-packages",
             sys.prefix]
    found = set()
    for root in roots:
        for path in glob.glob(os.path.join(root, "**", "*.mo"), recursive=True):
            found.add(os.path.realpath(path))
    return sorted(found)


def catalogue_messages(path):
    try:
        with open(path, "rb") as f:
            t = gettext.GNUTranslations(f)
    except Exception:  # a catalogue in a charset Python lacks, or a broken one: skip it
        return []
    out = []
    for key, value in t._catalog.items():
        if isinstance(value, str) and value and key:
            out.append(value)
    return out


def language_of(path):
    m = re.search(r"/([^/]+)/LC_[A-Z]+/", path)
    return m.group(1) if m else "?"


def messages(budget, rng):
    """Per language, messages of its catalogues grouped into documents of 1-30 messages joined by newlines."""
    by_lang = {}
    for path in mo_files():
        by_lang.setdefault(language_of(path), []).append(path)
    per_lang = budget // max(1, len(by_lang))
    docs = []
    for lang in sorted(by_lang):
        pool = []
        for path in by_lang[lang]:
            pool.extend(catalogue_messages(path))
        pool = sorted(set(pool))
        rng.shuffle(pool)
        used = 0
        i = 0
        while i < len(pool) and used < per_lang:
            n = rng.choice([1, 1, 2, 3, 5, 8, 13, 30])
            doc = rng.choice(["\n", "\n", " ", "\n\n"]).join(pool[i:i + n])
            i += n
            used += len(doc.encode("utf-8"))
            docs.append(doc)
    return docs


def locale_names():
    docs = []
    unescape = lambda s: re.sub(r"<U([0-9A-Fa-f]{4,6})>", lambda m: chr(int(m.group(1), 16)), s)
    for path in sorted(glob.glob("/usr/share/i18n/locales/*")):
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except (IsADirectoryError, OSError):
            continue
        names = []
        for key in ("mon", "abmon", "day", "abday", "alt_mon", "title", "language", "territory", "yesexpr", "noexpr"):
            for m in re.finditer(r"^\s*" + key + r"\s+(.+?)(?<!/)$", text, re.M):
                names += [unescape(s) for s in re.findall(r'"([^"]*)"', m.group(1))]
        names = [n for n in names if n]
        if names:
            docs.append(os.path.basename(path) + ": " + ", ".join(names))
    return docs


def paragraphs(paths, budget, rng, max_doc=6000):
    docs, used = [], 0
    for path in paths:
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError, IsADirectoryError):
            continue
        for para in re.split(r"\n\s*\n", text):
            if para.strip() and used < budget:
                docs.append(para[:max_doc])
                used += len(para[:max_doc])
    return docs


def prose(budget, rng):
    paths = sorted(glob.glob("/usr/share/common-licenses/*"))
    paths += sorted(glob.glob("/usr/share/doc/*/README*"))[:200]
    return paragraphs(paths, budget, rng)


def code(budget, rng):
    """Whole source files cut into chunks of 200-8000 characters (code keeps its indentation, tabs and newlines)."""
    stdlib = os.path.dirname(os.__file__)
    py = sorted(glob.glob(os.path.join(stdlib, "*.py")))
    cpp = sorted(p for p in glob.glob("/usr/include/c++/*/bits/*") if os.path.isfile(p))
    cpp += sorted(glob.glob("/usr/include/*.h"))
    rng.shuffle(py)
    rng.shuffle(cpp)
    docs, used = [], 0
    for group in (py, cpp):
        used_group = 0
        for path in group:
            if used_group >= budget // 2:
                break
            try:
                text = open(path, encoding="utf-8").read()
            except (UnicodeDecodeError, OSError):
                continue
            pos = 0
            while pos < len(text) and used_group < budget // 2:
                n = rng.choice([200, 800, 2000, 8000])
                docs.append(text[pos:pos + n])
                used_group += len(text[pos:pos + n])
                pos += n
        used += used_group
    return docs


def assigned_chars():
    return [chr(c) for c in range(0x110000)
            if unicodedata.category(chr(c)) not in ("Cs", "Cn")]


def script_of(ch):
    """The script-like first words of the character's name ("ARABIC", "CJK", "DEVANAGARI", ...)."""
    name = unicodedata.name(ch, "")
    return name.split(" ")[0] if name else None


def scripts(rng):
    """Pseudo-words per script: letters of the script with its marks, separated by spaces and the script's punct."""
    groups = {}
    for ch in assigned_chars():
        cat = unicodedata.category(ch)
        s = script_of(ch)
        if s and cat[0] in "LMNP":
            groups.setdefault(s, {}).setdefault(cat[0], []).append(ch)
    docs = []
    for s in sorted(groups):
        g = groups[s]
        letters = g.get("L", [])
        if len(letters) < 4:
            continue
        marks, digits, punct = g.get("M", []), g.get("N", []), g.get("P", []) + [".", ",", "!", "?"]
        for _ in range(3):
            words = []
            for _ in range(rng.randint(5, 60)):
                w = "".join(rng.choice(letters) + (rng.choice(marks) if marks and rng.random() < 0.3 else "")
                            for _ in range(rng.randint(1, 9)))
                if digits and rng.random() < 0.1:
                    w = "".join(rng.choice(digits) for _ in range(rng.randint(1, 4)))
                words.append(w + (rng.choice(punct) if rng.random() < 0.15 else ""))
            docs.append(" ".join(words))
    return docs


def unicode_runs(rng):
    chars = assigned_chars()
    docs = []
    i = 0
    while i < len(chars):
        n = rng.choice([16, 64, 256])
        run = chars[i:i + n]
        sep = rng.choice(["", " ", "a"])
        docs.append(sep.join(run))
        i += n
    # a few unassigned code points too (the library must not choke on them)
    docs.append(" ".join(chr(c) for c in (0x0378, 0x0BFF, 0x2FE0, 0x1FFFE, 0xE0080, 0x10FFFF, 0xFFFF, 0xFDD0)))
    return docs


EMOJI = ["😀", "😂", "🥲", "🤖", "🧠", "🫠", "❤", "❤️", "👍", "👍🏽", "👩🏿‍💻", "🧑‍🤝‍🧑", "👨‍👩‍👧‍👦", "👩‍❤️‍💋‍👨",
         "🏳️‍🌈", "🏴‍☠️", "🇫🇷", "🇯🇵", "🇺🇸", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣", "#️⃣", "*️⃣", "☺︎", "☺️", "🐕‍🦺", "🧔🏻‍♀️", "🫱🏼‍🫲🏿",
         "✋🏾", "🙇‍♂️", "🚵🏼‍♀️", "🤷", "©️", "™", "🔟", "🆗", "🀄", "🃏", "𝕳𝖊𝖑𝖑𝖔", "ℌ𝔢𝔩𝔩𝔬"]


def emoji(rng):
    docs = [" ".join(EMOJI), "".join(EMOJI), "\u200d".join(EMOJI[:10])]
    words = ["hello", "world", "ok", "love", "日本", "مرحبا", "नमस्ते", "ไทย", "🙂"]
    for _ in range(200):
        parts = []
        for _ in range(rng.randint(1, 25)):
            parts.append(rng.choice(EMOJI) * rng.randint(1, 3) if rng.random() < 0.5 else rng.choice(words))
        docs.append(rng.choice(["", " ", "  ", "\n"]).join(parts))
    # skin tones on every hand emoji, regional-indicator runs (odd counts too)
    docs.append(" ".join(h + t for h in "👋🤚✋🖖👌🤌🤏✌🤞" for t in "🏻🏼🏽🏾🏿"))
    docs.append("".join(chr(0x1F1E6 + i) for i in range(26)) + chr(0x1F1E6))
    return docs


def marks(rng):
    combining = [chr(c) for c in range(0x300, 0x370)] + ["\u0489", "\u20dd", "\u20e3", "\u3099", "\u309a"]
    docs = []
    for _ in range(150):
        words = []
        for _ in range(rng.randint(1, 20)):
            base = rng.choice("aeiouAEIOUnczsy日aα я1 ")
            words.append(base + "".join(rng.choice(combining) for _ in range(rng.randint(0, 12))))
        docs.append(" ".join(words))
    samples = ["café naïve résumé Ångström Über façade Ελληνικά ñandú São Paulo Đặng Việt Nam",
               "Zalgo: H̸̡̪̯ͨ͊̽̅̾̎Ȩ̬̩̾͛ͪ̈́̀́͘ ̶̧̨̱̹̭̯ͧ̾ͬC̷̙̲̝͖ͭ̏ͥͮ͟Oͮ͏̮̪̝͍M̲̖͊̒ͪͩͬ̚̚͜Ȇ̴̟̟͙̞ͩ͌͝S̨̥̫͎̭ͯ̿̔̀ͅ",
               "한국어 텍스트 입니다", "ﬁﬂ ﬀ ﬃ ǆ Ǆ ǅ ß ẞ İstanbul ı ŉ ΐ", "①②③ ⅷ ¼ ½ x² H₂O ㍿ ㈱ ℃ Å K"]
    for s in samples:
        docs += [s, unicodedata.normalize("NFD", s), unicodedata.normalize("NFKC", s), unicodedata.normalize("NFKD", s)]
    return docs


SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u1680", "\u2000", "\u2003", "\u2009", "\u200a", "\u200b",
          "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\x0b", "\x0c", "\x85", "\u180e"]


def spaces(rng):
    docs = ["", " ", "  ", "\n", "\t", "\r\n", " ".join(SPACES), "".join(SPACES), "a" + "".join(SPACES) + "b"]
    words = ["The", "quick", "brown", "fox", "日本語", "x", "42", "!", "über", "don't", "Привет"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 30)):
            parts.append(rng.choice(words))
            parts.append(rng.choice(SPACES) * rng.randint(1, 6) if rng.random() < 0.4 else " ")
        lead = rng.choice(SPACES) * rng.randint(0, 3)
        docs.append(lead + "".join(parts))
    docs.append(" " * 3000)
    docs.append("\n" * 500 + "end")
    docs.append("\t\t" * 200 + "x" + " \t\n" * 200)
    return docs


def controls(rng):
    ctl = [chr(c) for c in list(range(0, 32)) + [127] + list(range(0x80, 0xA0))]
    docs = ["".join(ctl), " ".join(ctl)]
    for _ in range(100):
        docs.append("".join(rng.choice(ctl) if rng.random() < 0.2 else rng.choice("abc def. 1 é中") for _ in
                            range(rng.randint(1, 80))))
    docs.append("nul\x00in\x00the\x00middle")
    return docs


def long_strings(rng):
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    docs = ["a" * 5000, "ab" * 3000, "x" * 101, "x" * 100, "é" * 2000, "日" * 3000, "😀" * 1000, "1" * 4000,
            "".join(rng.choice(alnum) for _ in range(20000)),
            "Supercalifragilisticexpialidocious " * 50,
            "pneumonoultramicroscopicsilicovolcanoconiosis" * 40,
            "https://example.com/" + "/".join("segment%d?q=%d&x=y" % (i, i * i) for i in range(400)),
            "".join(rng.choice(alnum + "+/") for _ in range(12000)) + "==",
            "-" * 2000 + "=" * 2000, "." * 3000 + "!?" * 500, "_" * 1000 + "__init__" * 100]
    for _ in range(30):
        n = rng.choice([150, 500, 2000])
        docs.append(" ".join("".join(rng.choice(alnum) for _ in range(n)) for _ in range(rng.randint(1, 4))))
    return docs


def numbers(rng):
    docs = []
    digit_sets = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "๐๑๒๓๔๕๖๗๘๙",
                  "０１２３４５６７８９", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 30)):
            kind = rng.randint(0, 7)
            if kind == 0:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 30))))
            elif kind == 1:
                parts.append("%.*f" % (rng.randint(0, 8), rng.uniform(-1e6, 1e6)))
            elif kind == 2:
                parts.append("%.3e" % rng.uniform(-1e30, 1e30))
            elif kind == 3:
                parts.append("{:,}".format(rng.randint(0, 10 ** 12)))
            elif kind == 4:
                parts.append("%04d-%02d-%02dT%02d:%02d:%02dZ" % (rng.randint(1900, 2100), rng.randint(1, 12),
                                                                  rng.randint(1, 28), rng.randint(0, 23),
                                                                  rng.randint(0, 59), rng.randint(0, 59)))
            elif kind == 5:
                parts.append("+%d (%03d) %03d-%04d" % (rng.randint(1, 99), rng.randint(0, 999), rng.randint(0, 999),
                                                       rng.randint(0, 9999)))
            elif kind == 6:
                ds = rng.choice(digit_sets)
                parts.append("".join(rng.choice(ds) for _ in range(rng.randint(1, 12))))
            else:
                parts.append(rng.choice(["$3.50", "€1.000,00", "¥500", "50%", "1/2", "v1.2.3", "0x1F", "1e-9",
                                         "3rd", "21st", "#1", "10km", "A4", "IPv6 ::1", "192.168.0.1"]))
        docs.append(" ".join(parts))
    return docs


SPECIALS = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]", "<s>", "</s>", "<pad>", "<unk>", "<mask>", "<|endoftext|>",
            "<extra_id_0>", "<extra_id_99>", "▁", "▁▁", "Ġ", "Ċ", "##", "##ing", "</w>", "<0x41>", "<0xE6>", "[cls]",
            "<S>", "<mask >", "< mask>", "[MASK][MASK]", "<s></s>", "<|im_start|>"]


def specials(rng):
    docs = [" ".join(SPECIALS), "".join(SPECIALS)]
    words = ["The", "capital", "of", "France", "is", "a", "test", ".", "日本", "x"]
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 20)):
            parts.append(rng.choice(SPECIALS) if rng.random() < 0.3 else rng.choice(words))
        docs.append(rng.choice([" ", "", "  ", "\n"]).join(parts))
    return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "benchmarks", ".corpus", "corpus.jsonl"))
    ap.add_argument("--mb", type=float, default=6.0, help="approximate size in MB (messages, prose, code scale)")
    args = ap.parse_args()
    rng = random.Random(SEED)
    total = int(args.mb * 1e6)
    sources = [
        ("messages", lambda: messages(int(total * 0.45), rng)),
        ("locales", locale_names),
        ("prose", lambda: prose(int(total * 0.08), rng)),
        ("code", lambda: code(int(total * 0.22), rng)),
        ("scripts", lambda: scripts(rng)),
        ("unicode", lambda: unicode_runs(rng)),
        ("emoji", lambda: emoji(rng)),
        ("marks", lambda: marks(rng)),
        ("spaces", lambda: spaces(rng)),
        ("controls", lambda: controls(rng)),
        ("long", lambda: long_strings(rng)),
        ("numbers", lambda: numbers(rng)),
        ("specials", lambda: specials(rng)),
    ]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    index, count, size = [], 0, 0
    with open(args.out, "w", encoding="utf-8") as f:
        for name, make in sources:
            docs = make()
            index.append([name, count, len(docs)])
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
                size += len(d.encode("utf-8"))
            count += len(docs)
            print(f"{name:10s} {len(docs):7d} documents", file=sys.stderr)
    with open(args.out + ".sources.json", "w") as f:
        json.dump(index, f)
    print(f"{args.out}: {count} documents, {size / 1e6:.2f} MB of UTF-8 text", file=sys.stderr)


if __name__ == "__main__":
    main()
