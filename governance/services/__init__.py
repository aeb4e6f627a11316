"""Business rules. Views, admin, imports, tasks and commands all call these, so
every path is permission-checked and audited alike."""
