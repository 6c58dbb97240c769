"""Reading and checking the signatures of a PDF with pyHanko, offline: only the trust roots an
administrator put in the trust folder count, and no certificate or revocation data is fetched
(government intranets are closed)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from chiso.domain.signatures import SignatureCheck, Verdict, signer_kind
from chiso.errors import RejectedInput

log = logging.getLogger(__name__)
for _name in ("pyhanko", "pyhanko_certvalidator"):
    # Their warnings (an untrusted chain, with a traceback) are what our verdict reports.
    logging.getLogger(_name).setLevel(logging.CRITICAL)

ROOT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


def load_trust_roots(folder: Path | None) -> list[asn1_x509.Certificate]:
    """Every certificate in the folder (PEM or DER); a file that is not one is refused by name."""
    if folder is None or not folder.is_dir():
        return []
    roots = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in ROOT_SUFFIXES:
            continue
        data = path.read_bytes()
        try:
            if pem.detect(data):
                roots += [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True)]
            else:
                cert = asn1_x509.Certificate.load(data)
                _ = cert.subject
                roots.append(cert)
        except (ValueError, TypeError) as exc:
            raise RejectedInput(
                f"Tệp chứng thư gốc {path.name} không đọc được.",
                f"trust root {path} unreadable: {exc}",
                hint_vi="đặt vào thư mục tin cậy các tệp .pem/.crt/.cer của chứng thư gốc.",
            ) from exc
    return roots


def warm() -> None:
    """Imports pyHanko once in this process, so each checking child starts with it loaded."""
    import pyhanko_certvalidator  # noqa: F401


def check_pdf(data: bytes, roots: Iterable[asn1_x509.Certificate]) -> Verdict:
    """The signatures of a PDF and whether content was changed after the last one. pyHanko's
    synchronous API starts its own event loop, so inside a running one (a web request) it is
    called from a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _check_pdf(data, list(roots))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_check_pdf, data, list(roots)).result()


def _check_pdf(data: bytes, roots: list[asn1_x509.Certificate]) -> Verdict:
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise RejectedInput(
            "Tệp không phải PDF đọc được.",
            f"unreadable PDF: {type(exc).__name__}: {str(exc)[:200]}",
            hint_vi="xuất lại tệp PDF từ phần mềm quản lý văn bản.",
        ) from exc
    trust = list(roots)
    checks = tuple(_check_one(sig, trust) for sig in embedded)
    modified = any(not c.unchanged_after for c in checks)
    return Verdict(checks, modified_after_signing=modified)


def _check_one(embedded: object, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    usage = KeyUsageConstraints(
        key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
    )
    field = str(getattr(embedded, "field_name", "") or "")
    try:
        status = validate_pdf_signature(
            embedded,  # type: ignore[arg-type]
            context,
            key_usage_settings=usage,
        )
    except Exception as exc:  # pyHanko raises many kinds on a broken signature
        log.warning("signature %s could not be validated: %s", field, exc)
        cert = getattr(embedded, "signer_cert", None)
        subject = cert.subject.native if cert is not None else {}
        return _named(field, subject, None, False, False, False, False, str(exc))
    subject = status.signing_cert.subject.native
    allowed = {
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    }
    return _named(
        field,
        subject,
        status.signer_reported_dt,
        status.intact,
        status.valid,
        status.trusted,
        status.modification_level in allowed,
    )


def _named(
    field: str,
    subject: dict[str, str],
    at: object,
    intact: bool,
    valid: bool,
    trusted: bool,
    covers: bool,
    problem: str = "",
) -> SignatureCheck:
    from datetime import datetime

    cn = str(subject.get("common_name") or "")
    org = subject.get("organization_name")
    return SignatureCheck(
        field,
        cn,
        str(org) if org else None,
        signer_kind(cn, str(org) if org else None),
        at if isinstance(at, datetime) else None,
        intact,
        valid,
        trusted,
        covers,
        problem,
    )
