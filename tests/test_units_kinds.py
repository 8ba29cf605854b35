"""Who the units are and whom the office reports to, as the reminders word them: told by the place the organizer's
name starts with, and said safely (上级) when it cannot be told."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from scheduler.inputs.config import load_campaign
from scheduler.planning.reminders import reminders
from scheduler.units.reminders import due_reminders
from scheduler.units.submissions import statuses

from .test_units import at, config

__all__ = ["config"]  # the fixture, used by name


@pytest.mark.parametrize(
    ("organizer", "departments", "above"),
    [
        ("黑河市质量计量标准化工作联席会议办公室", False, "省"),  # a city whose units are its counties
        ("市质量计量标准化工作联席会议办公室", False, "省"),  # the template's
        ("杭州市质量发展局", False, "省"),  # 州 in a city's own name
        ("大兴安岭地区质量计量标准化工作联席会议办公室", True, "省"),
        ("逊克县市场监督管理局", True, "市"),
        ("黑河市爱辉区质量强区工作领导小组办公室", True, "市"),
        ("北安市质量强市工作领导小组办公室", True, "上级"),  # a county-level city, or a prefecture's: not told by its name
        ("质量强市工作领导小组办公室", False, "上级"),
        ("大兴安岭地区漠河市市场监督管理局", False, "地区"),  # a county-level city under a prefecture
        ("吉林省延边朝鲜族自治州延吉市市场监督管理局", False, "州"),
        ("锡林郭勒盟锡林浩特市市场监督管理局", False, "盟"),
        ("大兴安岭地区加格达奇区教育局", True, "地区"),
        ("青岛市市南区市场监督管理局", True, "市"),  # a district named 市…
        ("北京市市场监督管理局", False, "上级"),  # a municipality: no province above it
        ("北京市朝阳区市场监督管理局", True, "市"),
        ("新疆维吾尔自治区市场监督管理局", False, "上级"),  # an autonomous region: not a city's office
        ("内蒙古自治区呼伦贝尔市市场监督管理局", False, "自治区"),  # a city of an autonomous region: no province above it
        ("锡林郭勒盟市场监督管理局", True, "自治区"),  # every 盟 is Inner Mongolia's
    ],
)
def test_the_offices_next_step_names_whom_it_reports_to_only_when_its_name_tells(
    config: Path, organizer: str, departments: bool, above: str
) -> None:
    campaign = load_campaign(config)
    units = tuple(dataclasses.replace(u, name=f"{u.name}教育局") for u in campaign.units) if departments else campaign.units
    from scheduler.inputs.place_names import level_of

    campaign = dataclasses.replace(campaign, organizer=organizer, level=level_of(organizer), units=units)  # as config.yaml read
    found = statuses(campaign, [], at(11, 9).date())
    (office,) = [r for r in due_reminders(campaign, found, at(11, 9, 40)) if r.unit is None and r.key.startswith("units-missing:plan")]
    assert f"下一步：由办公室统一汇总后报{above}联席会议办公室（生成汇总：qm units --collect --kind 方案）" in office.notice.lines


def test_a_prefecture_among_the_units_is_not_called_a_county(config: Path) -> None:
    campaign = load_campaign(config)
    units = (*campaign.units, dataclasses.replace(campaign.units[0], name="大兴安岭地区"))
    titles = {r.message for r in reminders(dataclasses.replace(campaign, units=units)) if r.key == "county_plans_due"}
    assert "【提醒】各县区和有关部门“质量月”活动方案上报：今天。" in titles, titles
