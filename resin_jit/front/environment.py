"""The RESIN_JIT_* switches read from the environment, which is outside input: a flag is 1 or 0
(yes/no, true/false, on/off) or unset, and anything else is an error naming the variable."""
import os


def env_flag(name):
    """True/False for an env var set to 1/0 (yes/no, true/false), None when unset or empty."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", None):
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, not {value!r}")
