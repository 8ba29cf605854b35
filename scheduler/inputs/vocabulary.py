"""The campaign's fixed vocabulary: the seed plan's five activity areas and the topics it names.

Ids are English (they appear in file names and JSON); labels are what staff read.
"""

from __future__ import annotations

# The five activity areas of the plan, section 三 (一)…(五), in the plan's order.
AREAS: dict[str, str] = {
    "brand": "质量品牌提升",
    "rights": "严格质量整治与消费维权",
    "mechanism": "质量创建与工作机制",
    "grassroots": "基础性群众质量活动",
    "publicity": "质量宣传",
}

# Topics the plan names. Grouped only for readability; an item may use any of them.
CONSUMER_GOODS: dict[str, str] = {
    "goods-food-packaging": "食品包装材料",
    "goods-fiber-uniform": "絮用纤维制品及中小学学生校服",
    "goods-flooring": "地板",
    "goods-coal": "煤炭",
    "goods-steel": "钢铁",
    "goods-salt": "食盐",
    "goods-fuel": "车用汽柴油",
    "goods-brake-fluid": "汽车制动液",
    "goods-decoration": "装饰材料",
    "goods-ecommerce": "电商产品",
}

RIGHTS_CATEGORIES: dict[str, str] = {
    "rights-building-materials": "建材",
    "rights-appliances": "家用电器",
    "rights-children": "儿童用品",
    "rights-renovation": "装饰装修材料",
    "rights-auto-parts": "汽车配件",
}

OTHER_TOPICS: dict[str, str] = {
    "food-drug": "食品药品安全",
    "school-canteen": "学校食堂食品安全",
    "brand": "品牌建设",
    "trademark": "商标",
    "geo-indication": "地理标志",
    "certification": "无公害、绿色、有机认证",
    "qc-group": "QC小组与质量攻关",
    "five-factors": "人、机、料、法、环",
    "five-small": "“五小”活动",
    "law": "质量法规",
    "story": "质量故事",
    "anti-fake": "识假辨假",
    "mechanism": "质量工作机制",
    "service-quality": "服务质量",
    "environment-quality": "环境质量",
    "interaction": "互动参与",
    "launch": "启动暨集中宣传活动",
    "slogan": "宣传标语",
}

TOPICS: dict[str, str] = {**CONSUMER_GOODS, **RIGHTS_CATEGORIES, **OTHER_TOPICS}

LAUNCH_TOPIC = "launch"
SLOGAN_TOPIC = "slogan"

# Each field of a content item and what staff call it (content/README.md).
FIELD_LABELS = {
    "id": "编号",
    "area": "活动领域",
    "topic": "主题",
    "phase": "启动前后",
    "title": "标题",
    "summary": "摘要",
    "line": "电子屏上的一行字",
    "headline": "电子屏标题",
    "tags": "标签",
    "channels": "可发的渠道",
    "valid_from": "有效期开始",
    "valid_to": "有效期结束",
    "body": "正文",
}


def subject(written: str) -> tuple[str, str] | None:
    """What a print sheet's `topic` names, as ("topic" | "area", id): a topic's or an area's id (an id both
    have, brand or mechanism, is the topic's first) or its Chinese name (识假辨假, 质量宣传); None for neither."""
    if written in TOPICS:
        return "topic", written
    if written in AREAS:
        return "area", written
    for kind, names in (("topic", TOPICS), ("area", AREAS)):
        found = next((key for key, name in names.items() if name == written), None)
        if found:
            return kind, found
    return None


def subject_name(kind: str, key: str) -> str:
    """A topic or an area in a sentence: 主题“识假辨假”, 领域“质量宣传”."""
    return f"主题“{TOPICS[key]}”" if kind == "topic" else f"领域“{AREAS[key]}”"
