"""What every document starts from: its spec (a YAML file, a saved spec, or the defaults), the
agency profile it is made for on its date, the signer, and the wording of the profile's level."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from chiso.documents import spec as spec_file
from chiso.documents import wording
from chiso.documents.letter import Draft
from chiso.documents.spec import DocumentSpec
from chiso.documents.voice import Voice
from chiso.errors import NotFound
from chiso.services.documents import agencies
from chiso.services.runtime import Runtime


def starter(kind: str) -> str:
    """A spec to copy, fill in and reuse: the shipped example of the kind."""
    name = f"{kind}.spec.yaml"
    return files("chiso.data.documents").joinpath(name).read_text(encoding="utf-8")


def read_spec(path: Path | None, kind: str) -> DocumentSpec:
    if path is None:
        return DocumentSpec(kind)
    return spec_file.parse(path.read_text(encoding="utf-8"), path.name, kind)


def draft(
    rt: Runtime, spec: DocumentSpec, wording_name: str, wording_path: Path | None = None
) -> Draft:
    profile = agencies.for_document(rt, spec.agency, spec.date)
    signer = profile.signer(spec.signer)
    if spec.signer and signer is None:
        raise NotFound(
            f"Hồ sơ {profile.code} không có người ký '{spec.signer}' "
            f"(có: {', '.join(s.code for s in profile.signers) or 'chưa có ai'}).",
            f"no signer {spec.signer!r}",
            hint_vi="thêm người ký vào hồ sơ (`chiso agency export`, sửa, `chiso agency import`).",
        )
    voice = Voice(
        profile,
        spec.date,
        signer,
        spec.office_code or profile.office_code,
        spec.drafter,
        spec.fill_date,
    )
    text = wording.load(wording_name, profile.level.value, wording_path)
    values = voice.values() | {"target": spec.target}
    return Draft(spec, voice, text, values, rt.settings.font_dir)
