"""What the signatures of an issued document amount to. Closed-loop signing (seed 003) means one
personal signature and one signature of the organisation, both intact and trusted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chiso.domain.text import fold


class SignerKind(StrEnum):
    PERSONAL = "personal"
    ORGANISATION = "organisation"

    @property
    def label_vi(self) -> str:
        return "cá nhân" if self is SignerKind.PERSONAL else "cơ quan, tổ chức"


_AGENCY_WORDS = (
    "uy ban",
    "ubnd",
    "so ",
    "van phong",
    "bo ",
    "cuc ",
    "chi cuc",
    "ban ",
    "trung tam",
    "phong ",
    "hoi dong",
    "cong an",
    "toa an",
    "vien ",
    "benh vien",
    "truong ",
    "cong ty",
    "tong cuc",
    "huyen uy",
    "tinh uy",
    "dang uy",
    "bo chi huy",
    "kho bac",
    "chi nhanh",
)


def signer_kind(common_name: str, organisation: str | None) -> SignerKind:
    """Government CAs issue organisation certificates in the agency's name: the common name is
    the organisation itself or starts like an agency's name ("Sở…", "UBND…", "Văn phòng…")."""
    cn = fold(common_name)
    if organisation and cn == fold(organisation):
        return SignerKind.ORGANISATION
    if cn.startswith(_AGENCY_WORDS) or cn in {"ubnd", "so"}:
        return SignerKind.ORGANISATION
    return SignerKind.PERSONAL


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    organisation: str | None
    kind: SignerKind
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    unchanged_after: bool
    problem: str = ""

    @property
    def good(self) -> bool:
        return self.intact and self.valid and self.trusted

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "signer": self.signer,
            "organisation": self.organisation,
            "kind": self.kind.value,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "unchanged_after": self.unchanged_after,
            "problem": self.problem,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> SignatureCheck:
        at = d.get("signed_at")
        return cls(
            str(d["field"]),
            str(d["signer"]),
            str(d["organisation"]) if d.get("organisation") else None,
            SignerKind(str(d["kind"])),
            datetime.fromisoformat(str(at)) if at else None,
            bool(d["intact"]),
            bool(d["valid"]),
            bool(d["trusted"]),
            bool(d["unchanged_after"]),
            str(d.get("problem") or ""),
        )


@dataclass(frozen=True)
class Verdict:
    signatures: tuple[SignatureCheck, ...]
    modified_after_signing: bool = False

    @property
    def has_personal(self) -> bool:
        return any(s.good and s.kind is SignerKind.PERSONAL for s in self.signatures)

    @property
    def has_organisation(self) -> bool:
        return any(s.good and s.kind is SignerKind.ORGANISATION for s in self.signatures)

    @property
    def all_good(self) -> bool:
        return bool(self.signatures) and all(s.good for s in self.signatures)

    @property
    def closed_loop(self) -> bool:
        return (
            self.all_good
            and self.has_personal
            and self.has_organisation
            and not self.modified_after_signing
        )

    @property
    def signed(self) -> bool:
        """At least one good signature (what counts when closed loop is not required)."""
        return any(s.good for s in self.signatures) and not self.modified_after_signing

    def summary_vi(self) -> str:
        if not self.signatures:
            return "Không có chữ ký số"
        if self.closed_loop:
            return "Hợp lệ, ký số khép kín (có chữ ký cá nhân và chữ ký cơ quan)"
        problems = []
        sound = [s for s in self.signatures if s.intact and s.valid]
        if len(sound) < len(self.signatures) or self.modified_after_signing:
            problems.append("tệp đã bị sửa sau khi ký hoặc chữ ký hỏng")
        if not all(s.trusted for s in sound):
            problems.append("chứng thư không thuộc gốc tin cậy đã cấu hình")
        kinds = {s.kind for s in sound}
        if SignerKind.PERSONAL not in kinds:
            problems.append("thiếu chữ ký cá nhân")
        if SignerKind.ORGANISATION not in kinds:
            problems.append("thiếu chữ ký của cơ quan")
        return "Không đạt: " + "; ".join(problems)
