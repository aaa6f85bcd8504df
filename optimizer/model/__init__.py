"""The siting MILP: ``build.build_model`` assembles one module per constraint family."""
