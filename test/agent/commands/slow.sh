#!/bin/sh
# A coding command that takes longer than the agent's lease, then finishes.
sleep "${SLOW_SECONDS:-10}"
echo "slow but done" > slow.md
