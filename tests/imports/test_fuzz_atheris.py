"""Every import parser survives coverage-guided fuzzing (atheris, libFuzzer), bounded for CI.

The harness is tests/imports/fuzz_parsers.py: its docstring states the contract (rows or
the import's own `ImportFileError`, nothing else; rows the database can store; the COPY fast
path equal to the full validator) and how to fuzz longer. Here each target runs a fixed
number of inputs from a fixed seed, capped in time, in a subprocess (libFuzzer owns the
process). A failure prints the crashing input in base64: add it to
tests/imports/test_fuzz_regressions.py once the parser is fixed.
"""

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imports.fuzz_parsers import TARGETS

HARNESS = Path(__file__).with_name("fuzz_parsers.py")
ROOT = HARNESS.parents[2]
# Inputs per target, for about 2-4 s each on a CI core (the slow ones parse HTML or XLSX).
RUNS = {
    "auto": 800,
    "canonical": 20_000,
    "canonical_copy": 8_000,
    "snapshots": 20_000,
    "tradovate": 2_000,
    "ctrader": 10_000,
    "ninjatrader": 10_000,
    "mt4": 1_000,
    "mt5_csv": 8_000,
    "mt5_html": 500,
    "mt5_xlsx": 300,
    "values": 50_000,
}
CAP_SECONDS = 20  # a slow machine runs fewer inputs rather than stalling the suite
DONE = re.compile(r"Done (\d+) (?:runs )?in \d+ second")


def test_every_target_has_a_budget():
    assert set(RUNS) == set(TARGETS)


@pytest.mark.parametrize("target", sorted(RUNS))
def test_parser_survives_coverage_guided_fuzzing(target, tmp_path):
    artifacts = tmp_path / "artifacts"
    corpus = tmp_path / "corpus"
    artifacts.mkdir()
    corpus.mkdir()
    command = [
        sys.executable,
        str(HARNESS),
        "--target",
        target,
        "--workdir",
        str(tmp_path / "work"),
        f"-atheris_runs={RUNS[target]}",
        f"-max_total_time={CAP_SECONDS}",
        "-seed=1",
        "-timeout=30",  # seconds for one input: a hang is a failure too
        "-rss_limit_mb=2048",
        f"-artifact_prefix={artifacts}/",
        str(corpus),
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=CAP_SECONDS + 90
    )

    # crash-, timeout-, oom-: a failure; a slow-unit- file only says the machine was busy.
    found = sorted(p for p in artifacts.iterdir() if not p.name.startswith("slow-unit-"))
    if done.returncode != 0 or found:
        inputs = "\n".join(f"{p.name}: {base64.b64encode(p.read_bytes()).decode()}" for p in found)
        log = "\n".join(done.stderr.splitlines()[-60:])
        pytest.fail(
            f"fuzz target {target!r} failed (exit {done.returncode}).\n"
            f"Crashing input(s), base64:\n{inputs or '(none written)'}\n--- log tail ---\n{log}"
        )
    ran = DONE.search(done.stderr)
    assert ran, done.stderr[-2000:]
    # The run really fuzzed: past the seeds, and not cut short to a handful by the cap.
    assert int(ran.group(1)) >= min(RUNS[target], 200), done.stderr[-2000:]
