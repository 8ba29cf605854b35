"""The place an organizer's name starts with, read one way for the campaign's level, whom the office reports to
and the template's 市… written for the organizer: part by part, up to the body's own name."""

from __future__ import annotations

import pytest

from scheduler.inputs.place_names import city_of, level_of, place_parts


@pytest.mark.parametrize(
    ("organizer", "parts", "level", "city"),
    [
        ("黑河市市场监督管理局", ["黑河市"], "市", "黑河市"),
        ("林口县市场监督管理局", ["林口县"], "县", ""),
        ("大庆市教育局", ["大庆市"], "市", "大庆市"),  # a department: no word of a body after the place
        ("黑河市总工会", ["黑河市"], "市", "黑河市"),
        ("哈尔滨市道里区市场监督管理局", ["哈尔滨市", "道里区"], "区", "哈尔滨市"),
        ("黑河市爱辉区教育局", ["黑河市", "爱辉区"], "区", "黑河市"),
        ("黑河市爱辉区质量强区工作领导小组办公室", ["黑河市", "爱辉区"], "区", "黑河市"),
        ("道里区市场监督管理局", ["道里区"], "区", ""),
        ("哈尔滨新区管理委员会", ["哈尔滨新区"], "区", ""),
        ("杜尔伯特蒙古族自治县市场监督管理局", ["杜尔伯特蒙古族自治县"], "县", ""),
        ("鄂温克族自治旗市场监督管理局", ["鄂温克族自治旗"], "旗", ""),
        ("大兴安岭地区行政公署", ["大兴安岭地区"], "市", "大兴安岭地区"),
        ("大兴安岭地区加格达奇区教育局", ["大兴安岭地区", "加格达奇区"], "区", "大兴安岭地区"),
        ("延边朝鲜族自治州市场监督管理局", ["延边朝鲜族自治州"], "市", "延边朝鲜族自治州"),
        ("锡林郭勒盟市场监督管理局", ["锡林郭勒盟"], "市", "锡林郭勒盟"),
        ("杭州市质量发展局", ["杭州市"], "市", "杭州市"),  # 州 in a city's own name
        ("黑龙江省市场监督管理局", ["黑龙江省"], "市", ""),
        ("黑龙江省黑河市教育局", ["黑龙江省", "黑河市"], "市", "黑河市"),
        ("内蒙古自治区呼伦贝尔市鄂温克族自治旗教育局", ["内蒙古自治区", "呼伦贝尔市", "鄂温克族自治旗"], "旗", "呼伦贝尔市"),
        ("林口县城市管理局", ["林口县"], "县", ""),  # words holding 市 or 区 after the place are no place
        ("黑河市社区管理办公室", ["黑河市"], "市", "黑河市"),
        ("林口县市政工程管理处", ["林口县"], "县", ""),
        ("哈尔滨市道里区市民服务中心", ["哈尔滨市", "道里区"], "区", "哈尔滨市"),
        ("市质量计量标准化工作联席会议办公室", ["市"], "市", "市"),  # the template's bare 市
        ("县市场监督管理局", ["县"], "县", ""),
        ("质量强市工作领导小组办公室", [], "市", ""),  # no place
        ("国家税务总局黑河市税务局", [], "市", ""),
        ("", [], "市", ""),
    ],
)
def test_an_organizers_place_is_read_part_by_part(organizer: str, parts: list[str], level: str, city: str) -> None:
    assert place_parts(organizer) == parts
    assert level_of(organizer) == level
    assert city_of(organizer) == city
