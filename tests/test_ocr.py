"""OCR's pure core on hand-made Tesseract TSV, and the readers around it with a fake engine (no Tesseract).

The fake engine returns TSV laid out from known lines, so the canonical text, the
spans, the word boxes and the confidences can be checked exactly; pages turned by
a quarter turn or skewed by two degrees must read like the upright page.
Real Tesseract is in ``test_ocr_real.py``.
"""

from __future__ import annotations

import io
import math

import pytest

from assistant import readers
from assistant.corpus import check_upload, load_corpus
from assistant.readers.ocr import OcrOptions, laid_pages
from assistant.readers.ocr_tsv import HEADER, group_lines, ocr_page, parse_tsv, reading_angle
from assistant.readers.ocr_words import boxes, doubtful, span_confidence, words_in
from assistant.types import Citation, Document, Page, page_from_json, page_to_json

pytestmark = pytest.mark.unit

W, H = 1240, 1754  # an A4 page at 150 dpi
CHAR, LINE = 9, 25  # pixels per character and between baselines


def make_tsv(lines: list[str], angle_deg: float = 0.0, confs: dict[str, float] | None = None, x0: int = 150) -> str:
    """TSV as Tesseract writes it for ``lines`` set left-aligned, one paragraph per blank-separated group,
    the page turned by ``angle_deg`` (counter-clockwise, as Pillow turns an image) about its centre."""
    a = math.radians(angle_deg)
    turned = round(angle_deg) % 180 == 90
    size = (H, W) if turned else (W, H)

    def turn(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - W / 2, y - H / 2
        return size[0] / 2 + dx * math.cos(a) + dy * math.sin(a), size[1] / 2 - dx * math.sin(a) + dy * math.cos(a)

    rows = ["\t".join(HEADER), f"1\t1\t0\t0\t0\t0\t0\t0\t{size[0]}\t{size[1]}\t-1\t"]
    par, line_no, y = 1, 0, 200
    for text in lines:
        if not text:
            par, y = par + 1, y + LINE // 2
            continue
        line_no, y, x = line_no + 1, y + LINE, x0
        for k, word in enumerate(text.split(), start=1):
            w = len(word) * CHAR
            corners = [turn(px, py) for px in (x, x + w) for py in (y - 18, y)]
            left, top = min(c[0] for c in corners), min(c[1] for c in corners)
            right, bottom = max(c[0] for c in corners), max(c[1] for c in corners)
            conf = (confs or {}).get(word, 95.0)
            rows.append(
                f"5\t1\t1\t{par}\t{line_no}\t{k}\t{round(left)}\t{round(top)}\t{round(right - left)}\t{round(bottom - top)}\t{conf}\t{word}"
            )
            x += w + CHAR
    return "\n".join(rows) + "\n"


PARAS = [
    "The harbour reopened on Monday after",
    "three weeks of repairs to the seawall,",
    "officials said in a statement.",
    "",
    "Fishing boats were the first to return",
    "and the ferry resumes its timetable",
    "next week.",
]
TEXT = (
    "The harbour reopened on Monday after three weeks of repairs to the seawall, officials said in a statement."
    "\n\nFishing boats were the first to return and the ferry resumes its timetable next week."
)


@pytest.mark.parametrize(
    "tsv, size, words",
    [
        pytest.param("\t".join(HEADER) + "\n", (0, 0), [], id="header-only"),
        pytest.param(
            "\t".join(HEADER) + "\n1\t1\t0\t0\t0\t0\t0\t0\t800\t600\t-1\t\n5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t91.5\tWord\n",
            (800, 600),
            [("Word", 91.5)],
            id="one-word",
        ),
        pytest.param(
            "\t".join(HEADER) + "\n4\t1\t1\t1\t1\t0\t10\t20\t300\t12\t-1\t\n5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t-1\t \n",
            (0, 0),
            [],
            id="blank-word-and-line-rows-skipped",
        ),
        pytest.param(
            "\t".join(HEADER) + "\n5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t88\t\ufb01ne\n", (0, 0), [("fine", 88.0)], id="ligature-nfkc"
        ),
        pytest.param(
            "\t".join(HEADER) + "\n5\t1\t1\t1\t1\t1\t10\t20\t0\t12\t88\tzero\nbroken row\n", (0, 0), [], id="no-width-and-junk"
        ),
    ],
)
def test_parse_tsv_keeps_the_words_with_their_confidence(tsv, size, words):
    got_size, got = parse_tsv(tsv)
    assert got_size == size and [(w.text, w.conf) for w in got] == words


def test_parse_tsv_refuses_other_output():
    with pytest.raises(ValueError, match="not Tesseract TSV"):
        parse_tsv("hello world\n")


@pytest.mark.parametrize("angle", [0.0, 2.0, -1.5, 90.0, 180.0, 270.0, 91.5])
def test_reading_angle_is_the_direction_text_runs(angle):
    _, words = parse_tsv(make_tsv(PARAS, angle))
    got = math.degrees(reading_angle(group_lines(words)))
    assert math.isclose(math.remainder(got + angle, 360), 0, abs_tol=0.3), got  # Pillow turns counter-clockwise


def test_ocr_page_text_and_word_indexes_agree():
    page = ocr_page(make_tsv(PARAS), 0, 150)
    assert page.text == "\n".join(p for p in PARAS if p)
    for index, length, *_ in page.words:
        word = page.text[index : index + length]
        assert word and " " not in word and "\n" not in word
    assert [ln.text for ln in page.lines] == [p for p in PARAS if p]
    assert all(page.text[ln.start : ln.start + len(ln.text)] == ln.text for ln in page.lines)


@pytest.mark.parametrize("angle", [0.0, 2.0, -2.0, 90.0, 180.0, 270.0])
def test_a_turned_or_skewed_page_lays_out_like_the_upright_one(angle):
    laid, pages = laid_pages([[]], {0: ocr_page(make_tsv(PARAS, angle), 0, 150)})
    assert laid.text == TEXT
    assert [b.kind for b in laid.blocks] == ["paragraph", "paragraph"]
    assert pages[0].words and pages[0].runs


def test_spans_map_to_words_boxes_and_confidence():
    tsv = make_tsv(PARAS, confs={"seawall,": 41.0, "ferry": 55.0})
    laid, pages = laid_pages([[]], {0: ocr_page(tsv, 0, 150)})
    doc = Document("scan.png", laid.text, pages=pages, ocr="tesseract/eng/300dpi")
    start = laid.text.index("three weeks")
    end = laid.text.index("statement.") + len("statement.")
    page = doc.pages[0]
    found = words_in(page, page.indexes(start, end))
    assert [page_text_word(laid, page, w) for w in found][:3] == ["three", "weeks", "of"]
    assert span_confidence(doc, start, end) == round((95 * 11 + 41) / 12 / 100, 3)  # 12 words, one at 41
    drawn = boxes(page, page.indexes(start, end))
    assert len(drawn) == 2  # one box per line the sentence's words are on
    assert all(0 <= v <= 10_000 for b in drawn for v in b)
    assert [laid.text[s.start : s.end] for s in doubtful(doc)] == ["seawall,", "ferry"]
    assert span_confidence(doc, 0, 3) == 0.95 and span_confidence(Document("a.txt", "abc"), 0, 3) is None


def page_text_word(laid, page: Page, w) -> str:
    """The canonical text of an OCR word (through the page's runs)."""
    for offset, index, n in page.runs:
        if index <= w[0] < index + n:
            a = offset + w[0] - index
            return laid.text[a : a + w[1]]
    return ""


def test_pages_with_words_survive_the_manifest_and_citations_say_ocr():
    page = Page(1, 0, 10, ((0, 0, 10),), ((0, 4, 10, 20, 300, 40, 88),))
    assert page_from_json(page_to_json(page)) == page
    assert page_from_json(page_to_json(Page(2, 0, 5))) == Page(2, 0, 5)
    assert Citation(1, "a.png", 0, 4, "Word", ocr_confidence=0.88).to_dict()["ocr_confidence"] == 0.88
    assert Citation(1, "a.txt", 0, 4, "Word").to_dict()["ocr_confidence"] is None


class FakeOcr:
    """Returns ``make_tsv(lines)`` for every page, counting calls; ``fail`` raises like a failing engine."""

    name = "fake/eng"

    def __init__(self, lines=PARAS, fail: str = ""):
        self.lines, self.fail, self.calls = lines, fail, 0

    def page_tsv(self, image: bytes, dpi: int) -> str:
        self.calls += 1
        assert image.startswith((b"P5", b"P6")), "pages go to the engine as PNM"
        if self.fail:
            raise ValueError(self.fail)
        return make_tsv(self.lines)


def png(width: int = 300, height: int = 200, fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format=fmt)
    return out.getvalue()


def scanned_pdf(pages: int = 2) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    imgs = [Image.new("L", (200, 280), 255) for _ in range(pages)]
    imgs[0].save(out, "PDF", save_all=True, append_images=imgs[1:], resolution=50)
    return out.getvalue()


def test_image_reader_reads_by_ocr_and_caches_by_file_hash(tmp_path):
    engine = FakeOcr()
    opts = OcrOptions(engine, tmp_path / "ocr", workers=2)
    ex = readers.read_file("page.png", png(), opts)
    assert ex.kind == "image" and ex.text == TEXT and ex.ocr == "fake/eng/300dpi/straight-1" and len(ex.pages) == 1
    assert ex.pages[0].words and engine.calls == 1
    again = readers.read_file("copy.png", png(), opts)  # the same bytes: read from the cache
    assert again == ex and engine.calls == 1 and len(list((tmp_path / "ocr").rglob("*.tsv"))) == 1


def test_a_scanned_pdf_is_read_page_by_page_in_a_pool(tmp_path):
    engine = FakeOcr()
    ex = readers.read_file("scan.pdf", scanned_pdf(3), OcrOptions(engine, None, dpi=100, workers=2))
    assert engine.calls == 3 and [p.number for p in ex.pages] == [1, 2, 3] and all(p.words for p in ex.pages)
    assert ex.text.count("The harbour reopened") == 3 and ex.ocr == "fake/eng/100dpi/straight-1"


@pytest.mark.parametrize(
    "name, data, engine, reason",
    [
        pytest.param("blank.png", png(), FakeOcr(lines=[]), "no text found by OCR in an image", id="image-without-text"),
        pytest.param(
            "blank.pdf", scanned_pdf(), FakeOcr(lines=[]), "no text found, by OCR either (2 pages", id="pdf-without-text"
        ),
        pytest.param("cut.png", png()[:-40], FakeOcr(), "corrupt or truncated image", id="truncated-png"),
        pytest.param("cut.jpg", png(fmt="JPEG")[:300], FakeOcr(), "corrupt or truncated image", id="truncated-jpeg"),
        pytest.param("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, FakeOcr(), "corrupt or truncated image", id="corrupt-png"),
        pytest.param("x.png", b"just text", FakeOcr(), "named .png but not a PNG, JPEG or TIFF image", id="not-an-image"),
        pytest.param(
            "x.tif", png(), FakeOcr(fail="Tesseract failed (boom)"), "OCR failed on page 1: Tesseract failed", id="engine-fails"
        ),
    ],
)
def test_bad_scans_are_refused_with_a_clear_reason(name, data, engine, reason, tmp_path):
    with pytest.raises(ValueError) as e:
        readers.read_file(name, data, OcrOptions(engine, tmp_path))
    assert reason in str(e.value)


def test_a_bad_image_in_the_corpus_is_skipped_by_name_and_the_rest_load(tmp_path):
    (tmp_path / "good.png").write_bytes(png())
    (tmp_path / "cut.png").write_bytes(png()[:-40])
    (tmp_path / "notes.txt").write_text("Plain notes about the harbour.\n", encoding="utf-8")
    docs, errors = load_corpus(tmp_path, ocr=OcrOptions(FakeOcr(), tmp_path / ".ocr"))
    assert sorted(d.source for d in docs) == ["good.png", "notes.txt"]
    assert [(e.source, e.skipped) for e in errors] == [("cut.png", True)] and "truncated" in errors[0].reason
    assert next(d for d in docs if d.source == "good.png").ocr == "fake/eng/300dpi/straight-1"


def test_without_an_engine_images_are_skipped_by_name(tmp_path):
    (tmp_path / "good.png").write_bytes(png())
    docs, errors = load_corpus(tmp_path)
    assert docs == [] and "OCR, which is not available" in errors[0].reason


@pytest.mark.parametrize(
    "name, data, refused",
    [
        pytest.param("scan.pdf", scanned_pdf(), "", id="scan-pdf-accepted"),
        pytest.param("page.jpg", png(fmt="JPEG"), "", id="jpeg-accepted"),
        pytest.param("page.tiff", png(fmt="TIFF"), "", id="tiff-accepted"),
        pytest.param("cut.png", png()[:-40], "corrupt or truncated image", id="truncated-refused"),
    ],
)
def test_uploads_of_scans_are_checked_without_running_ocr(name, data, refused):
    _, reason = check_upload(name, data, 5 * 2**20)
    assert (refused in reason) if refused else reason == ""


def test_a_missing_tesseract_is_one_line_naming_make_ocr():
    from assistant.adapters.tesseract import TesseractOcr

    with pytest.raises(ValueError) as e:
        TesseractOcr("eng", binary="no-such-tesseract-here").page_tsv(png(), 300)
    assert "make ocr" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ValueError, match="ASSISTANT_OCR_LANG"):
        TesseractOcr("eng; rm -rf /")


def test_the_source_view_underlines_doubtful_words_inside_the_cited_mark():
    from assistant.readers.ocr_words import doubtful as find
    from assistant.ui.render import render_document

    laid, pages = laid_pages([[]], {0: ocr_page(make_tsv(PARAS, confs={"weeks": 30.0}), 0, 150)})
    doc = Document("scan.png", laid.text, pages=pages, ocr="fake/eng/300dpi")
    start, end = 0, laid.text.index("statement.") + len("statement.")
    html = render_document(doc, start, end, doubtful=find(doc))
    assert '<mark id="cited-span">The harbour reopened on Monday after three <span class="ocr-low"' in html
    assert ">weeks</span> of repairs" in html


def test_a_300_page_scan_holds_few_page_images_at_once_and_shows_pages_per_second(capsys):
    import threading
    import time

    from assistant.readers.ocr import ocr_pages

    lock, alive, most = threading.Lock(), [0], [0]

    class Slow(FakeOcr):
        def page_tsv(self, image: bytes, dpi: int) -> str:
            time.sleep(0.001)
            with lock:
                alive[0] -= 1  # the image is read and dropped
            return super().page_tsv(image, dpi)

    def render(page: int) -> bytes:
        with lock:
            alive[0] += 1
            most[0] = max(most[0], alive[0])
        return b"P5 1 1 255\n\xff"

    engine = Slow()
    pages = ocr_pages(OcrOptions(engine, None, workers=3, progress=True), "", "big.pdf", [(i, 300) for i in range(300)], render)
    assert len(pages) == 300 and engine.calls == 300
    assert most[0] <= 4  # workers + 1 images alive at most, whatever the page count
    err = capsys.readouterr().err
    assert "OCR big.pdf (fake/eng)" in err and "300/300" in err and "page/s" in err


# -- pages scanned askew are turned straight and read again (readers/ocr_straighten.py) ---------------


def _word_boxes(tsv: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    return [(w.text, (w.left, w.top, w.width, w.height)) for w in parse_tsv(tsv)[1]]


@pytest.mark.parametrize("degrees", [-1.5, 1.5, -3.0])
def test_a_page_read_askew_is_read_again_straight_with_boxes_on_the_original_image(degrees):
    """The second reading (of the straightened image) comes back with every box where the word lies on the scan."""
    from PIL import Image

    from assistant.readers.ocr_straighten import read_straight, skew

    askew, straight = make_tsv(PARAS, degrees), make_tsv(PARAS)
    assert math.degrees(skew(askew)) == pytest.approx(-degrees, abs=0.1) and skew(straight) == 0.0
    calls: list[tuple[int, int]] = []

    def read(image: bytes, dpi: int) -> str:
        calls.append(Image.open(io.BytesIO(image)).size)
        return askew if len(calls) == 1 else straight

    png = io.BytesIO()
    Image.new("L", (W, H), 255).save(png, format="PNG")
    got = read_straight(read, png.getvalue(), 150)
    assert calls == [(W, H), (W, H)]  # read twice, the straightened image the size of the scan
    for (t1, b1), (t2, b2) in zip(_word_boxes(got), _word_boxes(askew), strict=True):
        assert t1 == t2 and all(abs(x - y) <= 2 for x, y in zip(b1, b2, strict=True)), (t1, b1, b2)


def test_an_upright_page_is_read_once():
    from assistant.readers.ocr_straighten import read_straight

    calls = []
    tsv = make_tsv(PARAS, 0.1)  # under MIN_DEGREES

    def read(image: bytes, dpi: int) -> str:
        calls.append(dpi)
        return tsv

    assert read_straight(read, b"not even an image", 300) == tsv and calls == [300]


@pytest.mark.parametrize("box", [(0, 0, 10, 10), (600, 800, 40, 20), (1200, 1700, 40, 54)])
def test_turning_a_box_back_keeps_it_on_the_page(box):
    from assistant.readers.ocr_straighten import turn_back

    assert turn_back(box, 0.0, (W, H)) == box
    left, top, w, h = turn_back(box, math.radians(2), (W, H))
    assert 0 <= left and 0 <= top and left + w <= W and top + h <= H and w >= 1 and h >= 1  # clipped to the page
    if box == (600, 800, 40, 20):  # inside the page: the box around the turned corners holds the word
        assert w >= box[2] and h >= box[3]
