#!/bin/sh
# A coding command that would work for 60 s, printing as it goes, with a child of its own: records their pids.
sleep 60 &
echo $! >> "$PIDS_FILE"
echo $$ >> "$PIDS_FILE"
i=0
while [ $i -lt 120 ]; do echo "working $i"; sleep 0.5; i=$((i+1)); done
wait
