"""The TicketFlower kernel: a functional core for workflow runs (see ../shared/spec/SEMANTICS.md).

Plain JSON-serialisable data in, plain data out. No I/O, no clock, no Django, and no
import of anything else of ours: expressions are evaluated through an `Evaluator`
handed in by the caller.
"""
