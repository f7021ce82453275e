"""OCR quality and speed on real pages: render corpus PDF pages to images, read them back by OCR.

Picks ``--pages`` pages (default 30) spread evenly over the three folders of ``../shared/corpus``:
from each PDF in name order, the first page from its middle on (then from its start) whose text
layer is good (at least 600 characters, four-fifths of them letters, digits, spaces or common
punctuation), up to the folder's share: body pages, not covers. Each page is rendered by the app's PdfRenderer
(pypdfium2, greyscale) at ``--dpi`` (150) and read by the app's OcrReader (RapidOCR, as indexing
runs it); the reference is the page's own text layer (pypdfium2).

Character error rate (CER) = Levenshtein distance between OCR text and reference / reference length,
summed over pages (total edits / total reference characters). Both texts are normalised first:
Unicode NFKC (ligatures "ﬁ" -> "fi"), case folded, curly quotes and dashes to their ASCII forms,
runs of dot leaders (". . . ." in a table of contents: layout, not content, and a text layer has
one character per dot where OCR reads a few) collapsed to one dot, then
  - ``cer``: all whitespace removed (line breaks, column gaps and word spacing differ in form,
    not in content, between a text layer and OCR; what is left are the characters themselves);
  - ``cer_spaces``: whitespace runs collapsed to one space (a word run together counts).
Reading order still counts in both: a two-column page read in another order costs edits; so
``word_recall`` (share of the reference's words, as a multiset, that the OCR text has, in any
order) tells misread characters from a different reading order.

Speed: OCR pages/s (render + OCR, the models loaded beforehand) and, as the baseline measured in
the same run, text-layer extraction pages/s (pypdf, as indexing does) of the same pages. Install
size: the site-packages folders of the packages that OCR adds (rapidocr_onnxruntime, onnxruntime,
OpenCV, pyclipper, shapely, pypdfium2), and those of the Office loaders. The load average is
printed with the result: the machine is shared.

    python benchmarks/ocr.py [--corpus DIR] [--pages 30] [--dpi 150]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop_app.rag.ocr import OcrOptions  # noqa: E402
from desktop_app.rag.ocr_pages import OcrReader, PdfRenderer  # noqa: E402

FOLDERS = ("nih-clinical-trial-protocols", "ntsb-aviation-incident-accident-reports", "us-fed-agency-reports")
OCR_PACKAGES = ("rapidocr_onnxruntime", "onnxruntime", "cv2", "opencv_python.libs", "pyclipper", "shapely", "shapely.libs",
                "pypdfium2", "pypdfium2_raw")
OFFICE_PACKAGES = ("docx", "pptx", "openpyxl", "lxml", "et_xmlfile", "xlsxwriter")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "•": "-"})


_LEADERS = re.compile(r"(?:\.\s*){2,}")


def normalise(text: str, spaces: bool) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    text = _LEADERS.sub(". ", text)
    return " ".join(text.split()) if spaces else "".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance by Hyyrö's bit-parallel form of Myers' algorithm (Python integers as bit vectors)."""
    if not a:
        return len(b)
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << len(a)) - 1
    high = 1 << (len(a) - 1)
    pv, mv, score = mask, 0, len(a)
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def good_text(text: str) -> bool:
    if len(text.strip()) < 600:
        return False
    ok = sum(1 for ch in text if ch.isalnum() or ch.isspace() or ch in ".,;:()%$-/'\"&")
    return ok >= 0.8 * len(text)


def text_layer(path: Path, index: int) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[index]
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
            page.close()
    finally:
        doc.close()


def pick_pages(corpus: Path, total: int) -> list[tuple[str, Path, int, str]]:
    import pypdfium2 as pdfium

    chosen = []
    share = [total // len(FOLDERS) + (1 if i < total % len(FOLDERS) else 0) for i in range(len(FOLDERS))]
    for folder, want in zip(FOLDERS, share):
        files = sorted((corpus / folder).glob("*.pdf"))
        taken = 0
        for path in files:
            if taken >= want:
                break
            doc = pdfium.PdfDocument(str(path))
            count = len(doc)
            doc.close()
            for index in list(range(count // 2, count)) + list(range(count // 2)):
                text = text_layer(path, index)
                if good_text(text):
                    chosen.append((folder, path, index, text))
                    taken += 1
                    break
    return chosen


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def installed_mb(names: tuple[str, ...]) -> dict[str, float]:
    import site

    sizes = {}
    for base in map(Path, site.getsitepackages()):
        for name in names:
            if (base / name).exists():
                sizes[name] = round(folder_size(base / name) / 2**20, 1)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()
    load_start = os.getloadavg()
    pages = pick_pages(args.corpus, args.pages)
    reader = OcrReader.from_options(OcrOptions(dpi=args.dpi))
    started = time.perf_counter()
    reader.engine._engine()  # the models load once, before timing
    load_s = time.perf_counter() - started

    from pypdf import PdfReader

    t0 = time.perf_counter()
    for _folder, path, index, _ref in pages:
        PdfReader(str(path)).pages[index].extract_text(extraction_mode="layout")
    baseline_s = time.perf_counter() - t0

    rows = []
    render_s = ocr_s = 0.0
    for folder, path, index, reference in pages:
        renderer = PdfRenderer(path)
        t0 = time.perf_counter()
        image = renderer.render(index, args.dpi)
        t1 = time.perf_counter()
        text = reader.read(image)
        t2 = time.perf_counter()
        renderer.close()
        render_s += t1 - t0
        ocr_s += t2 - t1
        row = {"folder": folder, "file": path.name, "page": index + 1, "seconds": round(t2 - t0, 2)}
        for key, spaces in (("", False), ("_spaces", True)):
            ref, got = normalise(reference, spaces), normalise(text, spaces)
            row["edits" + key], row["chars" + key] = levenshtein(ref, got), len(ref)
        row["cer"] = round(row["edits"] / max(1, row["chars"]), 4)
        ref_words = Counter(re.findall(r"\w+", normalise(reference, True)))
        got_words = Counter(re.findall(r"\w+", normalise(text, True)))
        row["words"], row["words_found"] = sum(ref_words.values()), sum((ref_words & got_words).values())
        rows.append(row)

    def cer(subset, key=""):
        return round(sum(r["edits" + key] for r in subset) / max(1, sum(r["chars" + key] for r in subset)), 4)

    total_s = render_s + ocr_s
    print(json.dumps({
        "pages": len(rows), "dpi": args.dpi,
        "cer": cer(rows), "cer_spaces": cer(rows, "_spaces"),
        "cer_median_page": sorted(r["cer"] for r in rows)[len(rows) // 2] if rows else None,
        "cer_by_folder": {f: cer([r for r in rows if r["folder"] == f]) for f in FOLDERS},
        "word_recall": round(sum(r["words_found"] for r in rows) / max(1, sum(r["words"] for r in rows)), 4),
        "worst_pages": sorted(rows, key=lambda r: -r["cer"])[:5],
        "ocr_pages_per_s": round(len(rows) / total_s, 3) if total_s else None,
        "render_s_per_page": round(render_s / max(1, len(rows)), 3),
        "ocr_s_per_page": round(ocr_s / max(1, len(rows)), 3),
        "model_load_s": round(load_s, 2),
        "baseline_text_layer_pages_per_s": round(len(rows) / baseline_s, 2) if baseline_s else None,
        "ocr_vs_text_layer_time_ratio": round(total_s / baseline_s, 1) if baseline_s else None,
        "install_mb_ocr": installed_mb(OCR_PACKAGES), "install_mb_office": installed_mb(OFFICE_PACKAGES),
        "install_mb_ocr_total": round(sum(installed_mb(OCR_PACKAGES).values()), 1),
        "install_mb_office_total": round(sum(installed_mb(OFFICE_PACKAGES).values()), 1),
        "cpu_count": os.cpu_count(), "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "targets": {"cer_max": 0.03, "pages_per_s_min": 1.0},
    }, indent=2))


if __name__ == "__main__":
    main()
