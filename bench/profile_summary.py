"""Where a process tree spends its CPU, from a py-spy recording in `raw` format.

    py-spy record --pid PID --subprocesses --gil --format raw --rate 200 --duration 10 -o out.txt
    .venv/bin/python bench/profile_summary.py out.txt [TOP]

`--gil` keeps only the samples of threads holding the GIL (running Python), so the shares
are of CPU, not of waiting. Prints the functions by their own share of the samples, then
by their inclusive share (the function or anything it calls), file paths shortened to the
package. bench/profile.sh records gunicorn and the workers under bench/e2e.py's load.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

FRAME = re.compile(r"(.*) \((.*?)(:\d+)?\)$")
PREFIX = re.compile(r".*/(site-packages|lib/python3\.\d+)/|.*/(?=(platform|plugins|kernel)/)")


def summary(path: str) -> tuple[int, Counter, Counter]:
    """Samples in all, samples per function on top of the stack, samples per function
    anywhere in the stack."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack:
                continue
            n = int(count)
            total += n
            names = []
            for frame in stack.split(";"):
                match = FRAME.match(frame)
                names.append(
                    f"{match.group(1)} [{PREFIX.sub('', match.group(2))}]" if match else frame
                )
            own[names[-1]] += n
            for name in set(names):
                inclusive[name] += n
    return total, own, inclusive


def main() -> None:
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    total, own, inclusive = summary(path)
    print(f"{total} samples")
    for title, counts in (("own", own), ("inclusive", inclusive)):
        print(f"\n| {title} % | function |\n|---:|---|")
        for name, n in counts.most_common(top):
            if not name.startswith("process ") and not name.startswith("Thread._bootstrap"):
                print(f"| {100 * n / total:.1f} | {name} |")


if __name__ == "__main__":
    main()
