"""A differential fuzzer for sourcead: random Python/NumPy programs built from the
constructs the README claims (`generate.generate`), each checked against its own value
and against finite differences in forward and reverse mode (`check.check`), failures
shrunk (`minimize.minimize`), and the outcomes tabulated by feature (`report`).
`python -m sourcead fuzz` runs it (`driver`); docs/fuzzing.md says how to read it."""

from .check import FAILURES, OUTCOMES, Result  # noqa: F401
from .generate import FEATURES, Program  # noqa: F401
