"""Where the test suite finds the repository, the seeds and ../shared (plain constants, so
test modules can import them without importing a conftest)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = REPO / "seeds"
SEED_000 = SEEDS / "000_63aa607454dee101.txt"
SEED_004 = SEEDS / "004_8d2475812c2d4b17.txt"
