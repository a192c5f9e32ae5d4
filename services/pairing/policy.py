"""A county's pairing policy (结对政策): who gets a mentor teacher, how many children a staff
member mentors, how many friends a child should have, and the like.

Each county bureau sets its own; every school of the county follows it. Lowering the cap
never ends a pairing on its own: a staff member above the new cap is reported, and gets no
new mentees until under it.
"""
from dataclasses import asdict, dataclass, replace

from carekit.contracts.pairing import MENTOR_SCOPES

SCOPE_LABELS = {"recommended": "仅各班推荐的重点儿童", "all": "全部留守儿童"}


@dataclass(frozen=True)
class PairingPolicy:
    county_id: str = None
    # Two summaries pair only the 4-5 典型 children each class recommends; the third pairs
    # every left-behind child with a teacher. The county chooses.
    mentor_scope: str = "recommended"
    max_mentees: int = 3              # 每位教师结对 2-3 名学生
    min_mentees: int = 2
    priority_per_class_min: int = 4   # 每班推荐 4-5 名重点学生
    priority_per_class_max: int = 5
    head_teacher_first: bool = True   # 班主任优先结对本班学生
    buddies_per_child: int = 1        # 每个留守孩子都有一个以上的手拉手好朋友
    buddy_max_children: int = 2       # one classmate is the friend of at most this many
    proxy_parent_required: bool = False
    version: int = 0                  # 0: the defaults, never stored

    def changed(self, **values):
        return replace(self, **values)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        # the stand-in returns booleans as 1/0
        for flag in ("head_teacher_first", "proxy_parent_required"):
            if flag in known:
                known[flag] = bool(known[flag])
        if known.get("mentor_scope") not in MENTOR_SCOPES:
            known.pop("mentor_scope", None)
        return cls(**known)

    def wants_mentor(self, child, recommended):
        """Is a mentor teacher expected for `child` (in the programme) under this policy?"""
        return self.mentor_scope == "all" or child.child_id in recommended

    def free_places(self, load):
        """New mentees a staff member with `load` active mentees may still take (>= 0)."""
        return max(0, self.max_mentees - load)

    def load_status(self, load):
        if load > self.max_mentees:
            return "over"
        if load < self.min_mentees:
            return "under"
        return "ok"


LOAD_STATUS_LABELS = {"over": "超出上限", "under": "未达下限", "ok": "正常"}


def over_capacity(policy, teacher_loads):
    """[(teacher_id, load)] above the policy's cap, largest first."""
    over = [(tid, load) for tid, load in teacher_loads.items() if load > policy.max_mentees]
    return sorted(over, key=lambda item: (-item[1], item[0]))
