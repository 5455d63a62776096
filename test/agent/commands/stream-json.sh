#!/bin/sh
# A coding command that talks like Claude Code with --output-format stream-json --verbose: a system line,
# an assistant tool call, its result, plain text on stderr; then it waits for $GO_FILE (up to 60 s), writes
# its change and closes with the result line carrying usage and total_cost_usd.
echo '{"type":"system","subtype":"init","model":"claude-sonnet-4-5","session_id":"s1","tools":["Write"]}'
echo '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Write","input":{"file_path":"hello.txt","content":"hello"}}]}}'
echo "plain progress line with the token $AIWORKER_LEAK_CHECK" >&2
echo '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"File created"}]}}'
i=0
while [ ! -f "$GO_FILE" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "hello" > hello.txt
echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Created hello.txt."}]}}'
echo '{"type":"result","subtype":"success","is_error":false,"duration_ms":1200,"num_turns":2,"result":"Created hello.txt.","total_cost_usd":0.0123,"usage":{"input_tokens":2400,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":48}}'
