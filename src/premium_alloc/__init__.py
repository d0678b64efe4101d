"""premium_alloc: plan who pays the social-security premiums of vulnerable workers."""
