"""The TicketFlower Django service (the imperative shell around the kernel)."""
