"""What a sample's community costs: installing it, loading it for the lab's workspaces, serving with it.

    python -m benchmarks.bench_community [movies books]

For each sample with a log, in a fresh interpreter:

1. ``install_sample(store, name, community=True)`` into an in-memory store, against the catalog alone
   (the community's share: reading the log, building the rows, the one bulk write);
2. the lab's path: a ``SampleLibrary`` and a first workspace attaching the sample (the community
   installed once into the shared store), its first ``get_objects`` for a new persona (which scans
   every interaction for popularity), the same for a second workspace (nothing installed again),
   and a ``get_objects`` after one more like (popularity recomputed over the community and the
   workspace's own interactions).
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import json, sys, tempfile, time
from core import (EmbeddedStore, PersonaInteraction, SampleLibrary, Workspaces, install_sample, load_sample_interactions,
                  to_uuid)
name = sys.argv[1]
def clock(f):
    t = time.perf_counter(); out = f(); return time.perf_counter() - t, out
alone, _ = clock(lambda: install_sample(EmbeddedStore(":memory:"), name))
both, spec = clock(lambda: install_sample(EmbeddedStore(":memory:"), name, community=True))
log = load_sample_interactions(name)
spaces = Workspaces(tempfile.mkdtemp(), SampleLibrary())
def first_request(ws):
    agent = ws.agent(spec.name)
    item = log.item_uuid.iloc[0]
    agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=item, weight=1.0)],
                           create_persona_if_not_exists=True)
    return agent.get_objects("bench", limit=10, use_agent_ranking=False)
attach1, _ = clock(lambda: spaces.create_private().agent(spec.name))
ws = spaces.create_private()
request1, _ = clock(lambda: first_request(ws))
ws2 = spaces.create_private()
attach2, _ = clock(lambda: ws2.agent(spec.name))
request2, _ = clock(lambda: first_request(ws2))
agent = ws2.agent(spec.name)
agent.add_interactions([PersonaInteraction(persona_id="bench", item_id=log.item_uuid.iloc[1], weight=1.0)])
after_like, _ = clock(lambda: agent.get_objects("bench", limit=10, use_agent_ranking=False))
steady, _ = clock(lambda: agent.get_objects("bench", limit=10, use_agent_ranking=False))
print(json.dumps({"sample": name, "ratings": len(log), "users": int(log.user.nunique()),
                  "install_catalog_s": alone, "install_with_community_s": both, "community_s": both - alone,
                  "lab_first_attach_s": attach1, "lab_first_request_s": request1, "lab_second_attach_s": attach2,
                  "lab_second_request_s": request2, "get_objects_after_a_like_s": after_like,
                  "get_objects_steady_s": steady}))
"""


def main(names: list[str]) -> None:
    for name in names or ["movies", "books"]:
        out = subprocess.run([sys.executable, "-c", PROBE, name], capture_output=True, text=True, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
