"""Running workflows (docs/runs-api.md): tickets, workflow instances, iterations, task instances,
ticket errors and files. `engine` is the one adapter that runs kernel steps on the
database; `services` owns every write; views stay thin."""
