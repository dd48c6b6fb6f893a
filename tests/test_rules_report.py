"""`python -m sourcead rules`: every primitive with its forward and reverse status, and the
count of NumPy functions with both rules."""

import re
import subprocess
import sys

import numpy as np

from sourcead.__main__ import main
from sourcead.ir.primitives import lookup


def report(capsys):
    assert main(["rules"]) == 0
    return capsys.readouterr().out.splitlines()


def test_rules_lists_every_primitive_with_its_status(capsys):
    lines = report(capsys)
    assert lines[0].split() == ["primitive", "forward", "reverse"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:] if line and
            not line.startswith(("primitives:", "NumPy functions"))}
    assert rows["np.tanh"] == ["yes", "yes"]
    assert rows["np.linalg.norm"] == ["yes", "yes"]
    assert rows["add"][-2:] == ["yes", "yes"]           # `add (x + y)`: the operator
    assert rows["np.argmax"][:2] == ["-", "-"]
    assert "not differentiable" in " ".join(rows["np.argmax"])
    assert lookup(np.cumprod) is not None and rows["np.cumprod"] == ["yes", "yes"]


def test_rules_ends_with_the_count_of_numpy_functions_with_both_rules(capsys):
    lines = report(capsys)
    m = re.fullmatch(r"NumPy functions with forward and reverse rules: (\d+)", lines[-1])
    assert m, lines[-1]
    count = int(m.group(1))
    listed = [line for line in lines if re.match(r"np\.\S+( \(any number of arrays\))?\s+yes\s+yes\s*$", line)]
    assert count == len(listed) >= 80


def test_rules_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "sourcead", "rules"], capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"^NumPy functions with forward and reverse rules: \d+$", out, re.M)
