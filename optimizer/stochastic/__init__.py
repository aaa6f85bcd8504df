"""Two-stage stochastic plans: scenarios, the deterministic equivalent, a scenario decomposition, EVPI, VSS
and regret (docs/formulation.md, "Decisions under uncertainty")."""
