"""Planning benchmark: one school of 2,000 left-behind children and 150 teachers.

    .venv/bin/python bench/pairing_plan.py [--runs 5] [--seed 7]

Pure Python, no broker or database: pairing.planner is domain code. In the same run it times
two baselines on the same data:
- naive: the same preferences written the obvious way, sorting every teacher for every
  child (O(children x teachers log teachers));
- first-fit: each child to the first teacher in the list with a free place (no preferences).
and prints each one's time (best of --runs), its ratio to the planner, and what the plans are
worth: children paired, share with their head or class teacher, siblings kept together, and
the spread of teacher loads.

Then the hand-in-hand friends (手拉手好朋友) of the same school, with one pupil in ten
recorded as not left-behind: pairing.planner.plan_buddies against a naive planner that scans
the whole school for every child, with the share of friends who are not left-behind and the
largest number of children one classmate befriends.
"""
import argparse
import os
import random
import sys
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services"))

from pairing.model import Child, Teacher  # noqa: E402
from pairing.planner import plan_buddies, plan_mentors  # noqa: E402
from pairing.policy import PairingPolicy  # noqa: E402


def make_school(seed, n_children=2000, n_teachers=150, n_classes=48):
    rng = random.Random(seed)
    classes = ["g{}c{}".format(g, c) for g in range(1, 7) for c in range(1, n_classes // 6 + 1)]
    teachers = [Teacher("t{:03d}".format(i), "教师{}".format(i), "s1",
                        roles=("head_teacher",) if i < len(classes) else ("teacher",),
                        class_ids=frozenset(rng.sample(classes, rng.randint(2, 4))))
                for i in range(n_teachers)]
    head_of = {c: teachers[i].teacher_id for i, c in enumerate(classes)}
    children, household = [], 0
    while len(children) < n_children:  # about one family in four has two or three at school
        size = min(rng.choices([1, 2, 3], weights=[75, 20, 5])[0], n_children - len(children))
        household += 1
        for _ in range(size):
            i = len(children)
            children.append(Child(
                "k{:05d}".format(i), "儿童{}".format(i), "s1", rng.choice(classes),
                household_id="h{}".format(household), need=rng.randint(0, 6),
                eligible_since="2026-{:02d}-{:02d}".format(rng.randint(3, 10), rng.randint(1, 28))))
    priority = set()
    by_class = defaultdict(list)
    for c in children:
        by_class[c.class_id].append(c.child_id)
    for ids in by_class.values():
        priority.update(rng.sample(ids, min(len(ids), rng.randint(4, 5))))
    loads = {t.teacher_id: rng.choice([0, 0, 0, 1, 2]) for t in teachers}
    return children, teachers, head_of, loads, frozenset(priority)


def rank(priority):
    return lambda c: (0 if c.child_id in priority else 1, -c.need, c.eligible_since, c.child_id)


def naive(children, teachers, policy, loads, head_of, priority):
    """Same preferences, written plainly: sort all teachers for each child (or sibling group)."""
    load = dict(loads)
    pairs = {}
    groups = defaultdict(list)
    for c in sorted(children, key=rank(priority)):
        groups[c.household_id].append(c)

    def tier(t, members):
        classes = {m.class_id for m in members}
        if any(head_of.get(c) == t.teacher_id for c in classes):
            return 0
        return 1 if t.class_ids & classes else 2

    for members in groups.values():
        for group in ([members], [[m] for m in members]):
            placed = False
            for part in group:
                room = [t for t in teachers if policy.max_mentees - load[t.teacher_id] >= len(part)]
                if not room:
                    break
                best = sorted(room, key=lambda t: (tier(t, part), load[t.teacher_id],
                                                   t.teacher_id))[0]
                for m in part:
                    pairs[m.child_id] = best.teacher_id
                load[best.teacher_id] += len(part)
                placed = True
            if placed:
                break
    return pairs, load


def first_fit(children, teachers, policy, loads):
    load = dict(loads)
    pairs = {}
    for c in children:
        for t in teachers:
            if load[t.teacher_id] < policy.max_mentees:
                pairs[c.child_id] = t.teacher_id
                load[t.teacher_id] += 1
                break
    return pairs, load


def quality(pairs, load, children, teachers, head_of):
    by_id = {t.teacher_id: t for t in teachers}
    near = sum(1 for c in children if c.child_id in pairs and (
        head_of.get(c.class_id) == pairs[c.child_id]
        or c.class_id in by_id[pairs[c.child_id]].class_ids))
    households = defaultdict(set)
    size = Counter(c.household_id for c in children)
    for c in children:
        if size[c.household_id] > 1 and c.child_id in pairs:
            households[c.household_id].add(pairs[c.child_id])
    together = sum(1 for mentors in households.values() if len(mentors) == 1)
    values = list(load.values())
    return {"paired": len(pairs), "own_class_teacher": "{:.0%}".format(near / max(1, len(pairs))),
            "siblings_together": "{}/{}".format(together, len(households)),
            "load_min_max": "{}-{}".format(min(values), max(values))}


def best_time(fn, runs):
    best, result = None, None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    children, teachers, head_of, loads, priority = make_school(args.seed)
    print("school: {} children, {} teachers, {} classes, {} priority children".format(
        len(children), len(teachers), len(head_of), len(priority)))
    for cap in (3, 15):
        policy = PairingPolicy(max_mentees=cap, min_mentees=min(2, cap))
        places = sum(policy.free_places(v) for v in loads.values())
        print("\ncap {} per teacher: {} free places for {} children".format(
            cap, places, len(children)))
        t_plan, proposal = best_time(lambda: plan_mentors(
            children, teachers, policy, loads=loads, head_of=head_of, priority=priority),
            args.runs)
        t_naive, (naive_pairs, naive_load) = best_time(
            lambda: naive(children, teachers, policy, loads, head_of, priority), args.runs)
        t_ff, (ff_pairs, ff_load) = best_time(
            lambda: first_fit(children, teachers, policy, loads), args.runs)
        planned = {p.child_id: p.teacher_id for p in proposal.pairs}
        rows = [("planner", t_plan, quality(planned, proposal.loads_after, children, teachers,
                                            head_of)),
                ("naive", t_naive, quality(naive_pairs, naive_load, children, teachers, head_of)),
                ("first-fit", t_ff, quality(ff_pairs, ff_load, children, teachers, head_of))]
        for name, seconds, q in rows:
            print("  {:<10} {:>9.1f} ms  x{:<6.2f} {}".format(
                name, seconds * 1000, seconds / t_plan,
                "  ".join("{}={}".format(k, v) for k, v in q.items())))
        print("  planner vs naive: {:.1f}x faster; under one second: {}".format(
            t_naive / t_plan, "yes" if t_plan < 1.0 else "NO"))
    bench_buddies(children, args.runs, args.seed)


def naive_buddies(children, pupils, policy):
    """Each child: scan every pupil of the school, keep classmates with room, take the best."""
    load, friends = Counter(), {}
    for child in sorted(children, key=lambda c: c.child_id):
        room = [p for p in pupils if p.class_id == child.class_id and p.child_id != child.child_id
                and load[p.child_id] < policy.buddy_max_children]
        if room:
            best = min(room, key=lambda p: (p.in_programme, load[p.child_id], p.child_id))
            friends[child.child_id] = best.child_id
            load[best.child_id] += 1
    return friends, load


def bench_buddies(children, runs, seed):
    rng = random.Random(seed)
    home = [Child("h{:04d}".format(i), "同学{}".format(i), "s1", c.class_id,
                  status="not_left_behind") for i, c in enumerate(rng.sample(children, 200))]
    pupils = children + home
    policy = PairingPolicy(buddy_max_children=2)
    t_plan, (proposed, missing) = best_time(lambda: plan_buddies(children, pupils, policy), runs)
    t_naive, (naive_pairs, naive_load) = best_time(
        lambda: naive_buddies(children, pupils, policy), runs)
    load = Counter(b.buddy_child_id for b in proposed)
    home_ids = {h.child_id for h in home}
    print("\nfriends: {} children, {} pupils recorded as not left-behind, at most {} children "
          "per friend".format(len(children), len(home), policy.buddy_max_children))
    print("  {:<10} {:>9.1f} ms  x{:<6.2f} friends={} not_left_behind={} max_per_friend={} "
          "missing={}".format("planner", t_plan * 1000, 1.0, len(proposed),
                              sum(1 for b in proposed if b.buddy_child_id in home_ids),
                              max(load.values()), len(missing)))
    print("  {:<10} {:>9.1f} ms  x{:<6.2f} friends={} max_per_friend={}".format(
        "naive", t_naive * 1000, t_naive / t_plan, len(naive_pairs), max(naive_load.values())))


if __name__ == "__main__":
    main()
