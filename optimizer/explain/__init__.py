"""Explain a plan: what binds and what it is worth (shadow prices), and why a plan is infeasible
(an elastic model with named, penalised slacks, and HiGHS's irreducible infeasible set)."""
