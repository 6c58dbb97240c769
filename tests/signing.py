"""Test certificates (a root, one personal and one organisation signer, and a stranger's root)
and PDFs signed with them through pyHanko, as a document system would issue them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore


@dataclass(frozen=True)
class Identity:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Pki:
    root: Identity
    personal: Identity
    organisation: Identity
    stranger: Identity
    """Signs like the organisation but under a root nobody configured."""

    def write_trust(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "root-ca.pem").write_bytes(
            self.root.cert.public_bytes(serialization.Encoding.PEM)
        )
        return folder


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _issue(subject: x509.Name, issuer: Identity | None, ca: bool) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage, critical=True)
    )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Identity(cert, key)


def make_pki(unit: str = "Sở Y tế tỉnh Đồng Nai") -> Pki:
    root = _issue(_name("Test Root CA chiso", "Ban Cơ yếu Chính phủ (thử)"), None, True)
    other = _issue(_name("Unknown Root CA", "Nobody"), None, True)
    return Pki(
        root,
        _issue(_name("Nguyễn Văn An", unit), root, False),
        _issue(_name(unit, unit), root, False),
        _issue(_name(unit, unit), other, False),
    )


def blank_pdf(text: str = "Van ban di so 01") -> bytes:
    writer = PdfFileWriter()
    content = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    font = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Font"),
            generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
            generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/F1"): writer.add_object(font)}
            )
        }
    )
    page = PageObject(
        contents=writer.add_object(generic.StreamObject(stream_data=content)),
        media_box=generic.ArrayObject([generic.NumberObject(x) for x in (0, 0, 595, 842)]),
        resources=resources,
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _asn1(identity: Identity) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    cert = asn1_x509.Certificate.load(identity.cert.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def sign(data: bytes, signer: Identity, issuer: Identity, field: str) -> bytes:
    cert, key = _asn1(signer)
    chain = SimpleCertificateStore.from_certs([_asn1(issuer)[0]])
    simple = signers.SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=chain)
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)),
        signers.PdfSignatureMetadata(field_name=field),
        signer=simple,
    )
    return bytes(out.getvalue())


def closed_loop_pdf(pki: Pki, text: str = "Van ban di so 01") -> bytes:
    once = sign(blank_pdf(text), pki.personal, pki.root, "ChuKyCaNhan")
    return sign(once, pki.organisation, pki.root, "ChuKyCoQuan")


def single_signature_pdf(pki: Pki) -> bytes:
    return sign(blank_pdf(), pki.personal, pki.root, "ChuKyCaNhan")


def untrusted_pdf(pki: Pki) -> bytes:
    once = sign(blank_pdf(), pki.personal, pki.root, "ChuKyCaNhan")
    return sign(once, pki.stranger, pki.stranger, "ChuKyCoQuan")


def tampered(data: bytes) -> bytes:
    """A byte of the page text changed inside the signed range."""
    marker = b"Van ban di so"
    at = data.index(marker)
    return data[:at] + b"Van bam di so" + data[at + len(marker) :]
