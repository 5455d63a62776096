#!/bin/sh
# A coding command that asks a person first, then uses the answer it is given.
set -e
if [ -z "$AIWORKER_ANSWER" ]; then
  printf 'Should the login use OAuth or passwords?\n' > "$AIWORKER_QUESTION_FILE"
  exit "${ASK_EXIT:-$AIWORKER_ASK_EXIT_CODE}"
fi
printf '%s\n' "$AIWORKER_ANSWER" > decision.md
cp "$AIWORKER_PROMPT_FILE" prompt-with-answer.md
