"""The documents the Import/Export mock hands out by URL: each job's "Signature file and shipping
instructions" (its `ArtifactList` entry) and the pre-paid shipping labels of GetShippingLabel, both
small one-page PDFs (`application/pdf`, as the `.pdf` URLs imply) whose text a test can read.

The URLs are paths on the mock itself (`/artifacts/...`, `/shipping-labels/...`, made absolute from the
request's host by the wire side), so a client fetches them from moto's server or, in-process, through
`mock_aws` like any other Import/Export request. A URL that names nothing answers S3's 404 `NoSuchKey`,
as the real (S3) URLs would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

ARTIFACTS = "/artifacts"
SHIPPING_LABELS = "/shipping-labels"
INSTRUCTIONS = "shipping-instructions.pdf"
PDF = "application/pdf"
LINES_PER_PAGE = 56  # at 10 points with 13 points between lines, from the top margin to the bottom one
LINE_LENGTH = 95
# where devices go: made up (the mock ships nothing), in the shape of the Developer Guide's addresses
AWS_ADDRESS = ("AWS Import/Export (jobcontract mock)", "JOBID: <your job id>", "1 Example Way", "Seattle, WA 98101")


@dataclass(frozen=True)
class ShippingLabel:
    """What GetShippingLabel was asked for: the jobs whose devices travel, and where they come back to."""

    job_ids: tuple[str, ...]
    address: tuple[tuple[str, str], ...]


def artifact_path(account_id: str, job_id: str) -> str:
    return f"{ARTIFACTS}/{account_id}/{quote(job_id, safe='')}/{INSTRUCTIONS}"


def label_path(account_id: str, token: str) -> str:
    return f"{SHIPPING_LABELS}/{account_id}/{token}.pdf"


def parse_artifact_path(path: str) -> tuple[str, str] | None:
    """(account, job id) of an artifact path, or None."""
    parts = path.removeprefix(ARTIFACTS + "/").split("/")
    if not path.startswith(ARTIFACTS + "/") or len(parts) != 3 or parts[2] != INSTRUCTIONS:
        return None
    return parts[0], unquote(parts[1])


def parse_label_path(path: str) -> tuple[str, str] | None:
    """(account, label token) of a shipping-label path, or None."""
    parts = path.removeprefix(SHIPPING_LABELS + "/").split("/")
    if not path.startswith(SHIPPING_LABELS + "/") or len(parts) != 2 or not parts[1].endswith(".pdf"):
        return None
    return parts[0], parts[1].removesuffix(".pdf")


def no_such_key(path: str) -> tuple[int, dict[str, str], str]:
    """S3's answer for a key that is not there (the real artifact and label URLs are S3 objects)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
        f"<Message>The specified key does not exist.</Message><Key>{escape(path)}</Key></Error>"
    )
    return 404, {"Content-Type": "application/xml"}, body


def instructions_pdf(job_id: str, job_type: str, signature_file: str, manifest_fields: Mapping[str, str]) -> bytes:
    """The job's signature file and how to ship its device (Developer Guide: put the SIGNATURE file on the
    device's root, write the job id on the package, send it to the AWS address)."""
    lines = [
        f"Job {job_id} ({job_type})",
        f"Device: {manifest_fields.get('deviceId', '')}",
        "",
        "1. Save the text below as a file named SIGNATURE in the root directory of your device:",
        "",
        *("    " + line for line in signature_file.splitlines()),
        "",
        "2. Pack the device with its power supply and interface cables.",
        "3. Ship it to:",
        *("    " + line.replace("<your job id>", job_id) for line in AWS_ADDRESS),
    ]
    return pdf("AWS Import/Export: signature file and shipping instructions", lines)


def label_pdf(label: ShippingLabel, tracking_numbers: Mapping[str, str], carrier: str) -> bytes:
    ship_to = [line for line in AWS_ADDRESS if "<your job id>" not in line]
    lines = [f"Carrier: {carrier}   Service: Ground, pre-paid", "", "Ship to:", *("    " + line for line in ship_to)]
    lines += ["", "Return address:" if label.address else "Return address: the returnAddress of each manifest"]
    lines += [f"    {name}: {value}" for name, value in label.address]
    lines += ["", "Devices:"]
    lines += [f"    job {job_id}   tracking number {tracking_numbers.get(job_id, '')}" for job_id in label.job_ids]
    return pdf("AWS Import/Export: pre-paid shipping label", lines)


def pdf(title: str, lines: Iterable[str]) -> bytes:
    """A one-page PDF 1.4 with `title` and `lines` in Helvetica (text kept to Latin-1, long lines cut,
    past a page's worth dropped), uncompressed so its text can be searched."""
    shown = [_pdf_text(line[:LINE_LENGTH]) for line in list(lines)[:LINES_PER_PAGE]]
    text = [b"BT /F1 14 Tf 56 770 Td (" + _pdf_text(title) + b") Tj /F1 10 Tf 0 -13 TL T*"]
    text += [b"(" + line + b") '" for line in shown]
    stream = b"\n".join([*text, b"ET"])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(document))
        document += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(document)


def _pdf_text(text: str) -> bytes:
    """`text` as a PDF string's content: Latin-1 (others become ?), no control characters, \\ ( ) escaped."""
    printable = "".join(char if char >= " " else " " for char in text)
    raw = printable.encode("latin-1", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
