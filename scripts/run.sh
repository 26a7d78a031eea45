#!/usr/bin/env bash
# The main job on a fresh machine: set up, generate the dense dataset (every merchant of the
# reference deployment), load it into the embedded graph, build what the agent needs (review
# embeddings and their ANN index, graph embeddings, the recommenders), then start the chat UI. Every step is idempotent, so a second run starts the UI quickly.
#
#   SCALE=full scripts/run.sh      # the reference deployment: 900,000 reviews
#   SCALE=tiny scripts/run.sh      # smaller data, faster set-up
#   NO_UI=1 scripts/run.sh         # stop after building the graph (prints stats + a query)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export TRIPGRAPH_SCALE="${SCALE:-${TRIPGRAPH_SCALE:-dense}}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

scripts/bootstrap.sh
TG=.venv/bin/tripgraph

if [[ ! -f "data/$TRIPGRAPH_SCALE/manifest.json" ]]; then
    $TG data generate --scale "$TRIPGRAPH_SCALE"
else
    # Data from an older generator is served as it is (the graph was built from it): say so,
    # and how to rebuild, rather than mixing old data with new code silently.
    .venv/bin/python - "data/$TRIPGRAPH_SCALE/manifest.json" <<'PY'
import json, sys
from ingest.generate import GENERATOR_VERSION
have = json.load(open(sys.argv[1])).get("generator_version")
if have != GENERATOR_VERSION:
    print(f"note: {sys.argv[1]} is from generator {have}; this code generates {GENERATOR_VERSION}."
          " To rebuild: move data/ and models/ away, then run make run again.", file=sys.stderr)
PY
fi

$TG ingest
$TG train text-embedder   # the `static` embedder's e5 student; a no-op once trained
$TG embed
$TG train graph-embeddings
$TG train taste-bridge      # what product views say about dining tastes (~9 s on dense)
# The recommenders behind the personalised-product and "viewed together" tools; each is a
# no-op when its saved model came from this data and these settings (a fingerprint).
$TG train meta-bert4rec --minutes 1 --no-register
$TG train meta-prod2vec --epochs 3   # the loss is flat after epoch 3 (4.342 vs 4.331 at 10)

echo
$TG stats
echo
echo "Example read-only query:"
$TG cypher "MATCH (m:Merchant)-[:LOCATED_IN]->(p:Place {name: '애월읍'}) \
WHERE m.category = '흑돼지' RETURN m.name AS name, m.rating AS rating \
ORDER BY rating DESC LIMIT 5"

if [[ -z "${NO_UI:-}" ]] && $TG --help 2>/dev/null | grep -qw "ui"; then
    echo
    echo "Starting the chat UI on http://127.0.0.1:${PORT:-8000} (Ctrl-C to stop)"
    exec $TG ui --port "${PORT:-8000}"
fi
