#!/bin/sh
# A coding command that tries the network: an allowed host (through the runner's proxy), another host, and
# the same host around the proxy. $REPO_PATH is a path on the Gitea stand-in, $GITEA_PORT its port.
{
  echo "allowed: $(curl -s -m 30 "http://localhost:$GITEA_PORT$REPO_PATH" | head -c 40)"
  echo "other host: $(curl -s -m 30 "http://127.0.0.1:$GITEA_PORT$REPO_PATH")"
  echo "around the proxy: $(curl -s -m 5 --noproxy '*' "http://localhost:$GITEA_PORT$REPO_PATH" >/dev/null 2>&1 || echo "failed $?")"
} > network.md
