from __future__ import annotations

import pytest

from chiso.domain.text import fold, name_key, slug


def test_fold_removes_diacritics_and_case() -> None:
    assert fold("Tân Hiệp") == "tan hiep"
    assert fold("  ĐỒNG   Nơ ") == "dong no"
    assert fold("Đặc khu Lý Sơn") == "dac khu ly son"


@pytest.mark.parametrize(
    ("raw", "core"),
    [
        ("UBND xã Tân Hiệp", "tan hiep"),
        ("Xã Tân Hiệp", "tan hiep"),
        ("UBND huyện Bù Đốp", "bu dop"),
        ("Thị trấn Tân Khai", "tan khai"),
        ("Phường 1", "1"),
        ("Sở Y tế", "so y te"),
    ],
)
def test_name_key_drops_kind_prefixes(raw: str, core: str) -> None:
    assert name_key(raw) == core


def test_slug() -> None:
    assert slug("Sở, ban, ngành") == "so-ban-nganh"
