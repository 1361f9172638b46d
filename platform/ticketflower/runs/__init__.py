"""Running workflows (issue 5): tickets, workflow instances, iterations, task instances,
ticket errors and files. `engine` is the one adapter that runs kernel steps on the
database; `services` owns every write; views stay thin."""
