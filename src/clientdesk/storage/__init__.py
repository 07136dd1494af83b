"""Engine factory, migrations, integrity checks. No engine is created at import time."""
