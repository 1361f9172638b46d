"""Each fault of issue "Nothing lost under faults" at the issue's load: 600 workflows
(a 3-action chain, a sync-then-async workflow, and for the hanging endpoint a third kind
that calls it) spread over `--seconds`, the fault striking a third of the way in.

The service runs on servers of its own (tests/faults/stack.py: embedded PostgreSQL, an
in-memory Valkey, gunicorn, `ticketflower worker --processes 2 --threads 4`, the
scheduler, loopback stand-ins), so nothing else on the machine is touched:

    .venv/bin/python bench/faults.py                    # every fault, 600 workflows each
    .venv/bin/python bench/faults.py --workflows 100 --only redis

Prints one row per fault (submitted / completed / errored / stuck / steps applied twice /
tickets created twice / recovery) and a Markdown table at the end, the one in
docs/reliability.md. Recovery counts from the moment the part is back (or the switch is
turned off) until every submitted workflow has ended.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")

from tests.faults.scenarios import FAULTS, play  # noqa: E402
from tests.faults.stack import Stack  # noqa: E402

COLUMNS = [
    "fault", "submitted", "completed", "errored", "stuck", "steps applied twice",
    "tickets created twice", "recovery s",
]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=60.0, help="the load's length")
    parser.add_argument("--only", default="", help="play only faults whose name contains it")
    parser.add_argument("--callback-ttl", default="20", help="seconds a callback is waited for")
    args = parser.parse_args()
    names = [name for name in FAULTS if args.only.lower() in name.lower()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="tf-faults-") as tmp:
        stack = Stack(Path(tmp), env={"TICKETFLOWER_CALLBACK_TTL": args.callback_ttl})
        try:
            for name in names:
                played = play(stack, name, args.workflows, args.seconds, settle_timeout=900)
                row = played.row()
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            stack.close()
    print()
    print("| " + " | ".join(COLUMNS) + " | other |")
    print("|" + "---|" * (len(COLUMNS) + 1))
    for row in rows:
        other = {key: value for key, value in row.items() if key not in COLUMNS}
        cells = [str(row[column]) for column in COLUMNS]
        print("| " + " | ".join(cells) + f" | {json.dumps(other)} |")
    lost = sum(row["stuck"] + row["steps applied twice"] + row["tickets created twice"]
               for row in rows)  # fmt: skip
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
