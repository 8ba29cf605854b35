"""`qm check` reminds of the template's placeholder values still standing after `qm init` (an example.gov.cn link, a
0000000 phone, the example photo and venue, the organizer written the template's way among the co-organizers): each
is valid, so it passes, but each would be printed as it is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_qm


def _line(config: Path, text: str) -> int:
    return next(n for n, line in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_check_reminds_of_each_template_value_left_with_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "大庆2027"
    assert run_qm("init", folder, cwd=tmp_path).returncode == 0
    config = folder / "config.yaml"
    checked = run_qm("check", cwd=folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # reminders, not errors
    said = checked.stdout
    for text, reminder in [
        ("qr_link:", "brand.qr_link 是示例地址 https://www.example.gov.cn/zlyue（example 域名不存在，读者打不开）"),
        ("email: quality@", "campaign.contacts.email 是示例地址 quality@example.gov.cn"),
        ('phone: "0456-0000000"', "campaign.contacts.phone 还是模板里的示例电话 0456-0000000：换成本单位真实的电话号码"),
        ("launch_venue:", "key_dates.launch_venue 还是模板里的地点“中央大街广场”：写本地启动活动的地点"),
        ("example-city.jpg", "posters.photo 还是模板自带的示例照片 templates/posters/photo/example-city.jpg"),
        ("name: 中央大街户外大屏", "channels.screens.name 还是模板里的屏幕名称“中央大街户外大屏”：写本地这块屏的名称"),
        ("name: 火车站广场竖屏", "channels.screens.name 还是模板里的屏幕名称“火车站广场竖屏”"),
    ]:
        assert f"提醒：config.yaml:{_line(config, text)}：{reminder}" in said, said
    assert "协办单位" not in said and "office" not in said, said  # the template's organizer names no city

    text = config.read_text(encoding="utf-8")
    text = text.replace("organizer: 市质量计量标准化工作联席会议办公室", "organizer: 大庆市市场监督管理局")
    text = text.replace("    - 市市场监督管理局\n", "    - 市市场监督管理局\n    - 大庆市市场监督管理局\n")
    text = text.replace("example.gov.cn", "dqscjg.gov.cn").replace("0456-0000000", "0459-4661234")
    text = text.replace("launch_venue: 中央大街广场", "launch_venue: 铁人广场")
    text = text.replace("中央大街户外大屏", "万达广场户外大屏").replace("火车站广场竖屏", "大庆站竖屏")
    config.write_text(text, encoding="utf-8")
    said = run_qm("check", cwd=folder).stdout
    co = _line(config, "    - 市市场监督管理局")
    assert f"提醒：config.yaml:{co}：协办单位“市市场监督管理局”是模板里的写法，主办单位是大庆市市场监督管理局" in said, said
    assert f"提醒：config.yaml:{co + 1}：协办单位“大庆市市场监督管理局”就是主办单位：从 co_organizers 中删去" in said, said
    office = _line(config, "office: 市市场监督管理局质量发展科")
    assert (
        f"提醒：config.yaml:{office}：联系人的 office“市市场监督管理局质量发展科”还是模板里的写法：写出科室的全称，如大庆市市场监督管理局质量发展科"
        in said
    )
    assert "示例地址" not in said and "示例电话" not in said and "模板里的地点" not in said and "屏幕名称" not in said, said
    assert "市教育局" not in said and "全部通过检查" in said, said  # other 市… co-organizers are how a city writes them


@pytest.mark.parametrize(
    ("organizer", "level", "town"),
    [
        ("林口县市场监督管理局", "县", "林口县"),
        ("青岛市市南区市场监督管理局", "区", "青岛市市南区"),  # a district named 市…, not 青岛市 and 市南区市场监督管理局
        ("林口县 市场监督管理局", "县", "林口县"),  # a space after the place is no part of it
    ],
)
def test_a_county_organizer_is_told_of_the_citys_co_organizer_and_office_left(
    tmp_path: Path, organizer: str, level: str, town: str
) -> None:
    """林口县市场监督管理局 names a county: the template's 市市场监督管理局 (a city's bureau) left among the co-organizers and
    in a contact's office would print on a county's leaflets. (The place was read up to the first 市, 林口县市.)"""
    folder = tmp_path / "林口县2027"
    assert run_qm("init", folder, cwd=tmp_path).returncode == 0
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("organizer: 市质量计量标准化工作联席会议办公室", f"organizer: {organizer}")
    text = text.replace("全市“质量月”", f"全{level}“质量月”").replace("建设质量强市", f"建设质量强{level}")  # its own name and theme
    config.write_text(text, encoding="utf-8")
    said = run_qm("check", cwd=folder).stdout
    co, office = _line(config, "    - 市市场监督管理局"), _line(config, "office: 市市场监督管理局质量发展科")
    assert f"提醒：config.yaml:{co}：协办单位“市市场监督管理局”是模板里的写法，主办单位是{organizer}" in said, said
    assert (
        f"提醒：config.yaml:{office}：联系人的 office“市市场监督管理局质量发展科”还是模板里的写法：写出科室的全称，如{town}市场监督管理局质量发展科"
        in said
    )


def test_an_app_id_of_zeros_is_no_placeholder_phone(tmp_path: Path) -> None:
    """wx0000000000000000 (the API example's WeChat app_id) is an identifier, not a phone number: only a phone or
    hotline value written as a number is reminded of."""
    folder = tmp_path / "api"
    shutil.copytree(ROOT / "examples" / "api-fakes", folder)
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "app_id: wx0000000000000000" in text
    text = text.replace("../../", f"{ROOT.as_posix()}/").replace('hotline: "12315"', 'hotline: "0456-0000000"')
    config.write_text(text, encoding="utf-8")
    secrets = {**os.environ, "QM_WECHAT_APPSECRET": "secret", "QM_WEIBO_TOKEN": "token"}
    checked = run_qm("check", cwd=folder, env=secrets)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    phones = [line for line in checked.stdout.splitlines() if "示例电话" in line]
    hotline = _line(config, "hotline: ")
    assert phones == [f"提醒：config.yaml:{hotline}：campaign.hotline 还是模板里的示例电话 0456-0000000：换成本单位真实的电话号码"], phones


@pytest.mark.parametrize("organizer", ["大庆市教育局", "黑河市爱辉区教育局"])
def test_a_departments_organizer_is_told_of_the_templates_co_organizer_and_not_of_every_office(tmp_path: Path, organizer: str) -> None:
    """大庆市教育局 names no body (质量, 市场…): its place is still 大庆市, so the template's 市教育局 among the
    co-organizers is the organizer again, and an office starting with 市 is not taken for the template's way. A
    district's department (黑河市爱辉区教育局) is read to the end of its whole place, as a district's bureau is."""
    folder = tmp_path / "2027"
    assert run_qm("init", folder, cwd=tmp_path).returncode == 0
    config = folder / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        .replace("organizer: 市质量计量标准化工作联席会议办公室", f"organizer: {organizer}")
        .replace("organizer_short: 市质量联席办", "organizer_short: 市教育局")
        .replace("  theme:", "  level: 市\n  theme:", 1),
        encoding="utf-8",
    )
    checked = run_qm("check", cwd=folder)
    said = checked.stdout
    assert checked.returncode == 0, said + checked.stderr
    co = _line(config, "    - 市教育局")
    assert f"提醒：config.yaml:{co}：协办单位“市教育局”是模板里的写法，主办单位是{organizer}" in said, said
    assert "联系人的 office" not in said, said
