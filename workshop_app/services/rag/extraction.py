"""Turn an uploaded file's bytes into plain text, judging the type by content, not by name.

Each problem a person can cause (empty, binary, corrupt, password-protected, too large,
unsupported) is an `UnreadableFile` that names the file and says what to do, so a batch
upload can report it for that file and go on with the rest.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from bs4 import BeautifulSoup

from workshop_app.services.core.errors import InvalidInput

PDF_MAGIC = b"%PDF-"
HTML_NOISE = ("script", "style", "noscript", "template", "svg", "iframe", "object")
HTML_CHROME = ("nav", "footer", "aside")
HTML_CHROME_ROLES = ("navigation", "banner", "contentinfo", "complementary")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_BLANK_RUNS = re.compile(r"\n\s*\n(\s*\n)+")


class Kind(StrEnum):
    TEXT = "txt"
    MARKDOWN = "md"
    PDF = "pdf"
    HTML = "html"


EXTENSIONS = {
    ".txt": Kind.TEXT,
    ".text": Kind.TEXT,
    ".md": Kind.MARKDOWN,
    ".markdown": Kind.MARKDOWN,
    ".pdf": Kind.PDF,
    ".html": Kind.HTML,
    ".htm": Kind.HTML,
}
SUPPORTED = ".txt, .md, .pdf and .html"


class UnreadableFile(InvalidInput):
    """One uploaded file that cannot become a document; the message starts with its name."""


@dataclass(frozen=True)
class Extracted:
    kind: Kind
    text: str


def extract(filename: str, data: bytes, max_bytes: int, size: int | None = None) -> Extracted:
    """The text of one upload, or UnreadableFile saying why not.

    `size` is the whole file's size when only its first `max_bytes + 1` bytes were read."""
    declared = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if declared is None:
        raise UnreadableFile(f"{filename}: this file type is not supported.", hint=f"Upload {SUPPORTED} files.")
    size = max(size or 0, len(data))
    if size > max_bytes:
        raise UnreadableFile(
            f"{filename}: the file is {_mebibytes(size)}; the upload limit is {_mebibytes(max_bytes, 0)}.",
            hint="Split the file or ask the instructor to raise WORKSHOP_UPLOAD_MAX_MB.",
        )
    if not data.strip():
        raise UnreadableFile(f"{filename}: the file is empty.", hint="Choose a file with some text in it.")
    if data.startswith(PDF_MAGIC):
        if declared is not Kind.PDF:
            raise UnreadableFile(
                f"{filename}: the content is a PDF but the name says {declared}.", hint="Rename it to .pdf."
            )
        return Extracted(Kind.PDF, _checked(filename, _pdf_text(filename, data)))
    if declared is Kind.PDF:
        raise UnreadableFile(
            f"{filename}: this is not a PDF (its content does not start like one).",
            hint="Upload the original PDF, or give the file its real extension.",
        )
    text = _decoded(filename, data)
    if declared is Kind.HTML or (declared is Kind.TEXT and _HTML_START.match(data)):
        return Extracted(Kind.HTML, _checked(filename, _html_text(text)))
    return Extracted(declared, _checked(filename, text.replace("\r\n", "\n")))


def _decoded(filename: str, data: bytes) -> str:
    """UTF-8 (or UTF-16 with a byte-order mark) text without control bytes; anything else is binary."""
    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or _CONTROL.search(text[:8192]):
        raise UnreadableFile(
            f"{filename}: the content is binary, not text.", hint=f"Upload {SUPPORTED} files saved as UTF-8 text."
        )
    return text


def _pdf_text(filename: str, data: bytes) -> str:
    from pypdf import PdfReader  # ~20 MB per server process, only needed once someone uploads a PDF
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile(
                f"{filename}: the PDF is password-protected.",
                hint="Save an unprotected copy (print to PDF) and upload that.",
            )
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, NotImplementedError) as error:
        raise UnreadableFile(
            f"{filename}: the PDF is damaged and cannot be read ({error}).",
            hint="Open it in a PDF viewer and save it again, then upload the copy.",
        ) from None


def _html_text(markup: str) -> str:
    """The page's own content: its main part when it marks one, without the site's navigation,
    banner, sidebars and footer (which would otherwise land in every chunk and every answer)."""
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(HTML_NOISE):
        tag.decompose()
    main = soup.find("main") or soup.find(name=None, attrs={"role": "main"})
    root = main or soup.body or soup
    chrome = [*root.find_all(HTML_CHROME), *root.find_all(name=None, attrs={"role": HTML_CHROME_ROLES})]
    if main is None:  # a page header is site chrome; an article's own header is content
        chrome += [header for header in root.find_all("header") if header.find_parent("article") is None]
    for tag in chrome:
        tag.decompose()
    lines = (line.strip() for line in root.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _checked(filename: str, text: str) -> str:
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    if not text:
        raise UnreadableFile(
            f"{filename}: no text could be found in it.",
            hint="A scanned PDF has only images; upload a version with selectable text.",
        )
    return text


def _mebibytes(size: int, decimals: int = 1) -> str:
    """Sizes in one unit everywhere (MiB, as WORKSHOP_UPLOAD_MAX_MB counts them); the limit is shown whole."""
    mebibytes = size / (1024 * 1024)
    return f"{mebibytes:.{decimals}f} MiB" if decimals or mebibytes != int(mebibytes) else f"{int(mebibytes)} MiB"
