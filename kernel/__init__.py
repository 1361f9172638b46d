"""The TicketFlower kernel: a functional core for workflow runs (see docs/semantics.md).

Plain JSON-serialisable data in, plain data out. No I/O, no clock, no Django, and no
import of anything else of ours: expressions are evaluated through an `Evaluator`
handed in by the caller.

Read in this order (it follows docs/semantics.md): `bundle` compiles a bundle once;
`workspace` checks and merges writes; `conditions`, `completions` (first), `triggers`
(then tasks), `conflicts` (parallel writes), `guards` (stall, runaway) and `explain`
(decisions) are the rules; `step` composes them over `state` and `events` into
`effects`. Beside them: `validation`, `analysis`, `simulate`. See docs/kernel.md.
"""
