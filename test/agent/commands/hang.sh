#!/bin/sh
# A coding command that hangs, with a child of its own (both must be killed): records their pids.
sleep 600 &
echo $! >> "$PIDS_FILE"
echo $$ >> "$PIDS_FILE"
echo "working…"
wait
