"""Seeded fuzzing of config, table and --set input: broken and hostile inputs must give located
problems (exit 2) or a solver's reason (exit 3), never a traceback, a hang or exit 1."""
