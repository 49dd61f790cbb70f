#!/usr/bin/env python3
"""The progsurv model (docs/model.md, One replication) as a researcher would write it in plain Python.

One replication is a hand-written event loop with the standard `random` module: sponsor
tenure (equilibrium residual for the sponsor in post), vacancies that freeze every progress
clock, resources, work, handoffs with pickup and breaks, escalations, phase gates, patience
reviews, budget squeezes and customer follow-ups. It is the peer that bench/compare_peers.py
times against the C++ engine on the same machine, and it checks that both give the same
outcome shares, so the comparison is between two implementations of one model.

Usage:
    baseline_peer.py SCENARIO.yaml [-n REPLICATIONS] [--seed S] [--json]

SCENARIO is read with PyYAML in the canonical form that `progsurv validate` prints (the
scenario files' shorthand parameterisations such as weibull {shape, mean} are accepted too).
"""

import argparse
import json
import math
import random
import sys
import time

import yaml

INF = float("inf")
CATEGORIES = ["completed", "sponsor_exit", "patience", "handoff_failure", "budget_cut",
              "phase_gate", "not_started", "running"]


# --- distributions ------------------------------------------------------------------------

def sampler(spec):
    """(sample(rng), residual(rng), mean) of a duration spec from the scenario file."""
    if spec == "never" or (isinstance(spec, dict) and spec.get("dist") == "never"):
        return (lambda r: INF), (lambda r: INF), INF
    if not isinstance(spec, dict):
        v = float(spec)
        return (lambda r: v), (lambda r: v * r.random()), v
    kind = spec["dist"]
    if kind == "fixed":
        v = float(spec["value"])
        return (lambda r: v), (lambda r: v * r.random()), v
    if kind == "exponential":
        mean = float(spec["mean"]) if "mean" in spec else 1.0 / float(spec["rate"])
        # Memoryless: the residual life is the same exponential.
        return (lambda r: r.expovariate(1.0 / mean)), (lambda r: r.expovariate(1.0 / mean)), mean
    if kind == "weibull":
        k = float(spec["shape"])
        scale = float(spec["scale"]) if "scale" in spec else float(spec["mean"]) / math.gamma(1 + 1 / k)
        # Residual: U times the length-biased draw scale * Gamma(1 + 1/k)^(1/k).
        return ((lambda r: r.weibullvariate(scale, k)),
                (lambda r: r.random() * scale * r.gammavariate(1 + 1 / k, 1.0) ** (1 / k)),
                scale * math.gamma(1 + 1 / k))
    if kind == "lognormal":
        mu, sigma = math.log(float(spec["median"])), float(spec["sigma"])
        return ((lambda r: r.lognormvariate(mu, sigma)),
                (lambda r: r.random() * r.lognormvariate(mu + sigma * sigma, sigma)),
                math.exp(mu + sigma * sigma / 2))
    if kind == "gamma":
        k, theta = float(spec["shape"]), float(spec["scale"])
        return ((lambda r: r.gammavariate(k, theta)),
                (lambda r: r.random() * r.gammavariate(k + 1, theta)), k * theta)
    if kind in ("pert", "triangular", "uniform"):
        lo = float(spec["min"])
        hi = float(spec["max"])
        if kind == "pert":
            mode, lam = float(spec["mode"]), float(spec.get("lambda", 4))
            a = 1 + lam * (mode - lo) / (hi - lo)
            b = 1 + lam * (hi - mode) / (hi - lo)
            draw = lambda r: lo + (hi - lo) * r.betavariate(a, b)
        elif kind == "triangular":
            mode = float(spec["mode"])
            draw = lambda r: r.triangular(lo, hi, mode)
        else:
            draw = lambda r: r.uniform(lo, hi)

        def residual(r):  # length-biased by rejection, then a uniform fraction of it
            while True:
                x = draw(r)
                if r.random() * hi <= x:
                    return r.random() * x
        return draw, residual, None
    raise ValueError("unsupported distribution: %r" % (spec,))


def mix(spec, names):
    """A categorical {level: weight} mix as (levels, cumulative probabilities)."""
    items = [(names.index(k), float(v)) for k, v in spec.items()]
    total = sum(w for _, w in items)
    levels, cumulative, c = [], [], 0.0
    for level, w in items:
        c += w / total
        levels.append(level)
        cumulative.append(c)
    return levels, cumulative


def draw_mix(r, levels, cumulative):
    u = r.random()
    for level, c in zip(levels, cumulative):
        if u < c:
            return level
    return levels[-1]


# --- the scenario -------------------------------------------------------------------------

class Scenario:
    def __init__(self, doc):
        self.horizon = float(doc.get("horizon", 60))
        grid = doc.get("grid", {"step": 1})
        if isinstance(grid, dict):
            step = float(grid["step"])
            n = int(math.floor(self.horizon / step + 1e-9))
            self.grid = [i * step for i in range(n + 1)]
            if self.grid[-1] < self.horizon:
                self.grid.append(self.horizon)
        else:
            self.grid = [float(g) for g in grid]
        self.level_names = list(doc["sponsor_levels"])
        self.levels = []
        for name in self.level_names:
            lv = doc["sponsor_levels"][name]
            tenure, tenure_residual, _ = sampler(lv["tenure"])
            resources, _, _ = sampler(lv.get("resource_delay", 0))
            self.levels.append(dict(tenure=tenure, tenure_residual=tenure_residual,
                                    clout=float(lv.get("clout", 0.5)),
                                    approval=float(lv.get("approval", 1.0)),
                                    patience=float(lv.get("patience_multiplier", 1.0)),
                                    resources=resources))
        self.sponsor = mix(doc["sponsor"], self.level_names)
        self.residual = doc.get("initial_sponsor", "residual") == "residual"
        su = doc.get("succession", {})
        self.vacancy = sampler(su.get("vacancy", 0))[0]
        self.adoption = float(su.get("adoption", 1.0))
        successor = su.get("successor_level", "same")
        self.successor = None if successor == "same" else mix(successor, self.level_names)
        self.silo_names = list(doc["silos"])
        silos = [doc["silos"][n] or {} for n in self.silo_names]
        self.pickup, self.breaks = {}, {}
        for i in range(len(silos)):
            for j, to in enumerate(silos):
                self.pickup[i, j] = sampler(to.get("pickup", 0))[0]
                self.breaks[i, j] = float(to.get("break_prob", 0.0))
        for o in doc.get("handoffs", []) or []:
            key = (self.silo_names.index(o["from"]), self.silo_names.index(o["to"]))
            self.pickup[key] = sampler(o.get("pickup", 0))[0]
            self.breaks[key] = float(o.get("break_prob", 0.0))
        esc = doc.get("escalation", {})
        self.escalation = sampler(esc.get("delay", 0))[0]
        self.max_attempts = int(esc.get("max_attempts", 1))
        self.phases = []
        for ph in doc["phases"]:
            self.phases.append(dict(
                value=float(ph.get("value", 1.0)),
                continue_prob=float(ph.get("continue_prob", 1.0)),
                engage=bool(ph.get("engage", False)),
                steps=[(self.silo_names.index(st["silo"]), sampler(st["work"])[0])
                       for st in ph["steps"]]))
        pat = doc.get("patience", {})
        if pat == "none" or pat is None:
            pat = {"model": "none"}
        self.patience_model = pat.get("model", "reviews")
        self.review_every = float(pat.get("review_every", 3))
        self.threshold = sampler(pat.get("threshold", "never"))[0]
        self.visible_steps = pat.get("visible", "phases") == "steps"
        self.vacancy_multiplier = float(pat.get("vacancy_multiplier", 1.0))
        self.cancel_prob = float(pat.get("cancel_prob", 1.0))
        self.grace = float(pat.get("grace", 0.0))
        self.rate = float(pat.get("rate", 0.0))
        bud = doc.get("budget", "none")
        self.budget = bud not in ("none", None)
        if self.budget:
            self.budget_every = float(bud.get("every", 12))
            self.squeeze_prob = float(bud.get("squeeze_prob", 0.0))
            self.cut_prob = float(bud.get("cut_prob", 0.0))
        cu = doc.get("customers", {}) or {}
        self.follow_up = sampler(cu.get("follow_up", 0))[0]
        self.window = float(cu.get("follow_up_window", 3))
        self.trust_gain = float(cu.get("trust_gain", 0.0))
        self.trust_loss = float(cu.get("trust_loss", 0.0))


# --- one replication ------------------------------------------------------------------------

RESOURCES, WORK, PICKUP, ESCALATION = range(4)


def replicate(s, r):
    """One programme; returns (category, end_time, phases_delivered, value, trust)."""
    level = draw_mix(r, *s.sponsor)
    lv = s.levels[level]
    if r.random() >= lv["approval"]:
        return "not_started", 0.0, 0, 0.0, 1.0
    t = 0.0              # calendar clock
    p = 0.0              # progress clock: stops while the post is vacant
    vacant = False
    sponsor_event = lv["tenure_residual"](r) if s.residual else lv["tenure"](r)
    theta = s.threshold(r) if s.patience_model == "reviews" else INF
    hazard_left = r.expovariate(1.0) if s.patience_model == "hazard" and s.rate > 0 else INF
    next_review = s.review_every if theta < INF else INF
    next_budget = s.budget_every if s.budget and s.squeeze_prob > 0 else INF
    last_visible = 0.0
    phase, step, attempts = 0, 0, 0
    delivered, value, trust = 0, 0.0, 1.0
    follow_ups = []      # [calendar start, progress due]
    activity = RESOURCES
    due = p + s.levels[level]["resources"](r)
    while True:
        m = s.vacancy_multiplier if vacant else s.levels[level]["patience"]
        t_activity = INF if vacant else t + (due - p)
        t_follow, i_follow = INF, -1
        if not vacant:
            for i, f in enumerate(follow_ups):
                when = t + (f[1] - p)
                if when < t_follow:
                    t_follow, i_follow = when, i
        t_hazard = max(t, s.grace) + hazard_left * m / s.rate if hazard_left < INF else INF
        t_next = min(t_activity, t_follow, next_review, t_hazard, next_budget, sponsor_event)
        if t_next > s.horizon:
            for f in follow_ups:
                if s.horizon - f[0] > s.window:
                    trust *= 1 - s.trust_loss
            return "running", s.horizon, delivered, value, trust
        # Advance both clocks (and the integrated patience hazard) to the event.
        if hazard_left < INF and t_next > max(t, s.grace):
            hazard_left -= (t_next - max(t, s.grace)) * s.rate / m
        if not vacant:
            p += t_next - t
        t = t_next
        # Ties: progress events, then patience, then budget, then sponsor events.
        if t_activity == t_next:
            p = due
            if activity == RESOURCES:
                if s.phases[phase]["engage"]:
                    follow_ups.append([t, p + s.follow_up(r)])
                activity, due = WORK, p + s.phases[phase]["steps"][0][1](r)
            elif activity == WORK:
                steps = s.phases[phase]["steps"]
                if s.visible_steps:
                    last_visible = t
                if step + 1 < len(steps):
                    src = steps[step][0]
                    step += 1
                    dst = steps[step][0]
                    if src == dst:
                        due = p + steps[step][1](r)
                    else:
                        activity, due = PICKUP, p + s.pickup[src, dst](r)
                    continue
                delivered += 1
                value += s.phases[phase]["value"]
                last_visible = t
                if phase + 1 == len(s.phases):
                    return finish(s, "completed", t, p, delivered, value, trust, follow_ups)
                if r.random() >= s.phases[phase]["continue_prob"]:
                    return finish(s, "phase_gate", t, p, delivered, value, trust, follow_ups)
                phase, step = phase + 1, 0
                activity, due = RESOURCES, p + s.levels[level]["resources"](r)
            elif activity == PICKUP:
                steps = s.phases[phase]["steps"]
                key = (steps[step - 1][0], steps[step][0])
                if r.random() >= s.breaks[key]:
                    activity, due = WORK, p + steps[step][1](r)
                elif s.max_attempts == 0:
                    return finish(s, "handoff_failure", t, p, delivered, value, trust, follow_ups)
                else:
                    attempts = 1
                    activity, due = ESCALATION, p + s.escalation(r)
            else:  # an escalation trial, with the clout of whoever is in post now
                if r.random() < s.levels[level]["clout"]:
                    activity, due = WORK, p + s.phases[phase]["steps"][step][1](r)
                elif attempts < s.max_attempts:
                    attempts += 1
                    due = p + s.escalation(r)
                else:
                    return finish(s, "handoff_failure", t, p, delivered, value, trust, follow_ups)
        elif t_follow == t_next:
            start, due_f = follow_ups.pop(i_follow)
            p = due_f
            trust = judge(s, trust, t - start)
        elif t_hazard == t_next:
            return finish(s, "patience", t, p, delivered, value, trust, follow_ups)
        elif next_review == t_next:
            # A review: overdue when the months since the last visible result exceed θ·m.
            if t >= s.grace and t - last_visible > theta * m and r.random() < s.cancel_prob:
                return finish(s, "patience", t, p, delivered, value, trust, follow_ups)
            next_review += s.review_every
        elif next_budget == t_next:
            if r.random() < s.squeeze_prob:
                clout = 0.0 if vacant else s.levels[level]["clout"]
                if r.random() < s.cut_prob * (1 - clout):
                    return finish(s, "budget_cut", t, p, delivered, value, trust, follow_ups)
            next_budget += s.budget_every
        elif not vacant:  # the sponsor leaves: progress freezes for the vacancy
            vacant = True
            sponsor_event = t + s.vacancy(r)
        else:  # end of the vacancy: a successor adopts the programme, or it ends
            if r.random() >= s.adoption:
                return finish(s, "sponsor_exit", t, p, delivered, value, trust, follow_ups)
            if s.successor is not None:
                level = draw_mix(r, *s.successor)
            vacant = False
            sponsor_event = t + s.levels[level]["tenure"](r)


def judge(s, trust, elapsed):
    if elapsed <= s.window:
        return min(1.0, trust + s.trust_gain)
    return trust * (1 - s.trust_loss)


def finish(s, category, t, p, delivered, value, trust, follow_ups):
    if category == "completed":  # pending follow-ups are still delivered, in order
        for start, due in sorted(follow_ups, key=lambda f: f[1]):
            trust = judge(s, trust, t + (due - p) - start)
    else:
        for _ in follow_ups:
            trust *= 1 - s.trust_loss
    return category, t, delivered, value, trust


# --- a run ------------------------------------------------------------------------------------

def run(s, n, seed):
    """n replications; the tally a researcher would keep: category counts, end-time
    histogram on the grid per category, value and trust sums."""
    r = random.Random(seed)
    counts = {c: 0 for c in CATEGORIES}
    ended_by = {c: [0] * (len(s.grid) + 1) for c in CATEGORIES}
    value_sum = trust_sum = 0.0
    for _ in range(n):
        category, end, _, value, trust = replicate(s, r)
        counts[category] += 1
        b = 0
        while b < len(s.grid) and s.grid[b] < end:
            b += 1
        ended_by[category][b] += 1
        value_sum += value
        trust_sum += trust
    return dict(n=n, counts=counts, value_mean=value_sum / n, trust_mean=trust_sum / n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("-n", "--replications", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args()
    with open(a.scenario) as f:
        s = Scenario(yaml.safe_load(f))
    start = time.perf_counter()
    result = run(s, a.replications, a.seed)
    result["seconds"] = time.perf_counter() - start
    result["replications_per_second"] = a.replications / result["seconds"]
    if a.json:
        print(json.dumps(result))
    else:
        print("%d replications in %.2f s: %.0f replications/s" %
              (a.replications, result["seconds"], result["replications_per_second"]))
        for c in CATEGORIES:
            print("  %-16s %.4f" % (c, result["counts"][c] / a.replications))
    return 0


if __name__ == "__main__":
    sys.exit(main())
