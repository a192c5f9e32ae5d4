"""The county pairing policy (结对政策): how many children a teacher mentors, and the like.

The county bureau sets it; every school follows it. Lowering the cap never ends a pairing
on its own: a teacher above the new cap is reported, and gets no new mentees until under it.
"""
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class PairingPolicy:
    max_mentees: int = 3              # 每位教师结对 2-3 名学生
    min_mentees: int = 2
    priority_per_class_min: int = 4   # 每班推荐 4-5 名重点学生
    priority_per_class_max: int = 5
    head_teacher_first: bool = True   # 班主任优先结对本班学生
    buddies_per_child: int = 1        # 每个留守孩子都有一个以上的手拉手好朋友
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
        return cls(**known)

    def free_places(self, load):
        """New mentees a teacher with `load` active mentees may still take (never negative)."""
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
