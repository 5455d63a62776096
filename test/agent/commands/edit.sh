#!/bin/sh
# A coding command that edits files: keeps what it was given and writes a change of its own.
set -e
cat > stdin-prompt.md
cp "$AIWORKER_PROMPT_FILE" file-prompt.md
mkdir -p src
printf 'export const title = %s;\n' "\"$AIWORKER_TASK_TITLE\"" > src/feature.ts
if [ -n "$AIWORKER_FEEDBACK" ]; then printf '%s\n' "$AIWORKER_FEEDBACK" > feedback-addressed.md; fi
# Secrets of the runner never reach the command.
env | grep -E '^(GITEA_TOKEN|AIWORKER_AGENT_TOKEN|GIT_CONFIG_VALUE_0)=' > leaked-env.txt || true
[ -s leaked-env.txt ] || rm leaked-env.txt
