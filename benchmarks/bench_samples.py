"""How long loading and installing each shipped sample catalog takes (target: load < 2 s, no torch).

    python -m benchmarks.bench_samples

Each measurement runs in a fresh interpreter, so imports are counted as a user would pay them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from core.io.samples import list_samples

PROBE = """
import json, sys, time
t0 = time.perf_counter()
from core import EmbeddedStore
from core.io.samples import install_sample, load_sample
t1 = time.perf_counter()
load_sample(sys.argv[1])
t2 = time.perf_counter()
install_sample(EmbeddedStore(":memory:"), sys.argv[1])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "install": t3 - t2, "torch": "torch" in sys.modules}))
"""


def main() -> None:
    print(f"{'catalog':>10} {'items':>7} {'import s':>9} {'load s':>7} {'install s':>10} {'torch imported':>15}")
    for info in list_samples():
        out = subprocess.run([sys.executable, "-c", PROBE, info.name], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"{info.name:>10} {info.count:>7,} {r['import']:>9.2f} {r['load']:>7.2f} {r['install']:>10.2f} "
              f"{str(r['torch']):>15}")


if __name__ == "__main__":
    main()
