"""The target groups that the OCOP training plan counts (who must be trained)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

ENTERPRISE_LEADER = "enterprise_leader"
COOPERATIVE_LEADER = "cooperative_leader"
COOPERATIVE_GROUP_LEADER = "cooperative_group_leader"
HOUSEHOLD_HEAD = "household_head"
OFFICIAL_PROVINCE = "official_province"
OFFICIAL_DISTRICT = "official_district"
OFFICIAL_COMMUNE = "official_commune"
# Members of the provincial evaluation council (Hội đồng đánh giá, phân hạng sản phẩm OCOP)
# and of its advisory team (Tổ tư vấn), set up by the Chủ tịch UBND tỉnh (Decision 148/2023,
# as amended by Decision 1489/2025).
COUNCIL_MEMBER = "council_member"

TARGET_GROUPS: tuple[str, ...] = (
    ENTERPRISE_LEADER,
    COOPERATIVE_LEADER,
    COOPERATIVE_GROUP_LEADER,
    HOUSEHOLD_HEAD,
    OFFICIAL_PROVINCE,
    OFFICIAL_DISTRICT,
    OFFICIAL_COMMUNE,
    COUNCIL_MEMBER,
)

LEADER_GROUPS = TARGET_GROUPS[:4]
OFFICIAL_GROUPS = TARGET_GROUPS[4:7]

# Groups that stop counting on a date: the district level was abolished on 1 July 2025
# (two-tier local government). A district official counts again only when re-registered
# at another level (as a province or commune official).
GROUP_ENDS: dict[str, date] = {OFFICIAL_DISTRICT: date(2025, 7, 1)}

TARGET_GROUP_LABELS = {
    ENTERPRISE_LEADER: _l("Enterprise leaders"),
    COOPERATIVE_LEADER: _l("Cooperative leaders"),
    COOPERATIVE_GROUP_LEADER: _l("Cooperative group leaders"),
    HOUSEHOLD_HEAD: _l("Household business heads"),
    OFFICIAL_PROVINCE: _l("Provincial officials"),
    OFFICIAL_DISTRICT: _l("District officials"),
    OFFICIAL_COMMUNE: _l("Commune officials"),
    COUNCIL_MEMBER: _l("Evaluation council and advisory team members"),
}

# The 2025 reform removed the district level on 1 July 2025.
DISTRICTS_ABOLISHED = date(2025, 7, 1)


def groups_at(as_of: date) -> tuple[str, ...]:
    """The target groups that exist at ``as_of``: no district officials after the reform."""
    if as_of >= DISTRICTS_ABOLISHED:
        return tuple(g for g in TARGET_GROUPS if g != OFFICIAL_DISTRICT)
    return TARGET_GROUPS
