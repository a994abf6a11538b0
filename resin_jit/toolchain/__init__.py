"""ISA tiers, host detection and the C compiler."""
