"""The outcome table of a fuzzing run: overall and by feature tag, and the refusals and
internal errors grouped by message."""

import collections

from .check import FAILURES, OUTCOMES, normalise

SHORT = {"wrong value": "value", "wrong gradient": "grad", "wrong JVP": "jvp",
         "mutated argument": "mutated", "hang": "hang", "internal error": "internal",
         "refused": "refused", "non-smooth": "kinked", "correct": "correct"}


def _pct(k, n):
    return f"{100.0 * k / n:5.1f}%" if n else "    -"


def overall(results):
    """Programs by outcome (their most severe finding), and how many had such a finding
    at all (a program with a wrong value may also have written into an argument)."""
    n = len(results)
    counts = collections.Counter(r.outcome for r in results)
    anywhere = collections.Counter(o for r in results for o in {f.outcome for f in r.findings})
    lines = [f"{'outcome':<18}{'programs':>9}{'share':>8}{'with such a finding':>21}"]
    for o in OUTCOMES:
        also = anywhere[o] if o not in ("correct", "non-smooth") else ""
        lines.append(f"{o:<18}{counts[o]:>9}{_pct(counts[o], n):>8}{also:>21}")
    failed = sum(counts[o] for o in FAILURES)
    lines.append(f"{'(failures)':<18}{failed:>9}{_pct(failed, n):>8}")
    lines.append(f"{'total':<18}{n:>9}")
    return "\n".join(lines)


def by_feature(results, features=None):
    """One row per feature tag: the programs that use it and their outcomes."""
    rows = collections.defaultdict(collections.Counter)
    for r in results:
        for tag in r.program.features:
            rows[tag][r.outcome] += 1
    tags = sorted(rows, key=lambda t: (-_failing(rows[t]) / sum(rows[t].values()), t))
    if features:
        tags = [t for t in tags if t in features]
    head = f"{'feature':<20}{'n':>6}" + "".join(f"{SHORT[o]:>9}" for o in OUTCOMES) + \
        f"{'failing':>9}{'refused':>9}"
    lines = [head]
    for t in tags:
        c = rows[t]
        n = sum(c.values())
        lines.append(f"{t:<20}{n:>6}" + "".join(f"{c[o]:>9}" for o in OUTCOMES) +
                     f"{_pct(_failing(c), n):>9}{_pct(c['refused'], n):>9}")
    return "\n".join(lines)


def _failing(counter):
    return sum(counter[o] for o in FAILURES)


def messages(results, outcome):
    """{normalised message: number of programs} for refusals or internal errors (each
    program counted once per distinct message)."""
    counts = collections.Counter()
    for r in results:
        seen = {normalise(f.detail) for f in r.findings if f.outcome == outcome}
        counts.update(seen)
    return counts


def render(results, features=None, top=15):
    parts = [f"{len(results)} programs", "", overall(results), "", "By feature (programs "
             "using it; sorted by share failing):", "", by_feature(results, features)]
    for outcome, title in (("refused", "Refusals"), ("internal error", "Internal errors")):
        counts = messages(results, outcome)
        if counts:
            parts += ["", f"{title}, most common (programs):", ""]
            parts += [f"{c:>6}  {m}" for m, c in counts.most_common(top)]
    return "\n".join(parts)
