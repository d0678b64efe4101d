"""LP and MILP back-ends: HiGHS (highspy) and PuLP (its bundled CBC or any PuLP solver)."""
